/*
 * pipeline.c — measure: walk → sniff → decode once → every tokenizer (doc/records.md).
 *
 * Files are spread over OpenMP threads (dynamic schedule: file sizes vary by
 * orders of magnitude). Each worker owns its tokenizer states, probe buffer
 * and zstd context, and writes only its file's slot of run->rec, so there is
 * no locking on the hot path and the result does not depend on scheduling.
 * Compressed files, archives and standard input go to sources.c, whose archive
 * members are OpenMP tasks measured with the worker of the thread that runs
 * them; their records join run->rec, sorted by path, after the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>
#include "common/err.h"
#include "decode/decoder.h"
#include "run/journal.h"
#include "run/record.h"
#include "run/run.h"
#include "run/worker.h"
#include "source/magic.h"

CimMeasureParams cim_measure_default_params(void)
{
    CimMeasureParams p;
    memset(&p, 0, sizeof p);
    p.zstd_level = 3;
    p.fast_path = 1;
    p.bootstrap = 1000;
    p.seed = 20240906;   /* arXiv 2409.06754 */
    p.limits.max_pixels = 1ull << 30;          /* 1 gigapixel */
    p.limits.max_frames = 10ull * 1000 * 1000; /* ~46 h at 60 fps */
    p.limits.max_seconds = 24.0 * 3600;
    p.limits.max_decoded_bytes = 0;
    p.limits.time_budget_s = 0;
    return p;
}

static int add_tokenizer(CimRun *run, const char *spec, CimErr *e)
{
    CimTokInstance ti;
    CIM_CHECK(cim_tok_instance_init(&ti, spec, e));
    CimModality m = ti.tok->modality;
    for (size_t i = 0; i < run->ntok; i++)
        if (!strcmp(run->toks[i].spec, ti.spec)) {   /* the same spec twice counts once */
            cim_tok_instance_free(&ti);
            return 0;
        }
    if (run->nmod_tok[m] >= CIM_MAX_TOK_PER_MODALITY) {
        cim_tok_instance_free(&ti);
        return cim_err(e, CIM_ERR_USAGE, "too many %s tokenizers (at most %d)",
                       cim_modality_name(m), CIM_MAX_TOK_PER_MODALITY);
    }
    CimTokInstance *v = realloc(run->toks, (run->ntok + 1) * sizeof *v);
    if (!v) { cim_tok_instance_free(&ti); return cim_err(e, CIM_ERR_NOMEM, "out of memory"); }
    run->toks = v;
    run->toks[run->ntok] = ti;
    run->mod_tok[m][run->nmod_tok[m]++] = run->ntok++;
    return 0;
}

static int copy_globs(char ***out, size_t *nout, const char *const *v, size_t n, CimErr *e)
{
    if (!n) return 0;
    *out = calloc(n, sizeof **out);
    CIM_RETURN_IF(!*out, e, CIM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        CIM_RETURN_IF(!v[i] || !v[i][0], e, CIM_ERR_USAGE, "an empty --include or --exclude pattern");
        CIM_RETURN_IF(!((*out)[i] = strdup(v[i])), e, CIM_ERR_NOMEM, "out of memory");
        (*nout)++;
    }
    return 0;
}

int cim__selected(const CimRun *run, const char *path, int include_too)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < run->nexclude; i++)
        if (!fnmatch(run->exclude[i], path, 0) || !fnmatch(run->exclude[i], base, 0)) return 0;
    if (!include_too || !run->ninclude) return 1;
    for (size_t i = 0; i < run->ninclude; i++)
        if (!fnmatch(run->include[i], path, 0) || !fnmatch(run->include[i], base, 0)) return 1;
    return 0;
}

int cim_run_create(CimRun **out, const CimMeasureParams *p, CimErr *e)
{
    CimRun *run = calloc(1, sizeof *run);
    CIM_RETURN_IF(!run, e, CIM_ERR_NOMEM, "out of memory");
    run->p = *p;
    run->nshards = 1;
    int rc = 0;
    if (p->nspecs) {
        for (size_t i = 0; i < p->nspecs && !rc; i++)
            rc = add_tokenizer(run, p->specs[i], e);
    } else {
        for (int m = 0; m < CIM_MOD_COUNT && !rc; m++) {
            const char *d = cim_tokenizer_default((CimModality)m);
            if (d) rc = add_tokenizer(run, d, e);
        }
    }
    run->p.specs = NULL;   /* not owned; do not keep */
    run->p.nspecs = 0;
    if (!rc) rc = copy_globs(&run->include, &run->ninclude, p->include, p->ninclude, e);
    if (!rc) rc = copy_globs(&run->exclude, &run->nexclude, p->exclude, p->nexclude, e);
    run->p.include = run->p.exclude = NULL;
    if (!rc && p->json_field) {
        if (!p->json_field[0] || p->json_field[0] == '.' || strstr(p->json_field, "..") ||
            p->json_field[strlen(p->json_field) - 1] == '.')
            rc = cim_err(e, CIM_ERR_USAGE, "--json-field needs a name or a dotted path (text, meta.content)");
        else if (!(run->json_field = strdup(p->json_field)))
            rc = cim_err(e, CIM_ERR_NOMEM, "out of memory");
    }
    run->p.json_field = NULL;
    run->p.ninclude = run->p.nexclude = 0;
    if (rc < 0) { cim_run_free(run); return rc; }
    *out = run;
    return 0;
}

int cim_run_add_path(CimRun *run, const char *path, CimErr *e)
{
    CIM_RETURN_IF(run->walked, e, CIM_ERR_USAGE, "paths must be added before measuring");
    return cim_walk_add(&run->walk, path, run->p.hidden, e);
}

void cim_run_set_shard(CimRun *run, int shard, int nshards)
{
    run->shard = shard;
    run->nshards = nshards > 0 ? nshards : 1;
}

/* Turns the walk into records: sorted, de-duplicated, this shard's share. */
int cim__run_finalise_files(CimRun *run, CimErr *e)
{
    if (run->walked) return 0;
    cim_walk_finish(&run->walk);
    for (size_t i = 0; i < run->walk.n; i++) {
        if ((int)(i % (size_t)run->nshards) != run->shard) continue;
        CimWalkEntry *w = &run->walk.v[i];
        if (!w->err && !cim__selected(run, w->path, 0)) continue;   /* --exclude */
        CimRecord *r = cim__run_new_record(run, w->path, e);
        if (!r) return CIM_ERR_NOMEM;
        if (w->err) {
            r->status = CIM_REC_ERROR;
            r->err_code = w->err;
            r->error = strdup(w->errmsg ? w->errmsg : cim_strerror(w->err));
        }
    }
    cim_walk_free(&run->walk);
    run->walked = 1;
    return 0;
}

/* ---- one file ---------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int zfeed(Worker *w, const void *data, size_t len, CimErr *e)
{
    ZSTD_inBuffer in = {data, len, 0};
    while (in.pos < in.size) {
        ZSTD_outBuffer out = {w->zout, w->zcap, 0};
        size_t r = ZSTD_compressStream2(w->zc, &out, &in, ZSTD_e_continue);
        CIM_RETURN_IF(ZSTD_isError(r), e, CIM_ERR_INTERNAL, "zstd: %s", ZSTD_getErrorName(r));
        w->zbytes += out.pos;
    }
    return 0;
}

static int zend(Worker *w, CimErr *e)
{
    size_t r;
    do {
        ZSTD_inBuffer in = {NULL, 0, 0};
        ZSTD_outBuffer out = {w->zout, w->zcap, 0};
        r = ZSTD_compressStream2(w->zc, &out, &in, ZSTD_e_end);
        CIM_RETURN_IF(ZSTD_isError(r), e, CIM_ERR_INTERNAL, "zstd: %s", ZSTD_getErrorName(r));
        w->zbytes += out.pos;
    } while (r);
    return 0;
}

static int sink_begin(CimSink *s, const CimGeometry *g, CimErr *e)
{
    Worker *w = (Worker *)s;
    CimRun *run = w->run;
    for (size_t k = 0; k < run->nmod_tok[w->mod]; k++) {
        size_t t = run->mod_tok[w->mod][k];
        const CimTokenizer *tok = run->toks[t].tok;
        if (!tok->feed || w->began[k]) continue;
        w->began[k] = 1;
        if (tok->begin)
            CIM_CHECK(tok->begin(run->toks[t].conf, w->state[t], g, e));
    }
    return 0;
}

/* Threads of the measuring team with no file now: with one large file (or the last
 * of a corpus) its decoder and tokenizers can hand them OpenMP tasks. Outside a
 * team (cim__measure_path) there are none. */
static unsigned sink_spare(const CimSink *s)
{
    const Worker *w = (const Worker *)s;
    unsigned team = (unsigned)omp_get_num_threads(), busy = atomic_load(&w->run->busy);
    return team > busy ? team - busy : 0;
}

static int sink_chunk(CimSink *s, const CimChunk *c, CimErr *e)
{
    Worker *w = (Worker *)s;
    CimRun *run = w->run;
    CIM_RETURN_IF(w->deadline && now_s() > w->deadline, e, CIM_ERR_LIMIT,
                  "per-file time budget of %g s exceeded", run->p.limits.time_budget_s);
    for (size_t k = 0; k < run->nmod_tok[w->mod]; k++) {
        size_t t = run->mod_tok[w->mod][k];
        const CimTokenizer *tok = run->toks[t].tok;
        if (tok->feed)
            CIM_CHECK(tok->feed(run->toks[t].conf, w->state[t], c, e));
    }
    if (!w->info) return 0;
    switch (c->kind) {   /* the canonical raw stream of doc/records.md */
    case CIM_CHUNK_TEXT:
        return zfeed(w, c->data, c->len, e);
    case CIM_CHUNK_ROWS:
        for (uint32_t y = 0; y < c->height; y++)
            CIM_CHECK(zfeed(w, c->data + y * c->stride, (size_t)c->width * c->channels, e));
        return 0;
    case CIM_CHUNK_FRAME:
        CIM_RETURN_IF(!c->aux, e, CIM_ERR_INTERNAL, "decoder gave no RGB frame for --info");
        for (uint32_t y = 0; y < c->height; y++)
            CIM_CHECK(zfeed(w, c->aux + y * c->aux_stride, (size_t)c->width * 3, e));
        return 0;
    case CIM_CHUNK_PCM:
        return zfeed(w, c->data, c->len * c->channels * sizeof(int16_t), e);
    }
    return 0;
}

void cim__release_states(Worker *w)
{
    CimRun *run = w->run;
    for (size_t k = 0; k < run->nmod_tok[w->mod]; k++) {
        size_t t = run->mod_tok[w->mod][k];
        const CimTokenizer *tok = run->toks[t].tok;
        if (w->began[k] && tok->release)
            tok->release(run->toks[t].conf, w->state[t]);
        w->began[k] = 0;
    }
}

static void measure_one(Worker *w, CimRecord *r)
{
    CimErr e = {0};
    int is_stdin = !strcmp(r->path, "-");
    int fd = is_stdin ? 0 : open(r->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cim_err(&e, CIM_ERR_IO, "cannot open: %s", strerror(errno));
        cim__record_error(r, &e);
        return;
    }
    ssize_t n = 0, got = 0;
    while (n < CIM_PROBE_BYTES && (got = read(fd, w->probe + n, CIM_PROBE_BYTES - (size_t)n)) > 0)
        n += got;
    int read_errno = got < 0 ? errno : 0;
    if (n > 0 && (is_stdin || cim_source_magic(w->probe, (size_t)n, NULL) != CIM_CONT_NONE)) {
        cim__measure_source(w, r, fd, (size_t)n);
        if (!is_stdin) close(fd);
        return;
    }
    if (!is_stdin) close(fd);
    if (n == 0) {
        cim_err(&e, read_errno ? CIM_ERR_IO : CIM_ERR_EMPTY,
                read_errno ? "cannot read: %s" : "empty file", strerror(read_errno));
        cim__record_error(r, &e);
        return;
    }
    if (!cim__selected(w->run, r->path, 1)) {
        r->status = CIM_REC_EXCLUDED;
        return;
    }
    cim__measure_file(w, r, r->path, (size_t)n);
}

void cim__measure_file(Worker *w, CimRecord *r, const char *open_path, size_t n)
{
    CimErr e = {0};
    const CimDecoder *dec = cim_decoder_sniff(open_path, w->probe, n);
    if (!dec) {
        cim_err(&e, CIM_ERR_UNSUPPORTED, "no known modality (not text, and no image, video or audio signature)");
        cim__record_error(r, &e);
        return;
    }
    int jsonl = 0;
    if (dec->decode_stream && dec->modality == CIM_MOD_TEXT)   /* text: JSON Lines? */
        jsonl = cim__jsonl_choice(w->run, r, w->probe, n, 0);
    cim__measure_decoded(w, r, dec, open_path, NULL, jsonl);
}

int cim__jsonl_choice(const CimRun *run, CimRecord *r, const uint8_t *probe, size_t n, int partial)
{
    int looks = cim__looks_jsonl(probe, n, !partial && n < CIM_PROBE_BYTES);
    if (looks && !run->json_field) r->jsonl_hint = 1;
    return looks && run->json_field;
}

/* Whether a tokenizer of modality mod counts content (has feed); *needs gets what
 * those tokenizers want from the decoder. */
static int plan_content(const CimRun *run, CimModality mod, unsigned *needs)
{
    int content = 0;
    *needs = 0;
    for (size_t k = 0; k < run->nmod_tok[mod]; k++) {
        const CimTokenizer *tok = run->toks[run->mod_tok[mod][k]].tok;
        if (tok->feed) {
            content = 1;
            *needs |= tok->caps;
        }
    }
    return content;
}

/* --info: the decoder hands over everything, and the zstd stream starts afresh. */
static void start_info(Worker *w, unsigned *needs)
{
    *needs |= CIM_NEED_TEXT | CIM_NEED_PIXELS | CIM_NEED_RGB | CIM_NEED_PCM;
    ZSTD_CCtx_reset(w->zc, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(w->zc, ZSTD_c_compressionLevel, w->run->p.zstd_level);
    w->zbytes = 0;
}

/* Decodes one file (not JSON Lines): from its header alone when no tokenizer needs
 * content and the decoder can, else in full through w->sink. Then every tokenizer of
 * the modality gives its count into r->tokens. */
static int count_file(Worker *w, CimRecord *r, const CimDecoder *dec, const char *open_path,
                      FILE *stream, int content, CimFileMeasure *m, CimErr *e)
{
    CimRun *run = w->run;
    int rc = CIM_ERR_NEED_DECODE;
    if (!content && !w->info && run->p.fast_path && dec->header && !stream) {
        rc = dec->header(open_path, &run->p.limits, m, e);
        if (rc == 0)
            r->fast = 1;
    }
    if (rc == CIM_ERR_NEED_DECODE) {
        memset(e, 0, sizeof *e);
        for (size_t k = 0; k < run->nmod_tok[w->mod]; k++) {
            size_t t = run->mod_tok[w->mod][k];
            memset(w->state[t], 0, run->toks[t].tok->state_size);
        }
        rc = stream ? dec->decode_stream(stream, &run->p.limits, &w->sink, m, e)
                    : dec->decode(open_path, &run->p.limits, &w->sink, m, e);
        if (rc == 0 && content)   /* a decoder that emitted nothing still owes begin() */
            rc = sink_begin(&w->sink, &m->geom, e);
        if (rc == 0 && w->info && (rc = zend(w, e)) == 0)
            r->info_bits = w->zbytes * 8;
    }
    uint64_t max_bytes = run->p.limits.max_decoded_bytes;
    if (rc == 0 && max_bytes && m->raw_bytes > max_bytes)
        rc = cim_err(e, CIM_ERR_LIMIT, "decoded size %llu exceeds the limit %llu",
                     (unsigned long long)m->raw_bytes, (unsigned long long)max_bytes);
    for (size_t k = 0; k < run->nmod_tok[w->mod] && rc == 0; k++) {
        size_t t = run->mod_tok[w->mod][k];
        const CimTokenizer *tok = run->toks[t].tok;
        if (tok->feed)
            rc = tok->finish(run->toks[t].conf, w->state[t], &m->geom, &r->tokens[t], e);
        else
            rc = tok->count_geometry(run->toks[t].conf, &m->geom, &r->tokens[t], e);
    }
    return rc;
}

/* Copies what was measured into the record. */
static void record_measure(CimRecord *r, const CimFileMeasure *m)
{
    r->modality = m->modality;
    r->status = CIM_REC_OK;
    r->file_bytes = m->file_bytes;
    r->raw_bytes = m->raw_bytes;
    r->units = m->units;
    /* Durations are kept at the 12 significant digits the JSON carries, so a
     * merge of per-file shards sums exactly what a single run sums. */
    char secs[32];
    snprintf(secs, sizeof secs, "%.12g", m->seconds);
    r->seconds = strtod(secs, NULL);
    r->skipped_packets = m->skipped_packets;
}

void cim__measure_decoded(Worker *w, CimRecord *r, const CimDecoder *dec, const char *open_path,
                          FILE *stream, int jsonl)
{
    CimRun *run = w->run;
    CimErr e = {0};
    r->modality = dec->modality;
    CimFileMeasure m;
    memset(&m, 0, sizeof m);
    m.modality = dec->modality;
    w->mod = dec->modality;
    /* An av container may turn out to be audio only (cover art): the decoder
     * says so in m.modality; the tokenizers follow it. Decoders that can
     * change modality report it from probe-time checks, so mod is final here. */
    if (!run->nmod_tok[w->mod]) {
        r->status = CIM_REC_SKIPPED;
        char msg[160];
        snprintf(msg, sizeof msg, "no %s tokenizer requested", cim_modality_name(w->mod));
        r->error = strdup(msg);
        return;
    }
    unsigned needs;
    int content = plan_content(run, w->mod, &needs);
    w->info = run->p.info;
    if (w->info)
        start_info(w, &needs);
    w->sink.needs = needs;
    w->deadline = run->p.limits.time_budget_s > 0 ? now_s() + run->p.limits.time_budget_s : 0;
    int rc;
    if (jsonl) {   /* documents: each measured and finished on its own (jsonl.c) */
        rc = cim__measure_jsonl(w, r, dec, open_path, stream, &m, &e);
        if (rc == 0 && w->info && (rc = zend(w, &e)) == 0)
            r->info_bits = w->zbytes * 8;
    } else {
        rc = count_file(w, r, dec, open_path, stream, content, &m, &e);
    }
    cim__release_states(w);
    if (rc < 0) {
        for (size_t t = 0; t < run->ntok; t++)
            r->tokens[t] = CIM_TOKENS_NA;
        r->info_bits = 0;
        cim__record_error(r, &e);
        return;
    }
    record_measure(r, &m);
}

static int worker_init(Worker *w, CimRun *run)
{
    memset(w, 0, sizeof *w);
    w->run = run;
    w->sink.begin = sink_begin;
    w->sink.chunk = sink_chunk;
    w->sink.spare = sink_spare;
    w->probe = malloc(CIM_PROBE_BYTES);
    w->state = calloc(run->ntok ? run->ntok : 1, sizeof *w->state);
    if (!w->probe || !w->state) return -1;
    for (size_t t = 0; t < run->ntok; t++)
        if (!(w->state[t] = calloc(1, run->toks[t].tok->state_size ? run->toks[t].tok->state_size : 1)))
            return -1;
    if (run->p.info) {
        w->zc = ZSTD_createCCtx();
        w->zcap = ZSTD_CStreamOutSize();
        w->zout = malloc(w->zcap);
        if (!w->zc || !w->zout) return -1;
    }
    w->ready = 1;
    return 0;
}

static void worker_free(Worker *w)
{
    for (size_t t = 0; w->state && t < w->run->ntok; t++) free(w->state[t]);
    free(w->state);
    free(w->probe);
    ZSTD_freeCCtx(w->zc);
    free(w->zout);
}

/* Archive members join the records, in path order as everything else; files left
 * out by --include leave. Runs without either keep their array untouched. */
static int settle_records(CimRun *run, CimErr *e)
{
    size_t out = 0;
    for (size_t i = 0; i < run->nrec; i++) {
        if (run->rec[i].status == CIM_REC_EXCLUDED) { cim__record_clear(&run->rec[i]); continue; }
        run->rec[out++] = run->rec[i];
    }
    run->nrec = out;
    if (!run->nextra) return 0;
    if (run->nrec + run->nextra > run->caprec) {
        size_t cap = run->nrec + run->nextra;
        CimRecord *v = realloc(run->rec, cap * sizeof *v);
        CIM_RETURN_IF(!v, e, CIM_ERR_NOMEM, "out of memory");
        run->rec = v;
        run->caprec = cap;
    }
    for (size_t i = 0; i < run->nextra; i++) {
        run->rec[run->nrec++] = *run->extra[i];
        free(run->extra[i]);
    }
    free(run->extra);
    run->extra = NULL;
    run->nextra = run->capextra = 0;
    cim__records_sort(run->rec, run->nrec);
    return 0;
}

static void free_extra(CimRun *run)
{
    for (size_t i = 0; i < run->nextra; i++) {
        cim__record_clear(run->extra[i]);
        free(run->extra[i]);
    }
    free(run->extra);
    run->extra = NULL;
    run->nextra = run->capextra = 0;
}

int cim_run_measure(CimRun *run, CimErr *e)
{
    CIM_CHECK(cim__run_finalise_files(run, e));
    int threads = run->p.threads > 0 ? run->p.threads : omp_get_num_procs();
    size_t total = run->nrec, done = 0;
    uint64_t bytes_done = 0;
    int fail = 0, jfail = 0;
    CimJournal *jr = NULL;           /* --journal: finished records load first, new ones append */
    CIM_CHECK(cim__journal_open(run, &jr, e));
    size_t ptotal = total;           /* resumed: progress counts what is left to measure */
    if (jr) {
        ptotal = 0;
        for (size_t i = 0; i < total; i++) ptotal += run->rec[i].status == CIM_REC_PENDING;
    }
    Worker *workers = calloc((size_t)threads, sizeof *workers);
    if (!workers) { cim__journal_close(jr); return cim_err(e, CIM_ERR_NOMEM, "out of memory"); }
    run->workers = workers;
    #pragma omp parallel num_threads(threads)
    {
        Worker *w = &workers[omp_get_thread_num()];
        int ok = worker_init(w, run) == 0;
        if (!ok) {
            #pragma omp atomic write
            fail = 1;
        }
        /* Workers are used by other threads' member tasks until the loop's barrier. */
        #pragma omp barrier
        #pragma omp for schedule(dynamic, 1)
        for (size_t i = 0; i < total; i++) {
            CimRecord *r = &run->rec[i];
            int pending = r->status == CIM_REC_PENDING && !atomic_load(&run->cancel);
            if (ok && pending) {
                atomic_fetch_add(&run->busy, 1);
                measure_one(w, r);
                atomic_fetch_sub(&run->busy, 1);
                /* An archive is measured again on resume (its members are not journaled). */
                int container = r->status == CIM_REC_EXCLUDED ||
                                (r->status == CIM_REC_SKIPPED && r->modality == CIM_MOD_NONE);
                if (jr && !container) {
                    #pragma omp critical(cim_journal)
                    if (cim__journal_append(jr, run, r) < 0) jfail = 1;
                }
            }
            if (run->p.progress && (pending || !jr)) {
                #pragma omp critical(cim_progress)
                {
                    done++;
                    bytes_done += r->file_bytes;
                    run->p.progress(run->p.progress_ctx, done, ptotal, bytes_done);
                }
            }
        }
        #pragma omp barrier
        worker_free(w);
    }
    run->workers = NULL;
    free(workers);
    cim__journal_close(jr);
    if (fail) free_extra(run);
    CIM_RETURN_IF(fail, e, CIM_ERR_NOMEM, "out of memory setting up workers");
    CIM_RETURN_IF(jfail, e, CIM_ERR_IO, "cannot append to journal %s", run->journal);
    if (atomic_load(&run->cancel)) {
        free_extra(run);
        return cim_err(e, CIM_ERR_CANCELLED, "cancelled");
    }
    CIM_CHECK(settle_records(run, e));
    return cim__reduce(run, e);
}

int cim__measure_path(CimRun *run, const char *path, CimRecord *out, CimErr *e)
{
    Worker w;
    int rc = worker_init(&w, run);
    run->workers = &w;
    int made = cim__record_init(run, out, path, e);
    if (rc < 0 || made < 0) {
        rc = cim_err(e, CIM_ERR_NOMEM, "out of memory");
    } else {
        atomic_fetch_add(&run->busy, 1);
        measure_one(&w, out);
        atomic_fetch_sub(&run->busy, 1);
    }
    run->workers = NULL;
    free_extra(run);   /* archive members: harnesses look at the archive's record */
    worker_free(&w);
    return rc;
}

void cim_run_cancel(CimRun *run) { atomic_store(&run->cancel, 1); }

size_t cim_run_error_count(const CimRun *run)
{
    size_t n = 0;
    for (size_t i = 0; i < run->nrec; i++) n += run->rec[i].status == CIM_REC_ERROR;
    return n;
}

size_t cim_run_file_count(const CimRun *run) { return run->nrec; }

void cim_run_set_command(CimRun *run, int argc, char **argv)
{
    run->argc = argc;
    run->argv = argv;   /* borrowed: main()'s argv outlives the run */
}

void cim_run_free(CimRun *run)
{
    if (!run) return;
    for (size_t i = 0; i < run->ntok; i++) cim_tok_instance_free(&run->toks[i]);
    free(run->toks);
    for (size_t i = 0; i < run->nrec; i++) cim__record_clear(&run->rec[i]);
    free(run->rec);
    free(run->agg);
    free(run->journal);
    cim_walk_free(&run->walk);
    for (size_t i = 0; i < run->ninclude; i++) free(run->include[i]);
    for (size_t i = 0; i < run->nexclude; i++) free(run->exclude[i]);
    free(run->include);
    free(run->exclude);
    free(run->json_field);
    free_extra(run);
    free(run);
}
