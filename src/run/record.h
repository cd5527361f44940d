/*
 * record.h — the life of a CimRecord (run.h): made, filled with an error,
 * cleared; written as one JSON line and read back; adopted into a run.
 *
 * The measuring loop (pipeline.c), the resumable journal (journal.c), the
 * MPI hand-over (cim_run_export_records) and `merge` (out/json_read.c) all
 * go through here; only pipeline.c calls journal.c, never the reverse.
 *
 * A record line holds one record exactly: the path and messages as hex bytes
 * (any file name survives), integers as integers, `seconds` as a C99 hex
 * float, so a record read back reduces to the very same aggregates as the
 * original (doc/scaling-out.md).
 */
#ifndef CIM_RECORD_H
#define CIM_RECORD_H
#include "run/run.h"

/* Fills *r as a fresh record of path: modality none, pending, every count
 * CIM_TOKENS_NA. CIM_ERR_NOMEM (r left clear) when out of memory. */
int  cim__record_init(const CimRun *run, CimRecord *r, const char *path, CimErr *e);
/* Appends a fresh record of path to run->rec; NULL with e set on OOM. */
CimRecord *cim__run_new_record(CimRun *run, const char *path, CimErr *e);
/* Sets r to an error from e. */
void cim__record_error(CimRecord *r, const CimErr *e);
/* Frees what r holds and zeroes it (a cleared record may be cleared again). */
void cim__record_clear(CimRecord *r);
/* Sorts records by path with strcmp: the order walk.c gives. */
void cim__records_sort(CimRecord *v, size_t n);

/* One record as a JSON line without the newline (malloc'd), NULL on OOM. */
char *cim__record_to_line(const CimRun *run, const CimRecord *r);
/* Parses a line into *r (fresh allocations); returns <0 on a malformed line. */
int   cim__record_from_line(const CimRun *run, const char *line, CimRecord *r, CimErr *e);

/* Adds records to a run, sorts all by path, refuses repeats of one path and
 * re-reduces. The records' allocations move into the run (also on error). */
int   cim__run_adopt(CimRun *run, CimRecord *recs, size_t n, CimErr *e);
/* The public cim_run_export_records and cim_run_adopt_records (cimeter.h) are
 * record.c's too: every record as a line, and lines back through cim__run_adopt. */
#endif
