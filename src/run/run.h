/*
 * run.h — internals of a measurement run, shared by pipeline.c (measure),
 * record.c (records), reduce.c (aggregates), the writers in src/out/, merge and the journal.
 *
 * Everything the output says is derived from the records array, sorted by
 * path, with integer sums and a seeded bootstrap: so JSON is identical for
 * any thread count, argument order or sharding (doc/scaling-out.md).
 */
#ifndef CIM_RUN_H
#define CIM_RUN_H
#include <stdatomic.h>
#include <stdint.h>
#include "cimeter.h"
#include "tokenizer.h"
#include "corpus/walk.h"

#define CIM_SCHEMA "cimeter.measure/1"
#define CIM_TOKENS_NA UINT64_MAX

typedef enum CimStatus {
    CIM_REC_PENDING = 0,   /* not measured yet */
    CIM_REC_OK,            /* measured */
    CIM_REC_ERROR,         /* could not be read or decoded: error message, no counts */
    CIM_REC_SKIPPED,       /* known modality but no tokenizer requested for it; or an
                              archive (modality none): its members are records */
    CIM_REC_EXCLUDED,      /* internal: left out by --include, dropped after measuring */
} CimStatus;

typedef struct CimRecord {
    char       *path;
    CimModality modality;        /* CIM_MOD_NONE when unknown */
    CimStatus   status;
    int         err_code;        /* CIM_ERR_* for errors */
    char       *error;           /* message (errors), reason (skipped) */
    uint64_t    file_bytes, raw_bytes, units, skipped_packets;
    double      seconds;
    uint64_t    info_bits;       /* with --info */
    int         fast;            /* counted from headers only */
    uint64_t    documents;       /* JSON Lines: documents measured (0: not JSON Lines) */
    int         jsonl_hint;      /* text that looks like JSON Lines, measured as plain text */
    uint64_t   *tokens;          /* [run->ntok]; CIM_TOKENS_NA for other modalities */
} CimRecord;

/* One (modality, tokenizer) aggregate, doc/aggregates.md. */
typedef struct CimAggregate {
    size_t   tok;                /* index into run->toks */
    CimModality modality;
    uint64_t files, errors, zero_token_files, documents;
    uint64_t file_bytes, raw_bytes, units, tokens, info_bits;
    double   seconds;
    double   C, C_file, tokens_per_unit, info_bits_per_token;
    double   capacity_bits;      /* Σ tokens × log2 V (NaN: no V), doc/aggregates.md */
    double   C_median, C_p10, C_p90, C_lo, C_hi;
} CimAggregate;

/* The most tokenizers of one modality in a run (each -t spec is one). */
#define CIM_MAX_TOK_PER_MODALITY 32

struct CimRun {
    CimMeasureParams p;
    atomic_uint      busy;       /* workers inside a file now (CimSink.spare) */
    atomic_int       cancel;     /* cim_run_cancel: begin no more files */
    CimTokInstance  *toks;       /* every requested tokenizer */
    size_t           ntok;
    size_t           mod_tok[CIM_MOD_COUNT][CIM_MAX_TOK_PER_MODALITY]; /* indices per modality */
    size_t           nmod_tok[CIM_MOD_COUNT];
    CimRecord       *rec;
    size_t           nrec, caprec;
    int              shard, nshards;
    char           **argv;       /* recorded command */
    int              argc;
    char            *journal;    /* path or NULL */
    CimAggregate    *agg;        /* after cim__reduce */
    size_t           nagg;
    int              walked;     /* records finalised (sorted, sharded) */
    CimWalkList      walk;       /* paths added, before finalising */
    char           **include, **exclude;   /* selection globs (copies) */
    char            *json_field; /* --json-field (copy) or NULL */
    size_t           ninclude, nexclude;
    struct Worker   *workers;    /* [threads] while measuring: one per OpenMP thread */
    CimRecord      **extra;      /* archive members found while measuring (cim_extra) */
    size_t           nextra, capextra;
};

/* An archive's record is skipped with modality none and this reason, which
 * carries its counts through journals, MPI and merge like any reason. */
#define CIM_ARCHIVE_REASON "%s archive: %llu members, %llu not regular, %llu duplicate names, %llu excluded"
int  cim__archive_counts(const CimRecord *r, uint64_t c[4]);

/* The record lifecycle and its line format: record.h. */

/* pipeline.c */
int  cim__run_finalise_files(CimRun *run, CimErr *e);
/* Measures one path outside the walk (fuzz harnesses): fills a fresh record
 * that the caller clears with cim__record_clear (record.h). */
int  cim__measure_path(CimRun *run, const char *path, CimRecord *out, CimErr *e);
/* reduce.c */
int  cim__reduce(CimRun *run, CimErr *e);
int  cim__manifest_sha256(const CimRun *run, char out[65]);
const char *cim__unit_name(CimModality m);      /* "chars", "pixels", "frames", "seconds" */
const char *cim__per_unit_name(CimModality m);  /* "per 1000 chars", ... */
/* out/json_read.c */
int  cim__record_from_json(CimRun *run, const void *json_file_obj, CimErr *e);
#endif
