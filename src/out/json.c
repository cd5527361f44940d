/*
 * json.c — the measure JSON (doc/records.md), written with jansson.
 *
 * Schema "cimeter.measure/1": schema, tool, command, settings, corpus,
 * tokenizers, aggregates, skipped, errors and (with --per-file) files. Key
 * order is fixed and nothing depends on threads or time, so two runs over the
 * same corpus give the same bytes (only `command` records how it was called).
 * NaN (no tokens) is written as null. The file is written to a temporary name
 * and renamed, so a reader never sees half a result.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/err.h"
#include "common/utf8.h"
#include "common/hex.h"
#include "out/out.h"
#include "run/run.h"

/* File names and messages are bytes, JSON strings are UTF-8: text that is not
 * valid UTF-8 gets U+FFFD for each invalid byte, and a path also goes out as
 * exact hex in "path_hex", so no file name is lost or mangled silently. */
static int utf8_ok(const char *s, size_t n)
{
    uint64_t bad;
    cim_utf8_count((const uint8_t *)s, n, &bad);
    return bad == 0;
}

static json_t *str_json(const char *s)
{
    size_t n = strlen(s);
    if (utf8_ok(s, n)) return json_stringn(s, n);
    char *buf = malloc(3 * n + 1), *q = buf;
    if (!buf) return json_null();
    for (size_t i = 0; i < n;) {
        size_t l = cim_utf8_valid((const uint8_t *)s + i, n - i);
        if (l) { memcpy(q, s + i, l); q += l; i += l; }
        else { memcpy(q, "\xEF\xBF\xBD", 3); q += 3; i++; }
    }
    json_t *j = json_stringn(buf, (size_t)(q - buf));
    free(buf);
    return j ? j : json_null();
}

static void set_path(json_t *o, const char *path)
{
    size_t n = strlen(path);
    json_object_set_new(o, "path", str_json(path));
    if (utf8_ok(path, n)) return;
    char *hex = cim_hex_encode(path, n);
    if (hex)
        json_object_set_new(o, "path_hex", json_string(hex));
    free(hex);
}

static json_t *globs_json(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, str_json(v[i]));
    return a;
}

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }
static json_t *u64(uint64_t v) { return json_integer((json_int_t)v); }

static json_t *aggregate_json(const CimRun *run, const CimAggregate *a)
{
    json_t *o = json_object();
    const CimTokInstance *ti = &run->toks[a->tok];
    json_object_set_new(o, "modality", json_string(cim_modality_name(a->modality)));
    json_object_set_new(o, "tokenizer", str_json(ti->spec));
    json_object_set_new(o, "files", u64(a->files));
    json_object_set_new(o, "errors", u64(a->errors));
    json_object_set_new(o, "file_bytes", u64(a->file_bytes));
    json_object_set_new(o, "raw_bytes", u64(a->raw_bytes));
    if (a->modality == CIM_MOD_AUDIO)
        json_object_set_new(o, "units", num(a->seconds));
    else
        json_object_set_new(o, "units", u64(a->units));
    json_object_set_new(o, "unit", json_string(cim__unit_name(a->modality)));
    if (a->modality == CIM_MOD_VIDEO)
        json_object_set_new(o, "seconds", num(a->seconds));
    json_object_set_new(o, "tokens", u64(a->tokens));
    json_object_set_new(o, "C", num(a->C));
    json_object_set_new(o, "C_file", num(a->C_file));
    json_object_set_new(o, "tokens_per_unit", num(a->tokens_per_unit));
    json_object_set_new(o, "per_unit", json_string(cim__per_unit_name(a->modality)));
    json_object_set_new(o, "C_median", num(a->C_median));
    json_object_set_new(o, "C_p10", num(a->C_p10));
    json_object_set_new(o, "C_p90", num(a->C_p90));
    json_object_set_new(o, "C_ci95", json_pack("[oo]", num(a->C_lo), num(a->C_hi)));
    if (a->documents)
        json_object_set_new(o, "documents", u64(a->documents));
    if (a->zero_token_files)
        json_object_set_new(o, "zero_token_files", u64(a->zero_token_files));
    if (run->p.info) {
        json_object_set_new(o, "info_bits", u64(a->info_bits));
        json_object_set_new(o, "info_bits_per_token", num(a->info_bits_per_token));
        json_object_set_new(o, "capacity_bits", num(a->capacity_bits));
    }
    return o;
}

static json_t *file_json(const CimRun *run, const CimRecord *r, const CimTokInstance *ti, uint64_t tokens)
{
    json_t *o = json_object();
    set_path(o, r->path);
    json_object_set_new(o, "modality", r->modality == CIM_MOD_NONE ? json_null()
                                       : json_string(cim_modality_name(r->modality)));
    json_object_set_new(o, "tokenizer", ti ? str_json(ti->spec) : json_null());
    if (r->status == CIM_REC_OK) {
        json_object_set_new(o, "file_bytes", u64(r->file_bytes));
        json_object_set_new(o, "raw_bytes", u64(r->raw_bytes));
        json_object_set_new(o, "units", u64(r->units));
        if (r->documents)
            json_object_set_new(o, "documents", u64(r->documents));
        if (r->modality == CIM_MOD_VIDEO || r->modality == CIM_MOD_AUDIO)
            json_object_set_new(o, "seconds", num(r->seconds));
        if (r->skipped_packets)
            json_object_set_new(o, "skipped_packets", u64(r->skipped_packets));
        json_object_set_new(o, "tokens", u64(tokens));
        json_object_set_new(o, "C", tokens ? num((double)r->raw_bytes / (double)tokens) : json_null());
        if (run->p.info) {
            json_object_set_new(o, "info_bits", u64(r->info_bits));
            double capacity = cim_capacity_bits(tokens, ti ? ti->vocab : 0);
            json_object_set_new(o, "capacity_bits", num(capacity));
        }
        json_object_set_new(o, "fast_path", json_boolean(r->fast));
        json_object_set_new(o, "error", json_null());
    } else if (r->status == CIM_REC_SKIPPED) {
        json_object_set_new(o, "skipped", str_json(r->error ? r->error : ""));
        json_object_set_new(o, "error", json_null());
    } else {
        json_object_set_new(o, "error_code", json_string(cim_strerror(r->err_code)));
        json_object_set_new(o, "error", str_json(r->error ? r->error : ""));
    }
    return o;
}

json_t *cim__run_to_json(CimRun *run, int per_file)
{
    json_t *root = json_object();
    json_object_set_new(root, "schema", json_string(CIM_SCHEMA));
    json_object_set_new(root, "tool", json_pack("{s:s,s:s}", "name", "cimeter", "version", cim_version()));
    json_t *cmd = json_array();
    for (int i = 0; i < run->argc; i++)
        json_array_append_new(cmd, str_json(run->argv[i]));
    json_object_set_new(root, "command", cmd);

    json_t *set = json_object();
    json_object_set_new(set, "bootstrap_resamples", json_integer(run->p.bootstrap));
    json_object_set_new(set, "bootstrap_seed", u64(run->p.seed));
    json_object_set_new(set, "confidence", json_real(0.95));
    json_object_set_new(set, "quantiles", json_string("linear (numpy default)"));
    json_object_set_new(set, "info", json_boolean(run->p.info));
    if (run->p.info)
        json_object_set_new(set, "info_compressor", json_pack("{s:s,s:i,s:s}", "name", "zstd",
                            "level", run->p.zstd_level, "version", ZSTD_VERSION_STRING));
    json_object_set_new(set, "fast_path", json_boolean(run->p.fast_path));
    if (run->json_field)   /* only then: other results keep their bytes */
        json_object_set_new(set, "json_field", str_json(run->json_field));
    /* Selection (--hidden, --include, --exclude), only when given, in the order given. */
    if (run->p.hidden)
        json_object_set_new(set, "hidden", json_true());
    if (run->ninclude)
        json_object_set_new(set, "include", globs_json(run->include, run->ninclude));
    if (run->nexclude)
        json_object_set_new(set, "exclude", globs_json(run->exclude, run->nexclude));
    json_object_set_new(set, "limits", json_pack("{s:o,s:o,s:o,s:o,s:o}",
        "max_pixels", u64(run->p.limits.max_pixels), "max_frames", u64(run->p.limits.max_frames),
        "max_seconds", num(run->p.limits.max_seconds),
        "max_decoded_bytes", u64(run->p.limits.max_decoded_bytes),
        "time_budget_s", num(run->p.limits.time_budget_s)));
    json_object_set_new(root, "settings", set);

    char sha[65] = "";
    cim__manifest_sha256(run, sha);
    uint64_t bytes = 0;
    size_t nerr = 0, nskip = 0;
    for (size_t i = 0; i < run->nrec; i++) {
        bytes += run->rec[i].file_bytes;
        nerr += run->rec[i].status == CIM_REC_ERROR;
        nskip += run->rec[i].status == CIM_REC_SKIPPED;
    }
    json_t *corpus = json_pack("{s:I,s:I,s:I,s:I,s:s}",
        "files", (json_int_t)run->nrec, "measured_bytes", (json_int_t)bytes,
        "errors", (json_int_t)nerr, "skipped", (json_int_t)nskip, "manifest_sha256", sha);
    /* Archives read in place: their members' totals, what was not a record included
     * (only when there were archives, so other results keep their bytes). */
    uint64_t narch = 0, sum[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < run->nrec; i++) {
        uint64_t c[4];
        if (!cim__archive_counts(&run->rec[i], c)) continue;
        narch++;
        for (int k = 0; k < 4; k++) sum[k] += c[k];
    }
    if (narch)
        json_object_set_new(corpus, "archives", json_pack("{s:o,s:o,s:o,s:o,s:o}",
            "archives", u64(narch), "members", u64(sum[0]), "not_regular", u64(sum[1]),
            "duplicate_names", u64(sum[2]), "excluded", u64(sum[3])));
    json_object_set_new(root, "corpus", corpus);

    json_t *toks = json_array();
    for (size_t i = 0; i < run->ntok; i++) {
        const CimTokInstance *ti = &run->toks[i];
        /* A spec holds a model path: bytes, like a file name. */
        json_t *o = json_pack("{s:o,s:o,s:s}", "spec", str_json(ti->spec), "requested", str_json(ti->requested),
                              "modality", cim_modality_name(ti->tok->modality));
        if (ti->sha256[0]) json_object_set_new(o, "sha256", json_string(ti->sha256));
        if (run->p.info)   /* V of capacity_bits; only then, so other results keep their bytes */
            json_object_set_new(o, "vocab_size", ti->vocab ? u64(ti->vocab) : json_null());
        json_array_append_new(toks, o);
    }
    json_object_set_new(root, "tokenizers", toks);

    json_t *aggs = json_array();
    for (size_t i = 0; i < run->nagg; i++)
        json_array_append_new(aggs, aggregate_json(run, &run->agg[i]));
    json_object_set_new(root, "aggregates", aggs);

    json_t *skipped = json_object(), *errors = json_array();
    for (size_t i = 0; i < run->nrec; i++) {
        const CimRecord *r = &run->rec[i];
        if (r->status == CIM_REC_SKIPPED) {
            /* An archive is "skipped" itself: its members are the records. */
            const char *mn = r->modality == CIM_MOD_NONE ? "archive" : cim_modality_name(r->modality);
            json_t *c = json_object_get(skipped, mn);
            json_object_set_new(skipped, mn, json_integer(c ? json_integer_value(c) + 1 : 1));
        } else if (r->status == CIM_REC_ERROR) {
            json_t *eo = json_object();
            set_path(eo, r->path);
            json_object_set_new(eo, "modality", r->modality == CIM_MOD_NONE ? json_null()
                                : json_string(cim_modality_name(r->modality)));
            json_object_set_new(eo, "error_code", json_string(cim_strerror(r->err_code)));
            json_object_set_new(eo, "error", str_json(r->error ? r->error : ""));
            json_array_append_new(errors, eo);
        }
    }
    json_object_set_new(root, "skipped", skipped);
    json_object_set_new(root, "errors", errors);

    if (per_file) {
        json_t *files = json_array();
        for (size_t i = 0; i < run->nrec; i++) {
            const CimRecord *r = &run->rec[i];
            int any = 0;
            if (r->status == CIM_REC_OK)
                for (size_t t = 0; t < run->ntok; t++)
                    if (r->tokens[t] != CIM_TOKENS_NA) {
                        json_array_append_new(files, file_json(run, r, &run->toks[t], r->tokens[t]));
                        any = 1;
                    }
            if (!any)
                json_array_append_new(files, file_json(run, r, NULL, 0));
        }
        json_object_set_new(root, "files", files);
    }
    return root;
}

int cim__json_write_atomic(json_t *root, const char *path, CimErr *e)
{
    return cim__json_write(root, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12), e);
}

int cim__json_write(json_t *root, const char *path, size_t flags, CimErr *e)
{
    if (!path || !strcmp(path, "-")) {
        int r = json_dumpf(root, stdout, flags);
        fputc('\n', stdout);
        CIM_RETURN_IF(r < 0, e, CIM_ERR_IO, "cannot write JSON to stdout");
        return 0;
    }
    /* A device or FIFO (-o /dev/null, -o /dev/stdout) is written as it is: renaming a
     * temporary file over it would replace the device node with a regular file. */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        FILE *f = fopen(path, "wb");
        CIM_RETURN_IF(!f, e, CIM_ERR_IO, "cannot write %s", path);
        int r = json_dumpf(root, f, flags);
        if (r == 0) r = fputc('\n', f) == EOF ? -1 : 0;
        if (fclose(f) != 0) r = -1;
        CIM_RETURN_IF(r != 0, e, CIM_ERR_IO, "cannot write %s", path);
        return 0;
    }
    size_t len = strlen(path) + 32;
    char *tmp = malloc(len);
    CIM_RETURN_IF(!tmp, e, CIM_ERR_NOMEM, "out of memory");
    snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) { free(tmp); return cim_err(e, CIM_ERR_IO, "cannot write %s", path); }
    int r = json_dumpf(root, f, flags);
    if (r == 0) r = fputc('\n', f) == EOF ? -1 : 0;
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) r = -1;
    if (fclose(f) != 0) r = -1;
    if (r == 0 && rename(tmp, path) != 0) r = -1;
    if (r != 0) unlink(tmp);
    free(tmp);
    CIM_RETURN_IF(r != 0, e, CIM_ERR_IO, "cannot write %s", path);
    return 0;
}

int cim_run_write_json(CimRun *run, const char *path, int per_file, CimErr *e)
{
    json_t *root = cim__run_to_json(run, per_file);
    CIM_RETURN_IF(!root, e, CIM_ERR_NOMEM, "out of memory");
    int rc = cim__json_write_atomic(root, path, e);
    json_decref(root);
    return rc;
}
