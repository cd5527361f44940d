/*
 * compare.c — two measure results side by side (`cimeter compare`, the CI gate,
 * doc/cimeter.1). Every aggregate of the baseline, keyed by (modality,
 * tokenizer), must be in the current result with |C_cur − C_base| <= REL·|C_base|.
 * Aggregates only in the current file are listed, not failed: adding a
 * tokenizer is not a regression.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "common/err.h"
#include "out/json_read.h"
#include "out/report.h"

/* "TAG MODALITY TOKENIZER: " with the names as plain text: a tokenizer name holds a
 * model path from the JSON, and control bytes must not reach the terminal raw. */
static void line_head(FILE *out, const char *tag, const char *m, const char *t)
{
    fprintf(out, "%-7s ", tag);
    cim__report_text(out, m, CIM_ESC_PLAIN);
    fputc(' ', out);
    cim__report_text(out, t, CIM_ESC_PLAIN);
    fputs(": ", out);
}

static json_t *find_agg(json_t *aggs, const char *mod, const char *tok)
{
    size_t i;
    json_t *a;
    json_array_foreach(aggs, i, a) {
        const char *m = json_string_value(json_object_get(a, "modality"));
        const char *t = json_string_value(json_object_get(a, "tokenizer"));
        if (m && t && !strcmp(m, mod) && !strcmp(t, tok)) return a;
    }
    return NULL;
}

/* The baseline's aggregates, each against the current one: a line each (failures
 * only when quiet), counted in cmp->compared and cmp->failed. */
static int compare_baseline(json_t *ba, json_t *ca, CimCompare *cmp, FILE *out, CimErr *e)
{
    size_t i;
    json_t *a;
    json_array_foreach(ba, i, a) {
        const char *m = json_string_value(json_object_get(a, "modality"));
        const char *t = json_string_value(json_object_get(a, "tokenizer"));
        json_t *cb = json_object_get(a, "C");
        CIM_RETURN_IF(!m || !t || !(json_is_number(cb) || json_is_null(cb)), e, CIM_ERR_CORRUPT,
                      "%s: aggregate %zu is malformed", cmp->baseline, i);
        cmp->compared++;
        json_t *b = find_agg(ca, m, t);
        json_t *cc = b ? json_object_get(b, "C") : NULL;
        CIM_RETURN_IF(b && !(json_is_number(cc) || json_is_null(cc)), e, CIM_ERR_CORRUPT,
                      "%s: aggregate %s %s is malformed", cmp->current, m, t);
        double vb = json_is_number(cb) ? json_number_value(cb) : NAN;
        double vc = json_is_number(cc) ? json_number_value(cc) : NAN;
        double rel = vb != 0 ? fabs(vc - vb) / fabs(vb) : fabs(vc - vb);
        int both_nan = isnan(vb) && isnan(vc);
        int ok = b && (both_nan || (!isnan(vb) && !isnan(vc) && rel <= cmp->tolerance));
        cmp->failed += !ok;
        if (!b) {
            line_head(out, "MISSING", m, t);
            fprintf(out, "C %.6g in the baseline, absent now\n", vb);
        } else if (!ok || !cmp->quiet) {
            line_head(out, ok ? "ok" : "FAIL", m, t);
            double moved = isfinite(rel) ? 100.0 * (vc - vb) / (vb != 0 ? fabs(vb) : 1) : NAN;
            fprintf(out, "C %.6g -> %.6g (%+.3f%%, tolerance %.3g%%)\n", vb, vc, moved,
                    100 * cmp->tolerance);
        }
    }
    return 0;
}

/* The current result's aggregates the baseline lacks. */
static void list_new(json_t *ba, json_t *ca, FILE *out)
{
    size_t i;
    json_t *a;
    json_array_foreach(ca, i, a) {
        const char *m = json_string_value(json_object_get(a, "modality"));
        const char *t = json_string_value(json_object_get(a, "tokenizer"));
        if (!m || !t || find_agg(ba, m, t))
            continue;
        json_t *C = json_object_get(a, "C");
        line_head(out, "NEW", m, t);
        fprintf(out, "C %.6g (not in the baseline)\n", json_is_number(C) ? json_number_value(C) : NAN);
    }
}

int cim_compare(CimCompare *cmp, FILE *out, CimErr *e)
{
    cmp->compared = 0;
    cmp->failed = 0;
    json_t *base = cim__measure_json_load(cmp->baseline, e);
    if (!base)
        return e->code ? e->code : CIM_ERR_CORRUPT;
    json_t *cur = cim__measure_json_load(cmp->current, e);
    if (!cur) {
        json_decref(base);
        return e->code ? e->code : CIM_ERR_CORRUPT;
    }
    json_t *ba = json_object_get(base, "aggregates");
    json_t *ca = json_object_get(cur, "aggregates");
    int rc = compare_baseline(ba, ca, cmp, out, e);
    if (rc == 0 && !cmp->quiet)
        list_new(ba, ca, out);
    json_decref(base);
    json_decref(cur);
    return rc;
}
