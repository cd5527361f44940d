/*
 * cimeter.h — the public API of libcimeter.
 *
 * cimeter measures the compression factor C_i of each data modality: how many
 * raw bytes one token covers under a given tokenizer. Every figure is defined
 * in doc/ (doc/records.md: the per-file record and the JSON; doc/aggregates.md:
 * C and its spread; doc/tokenizers.md: the counting rules; doc/fitting.md: the
 * fitter). The library never prints and never exits:
 * every call returns 0 or a negative CIM_ERR_* code and fills a caller-owned
 * CimErr with a message. The law fitter's API is in cimeter_fit.h. The
 * `cimeter` CLI (src/cli/) is a client of these two headers.
 *
 * Usage:
 *     CimMeasureParams p = cim_measure_default_params();
 *     const char *specs[] = {"text:bytes", "image:vit-b16"};
 *     p.specs = specs; p.nspecs = 2;
 *     CimRun *run; CimErr e = {0};
 *     if (cim_run_create(&run, &p, &e) < 0) ... e.msg ...
 *     cim_run_add_path(run, "corpus/", &e);
 *     cim_run_measure(run, &e);          // OpenMP over files
 *     cim_run_write_json(run, "out.json", 1, &e);   // "-" for stdout
 *     cim_run_free(run);
 *
 * Thread safety: a CimRun is used by one thread at a time; cim_run_measure
 * parallelises internally. Distinct runs are independent.
 */
#ifndef CIMETER_H
#define CIMETER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes: negative, values fixed (they appear in JSON as names, but
 * scripts linking the library may rely on the numbers). */
typedef enum CimErrCode {
    CIM_OK               = 0,
    CIM_ERR_IO           = -1,  /* cannot open/read/write */
    CIM_ERR_NOMEM        = -2,
    CIM_ERR_CORRUPT      = -3,  /* decoder rejected the data */
    CIM_ERR_TRUNCATED    = -4,  /* data ends early */
    CIM_ERR_LIMIT        = -5,  /* exceeds a configured limit (pixels, frames, ...) */
    CIM_ERR_UNSUPPORTED  = -6,  /* no decoder / unknown modality */
    CIM_ERR_USAGE        = -7,  /* bad argument, spec string or option */
    CIM_ERR_EMPTY        = -8,  /* empty file or no content */
    CIM_ERR_NEED_DECODE  = -9,  /* internal: header cannot be trusted, decode instead */
    CIM_ERR_MODEL        = -10, /* tokenizer model / vocabulary file missing or bad */
    CIM_ERR_INTERNAL     = -11,
    CIM_ERR_REFUSED      = -12, /* ill-posed request (fitter) */
    CIM_ERR_CANCELLED    = -13, /* cim_run_cancel stopped the call */
} CimErrCode;

/* Caller-owned error slot: the message for one file or one call, never a global. */
typedef struct CimErr {
    int  code;       /* CimErrCode */
    char msg[512];   /* human-readable, no trailing newline */
} CimErr;

const char *cim_strerror(int code);  /* "corrupt", "truncated", ... */
const char *cim_version(void);

typedef enum CimModality {
    CIM_MOD_TEXT = 0,
    CIM_MOD_IMAGE,
    CIM_MOD_VIDEO,
    CIM_MOD_AUDIO,
    CIM_MOD_COUNT,
    CIM_MOD_NONE = -1
} CimModality;

const char *cim_modality_name(CimModality m);   /* "text", ... */
CimModality cim_modality_from_name(const char *s);

/* Resource limits per file; 0 means "no limit" for each. */
typedef struct CimLimits {
    uint64_t max_pixels;         /* image W*H and video frame W*H */
    uint64_t max_frames;         /* video frames decoded */
    double   max_seconds;        /* video/audio duration */
    uint64_t max_decoded_bytes;  /* canonical raw bytes per file */
    double   time_budget_s;      /* wall time per file */
} CimLimits;

typedef struct CimMeasureParams {
    const char *const *specs;    /* tokenizer specs or presets; NULL = one default per modality */
    size_t   nspecs;
    int      threads;            /* 0 = all cores */
    int      info;               /* --info: zstd the canonical raw stream */
    int      zstd_level;         /* level used by --info */
    int      fast_path;          /* allow header-only counting (default 1) */
    int      hidden;             /* include dot-files found while walking directories */
    uint32_t bootstrap;          /* resamples for the interval of C (default 1000) */
    uint64_t seed;               /* bootstrap seed */
    CimLimits limits;
    /* Selection: shell globs (fnmatch, '*' also matches '/') matched against a
     * file's path and an archive member's name (ARCHIVE//MEMBER), whole or its
     * last component. With includes, only what matches one is measured (archives
     * are still opened, their members selected); excludes drop what matches.
     * The strings are copied. */
    const char *const *include;
    size_t   ninclude;
    const char *const *exclude;
    size_t   nexclude;
    /* JSON Lines: a dotted field name ("text", "meta.content"). A text file whose
     * first non-blank line is a JSON object is then a set of documents, each
     * measured as a text file of that field's string; NULL: plain text. Copied. */
    const char *json_field;
    /* Progress callback (optional): called from the measuring thread that
     * finished a file, serialised by the library. */
    void (*progress)(void *ctx, size_t done, size_t total, uint64_t bytes_done);
    void *progress_ctx;
} CimMeasureParams;

CimMeasureParams cim_measure_default_params(void);

typedef struct CimRun CimRun;

int  cim_run_create(CimRun **out, const CimMeasureParams *p, CimErr *e);
/* Adds a file or walks a directory (sorted, symlink loops detected). Paths
 * that cannot be read become error records, not failures of the call. */
int  cim_run_add_path(CimRun *run, const char *path, CimErr *e);
/* Keep only files i with i % nshards == shard (after sorting): MPI ranks and
 * array jobs split the work this way and `merge` puts it back together. */
void cim_run_set_shard(CimRun *run, int shard, int nshards);
/* Resumable runs: each finished record is appended to the journal at path
 * (one line, flushed); a later run with the same tokenizers and settings
 * loads it and measures only what is missing, ending with the same output.
 * A torn last line (killed mid-write) is ignored. NULL turns it off. */
int  cim_run_set_journal(CimRun *run, const char *path, CimErr *e);
int  cim_run_measure(CimRun *run, CimErr *e);
/* Asks a cim_run_measure in progress (in another thread, or a signal handler) to stop:
 * files not yet begun are left unmeasured and the call returns CIM_ERR_CANCELLED once
 * the files being measured are done. With a journal, a later run resumes. */
void cim_run_cancel(CimRun *run);
/* Number of files whose record carries an error (exit code 1 when > 0). */
size_t cim_run_error_count(const CimRun *run);
size_t cim_run_file_count(const CimRun *run);

/* Output. argv is recorded as `command`. per_file adds the `files` array. */
void cim_run_set_command(CimRun *run, int argc, char **argv);
int  cim_run_write_json(CimRun *run, const char *path, int per_file, CimErr *e);
/* The human-readable table: each tokenizer named as the user gave it (a preset
 * stays a preset; the expansions follow the table), long names wrapped onto a
 * line of their own when f is a terminal narrower than the table (COLUMNS
 * overrides the width), never cut. */
int  cim_run_print_table(CimRun *run, FILE *f);

void cim_run_free(CimRun *run);

/* Shards back into one run (`cimeter merge`): measure JSONs of disjoint shards
 * written with per_file (--shard I/N --per-file) become one run, records sorted by
 * path and reduced again, so cim_run_write_json writes the bytes one run over all
 * files writes (except `command`). The shards must share tokenizers, settings and
 * tool version, and no file may be in two. No tokenizer model is needed: the
 * run's tokenizers are the recorded specs, so the run can be written, not measured. */
int  cim_run_merge(CimRun **out, const char *const *paths, size_t n, CimErr *e);
/* The records of a run as text (malloc'd *buf of *len bytes, one line a record,
 * exact: paths as bytes, counts as integers, durations as hex floats), and back:
 * cim_run_adopt_records adds such records to a run with the same tokenizers and
 * settings, refusing a path it already has, and reduces again. Processes that
 * measured shards (MPI ranks) hand their records to one that writes the result. */
int  cim_run_export_records(const CimRun *run, char **buf, size_t *len, CimErr *e);
int  cim_run_adopt_records(CimRun *run, const char *buf, size_t len, CimErr *e);

/* Two measure results side by side (`cimeter compare`, a CI gate): every
 * aggregate of the baseline, keyed by (modality, tokenizer), must be in the
 * current result with |C_cur − C_base| <= tolerance·|C_base| (both null also
 * passes). A line per aggregate goes to out: "ok", "FAIL", "MISSING" (not in
 * current) or "NEW" (only in current: listed, never a failure), names shown as
 * plain text. A file that is not a measure result is CIM_ERR_CORRUPT. */
typedef struct CimCompare {
    const char *baseline;        /* measure JSON */
    const char *current;         /* measure JSON */
    double      tolerance;       /* relative */
    int         quiet;           /* lines for FAIL and MISSING only */
    size_t      compared;        /* out: the baseline's aggregates */
    size_t      failed;          /* out: of those, outside the tolerance or missing */
} CimCompare;
int  cim_compare(CimCompare *c, FILE *out, CimErr *e);

/* Reports (`cimeter report`): tables and plots of measure results and of a fit.
 * The formats, i = 0, 1, ... until NULL: a name ("md") and, in *help when help
 * is not NULL, one line saying what it writes. */
const char *cim_report_format(size_t i, const char **help);
/* Whether s names a format, by its name or its file extension ("md", "tex"). */
int  cim_report_format_known(const char *s);
/* Writes the report of results[0..n) (measure JSONs; several get a `run` column),
 * fit (a `cimeter fit` JSON, or NULL) and runs_csv (with fit: plots draw these
 * runs against the law; or NULL) in format (a name or an extension; NULL: path's
 * extension) to path ("-": stdout). A file is written under a temporary name
 * and renamed: never half a report. The output depends on nothing but the
 * inputs (no time, no locale). */
int  cim_report_write(const char *const *results, size_t n, const char *fit, const char *runs_csv,
                      const char *format, const char *path, CimErr *e);
/* cim_report_write with the law plot's axes (svg and png with fit and runs_csv):
 * x, the x axis (N, D, D_eff, C = 6·N·D, or a numeric column of runs_csv; NULL:
 * D_eff) and group, one curve of the law per distinct value, the value held
 * (NULL: N, or D when x is N). A name the runs do not have is CIM_ERR_USAGE. */
int  cim_report_write_axes(const char *const *results, size_t n, const char *fit,
                           const char *runs_csv, const char *x, const char *group,
                           const char *format, const char *path, CimErr *e);
/* cim_report_write_axes with set, "COLUMN=V,...": the values at which the law plot
 * holds the other columns a formula law uses (off the x axis and the grouping:
 * unique_tokens=1e10 for the data-constrained law), so that it draws its curves;
 * NULL: none (such a law gets points only). */
int  cim_report_write_law(const char *const *results, size_t n, const char *fit,
                          const char *runs_csv, const char *x, const char *group,
                          const char *set, const char *format, const char *path, CimErr *e);

/* Tokenizer catalogue (for `cimeter tokenizers`): prints names, options, presets. */
void cim_list_tokenizers(FILE *f);
/* Expands a preset or a spec to its canonical spec string (malloc'd). */
int  cim_spec_expand(const char *spec, char **canon, CimErr *e);

/* Train a SentencePiece model (bpe or unigram) on text files. */
int  cim_train_text(const char *const *inputs, size_t ninputs, int vocab, const char *type,
                    int byte_fallback, const char *model_out, CimErr *e);


/* Counting one buffer in memory (data loaders, notebooks): the bytes are
 * measured exactly as a file with that content would be by cim_run_measure —
 * sniffed the same way (text, image, video or audio signature; a compressed
 * stream or archive is opened), under one tokenizer spec or preset.
 *
 * Thread safety: a CimCounter is used by one thread at a time; distinct
 * counters are independent (one per data-loader worker or thread). */
typedef struct CimCounter CimCounter;

typedef struct CimCount {
    CimModality modality;    /* what the content was sniffed as */
    uint64_t tokens;         /* under the counter's tokenizer */
    uint64_t raw_bytes;      /* canonical raw bytes (doc/records.md) */
    uint64_t units;          /* chars, pixels, frames or samples as in the JSON */
    uint64_t file_bytes;     /* the buffer's length */
    double   seconds;        /* video and audio duration, else 0 */
} CimCount;

/* spec: one tokenizer spec or preset ("text:bytes", "image:vit-b16");
 * limits NULL: cim_measure_default_params()'s, as a run gets by default. */
int  cim_counter_create(CimCounter **out, const char *spec, const CimLimits *limits, CimErr *e);
/* Counts data[0..n). expect: CIM_MOD_NONE to accept any modality the spec
 * counts, else content sniffed as another modality is CIM_ERR_UNSUPPORTED.
 * Content the counter's tokenizer does not count (an image given to a text
 * counter) is CIM_ERR_UNSUPPORTED; undecodable content is the per-file error
 * the CLI would record (CIM_ERR_CORRUPT, CIM_ERR_EMPTY, ...). */
int  cim_counter_count(CimCounter *c, const void *data, size_t n, CimModality expect,
                       CimCount *out, CimErr *e);
/* The canonical spec string the counter uses. */
const char *cim_counter_spec(const CimCounter *c);
void cim_counter_free(CimCounter *c);

#ifdef __cplusplus
}
#endif
#endif /* CIMETER_H */
