/*
 * journal.c — record lines, the resumable journal and record adoption
 * (measure --journal, MPI gather, doc/scaling-out.md "beyond one machine").
 *
 * Journal file: a header line {"cimeter_journal":1,"config":...} naming
 * everything that changes a record (tokenizer specs and model hashes, --info,
 * zstd level, fast path, limits), then one line per finished record, each
 * written with a single fputs+fflush under the caller's critical section.
 * A process killed at any point leaves at most one torn last line (no '\n'):
 * it is cut off on load, and the file is appended from there. A complete line
 * that does not parse is corruption, not a kill, and is refused. The records
 * are keyed by path, so a journal may be resumed with other -j or argument
 * order; records for paths outside this run are ignored. fflush reaches the
 * kernel, which is what survives SIGKILL; a power cut may lose the tail (no
 * fsync per record: it would cost more than the small files it protects).
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#include "common/err.h"
#include "common/hex.h"
#include "run/journal.h"

struct CimJournal {
    FILE *f;       /* opened for append, after the load */
};

static char *hex_encode(const char *s)
{
    return cim_hex_encode(s, strlen(s));
}

static json_t *u64j(uint64_t v) { return v == UINT64_MAX ? json_null() : json_integer((json_int_t)v); }

char *cim__record_to_line(const CimRun *run, const CimRecord *r)
{
    json_t *o = json_object();
    char *ph = hex_encode(r->path), *eh = r->error ? hex_encode(r->error) : NULL;
    char secs[64];
    snprintf(secs, sizeof secs, "%a", r->seconds);
    json_t *toks = json_array();
    for (size_t t = 0; t < run->ntok; t++) json_array_append_new(toks, u64j(r->tokens[t]));
    char *line = NULL;
    if (o && ph && toks && (!r->error || eh)) {
        json_object_set_new(o, "path_hex", json_string(ph));
        json_object_set_new(o, "modality", json_integer(r->modality));
        json_object_set_new(o, "status", json_integer(r->status));
        json_object_set_new(o, "err_code", json_integer(r->err_code));
        json_object_set_new(o, "error_hex", eh ? json_string(eh) : json_null());
        json_object_set_new(o, "file_bytes", u64j(r->file_bytes));
        json_object_set_new(o, "raw_bytes", u64j(r->raw_bytes));
        json_object_set_new(o, "units", u64j(r->units));
        json_object_set_new(o, "skipped_packets", u64j(r->skipped_packets));
        json_object_set_new(o, "seconds", json_string(secs));
        json_object_set_new(o, "info_bits", u64j(r->info_bits));
        json_object_set_new(o, "fast", json_boolean(r->fast));
        if (r->documents)
            json_object_set_new(o, "documents", u64j(r->documents));
        json_object_set_new(o, "tokens", json_incref(toks));
        line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    }
    json_decref(toks);
    json_decref(o);
    free(ph);
    free(eh);
    return line;
}

static int get_u64(json_t *o, const char *k, uint64_t *v)
{
    json_t *x = json_object_get(o, k);
    if (json_is_null(x)) { *v = UINT64_MAX; return 0; }
    if (!json_is_integer(x) || json_integer_value(x) < 0) return -1;
    *v = (uint64_t)json_integer_value(x);
    return 0;
}

int cim__record_from_line(const CimRun *run, const char *line, CimRecord *r, CimErr *e)
{
    json_error_t je;
    memset(r, 0, sizeof *r);
    json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &je);
    CIM_RETURN_IF(!json_is_object(o), e, CIM_ERR_CORRUPT, "bad record line: %s", je.text);
    int bad = 0;
    json_t *ph = json_object_get(o, "path_hex"), *eh = json_object_get(o, "error_hex");
    json_t *toks = json_object_get(o, "tokens"), *secs = json_object_get(o, "seconds");
    json_t *mod = json_object_get(o, "modality"), *st = json_object_get(o, "status");
    json_t *ec = json_object_get(o, "err_code");
    bad |= !json_is_string(ph) || !json_is_array(toks) || json_array_size(toks) != run->ntok;
    bad |= !json_is_integer(mod) || !json_is_integer(st) || !json_is_integer(ec) || !json_is_string(secs);
    bad |= !(json_is_null(eh) || json_is_string(eh));
    if (!bad) {
        json_int_t m = json_integer_value(mod), s = json_integer_value(st);
        bad |= m < CIM_MOD_NONE || m >= CIM_MOD_COUNT || s < CIM_REC_PENDING || s > CIM_REC_SKIPPED;
        r->modality = (CimModality)m;
        r->status = (CimStatus)s;
        r->err_code = (int)json_integer_value(ec);
    }
    bad |= get_u64(o, "file_bytes", &r->file_bytes) | get_u64(o, "raw_bytes", &r->raw_bytes) |
           get_u64(o, "units", &r->units) | get_u64(o, "skipped_packets", &r->skipped_packets) |
           get_u64(o, "info_bits", &r->info_bits);
    r->fast = json_is_true(json_object_get(o, "fast"));
    if (json_is_integer(json_object_get(o, "documents")))
        bad |= get_u64(o, "documents", &r->documents);
    if (!bad) {
        char *end;
        r->seconds = strtod(json_string_value(secs), &end);
        bad |= *end != 0;
        r->path = cim_hex_decode(json_string_value(ph));
        r->error = json_is_string(eh) ? cim_hex_decode(json_string_value(eh)) : NULL;
        r->tokens = malloc((run->ntok ? run->ntok : 1) * sizeof *r->tokens);
        bad |= !r->path || (json_is_string(eh) && !r->error) || !r->tokens;
        for (size_t t = 0; !bad && t < run->ntok; t++) {
            json_t *x = json_array_get(toks, t);
            if (json_is_null(x)) r->tokens[t] = CIM_TOKENS_NA;
            else if (json_is_integer(x) && json_integer_value(x) >= 0) r->tokens[t] = (uint64_t)json_integer_value(x);
            else bad = 1;
        }
    }
    json_decref(o);
    if (bad) {
        cim__record_clear(r);
        return cim_err(e, CIM_ERR_CORRUPT, "bad record line (fields missing or of the wrong type)");
    }
    return 0;
}

static int cmp_rec(const void *a, const void *b)
{
    return strcmp(((const CimRecord *)a)->path, ((const CimRecord *)b)->path);
}

int cim__run_adopt(CimRun *run, CimRecord *recs, size_t n, CimErr *e)
{
    int rc = 0;
    if (run->nrec + n > run->caprec) {
        size_t cap = run->nrec + n + 16;
        CimRecord *v = realloc(run->rec, cap * sizeof *v);
        if (!v) {
            for (size_t i = 0; i < n; i++) cim__record_clear(&recs[i]);
            return cim_err(e, CIM_ERR_NOMEM, "out of memory");
        }
        run->rec = v;
        run->caprec = cap;
    }
    if (n) memcpy(run->rec + run->nrec, recs, n * sizeof *recs);
    run->nrec += n;
    qsort(run->rec, run->nrec, sizeof *run->rec, cmp_rec);   /* the order walk.c gives (strcmp) */
    for (size_t i = 1; i < run->nrec && !rc; i++)
        if (!strcmp(run->rec[i - 1].path, run->rec[i].path))
            rc = cim_err(e, CIM_ERR_USAGE, "file %s appears in more than one shard", run->rec[i].path);
    return rc < 0 ? rc : cim__reduce(run, e);
}

int cim__run_adopt_lines(CimRun *run, const char *buf, size_t len, CimErr *e)
{
    size_t n = 0, cap = 0;
    CimRecord *v = NULL;
    int rc = 0;
    const char *p = buf, *end = buf + len;
    while (p < end && !rc) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (l) {
            char *line = strndup(p, l);
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                CimRecord *w = realloc(v, cap * sizeof *w);
                if (!w) { free(line); rc = cim_err(e, CIM_ERR_NOMEM, "out of memory"); break; }
                v = w;
            }
            rc = line ? cim__record_from_line(run, line, &v[n], e) : cim_err(e, CIM_ERR_NOMEM, "out of memory");
            if (!rc) n++;
            free(line);
        }
        p += l + 1;
    }
    if (rc < 0) {
        for (size_t i = 0; i < n; i++) cim__record_clear(&v[i]);
        free(v);
        return rc;
    }
    rc = cim__run_adopt(run, v, n, e);
    free(v);
    return rc;
}

int cim__run_export_lines(const CimRun *run, char **buf, size_t *len, CimErr *e)
{
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    CIM_RETURN_IF(!b, e, CIM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < run->nrec; i++) {
        char *line = cim__record_to_line(run, &run->rec[i]);
        size_t l = line ? strlen(line) : 0;
        if (line && n + l + 1 > cap) {
            while (n + l + 1 > cap) cap *= 2;
            char *w = realloc(b, cap);
            if (!w) { free(line); line = NULL; } else b = w;
        }
        if (!line) { free(b); return cim_err(e, CIM_ERR_NOMEM, "out of memory"); }
        memcpy(b + n, line, l);
        b[n + l] = '\n';
        n += l + 1;
        free(line);
    }
    *buf = b;
    *len = n;
    return 0;
}

/* The header: what a record depends on. A resumed run must match it. */
static char *journal_header(const CimRun *run)
{
    json_t *cfg = json_object(), *toks = json_array();
    for (size_t t = 0; t < run->ntok; t++)
        json_array_append_new(toks, json_pack("[ss]", run->toks[t].spec, run->toks[t].sha256));
    char lim[256];
    snprintf(lim, sizeof lim, "%llu %llu %a %llu %a", (unsigned long long)run->p.limits.max_pixels,
             (unsigned long long)run->p.limits.max_frames, run->p.limits.max_seconds,
             (unsigned long long)run->p.limits.max_decoded_bytes, run->p.limits.time_budget_s);
    json_object_set_new(cfg, "tokenizers", toks);
    json_object_set_new(cfg, "info", json_integer(run->p.info));
    json_object_set_new(cfg, "zstd_level", json_integer(run->p.info ? run->p.zstd_level : 0));
    json_object_set_new(cfg, "fast_path", json_integer(run->p.fast_path));
    json_object_set_new(cfg, "limits", json_string(lim));
    if (run->json_field)   /* only then: older journals stay valid */
        json_object_set_new(cfg, "json_field", json_string(run->json_field));
    for (int x = 0; x < 2; x++) {   /* the selection: only when given, as json_field */
        size_t n = x ? run->nexclude : run->ninclude;
        json_t *globs = n ? json_array() : NULL;
        for (size_t i = 0; i < n; i++)
            json_array_append_new(globs, json_string(x ? run->exclude[i] : run->include[i]));
        if (globs) json_object_set_new(cfg, x ? "exclude" : "include", globs);
    }
    json_t *h = json_pack("{s:i,s:o}", "cimeter_journal", 1, "config", cfg);
    char *s = h ? json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(h);
    return s;
}

static CimRecord *find_record(CimRun *run, const char *path)
{
    size_t lo = 0, hi = run->nrec;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(run->rec[mid].path, path);
        if (!c) return &run->rec[mid];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

int cim__journal_open(CimRun *run, CimJournal **out, CimErr *e)
{
    *out = NULL;
    if (!run->journal) return 0;
    char *header = journal_header(run);
    CIM_RETURN_IF(!header, e, CIM_ERR_NOMEM, "out of memory");
    FILE *f = fopen(run->journal, "r+b");
    if (!f && errno == ENOENT) f = fopen(run->journal, "w+b");
    if (!f) {
        free(header);
        return cim_err(e, CIM_ERR_IO, "cannot open journal %s: %s", run->journal, strerror(errno));
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t l;
    off_t good = 0;         /* end of the last complete line */
    long lineno = 0;
    int rc = 0;
    while (!rc && (l = getline(&line, &cap, f)) > 0) {
        if (line[l - 1] != '\n') {   /* torn by a kill: cut below */
            if (lineno == 0 && strncmp(line, header, (size_t)l))   /* not even a torn header: not ours */
                rc = cim_err(e, CIM_ERR_USAGE, "%s is not a cimeter journal (refusing to overwrite it)",
                             run->journal);
            break;
        }
        line[l - 1] = 0;
        lineno++;
        if (lineno == 1) {
            if (strncmp(line, "{\"cimeter_journal\":", 19))
                rc = cim_err(e, CIM_ERR_USAGE, "%s is not a cimeter journal (refusing to overwrite it)",
                             run->journal);
            else if (strcmp(line, header))
                rc = cim_err(e, CIM_ERR_USAGE, "journal %s was written with other tokenizers or settings "
                             "(remove it to start afresh)", run->journal);
        } else {
            CimRecord r;
            CimErr le = {0};
            if (cim__record_from_line(run, line, &r, &le) < 0) {
                rc = cim_err(e, CIM_ERR_CORRUPT, "journal %s line %ld: %s", run->journal, lineno, le.msg);
                break;
            }
            CimRecord *dst = find_record(run, r.path);
            if (dst && dst->status == CIM_REC_PENDING) {
                char *path = dst->path;     /* keep the run's own allocation of the path */
                free(dst->tokens);
                free(dst->error);
                *dst = r;
                free(dst->path);
                dst->path = path;
            } else {
                cim__record_clear(&r);
            }
        }
        good += l;
    }
    free(line);
    if (!rc && fflush(f) == 0 && ftruncate(fileno(f), good) != 0)
        rc = cim_err(e, CIM_ERR_IO, "cannot truncate journal %s: %s", run->journal, strerror(errno));
    if (!rc && fseeko(f, good, SEEK_SET) != 0)
        rc = cim_err(e, CIM_ERR_IO, "cannot seek journal %s", run->journal);
    if (!rc && lineno == 0 && (fprintf(f, "%s\n", header) < 0 || fflush(f) != 0))
        rc = cim_err(e, CIM_ERR_IO, "cannot write journal %s", run->journal);
    free(header);
    if (rc < 0) { fclose(f); return rc; }
    CimJournal *j = malloc(sizeof *j);
    if (!j) { fclose(f); return cim_err(e, CIM_ERR_NOMEM, "out of memory"); }
    j->f = f;
    *out = j;
    return 0;
}

int cim__journal_append(CimJournal *j, const CimRun *run, const CimRecord *r)
{
    if (!j) return 0;
    char *line = cim__record_to_line(run, r);
    if (!line) return CIM_ERR_NOMEM;
    size_t l = strlen(line);
    line[l] = 0;
    int ok = fwrite(line, 1, l, j->f) == l && fputc('\n', j->f) != EOF && fflush(j->f) == 0;
    free(line);
    return ok ? 0 : CIM_ERR_IO;
}

void cim__journal_close(CimJournal *j)
{
    if (!j) return;
    fclose(j->f);
    free(j);
}

int cim_run_set_journal(CimRun *run, const char *path, CimErr *e)
{
    CIM_RETURN_IF(run->walked, e, CIM_ERR_USAGE, "the journal must be set before measuring");
    free(run->journal);
    run->journal = NULL;
    if (!path) return 0;
    run->journal = strdup(path);
    CIM_RETURN_IF(!run->journal, e, CIM_ERR_NOMEM, "out of memory");
    return 0;
}
