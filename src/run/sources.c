/*
 * sources.c — compressed streams, archives and standard input, measured in
 * place with the rule of extraction equivalence: a member, or a compressed
 * file's content, gets the record its extracted file would get; only the path
 * differs (ARCHIVE//MEMBER; a single compressed stream keeps its own path).
 *
 * How content reaches the decoders (source/source.h): text streams through an
 * unseekable FILE* whatever its size; anything else is spooled to a seekable
 * file (memory up to CIM_SPOOL_MEM, then an unlinked temporary file) and
 * measured by path as a loose file would be, so each decoder sees the very
 * bytes it would see after extraction. Content that no decoder could claim
 * from its first 64 KiB is `unsupported` without being spooled (a bomb of
 * zeros costs its decompression, never its size in memory or on disk).
 *
 * Parallel and bounded: the thread that reads an archive (libarchive reads
 * sequentially) spools each member of at most CIM_SPOOL_MEM bytes and hands
 * it to an OpenMP task, which measures it with the worker of the thread that
 * runs it; idle threads of the run take these tasks. At most
 * CIM_INFLIGHT_PER_THREAD members per thread (CIM_INFLIGHT_MAX in all) and CIM_INFLIGHT_BYTES spooled
 * bytes wait at a time (the reader drains them beyond that), so memory is
 * bounded by those plus one member in reading; a larger text member streams
 * on the reading thread after the queue is drained, a larger other member
 * waits on disk. Records are keyed by path and sorted at the end, so the
 * result does not depend on which thread measured what.
 */
#include <errno.h>
#include <omp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/err.h"
#include "run/worker.h"
#include "source/magic.h"
#include "source/source.h"

#define CIM_MAX_LEVEL 4                     /* archives nested deeper are a limit error */
#define CIM_MAX_DEPTH 16                    /* streams and archives, one inside another */
/* Members waiting per thread: enough that a slow member (a large JPEG decoded in
 * full) is not waited for with the other threads idle, since the reader at the
 * limit drains every waiting member (taskwait); the cap keeps their descriptors
 * well under the usual limit of 1024. */
#define CIM_INFLIGHT_PER_THREAD 16
#define CIM_INFLIGHT_MAX 256
#define CIM_INFLIGHT_BYTES (256ull << 20)
/* Memory files of measured members kept for the next ones (their pages are reused,
 * not allocated and freed per member): at most this many, of at most this many
 * bytes together, per archive being read. */
#define CIM_POOL_FILES 64
#define CIM_POOL_BYTES (64ull << 20)

/* One source named on the command line or found by the walk. */
typedef struct Ctx {
    CimRun     *run;
    Worker     *w;                 /* the reading thread's worker (inline measures) */
    CimRecord **v;                 /* member records, in reading order */
    char       *drop;              /* [n]: a duplicate name superseded later, or excluded */
    size_t      n, cap;
    size_t      max_inflight;
    atomic_size_t   inflight;
    atomic_uint_fast64_t inflight_bytes;
    int         pool[CIM_POOL_FILES];   /* memory files free for reuse */
    uint64_t    pool_size[CIM_POOL_FILES];
    size_t      npool;
    uint64_t    pool_bytes;
    int         nomem;
    int         depth;             /* streams and archives open inside one another */
} Ctx;

typedef struct Job {
    Ctx       *ctx;
    CimRecord *r;
    CimSpool   sp;
    const CimDecoder *dec;         /* known from the first bytes (a full score), or NULL */
} Job;

/* A memory file from the pool, or -1. */
static int pool_take(Ctx *c)
{
    int fd = -1;
    #pragma omp critical(cim_spool_pool)
    if (c->npool) {
        c->npool--;
        fd = c->pool[c->npool];
        c->pool_bytes -= c->pool_size[c->npool];
    }
    return fd;
}

/* Closes a measured member's spool, or keeps its memory file for the next member. */
static void pool_give(Ctx *c, CimSpool *sp)
{
    int kept = 0;
    if (sp->fd >= 0 && sp->size <= CIM_SPOOL_MEM) {
        #pragma omp critical(cim_spool_pool)
        if (c->npool < CIM_POOL_FILES && c->pool_bytes + sp->size <= CIM_POOL_BYTES) {
            c->pool[c->npool] = sp->fd;
            c->pool_size[c->npool] = sp->size;
            c->npool++;
            c->pool_bytes += sp->size;
            kept = 1;
        }
    }
    if (kept) sp->fd = -1;
    else cim_spool_close(sp);
}

static void fail_rec(CimRecord *r, int code, const char *fmt, const char *arg)
{
    CimErr e = {0};
    cim_err(&e, code, fmt, arg);
    cim__record_error(r, &e);
}

static CimRecord *new_member(Ctx *c, const char *parent, const char *name)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        CimRecord **v = realloc(c->v, cap * sizeof *v);
        char *d = realloc(c->drop, cap);
        if (v) c->v = v;
        if (d) c->drop = d;
        if (!v || !d) return NULL;
        c->cap = cap;
    }
    CimRecord *r = calloc(1, sizeof *r);
    size_t len = strlen(parent) + 2 + strlen(name) + 1;
    char *path = malloc(len);
    uint64_t *tok = malloc((c->run->ntok ? c->run->ntok : 1) * sizeof *tok);
    if (!r || !path || !tok) { free(r); free(path); free(tok); return NULL; }
    snprintf(path, len, "%s//%s", parent, name);
    r->path = path;
    r->tokens = tok;
    r->modality = CIM_MOD_NONE;
    for (size_t t = 0; t < c->run->ntok; t++) r->tokens[t] = CIM_TOKENS_NA;
    c->drop[c->n] = 0;
    c->v[c->n++] = r;
    return r;
}

/* Whether files of dec are measured from their header alone in this run (no
 * tokenizer of its modality counts content, no --info) by a header() that reads only
 * a file's first and last bytes: then a member that is a range of the archive file
 * is spooled sparsely (source.h), those bytes and a hole. */
static int ends_only(const CimRun *run, const CimDecoder *dec)
{
    if (!dec || !dec->header || !dec->header_ends || !run->p.fast_path || run->p.info)
        return 0;
    for (size_t k = 0; k < run->nmod_tok[dec->modality]; k++)
        if (run->toks[run->mod_tok[dec->modality][k]].tok->feed)
            return 0;
    return 1;
}

/* The decoder of a sparse spool's member, for the call in progress on this thread:
 * header() stands when it read only bytes the spool holds; otherwise the hole is
 * filled and header() asked again. decode() always has the whole member. */
typedef struct EndsCall {
    const CimDecoder *dec;
    CimSpool *sp;
} EndsCall;

static _Thread_local EndsCall *ends_call;

static int ends_header(const char *path, const CimLimits *lim, CimFileMeasure *m, CimErr *e)
{
    EndsCall *call = ends_call;
    CimFileMeasure before = *m;
    if (call->sp->mem) {
        /* Held in memory: read there (no file), unless the reader went past the bytes
         * held; then as a sparse spool, from its file. */
        int hole = 0;
        FILE *f = cim_spool_fopen(call->sp, &hole);
        if (f) {
            int rc = call->dec->header_stream(f, call->sp->size, lim, m, e);
            fclose(f);
            if (!hole && m->head_read && cim_spool_holds(call->sp, m->head_read, m->tail_read))
                return rc;
            *m = before;
            memset(e, 0, sizeof *e);
        }
        CIM_CHECK(cim_spool_spill(call->sp, e));
        path = call->sp->path;
    }
    int rc = call->dec->header(path, lim, m, e);
    if (m->head_read && cim_spool_holds(call->sp, m->head_read, m->tail_read))
        return rc;
    CIM_CHECK(cim_spool_complete(call->sp, e));
    *m = before;
    memset(e, 0, sizeof *e);
    return call->dec->header(call->sp->path, lim, m, e);
}

static int ends_decode(const char *path, const CimLimits *lim, CimSink *sink, CimFileMeasure *m,
                       CimErr *e)
{
    EndsCall *call = ends_call;
    CIM_CHECK(cim_spool_complete(call->sp, e));
    return call->dec->decode(call->sp->path, lim, sink, m, e);
}

/* A spooled member measured as the file it would be once extracted. A decoder whose
 * signature scored the full 100 from the first bytes is the one a sniff by path
 * would choose (no decoder scores more, and ties keep the first), so the path's
 * probes, libavformat's included, are not run again. */
static void measure_spooled(Worker *w, Job *j, const char *what)
{
    if (j->dec && (j->sp.sparse || j->sp.mem)) {
        /* The thread's call before this one comes back after (a task run while the
         * decoder waits is one whole call). */
        EndsCall call = {.dec = j->dec, .sp = &j->sp}, *outer = ends_call;
        CimDecoder ends = *j->dec;
        ends.header = ends_header;
        ends.decode = ends_decode;
        ends_call = &call;
        cim__measure_decoded(w, j->r, &ends, j->sp.path, NULL, 0);
        ends_call = outer;
        return;
    }
    if (j->dec) {
        cim__measure_decoded(w, j->r, j->dec, j->sp.path, NULL, 0);
        return;
    }
    ssize_t n = pread(j->sp.fd, w->probe, CIM_PROBE_BYTES, 0);
    if (n <= 0) fail_rec(j->r, CIM_ERR_IO, what, strerror(errno));
    else cim__measure_file(w, j->r, j->sp.path, (size_t)n);
}

/* A member's measurement, on whichever thread runs the task. */
static void run_job(Job *j)
{
    Ctx *c = j->ctx;
    CimRun *run = c->run;
    Worker *w = &run->workers[omp_get_thread_num()];
    if (!w->ready) {
        fail_rec(j->r, CIM_ERR_NOMEM, "%s", "out of memory setting up workers");
    } else {
        atomic_fetch_add(&run->busy, 1);
        measure_spooled(w, j, "cannot read a spooled member: %s");
        atomic_fetch_sub(&run->busy, 1);
    }
    atomic_fetch_sub(&c->inflight_bytes, j->sp.size);
    atomic_fetch_sub(&c->inflight, 1);
    pool_give(c, &j->sp);
    free(j);
}

/* Spools the rest of in (its prefix included) and measures it as a file: in a
 * task when tasks are allowed, else here. */
static void spool_and_measure(Ctx *c, CimRecord *r, CimReader *in, int task, const CimDecoder *dec,
                              uint8_t **probe)
{
    if (task && (atomic_load(&c->inflight) >= c->max_inflight ||
                 atomic_load(&c->inflight_bytes) >= CIM_INFLIGHT_BYTES)) {
        #pragma omp taskwait
    }
    Job *j = calloc(1, sizeof *j);
    if (!j) { fail_rec(r, CIM_ERR_NOMEM, "%s", "out of memory"); return; }
    CimErr e = {0};
    /* Only the ends, when the header is all that is read: in memory for a header
     * reader of a FILE*, else in a file; all of it otherwise (or when the member is
     * no range of the file). */
    int ends = ends_only(c->run, dec);
    int rc = ends && dec->header_stream ? cim_spool_hold_ends(&j->sp, in, probe, &e) : 0;
    int reuse = rc == 0 ? pool_take(c) : -1;
    if (rc == 0 && ends)
        rc = cim_spool_fill_ends(&j->sp, in, reuse, &e);
    if (rc == 0)
        rc = cim_spool_fill(&j->sp, in, CIM_SPOOL_MAX, reuse, &e);
    if (rc < 0) {
        cim__record_error(r, &e);
        free(j);
        return;
    }
    j->ctx = c;
    j->r = r;
    j->dec = dec;
    atomic_fetch_add(&c->inflight, 1);
    atomic_fetch_add(&c->inflight_bytes, j->sp.size);
    if (task) {
        #pragma omp task default(none) firstprivate(j)
        run_job(j);
    } else {
        /* Inline, on this thread's worker: its probe buffer is free here. */
        measure_spooled(c->w, j, "cannot read a spooled stream: %s");
        atomic_fetch_sub(&c->inflight_bytes, j->sp.size);
        atomic_fetch_sub(&c->inflight, 1);
        pool_give(c, &j->sp);
        free(j);
    }
}

static void measure_archive(Ctx *c, CimArchive *ar, CimRecord *rec, int level);
static void measure_content(Ctx *c, CimRecord *r, CimReader *in, int level, int64_t size, int task);

/* An archive or compressed stream inside a member, a stream or stdin. A compressed
 * stream keeps the level of what holds it (a .tar.gz is one level, the tar's);
 * an archive is one level deeper. zip and 7z need to seek (the central
 * directory, as unzip reads it): they are spooled first. */
static void open_nested(Ctx *c, CimRecord *r, CimReader *in, CimContainer kind, const char *what,
                        int level)
{
    int stream = kind == CIM_CONT_STREAM;
    int inner_level = stream ? level : level + 1;
    if (inner_level > CIM_MAX_LEVEL) {
        fail_rec(r, CIM_ERR_LIMIT, "%s archive nested deeper than 4 levels", what);
        return;
    }
    /* Compression inside compression does not add levels: bounded apart. */
    if (c->depth >= CIM_MAX_DEPTH) {
        fail_rec(r, CIM_ERR_LIMIT, "%s data nested in more than 16 compressed streams and archives", what);
        return;
    }
    CimErr e = {0};
    if (stream && !strcmp(what, "gzip")) {   /* zlib, which checks the CRC (source.h) */
        CimGunzip *gz;
        if (cim_gunzip_open(&gz, in, &e) < 0) {
            cim__record_error(r, &e);
            return;
        }
        c->depth++;
        measure_content(c, r, cim_gunzip_reader(gz), level, -1, 0);
        c->depth--;
        cim_gunzip_close(gz);
        return;
    }
    CimSpool sp = {.fd = -1};
    int seek = !stream && (!strcmp(what, "zip") || !strcmp(what, "7z"));
    if (seek && cim_spool_fill(&sp, in, CIM_SPOOL_MAX, -1, &e) < 0) {
        cim__record_error(r, &e);
        return;
    }
    CimArchive *inner;
    if (cim_archive_open(&inner, seek ? sp.path : NULL, in, stream, &e) < 0) {
        cim__record_error(r, &e);
    } else {
        c->depth++;
        measure_archive(c, inner, r, inner_level);
        c->depth--;
        cim_archive_close(inner);
    }
    cim_spool_close(&sp);
}

/* The content read from `in`, measured into r as the extracted file would be.
 * level: of the archive (or stream) it comes from, 0 for standard input. */
static void measure_content(Ctx *c, CimRecord *r, CimReader *in, int level, int64_t size, int task)
{
    uint8_t *probe = malloc(CIM_PROBE_BYTES);
    if (!probe) { fail_rec(r, CIM_ERR_NOMEM, "%s", "out of memory"); return; }
    ssize_t n = cim_reader_fill(in, probe, CIM_PROBE_BYTES);
    if (n < 0) {
        cim__record_error(r, &in->err);
    } else if (n == 0) {
        fail_rec(r, CIM_ERR_EMPTY, "%s", "empty file");
    } else {
        in->prefix = probe;
        in->nprefix = (size_t)n;
        in->pos = 0;
        const char *what;
        CimContainer kind = cim_source_magic(probe, (size_t)n, &what);
        int need_file = 0;
        const CimDecoder *dec = kind == CIM_CONT_NONE
                              ? cim_decoder_sniff_prefix(probe, (size_t)n, &need_file) : NULL;
        int y4m = n >= 9 && !memcmp(probe, "YUV4MPEG2", 9);
        if (kind == CIM_CONT_OPAQUE) {
            fail_rec(r, CIM_ERR_UNSUPPORTED, "%s data: not measured", what);
        } else if (kind != CIM_CONT_NONE) {
            open_nested(c, r, in, kind, what, level);
        } else if (!cim__selected(c->run, r->path, 1)) {
            r->status = CIM_REC_EXCLUDED;
        } else if (dec && dec->decode_stream && !need_file && !y4m &&
                   !(task && size >= 0 && (uint64_t)size <= CIM_SPOOL_MEM)) {
            /* Text too large to hand to a task: streamed here, nothing else in flight
             * (a wait inside the decoder could otherwise run a member task on this
             * thread's worker). */
            if (task) {
                #pragma omp taskwait
            }
            FILE *f = cim_reader_fopen(in);
            int jsonl = cim__jsonl_choice(c->run, r, probe, (size_t)n, 0);
            if (!f) fail_rec(r, CIM_ERR_NOMEM, "%s", "out of memory");
            else {
                cim__measure_decoded(c->w, r, dec, NULL, f, jsonl);
                fclose(f);
                if (in->failed) {   /* damage is the error, whatever the decoder made of it */
                    for (size_t t = 0; t < c->run->ntok; t++) r->tokens[t] = CIM_TOKENS_NA;
                    cim__record_error(r, &in->err);
                }
            }
        } else if (dec || need_file || y4m) {
            int full = dec && !need_file && dec->probe(NULL, probe, (size_t)n) == 100;
            spool_and_measure(c, r, in, task, full ? dec : NULL, &probe);
        } else {
            fail_rec(r, CIM_ERR_UNSUPPORTED, "%s",
                     "no known modality (not text, and no image, video or audio signature)");
        }
        in->prefix = NULL;
        in->nprefix = in->pos = 0;
    }
    free(probe);
}

static int cmp_idx(const void *a, const void *b, void *arg)
{
    Ctx *c = arg;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int k = strcmp(c->v[x]->path, c->v[y]->path);
    return k ? k : (x < y ? -1 : x > y);
}

/* Marks all but the last of each name among c->v[first..): extraction keeps the last. */
static uint64_t mark_duplicates(Ctx *c, size_t first)
{
    size_t n = c->n - first;
    if (n < 2) return 0;
    size_t *idx = malloc(n * sizeof *idx);
    if (!idx) { c->nomem = 1; return 0; }
    for (size_t i = 0; i < n; i++) idx[i] = first + i;
    qsort_r(idx, n, sizeof *idx, cmp_idx, c);
    uint64_t dup = 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (!strcmp(c->v[idx[i]]->path, c->v[idx[i + 1]]->path) && !c->drop[idx[i]]) {
            c->drop[idx[i]] = 1;
            dup++;
        }
    free(idx);
    return dup;
}

/* The members of an archive (or a single stream's content) into records; rec is the
 * archive's own record: an error when it is damaged, else skipped with its counts. */
static void measure_archive(Ctx *c, CimArchive *ar, CimRecord *rec, int level)
{
    CimErr e = {0};
    CimEntry ent;
    int k = cim_archive_next(ar, &ent, &e);
    if (k >= 0 && cim_archive_is_stream(ar)) {
        /* A compressed stream: its content is this record's, at this level. */
        if (k == 0) fail_rec(rec, CIM_ERR_EMPTY, "%s", "empty file");
        else measure_content(c, rec, cim_archive_data(ar), level, ent.size, 0);
        return;
    }
    uint64_t members = 0, not_regular = 0, excluded = 0;
    size_t first = c->n;
    for (; k > 0; k = cim_archive_next(ar, &ent, &e)) {
        if (!ent.regular) { not_regular++; continue; }
        CimRecord *m = new_member(c, rec->path, ent.name);
        if (!m) { c->nomem = 1; k = cim_err(&e, CIM_ERR_NOMEM, "out of memory"); break; }
        if (!cim__selected(c->run, m->path, 0)) {
            m->status = CIM_REC_EXCLUDED;
            excluded++;
            continue;
        }
        CimReader *data = cim_archive_data(ar);
        measure_content(c, m, data, level, ent.size, 1);
        if (m->status == CIM_REC_EXCLUDED) excluded++;
        else members++;
        if (data->failed) {   /* the damage cut this member: the archive ends here */
            e = data->err;
            k = e.code ? e.code : CIM_ERR_CORRUPT;
            break;
        }
    }
    if (k < 0) {
        cim__record_error(rec, &e);
        return;
    }
    uint64_t dup = mark_duplicates(c, first);
    char msg[256];
    snprintf(msg, sizeof msg, CIM_ARCHIVE_REASON, cim_archive_kind(ar),
             (unsigned long long)(members - dup), (unsigned long long)not_regular,
             (unsigned long long)dup, (unsigned long long)excluded);
    free(rec->error);
    rec->error = strdup(msg);
    rec->status = CIM_REC_SKIPPED;
    rec->modality = CIM_MOD_NONE;
}

static ssize_t fd_read(void *ctx, void *buf, size_t n, CimErr *e)
{
    int fd = *(int *)ctx;
    for (;;) {
        ssize_t got = read(fd, buf, n);
        if (got >= 0) return got;
        if (errno != EINTR) return cim_err(e, CIM_ERR_IO, "read error: %s", strerror(errno));
    }
}

void cim__measure_source(Worker *w, CimRecord *r, int fd, size_t n)
{
    Ctx c = {.run = w->run, .w = w};
    int threads = omp_in_parallel() ? omp_get_num_threads() : 1;
    c.max_inflight = (size_t)threads * CIM_INFLIGHT_PER_THREAD;
    if (c.max_inflight > CIM_INFLIGHT_MAX)
        c.max_inflight = CIM_INFLIGHT_MAX;
    uint8_t *prefix = malloc(n);   /* w->probe is the tasks' too */
    if (!prefix) { fail_rec(r, CIM_ERR_NOMEM, "%s", "out of memory"); return; }
    memcpy(prefix, w->probe, n);
    const char *what;
    CimContainer kind = cim_source_magic(prefix, n, &what);
    CimReader in = {.prefix = prefix, .nprefix = n, .read = fd_read, .ctx = &fd};
    CimErr e = {0};
    CimArchive *ar = NULL;
    int is_stdin = !strcmp(r->path, "-");
    if (kind == CIM_CONT_OPAQUE) {
        fail_rec(r, CIM_ERR_UNSUPPORTED, "%s data: not measured", what);
    } else if (is_stdin || !strcmp(what, "gzip")) {
        /* Read as a member at level 0 (an archive in it is level 1): stdin, and gzip,
         * which zlib reads from the file's descriptor. */
        if (!is_stdin && lseek(fd, 0, SEEK_SET) != 0) {
            fail_rec(r, CIM_ERR_IO, "cannot read: %s", strerror(errno));
        } else {
            in.nprefix = is_stdin ? n : 0;
            measure_content(&c, r, &in, 0, -1, 0);
        }
    } else if (cim_archive_open(&ar, r->path, NULL, kind == CIM_CONT_STREAM, &e) < 0) {
        cim__record_error(r, &e);
    } else {
        measure_archive(&c, ar, r, kind == CIM_CONT_STREAM ? 0 : 1);
    }
    #pragma omp taskwait
    cim_archive_close(ar);   /* after the tasks: sparse spools read its file (source.h) */
    for (size_t i = 0; i < c.npool; i++) close(c.pool[i]);
    if (c.nomem) fail_rec(r, CIM_ERR_NOMEM, "%s", "out of memory reading an archive");
    /* Members join the run; superseded duplicates and excluded ones are dropped. */
    size_t keep = 0;
    for (size_t i = 0; i < c.n; i++) {
        if (c.drop[i] || c.v[i]->status == CIM_REC_EXCLUDED) {
            cim__record_clear(c.v[i]);
            free(c.v[i]);
            continue;
        }
        c.v[keep++] = c.v[i];
    }
    CimRun *run = c.run;
    int lost = 0;
    #pragma omp critical(cim_extra)
    {
        if (run->nextra + keep > run->capextra) {
            size_t cap = (run->nextra + keep) * 2;
            CimRecord **v = realloc(run->extra, cap * sizeof *v);
            if (v) { run->extra = v; run->capextra = cap; }
        }
        if (!keep) {
            /* nothing to add (c.v may be NULL) */
        } else if (run->nextra + keep <= run->capextra) {
            memcpy(run->extra + run->nextra, c.v, keep * sizeof *c.v);
            run->nextra += keep;
        } else {
            lost = 1;
        }
    }
    if (lost) {
        for (size_t i = 0; i < keep; i++) { cim__record_clear(c.v[i]); free(c.v[i]); }
        fail_rec(r, CIM_ERR_NOMEM, "%s", "out of memory keeping an archive's members");
    }
    free(c.v);
    free(c.drop);
    free(prefix);
}

int cim__archive_counts(const CimRecord *r, uint64_t cnt[4])
{
    if (r->status != CIM_REC_SKIPPED || r->modality != CIM_MOD_NONE || !r->error) return 0;
    const char *p = strstr(r->error, " archive: ");
    unsigned long long a, b, d, x;
    if (!p || sscanf(p, " archive: %llu members, %llu not regular, %llu duplicate names, %llu excluded",
                     &a, &b, &d, &x) != 4)
        return 0;
    cnt[0] = a;
    cnt[1] = b;
    cnt[2] = d;
    cnt[3] = x;
    return 1;
}
