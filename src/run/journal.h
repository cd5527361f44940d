/*
 * journal.h — records as single JSON lines: the resumable journal
 * (measure --journal), the MPI gather and `merge` share them (doc/scaling-out.md, doc/cimeter.1).
 *
 * A line holds one CimRecord exactly: the path and messages as hex bytes (any
 * file name survives), integers as integers, `seconds` as a C99 hex float, so
 * a record read back reduces to the very same aggregates as the original.
 */
#ifndef CIM_JOURNAL_H
#define CIM_JOURNAL_H
#include <stdio.h>
#include "run/run.h"

typedef struct CimJournal CimJournal;

/* One record as a JSON line without the newline (malloc'd), NULL on OOM. */
char *cim__record_to_line(const CimRun *run, const CimRecord *r);
/* Parses a line into *r (fresh allocations); returns <0 on a malformed line. */
int   cim__record_from_line(const CimRun *run, const char *line, CimRecord *r, CimErr *e);

/* Adds records to a run, sorts all by path, refuses repeats of one path and
 * re-reduces. The records' allocations move into the run (also on error). */
int   cim__run_adopt(CimRun *run, CimRecord *recs, size_t n, CimErr *e);
/* Same, from '\n'-separated lines (the MPI gather). */
int   cim__run_adopt_lines(CimRun *run, const char *buf, size_t len, CimErr *e);
/* Serialises every record of the run as lines (malloc'd buffer). */
int   cim__run_export_lines(const CimRun *run, char **buf, size_t *len, CimErr *e);

/* Journal of run->journal: loads finished records into the pending ones,
 * cuts a torn last line, then opens for appending. *out = NULL when the run
 * has no journal. */
int   cim__journal_open(CimRun *run, CimJournal **out, CimErr *e);
/* Appends one finished record and flushes (callers serialise calls). */
int   cim__journal_append(CimJournal *j, const CimRun *run, const CimRecord *r);
void  cim__journal_close(CimJournal *j);
#endif
