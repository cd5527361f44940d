/*
 * record.c — records made, cleared, written as lines, read back and adopted
 * (record.h). The measuring loop, the journal, the MPI gather and `merge` share it.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "common/hex.h"
#include "run/record.h"

int cim__record_init(const CimRun *run, CimRecord *r, const char *path, CimErr *e)
{
    memset(r, 0, sizeof *r);
    r->modality = CIM_MOD_NONE;
    r->path = strdup(path);
    r->tokens = malloc((run->ntok ? run->ntok : 1) * sizeof *r->tokens);
    if (!r->path || !r->tokens) {
        cim__record_clear(r);
        return cim_err(e, CIM_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < run->ntok; i++)
        r->tokens[i] = CIM_TOKENS_NA;
    return 0;
}

CimRecord *cim__run_new_record(CimRun *run, const char *path, CimErr *e)
{
    if (run->nrec == run->caprec) {
        size_t cap = run->caprec ? 2 * run->caprec : 256;
        CimRecord *v = realloc(run->rec, cap * sizeof *v);
        if (!v) {
            cim_err(e, CIM_ERR_NOMEM, "out of memory");
            return NULL;
        }
        run->rec = v;
        run->caprec = cap;
    }
    CimRecord *r = &run->rec[run->nrec];
    if (cim__record_init(run, r, path, e) < 0)
        return NULL;
    run->nrec++;
    return r;
}

void cim__record_clear(CimRecord *r)
{
    free(r->path);
    free(r->error);
    free(r->tokens);
    memset(r, 0, sizeof *r);
}

void cim__record_error(CimRecord *r, const CimErr *e)
{
    free(r->error);
    r->status = CIM_REC_ERROR;
    r->err_code = e->code ? e->code : CIM_ERR_INTERNAL;
    r->error = strdup(e->msg[0] ? e->msg : cim_strerror(r->err_code));
}

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

void cim__records_sort(CimRecord *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_rec);
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
    cim__records_sort(run->rec, run->nrec);
    for (size_t i = 1; i < run->nrec && !rc; i++)
        if (!strcmp(run->rec[i - 1].path, run->rec[i].path))
            rc = cim_err(e, CIM_ERR_USAGE, "file %s appears in more than one shard", run->rec[i].path);
    return rc < 0 ? rc : cim__reduce(run, e);
}

int cim_run_adopt_records(CimRun *run, const char *buf, size_t len, CimErr *e)
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

int cim_run_export_records(const CimRun *run, char **buf, size_t *len, CimErr *e)
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

