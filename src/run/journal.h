/*
 * journal.h — the resumable journal of measure --journal (doc/scaling-out.md,
 * doc/cimeter.1): a header line, then one record line (record.h) per finished file.
 */
#ifndef CIM_JOURNAL_H
#define CIM_JOURNAL_H
#include <stdio.h>
#include "run/run.h"

typedef struct CimJournal CimJournal;

/* Journal of run->journal: loads finished records into the pending ones,
 * cuts a torn last line, then opens for appending. *out = NULL when the run
 * has no journal. */
int   cim__journal_open(CimRun *run, CimJournal **out, CimErr *e);
/* Appends one finished record and flushes (callers serialise calls). */
int   cim__journal_append(CimJournal *j, const CimRun *run, const CimRecord *r);
void  cim__journal_close(CimJournal *j);
#endif
