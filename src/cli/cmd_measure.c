/* cmd_measure.c — `cimeter measure` (doc/cimeter.1). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cimeter.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/mpi.h"

static const char measure_help[] =
"usage: cimeter measure [-t SPEC]... [-j N] [-o FILE.json] [--per-file] [--info] PATH...\n"
"\n"
"Walks PATHs (files or directories, recursively, sorted), sniffs each file's\n"
"modality by content, decodes it once and counts tokens with every requested\n"
"tokenizer of that modality. Prints a table, or writes JSON with -o.\n"
"Compressed files (gzip, bzip2, xz, zstd, lz4) are measured as their content, and\n"
"archives (tar, zip, cpio, 7z) member by member as ARCHIVE//MEMBER, in place;\n"
"PATH \"-\" reads standard input (doc/sources.md).\n"
"\n"
"  -t, --tokenizer SPEC   tokenizer spec or preset (repeatable; `cimeter tokenizers`);\n"
"                         default: one per modality\n"
"  -j, --jobs N           worker threads (default: all cores)\n"
"  -o, --output FILE      write JSON (\"-\" for stdout) instead of the table\n"
"      --table            print the table even with -o\n"
"      --per-file         include one record per file and tokenizer in the JSON\n"
"      --info             also zstd the canonical raw stream: information bits per token,\n"
"                         set against capacity_bits = tokens x log2(vocabulary size)\n"
"      --zstd-level N     level for --info (default 3)\n"
"      --no-fast-path     always decode, even when headers would give exact counts\n"
"      --hidden           include dot-files and dot-directories\n"
"      --include GLOB     measure only files and archive members whose path or name\n"
"                         matches GLOB (repeatable; archives are still opened)\n"
"      --exclude GLOB     leave out files and members that match (repeatable),\n"
"                         e.g. --exclude '*.json' for WebDataset metadata\n"
"      --json-field NAME  JSON Lines: measure each line's field NAME (dotted: meta.text)\n"
"                         as one text document; the file's record sums them\n"
"      --bootstrap N      resamples for the 95% interval of C (default 1000, 0 = off)\n"
"      --seed S           bootstrap seed (default 20240906)\n"
"      --max-pixels N     per-file limit on W*H (default 1073741824)\n"
"      --max-frames N     per-file limit on decoded video frames (default 10000000)\n"
"      --max-seconds S    per-file limit on media duration (default 86400)\n"
"      --max-bytes N      per-file limit on canonical decoded bytes (default none)\n"
"      --time-budget S    per-file wall-time budget in seconds (default none)\n"
"      --shard I/N        measure only files I, I+N, ... of the sorted list (merge later)\n"
"      --journal FILE     resumable: append each finished record to FILE; a rerun with\n"
"                         the same tokenizers and settings measures only what is missing\n"
"                         (under MPI each rank keeps FILE.RANK-of-N)\n"
"      --progress / --no-progress  force progress on stderr on or off (default: when a terminal)\n"
"\n"
"Under mpirun/srun (built with -Dmpi=enabled) ranks split the files and rank 0\n"
"writes the result of one run (doc/scaling-out.md).\n"
"\n"
"Exit: 0 all files measured, 1 some files failed (reported; the rest measured), 2 usage/fatal.\n";

typedef struct Progress {
    double start;
    size_t last_done;
} Progress;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void progress(void *ctx, size_t done, size_t total, uint64_t bytes)
{
    Progress *p = ctx;
    double t = now_s() - p->start;
    if (done != total && done - p->last_done < 1 + total / 200) return;
    p->last_done = done;
    double mbs = t > 0 ? bytes / 1e6 / t : 0;
    double eta = done ? t * (double)(total - done) / (double)done : 0;
    fprintf(stderr, "\r%zu/%zu files  %.1f MB  %.1f MB/s  ETA %.0f s   ", done, total, bytes / 1e6, mbs, eta);
    if (done == total) fputc('\n', stderr);
}

/* A non-negative finite number of seconds into *v; 0 or -1. */
static int parse_seconds(const char *s, double *v)
{
    double x;
    if (cim_arg_double(s, &x) < 0 || x < 0)
        return -1;
    *v = x;
    return 0;
}

enum { OPT_PER_FILE = 256, OPT_INFO, OPT_ZSTD, OPT_NOFAST, OPT_HIDDEN, OPT_BOOT, OPT_SEED,
       OPT_MAXPIX, OPT_MAXFR, OPT_MAXSEC, OPT_MAXBYTES, OPT_BUDGET, OPT_SHARD, OPT_PROGRESS,
       OPT_NOPROGRESS, OPT_JOURNAL, OPT_TABLE, OPT_INCLUDE, OPT_EXCLUDE, OPT_JSON_FIELD };

/* specs, includes and excludes: arrays of argc entries each, filled from the options. */
/* What the command line asks of a measure run. */
typedef struct MeasureArgs {
    CimMeasureParams p;
    size_t      nspecs;
    const char *out;          /* -o FILE.json */
    const char *journal;      /* --journal FILE */
    int         per_file;     /* --per-file */
    int         table;        /* --table */
    int         show_progress;
    int         shard, nshards;
} MeasureArgs;

/* Parsing went through; any other value of parse_measure_args is the exit code. */
enum { MEASURE_GO_ON = -1 };

/* Reads the options into a; -t, --include and --exclude values go into specs,
 * includes and excludes (argc entries each). */
static int parse_measure_args(int argc, char **argv, const char **specs, const char **includes,
                              const char **excludes, MeasureArgs *a)
{
    static const struct option longopts[] = {
        {"tokenizer", required_argument, 0, 't'}, {"jobs", required_argument, 0, 'j'},
        {"output", required_argument, 0, 'o'}, {"per-file", no_argument, 0, OPT_PER_FILE},
        {"info", no_argument, 0, OPT_INFO}, {"zstd-level", required_argument, 0, OPT_ZSTD},
        {"no-fast-path", no_argument, 0, OPT_NOFAST}, {"hidden", no_argument, 0, OPT_HIDDEN},
        {"bootstrap", required_argument, 0, OPT_BOOT}, {"seed", required_argument, 0, OPT_SEED},
        {"max-pixels", required_argument, 0, OPT_MAXPIX}, {"max-frames", required_argument, 0, OPT_MAXFR},
        {"max-seconds", required_argument, 0, OPT_MAXSEC}, {"max-bytes", required_argument, 0, OPT_MAXBYTES},
        {"time-budget", required_argument, 0, OPT_BUDGET}, {"shard", required_argument, 0, OPT_SHARD},
        {"progress", no_argument, 0, OPT_PROGRESS}, {"no-progress", no_argument, 0, OPT_NOPROGRESS},
        {"journal", required_argument, 0, OPT_JOURNAL}, {"table", no_argument, 0, OPT_TABLE},
        {"include", required_argument, 0, OPT_INCLUDE}, {"exclude", required_argument, 0, OPT_EXCLUDE},
        {"json-field", required_argument, 0, OPT_JSON_FIELD},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    uint64_t u;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:j:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            specs[a->nspecs++] = optarg;
            break;
        case 'j':
            if (cim_arg_threads(optarg, &a->p.threads) < 0)
                return cim_cli_usage_error("measure", "-j wants a thread count 1..%d, got '%s'",
                                          CIM_ARG_MAX_THREADS, optarg);
            break;
        case 'o':
            a->out = optarg;
            break;
        case OPT_PER_FILE:
            a->per_file = 1;
            break;
        case OPT_INFO:
            a->p.info = 1;
            break;
        case OPT_ZSTD:
            if (cim_arg_u64(optarg, &u) < 0 || u < 1 || u > 22)
                return cim_cli_usage_error("measure", "--zstd-level wants 1..22, got '%s'", optarg);
            a->p.zstd_level = (int)u;
            break;
        case OPT_NOFAST:
            a->p.fast_path = 0;
            break;
        case OPT_HIDDEN:
            a->p.hidden = 1;
            break;
        case OPT_BOOT:
            if (cim_arg_u64(optarg, &u) < 0 || u > 1000000)
                return cim_cli_usage_error("measure", "--bootstrap wants 0..1000000, got '%s'",
                                          optarg);
            a->p.bootstrap = (uint32_t)u;
            break;
        case OPT_SEED:
            if (cim_arg_u64(optarg, &a->p.seed) < 0)
                return cim_cli_usage_error("measure", "--seed wants an unsigned integer, got '%s'",
                                          optarg);
            break;
        case OPT_MAXPIX:
            if (cim_arg_u64(optarg, &a->p.limits.max_pixels) < 0)
                return cim_cli_usage_error("measure", "--max-pixels wants a count, got '%s'",
                                          optarg);
            break;
        case OPT_MAXFR:
            if (cim_arg_u64(optarg, &a->p.limits.max_frames) < 0)
                return cim_cli_usage_error("measure", "--max-frames wants a count, got '%s'",
                                          optarg);
            break;
        case OPT_MAXBYTES:
            if (cim_arg_u64(optarg, &a->p.limits.max_decoded_bytes) < 0)
                return cim_cli_usage_error("measure", "--max-bytes wants a count, got '%s'",
                                          optarg);
            break;
        case OPT_MAXSEC:
            if (parse_seconds(optarg, &a->p.limits.max_seconds) < 0)
                return cim_cli_usage_error("measure", "--max-seconds wants seconds >= 0, got '%s'",
                                          optarg);
            break;
        case OPT_BUDGET:
            if (parse_seconds(optarg, &a->p.limits.time_budget_s) < 0)
                return cim_cli_usage_error("measure", "--time-budget wants seconds >= 0, got '%s'",
                                          optarg);
            break;
        case OPT_SHARD:
            if (sscanf(optarg, "%d/%d", &a->shard, &a->nshards) != 2 || a->nshards < 1
                || a->shard < 0 || a->shard >= a->nshards)
                return cim_cli_usage_error("measure", "--shard needs I/N with 0 <= I < N");
            break;
        case OPT_JOURNAL:
            a->journal = optarg;
            break;
        case OPT_TABLE:
            a->table = 1;
            break;
        case OPT_INCLUDE:
            includes[a->p.ninclude++] = optarg;
            break;
        case OPT_EXCLUDE:
            excludes[a->p.nexclude++] = optarg;
            break;
        case OPT_JSON_FIELD:
            a->p.json_field = optarg;
            break;
        case OPT_PROGRESS:
            a->show_progress = 1;
            break;
        case OPT_NOPROGRESS:
            a->show_progress = 0;
            break;
        case 'h':
            return cim_cli_help(measure_help, 0);
        default:
            return cim_cli_help(measure_help, 2);
        }
    }
    if (optind >= argc)
        return cim_cli_usage_error("measure", "no PATH given (see --help)");
    a->p.specs = specs;
    a->p.nspecs = a->nspecs;
    a->p.include = includes;
    a->p.exclude = excludes;
    return MEASURE_GO_ON;
}

/* Measures the paths argv[optind..]; with MPI each rank takes its shard and rank 0
 * writes for all. Returns the exit code. */
static int run_measure(MeasureArgs *a, int argc, char **argv, int rank, int size)
{
    CimRun *run = NULL;
    CimErr e = {0};
    Progress prog = {now_s(), 0};
    int shard = a->shard;
    int nshards = a->nshards;
    if (size > 1 && nshards > 1)
        return cim_cli_usage_error("measure", "--shard and MPI ranks exclude each other");
    if (size > 1) {
        shard = rank;
        nshards = size;
    }
    if (a->show_progress && rank == 0) {
        a->p.progress = progress;
        a->p.progress_ctx = &prog;
    }
    if (cim_run_create(&run, &a->p, &e) < 0)
        goto fail;
    cim_run_set_command(run, argc + 1, argv - 1);
    cim_run_set_shard(run, shard, nshards);
    if (a->journal) {
        char jpath[4096];
        if (size > 1)
            snprintf(jpath, sizeof jpath, "%s.%d-of-%d", a->journal, rank, size);
        else
            snprintf(jpath, sizeof jpath, "%s", a->journal);
        if (cim_run_set_journal(run, jpath, &e) < 0)
            goto fail;
    }
    for (int i = optind; i < argc; i++)
        if (cim_run_add_path(run, argv[i], &e) < 0)
            goto fail;
    int rc = cim_run_measure(run, &e);
    if (size > 1)
        rc = cim_mpi_gather(run, rc, rank, size, &e);   /* collective */
    if (rc < 0)
        goto fail;
    if (rank != 0) {   /* rank 0 writes for all */
        cim_run_free(run);
        return 0;
    }
    if (a->out)
        rc = cim_run_write_json(run, a->out, a->per_file, &e);
    if (!a->out || a->table)
        cim_run_print_table(run, stdout);
    if (rc < 0)
        goto fail;
    size_t nerr = cim_run_error_count(run);
    if (nerr && !a->out)
        fprintf(stderr, "cimeter measure: %zu file(s) failed; see the JSON's \"errors\" (-o) for "
                "each\n", nerr);
    cim_run_free(run);
    return nerr ? 1 : 0;
fail:
    cim_run_free(run);
    return cim_cli_usage_error("measure", "%s", e.msg);
}

static int measure_main(int argc, char **argv, int rank, int size, const char **specs,
                        const char **includes, const char **excludes)
{
    MeasureArgs a = {.p = cim_measure_default_params(), .show_progress = isatty(2), .nshards = 1};
    int rc = parse_measure_args(argc, argv, specs, includes, excludes, &a);
    if (rc != MEASURE_GO_ON)
        return rc;
    return run_measure(&a, argc, argv, rank, size);
}

int cim_cmd_measure(int argc, char **argv)
{
    int rank, size;
    int mpi = cim_mpi_init(&rank, &size);
    /* -t, --include and --exclude values: at most argc each */
    const char **specs = calloc(3 * (size_t)argc, sizeof *specs);
    int rc = specs ? measure_main(argc, argv, rank, size, specs, specs + argc, specs + 2 * argc) : 2;
    free(specs);
    return mpi ? cim_mpi_finish(rc) : rc;
}
