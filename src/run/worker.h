/*
 * worker.h — one measuring thread's state (pipeline.c), shared with the
 * source code (sources.c) that measures archive members and streams.
 *
 * A worker belongs to one OpenMP thread (run->workers[thread number]): a
 * member measured as a task uses the worker of the thread that runs it.
 * OpenMP's scheduling rule for tied tasks keeps that safe: a thread that is
 * inside a file and waits (taskwait) only runs that file's own tasks.
 */
#ifndef CIM_WORKER_H
#define CIM_WORKER_H
#include <stdio.h>
#include <zstd.h>
#include "decode/decoder.h"
#include "run/record.h"
#include "run/run.h"

#define CIM_PROBE_BYTES 65536

typedef struct Worker {
    CimSink     sink;          /* first: decoders see a CimSink* */
    CimRun     *run;
    void      **state;         /* [ntok] per-file tokenizer states */
    uint8_t    *probe;
    ZSTD_CCtx  *zc;
    uint8_t    *zout;
    size_t      zcap;
    uint64_t    zbytes;
    int         info;
    CimModality mod;
    double      deadline;      /* CLOCK_MONOTONIC seconds, 0 = none */
    int         began[CIM_MAX_TOK_PER_MODALITY]; /* begin() called: release() owed */
    int         ready;         /* set up completely (worker_init succeeded) */
} Worker;

/* Measures r with decoder dec over open_path (a file, or a spool's path), or over
 * stream (a text decoder's unseekable input) when it is not NULL; jsonl: as
 * JSON Lines documents (jsonl.c). */
void cim__measure_decoded(Worker *w, CimRecord *r, const CimDecoder *dec, const char *open_path,
                          FILE *stream, int jsonl);
/* Ends the tokenizer states a file began. */
void cim__release_states(Worker *w);
/* Whether a text file whose first n bytes are probe is measured as JSON Lines
 * (--json-field given and its first non-blank line a JSON object); notes on r
 * when it looks like JSON Lines but no field was given. partial: more follows
 * even when n is short of a probe (never the case for files). */
int  cim__jsonl_choice(const CimRun *run, CimRecord *r, const uint8_t *probe, size_t n, int partial);

/* jsonl.c */
int  cim__looks_jsonl(const uint8_t *buf, size_t n, int whole);
int  cim__measure_jsonl(Worker *w, CimRecord *r, const CimDecoder *text, const char *open_path,
                        FILE *stream, CimFileMeasure *out, CimErr *e);
/* Sniffs and measures a file by path whose first n bytes are in w->probe. */
void cim__measure_file(Worker *w, CimRecord *r, const char *open_path, size_t n);

/* sources.c: a record whose probe shows a compressed stream or an archive, or
 * standard input ("-"). fd is open on the file (or 0), n bytes are in w->probe. */
void cim__measure_source(Worker *w, CimRecord *r, int fd, size_t n);
/* Does path pass --include / --exclude? (member: an archive member's name) */
int  cim__selected(const CimRun *run, const char *path, int include_too);
#endif
