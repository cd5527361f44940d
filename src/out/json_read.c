/*
 * json_read.c — measure JSON back into a CimRun: what `merge` does.
 *
 * A shard written with --per-file holds every record: `files` has one object
 * per file and tokenizer (consecutive for one file; a file with no count has
 * one object with a null tokenizer), `errors` repeats the error ones. The
 * records are rebuilt from `files` alone, then sorted by path and reduced with
 * the settings the shards recorded, so the merged JSON is the one a single
 * run would have written. Tokenizers are not re-initialised (no model file is
 * needed to merge): each gets a placeholder front-end of its modality, carrying the
 * recorded spec, request and model hash.
 *
 * Exactness: counts are integers and survive; per-file `seconds` are rounded
 * to the 12 significant digits the JSON carries when they are measured
 * (run/pipeline.c), so merged sums equal a single run's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "common/hex.h"
#include "out/json_read.h"
#include "run/record.h"

static const CimTokenizer recorded_tok[CIM_MOD_COUNT] = {
    {.name = "merged", .modality = CIM_MOD_TEXT},
    {.name = "merged", .modality = CIM_MOD_IMAGE},
    {.name = "merged", .modality = CIM_MOD_VIDEO},
    {.name = "merged", .modality = CIM_MOD_AUDIO},
};

json_t *cim__measure_json_load(const char *path, CimErr *e)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        cim_err(e, CIM_ERR_CORRUPT, "%s: %s (line %d)", path, je.text, je.line);
        return NULL;
    }
    const char *schema = json_string_value(json_object_get(root, "schema"));
    if (!schema || strcmp(schema, CIM_SCHEMA) || !json_is_array(json_object_get(root, "aggregates"))) {
        cim_err(e, CIM_ERR_CORRUPT, "%s: not a cimeter measure result (schema %s expected)", path, CIM_SCHEMA);
        json_decref(root);
        return NULL;
    }
    return root;
}

static uint64_t ju64(json_t *o, const char *k, int *bad)
{
    json_t *x = json_object_get(o, k);
    if (!x) return 0;
    if (!json_is_integer(x) || json_integer_value(x) < 0) { *bad = 1; return 0; }
    return (uint64_t)json_integer_value(x);
}

static double jnum(json_t *o, const char *k, int *bad)
{
    json_t *x = json_object_get(o, k);
    if (!x) return 0;
    if (json_is_null(x)) return NAN;
    if (!json_is_number(x)) { *bad = 1; return 0; }
    return json_number_value(x);
}

static int error_code_from_name(const char *s)
{
    for (int c = CIM_ERR_IO; c >= CIM_ERR_REFUSED; c--)
        if (s && !strcmp(s, cim_strerror(c))) return c;
    return CIM_ERR_INTERNAL;
}

static int find_tok(const CimRun *run, const char *spec)
{
    for (size_t t = 0; spec && t < run->ntok; t++)
        if (!strcmp(run->toks[t].spec, spec)) return (int)t;
    return -1;
}

/* Adds one object of `files` to the run: a new record, or the next tokenizer
 * of the last one when join is set and the path is the same. */
static int record_from_json(CimRun *run, json_t *o, int join, CimErr *e)
{
    CIM_RETURN_IF(!json_is_object(o), e, CIM_ERR_CORRUPT, "`files` holds a non-object");
    json_t *ph = json_object_get(o, "path_hex");
    char *path = json_is_string(ph) ? cim_hex_decode(json_string_value(ph))
               : json_is_string(json_object_get(o, "path")) ? strdup(json_string_value(json_object_get(o, "path")))
               : NULL;
    CIM_RETURN_IF(!path, e, CIM_ERR_CORRUPT, "a `files` entry has no valid path");
    const char *spec = json_string_value(json_object_get(o, "tokenizer"));
    int t = find_tok(run, spec);
    if (spec && t < 0) {
        cim_err(e, CIM_ERR_CORRUPT, "%s: tokenizer %s is not among the run's tokenizers", path, spec);
        free(path);
        return CIM_ERR_CORRUPT;
    }
    CimRecord *r = NULL;
    if (join && run->nrec && !strcmp(run->rec[run->nrec - 1].path, path) && t >= 0)
        r = &run->rec[run->nrec - 1];
    int bad = 0;
    if (!r) {
        r = cim__run_new_record(run, path, e);
        if (!r) { free(path); return CIM_ERR_NOMEM; }
        const char *mn = json_string_value(json_object_get(o, "modality"));
        r->modality = mn ? cim_modality_from_name(mn) : CIM_MOD_NONE;
        json_t *err = json_object_get(o, "error"), *skip = json_object_get(o, "skipped");
        if (json_is_string(err)) {
            r->status = CIM_REC_ERROR;
            r->err_code = error_code_from_name(json_string_value(json_object_get(o, "error_code")));
            r->error = strdup(json_string_value(err));
        } else if (json_is_string(skip)) {
            r->status = CIM_REC_SKIPPED;
            r->error = strdup(json_string_value(skip));
        } else {
            r->status = CIM_REC_OK;
            r->file_bytes = ju64(o, "file_bytes", &bad);
            r->raw_bytes = ju64(o, "raw_bytes", &bad);
            r->units = ju64(o, "units", &bad);
            if (json_is_integer(json_object_get(o, "documents")))
                r->documents = ju64(o, "documents", &bad);
            r->seconds = jnum(o, "seconds", &bad);
            r->skipped_packets = ju64(o, "skipped_packets", &bad);
            r->info_bits = ju64(o, "info_bits", &bad);
            r->fast = json_is_true(json_object_get(o, "fast_path"));
        }
        bad |= (r->status != CIM_REC_OK && !r->error);
    }
    free(path);
    if (t >= 0 && r->status == CIM_REC_OK) {
        r->tokens[t] = ju64(o, "tokens", &bad);
        bad |= !json_is_integer(json_object_get(o, "tokens"));
    }
    CIM_RETURN_IF(bad, e, CIM_ERR_CORRUPT, "%s: a `files` entry has fields of the wrong type", r->path);
    return 0;
}

/* --include or --exclude patterns as recorded (absent: none): 0, or -1 when they
 * are not an array of strings or memory runs out. */
static int globs_from_json(json_t *a, char ***out, size_t *n)
{
    if (!a) return 0;
    if (!json_is_array(a)) return -1;
    size_t k = json_array_size(a);
    if (!k) return 0;
    if (!(*out = calloc(k, sizeof **out))) return -1;
    for (size_t i = 0; i < k; i++) {
        const char *g = json_string_value(json_array_get(a, i));
        if (!g || !((*out)[i] = strdup(g))) return -1;
        (*n)++;
    }
    return 0;
}

/* Settings and tokenizers of the first shard; later shards must agree. */
static int run_from_header(CimRun *run, json_t *root, CimErr *e)
{
    json_t *set = json_object_get(root, "settings"), *toks = json_object_get(root, "tokenizers");
    CIM_RETURN_IF(!json_is_object(set) || !json_is_array(toks), e, CIM_ERR_CORRUPT, "no settings or tokenizers");
    int bad = 0;
    json_t *lim = json_object_get(set, "limits");
    run->p = cim_measure_default_params();
    uint64_t boot = ju64(set, "bootstrap_resamples", &bad);
    bad |= boot > 1000000;                 /* measure's --bootstrap range: no hang on a forged count */
    run->p.bootstrap = (uint32_t)boot;
    run->p.seed = ju64(set, "bootstrap_seed", &bad);
    run->p.info = json_is_true(json_object_get(set, "info"));
    run->p.fast_path = json_is_true(json_object_get(set, "fast_path"));
    run->p.hidden = json_is_true(json_object_get(set, "hidden"));
    json_t *zc = json_object_get(set, "info_compressor");
    if (zc) run->p.zstd_level = (int)ju64(zc, "level", &bad);
    if (json_is_object(lim)) {
        run->p.limits.max_pixels = ju64(lim, "max_pixels", &bad);
        run->p.limits.max_frames = ju64(lim, "max_frames", &bad);
        run->p.limits.max_seconds = jnum(lim, "max_seconds", &bad);
        run->p.limits.max_decoded_bytes = ju64(lim, "max_decoded_bytes", &bad);
        run->p.limits.time_budget_s = jnum(lim, "time_budget_s", &bad);
    }
    json_t *jf = json_object_get(set, "json_field");
    if (json_is_string(jf) && !(run->json_field = strdup(json_string_value(jf)))) bad = 1;
    if (globs_from_json(json_object_get(set, "include"), &run->include, &run->ninclude) < 0 ||
        globs_from_json(json_object_get(set, "exclude"), &run->exclude, &run->nexclude) < 0)
        bad = 1;
    CIM_RETURN_IF(bad, e, CIM_ERR_CORRUPT, "settings of the wrong type");
    size_t nt = json_array_size(toks);
    run->toks = calloc(nt ? nt : 1, sizeof *run->toks);
    CIM_RETURN_IF(!run->toks, e, CIM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < nt; i++) {
        json_t *o = json_array_get(toks, i);
        const char *spec = json_string_value(json_object_get(o, "spec"));
        const char *req = json_string_value(json_object_get(o, "requested"));
        const char *sha = json_string_value(json_object_get(o, "sha256"));
        CimModality m = cim_modality_from_name(json_string_value(json_object_get(o, "modality")));
        CIM_RETURN_IF(!spec || !req || m == CIM_MOD_NONE, e, CIM_ERR_CORRUPT, "tokenizer %zu is malformed", i);
        CIM_RETURN_IF(find_tok(run, spec) >= 0, e, CIM_ERR_CORRUPT, "tokenizer %s listed twice", spec);
        CIM_RETURN_IF(run->nmod_tok[m] >= sizeof run->mod_tok[m] / sizeof run->mod_tok[m][0], e,
                      CIM_ERR_CORRUPT, "too many %s tokenizers", cim_modality_name(m));
        CimTokInstance *ti = &run->toks[run->ntok];
        ti->tok = &recorded_tok[m];
        ti->spec = strdup(spec);
        ti->requested = strdup(req);
        snprintf(ti->sha256, sizeof ti->sha256, "%s", sha ? sha : "");
        json_t *vs = json_object_get(o, "vocab_size");   /* null or absent: no V */
        ti->vocab = json_is_null(vs) ? 0 : ju64(o, "vocab_size", &bad);
        run->ntok++;
        CIM_RETURN_IF(bad, e, CIM_ERR_CORRUPT, "tokenizer %s: vocab_size is not a count", spec);
        CIM_RETURN_IF(!ti->spec || !ti->requested, e, CIM_ERR_NOMEM, "out of memory");
        run->mod_tok[m][run->nmod_tok[m]++] = run->ntok - 1;
    }
    return 0;
}

int cim__record_from_json(CimRun *run, const void *json_file_obj, CimErr *e)
{
    return record_from_json(run, (json_t *)json_file_obj, 1, e);
}

int cim_run_merge(CimRun **out, const char *const *paths, size_t n, CimErr *e)
{
    *out = NULL;
    CIM_RETURN_IF(!n, e, CIM_ERR_USAGE, "no shard given");
    CimRun *run = calloc(1, sizeof *run);
    CIM_RETURN_IF(!run, e, CIM_ERR_NOMEM, "out of memory");
    run->nshards = 1;
    run->walked = 1;
    json_t *first = NULL;
    int rc = 0;
    for (size_t s = 0; s < n && !rc; s++) {
        json_t *root = cim__measure_json_load(paths[s], e);
        if (!root) { rc = CIM_ERR_CORRUPT; break; }
        json_t *files = json_object_get(root, "files");
        if (!json_is_array(files)) {
            rc = cim_err(e, CIM_ERR_USAGE, "%s has no per-file records (measure it with --per-file)", paths[s]);
        } else if (!first) {
            rc = run_from_header(run, root, e);
            if (rc < 0) {
                char m[sizeof e->msg];
                snprintf(m, sizeof m, "%s", e->msg);
                cim_err(e, rc, "%s: %s", paths[s], m);
            }
        } else if (!json_equal(json_object_get(first, "settings"), json_object_get(root, "settings")) ||
                   !json_equal(json_object_get(first, "tokenizers"), json_object_get(root, "tokenizers")) ||
                   !json_equal(json_object_get(first, "tool"), json_object_get(root, "tool"))) {
            rc = cim_err(e, CIM_ERR_USAGE, "%s was measured with other tokenizers, settings or tool version than %s",
                         paths[s], paths[0]);
        }
        size_t start = run->nrec;
        for (size_t i = 0; !rc && i < json_array_size(files); i++) {
            rc = record_from_json(run, json_array_get(files, i), run->nrec > start, e);
            if (rc < 0) {
                char m[sizeof e->msg];
                snprintf(m, sizeof m, "%s", e->msg);
                cim_err(e, rc, "%s: %s", paths[s], m);
            }
        }
        if (!first) first = root;
        else json_decref(root);
    }
    json_decref(first);
    if (!rc) rc = cim__run_adopt(run, NULL, 0, e);   /* sort, refuse repeats, reduce */
    if (rc < 0) { cim_run_free(run); return rc; }
    *out = run;
    return 0;
}
