/*
 * csv.c — reading RUNS.csv and the measured C_i (doc/fitting.md input).
 *
 * The CSV is small (one row per training run), so it is read whole. Header
 * names are matched exactly after trimming blanks; a field may be quoted with
 * "..." ("" inside for a quote). Numbers go through strtod and must use the
 * whole cell. Every message names the file, the line and the column.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "fit/fit.h"
#include "tokenizer.h"

void cim_runs_free(CimRuns *r)
{
    if (!r) return;
    free(r->params);
    free(r->loss);
    free(r->tokens);
    free(r->line);
    for (int m = 0; m < CIM_MOD_COUNT; m++) free(r->raw[m]);
    for (size_t i = 0; i < r->nextra; i++) {
        free(r->extra[i]);
        if (r->extra_v) free(r->extra_v[i]);
        if (r->extra_s) {
            for (size_t k = 0; r->extra_s[i] && k < r->n; k++) free(r->extra_s[i][k]);
            free(r->extra_s[i]);
        }
    }
    free(r->extra);
    free(r->extra_v);
    free(r->extra_s);
    free(r->path);
    free(r->extra_col);
    free(r);
}

/* Splits one line in place into at most `cap` fields; returns the count
 * (cap + 1 when there are more), -1 for an unterminated quote. */
static int split(char *s, char **f, int cap)
{
    int n = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t') s++;
        char *start = s, *w = s;
        if (*s == '"') {
            s++;
            for (;;) {
                if (!*s) return -1;
                if (*s == '"' && s[1] == '"') {
                    *w++ = '"';
                    s += 2;
                    continue;
                }
                if (*s == '"') {
                    s++;
                    break;
                }
                *w++ = *s++;
            }
            while (*s && *s != ',') s++;
        } else {
            while (*s && *s != ',') *w++ = *s++;
            while (w > start && (w[-1] == ' ' || w[-1] == '\t')) w--;
        }
        int last = (*s != ',');
        if (!last) s++;
        *w = '\0';
        if (n < cap) f[n] = start;
        n++;
        if (last) return n > cap ? cap + 1 : n;
    }
}

#define MAXCOLS 256

int cim_runs_read_csv(const char *path, CimRuns **out, CimErr *e)
{
    *out = NULL;
    FILE *fp = fopen(path, "r");
    CIM_RETURN_IF(!fp, e, CIM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    CimRuns *r = calloc(1, sizeof *r);
    char *line = NULL, *f[MAXCOLS + 1];
    size_t cap = 0, lineno = 0, rowcap = 0;
    int ncols = -1, col_params = -1, col_loss = -1, col_tokens = -1, col_raw[CIM_MOD_COUNT];
    int rc = 0;
    ssize_t len;
    for (int m = 0; m < CIM_MOD_COUNT; m++) col_raw[m] = -1;
    if (!r) {
        fclose(fp);
        return cim_err(e, CIM_ERR_NOMEM, "out of memory");
    }
    r->path = strdup(path);
    while ((len = getline(&line, &cap, fp)) != -1) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        const char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (!*p || *p == '#') continue;
        if (lineno == 1 && (unsigned char)line[0] == 0xEF && (unsigned char)line[1] == 0xBB)
            memmove(line, line + 3, (size_t)len - 2);              /* UTF-8 BOM */
        int nf = split(line, f, MAXCOLS);
        if (nf < 0) {
            rc = cim_err(e, CIM_ERR_USAGE, "%s:%zu: unterminated quote", path, lineno);
            goto done;
        }
        if (ncols < 0) {                                           /* header */
            if (nf > MAXCOLS) {
                rc = cim_err(e, CIM_ERR_USAGE, "%s:%zu: more than %d columns", path, lineno, MAXCOLS);
                goto done;
            }
            ncols = nf;
            r->extra = calloc((size_t)nf, sizeof *r->extra);
            r->extra_v = calloc((size_t)nf, sizeof *r->extra_v);
            r->extra_s = calloc((size_t)nf, sizeof *r->extra_s);
            r->extra_col = calloc((size_t)nf, sizeof *r->extra_col);
            if (!r->extra || !r->extra_v || !r->extra_s || !r->extra_col) {
                rc = cim_err(e, CIM_ERR_NOMEM, "out of memory");
                goto done;
            }
            for (int i = 0; i < nf; i++) {
                int *slot = NULL;
                if (!strcmp(f[i], "params")) slot = &col_params;
                else if (!strcmp(f[i], "loss")) slot = &col_loss;
                else if (!strcmp(f[i], "tokens")) slot = &col_tokens;
                else if (!strncmp(f[i], "raw_", 4)) {
                    CimModality m = cim_modality_from_name(f[i] + 4);
                    if (m == CIM_MOD_NONE) {
                        rc = cim_err(e, CIM_ERR_USAGE, "%s:%zu: column %d '%s': unknown modality (raw_text, raw_image, raw_video, raw_audio)", path, lineno, i + 1, f[i]);
                        goto done;
                    }
                    slot = &col_raw[m];
                }
                if (slot && *slot >= 0) {
                    rc = cim_err(e, CIM_ERR_USAGE, "%s:%zu: column '%s' appears twice", path, lineno, f[i]);
                    goto done;
                }
                if (slot) *slot = i;
                else {
                    r->extra_col[r->nextra] = i;
                    if (!(r->extra[r->nextra++] = strdup(f[i]))) {
                        rc = cim_err(e, CIM_ERR_NOMEM, "out of memory");
                        goto done;
                    }
                }
            }
            int nraw = 0;
            for (int m = 0; m < CIM_MOD_COUNT; m++) nraw += col_raw[m] >= 0;
            if (col_params < 0) {
                rc = cim_err(e, CIM_ERR_USAGE, "%s:%zu: no 'params' column in the header", path, lineno);
                goto done;
            }
            if (col_loss < 0) {
                rc = cim_err(e, CIM_ERR_USAGE, "%s:%zu: no 'loss' column in the header", path, lineno);
                goto done;
            }
            if (col_tokens < 0 && !nraw) {
                rc = cim_err(e, CIM_ERR_USAGE, "%s:%zu: need a 'tokens' column or raw_<modality> columns (raw_text, raw_image, raw_video, raw_audio)", path, lineno);
                goto done;
            }
            if (col_tokens >= 0 && nraw) {
                rc = cim_err(e, CIM_ERR_USAGE, "%s:%zu: give either 'tokens' or raw_<modality> columns, not both", path, lineno);
                goto done;
            }
            continue;
        }
        if (nf != ncols) {
            rc = cim_err(e, CIM_ERR_USAGE, "%s:%zu: %s%d fields, the header has %d", path, lineno, nf > MAXCOLS ? "more than " : "", nf > MAXCOLS ? MAXCOLS : nf, ncols);
            goto done;
        }
        if (r->n == rowcap) {
            rowcap = rowcap ? 2 * rowcap : 64;
            double **cols[] = {&r->params, &r->loss, &r->tokens, &r->raw[0], &r->raw[1], &r->raw[2], &r->raw[3]};
            int want[] = {1, 1, col_tokens >= 0, col_raw[0] >= 0, col_raw[1] >= 0, col_raw[2] >= 0, col_raw[3] >= 0};
            for (size_t k = 0; k < sizeof cols / sizeof *cols; k++) {
                if (!want[k]) continue;
                double *nv = realloc(*cols[k], rowcap * sizeof(double));
                if (!nv) {
                    rc = cim_err(e, CIM_ERR_NOMEM, "out of memory");
                    goto done;
                }
                *cols[k] = nv;
            }
            size_t *nl = realloc(r->line, rowcap * sizeof *nl);
            if (!nl) {
                rc = cim_err(e, CIM_ERR_NOMEM, "out of memory");
                goto done;
            }
            r->line = nl;
            for (size_t j = 0; j < r->nextra; j++) {
                double *xv = realloc(r->extra_v[j], rowcap * sizeof *xv);
                if (xv) r->extra_v[j] = xv;
                char **xs = realloc(r->extra_s[j], rowcap * sizeof *xs);
                if (xs) r->extra_s[j] = xs;
                if (!xv || !xs) {
                    rc = cim_err(e, CIM_ERR_NOMEM, "out of memory");
                    goto done;
                }
            }
        }
        struct {
        int col;
        double *dst;
        const char *name;
    } want[3 + CIM_MOD_COUNT] = {
            {col_params, r->params, "params"}, {col_loss, r->loss, "loss"}, {col_tokens, r->tokens, "tokens"}};
        static const char *const rawname[CIM_MOD_COUNT] = {"raw_text", "raw_image", "raw_video", "raw_audio"};
        for (int m = 0; m < CIM_MOD_COUNT; m++)
            want[3 + m].col = col_raw[m], want[3 + m].dst = r->raw[m], want[3 + m].name = rawname[m];
        for (int k = 0; k < 3 + CIM_MOD_COUNT; k++) {
            if (want[k].col < 0) continue;
            const char *cell = f[want[k].col];
            char *end;
            errno = 0;
            double v = strtod(cell, &end);
            if (!*cell || *end || errno == ERANGE) {
                rc = cim_err(e, CIM_ERR_USAGE, "%s:%zu: column %d '%s': '%.40s' is not a number",
                             path, lineno, want[k].col + 1, want[k].name, cell);
                goto done;
            }
            want[k].dst[r->n] = v;
        }
        for (size_t j = 0; j < r->nextra; j++) {
            const char *cell = f[r->extra_col[j]];
            char *end;
            errno = 0;
            double v = strtod(cell, &end);
            r->extra_v[j][r->n] = *cell && !*end && errno != ERANGE ? v : NAN;
            r->extra_s[j][r->n] = strdup(cell);
        }
        for (size_t j = 0; j < r->nextra; j++)
            if (!r->extra_s[j][r->n]) {
                for (size_t q = 0; q < r->nextra; q++) free(r->extra_s[q][r->n]);
                rc = cim_err(e, CIM_ERR_NOMEM, "out of memory");
                goto done;
            }
        r->line[r->n++] = lineno;
    }
    if (ncols < 0) rc = cim_err(e, CIM_ERR_USAGE, "%s: no header row", path);
    else if (!r->n) rc = cim_err(e, CIM_ERR_USAGE, "%s: no data rows", path);
done:
    free(line);
    fclose(fp);
    if (rc < 0) {
        cim_runs_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

size_t cim_runs_count(const CimRuns *r)
{
    return r->n;
}

int cim_runs_extra_col(const CimRuns *r, const char *name)
{
    for (size_t j = 0; j < r->nextra; j++)
        if (!strcmp(r->extra[j], name)) return (int)j;
    return -1;
}

int cim_runs_deff(const CimRuns *r, const double C[CIM_MOD_COUNT], const int *skip, double *D, CimErr *e)
{
    if (r->tokens) {
        memcpy(D, r->tokens, r->n * sizeof *D);
        return 0;
    }
    for (int m = 0; m < CIM_MOD_COUNT; m++) {
        if (!r->raw[m] || (skip && skip[m])) continue;
        const char *name = cim_modality_name((CimModality)m);
        CIM_RETURN_IF(!(C[m] > 0) || !isfinite(C[m]), e, CIM_ERR_REFUSED,
                      "no measured C for %s (column raw_%s)", name, name);
    }
    for (size_t i = 0; i < r->n; i++) {
        double d = 0;
        for (int m = 0; m < CIM_MOD_COUNT; m++) {
            if (!r->raw[m] || (skip && skip[m])) continue;
            double T = r->raw[m][i];
            CIM_RETURN_IF(!(T >= 0) || !isfinite(T), e, CIM_ERR_REFUSED,
                          "%s:%zu: raw_%s = %g: must be non-negative and finite", r->path, r->line[i],
                          cim_modality_name((CimModality)m), T);
            d += T / C[m];
        }
        D[i] = d;
    }
    return 0;
}

void cim_fitc_init(CimFitC *c)
{
    for (int m = 0; m < CIM_MOD_COUNT; m++) {
        c->C[m] = NAN;
        c->source[m][0] = '\0';
    }
}

/* A --tokenizer may be a preset or an uncanonical spec ("vit-b16"): match it
 * as the results record it, the expanded canonical spec. */
static int spec_is(const char *recorded, const char *asked)
{
    if (!strcmp(recorded, asked)) return 1;
    CimTokInstance ti;
    CimErr e;
    if (cim_tok_instance_init(&ti, asked, &e) < 0) return 0;
    int same = !strcmp(recorded, ti.spec);
    cim_tok_instance_free(&ti);
    return same;
}

int cim_fitc_from_results(CimFitC *c, const char *json_path, const char *const *toks, size_t ntoks, CimErr *e)
{
    json_error_t je;
    json_t *root = json_load_file(json_path, 0, &je);
    CIM_RETURN_IF(!root, e, CIM_ERR_USAGE, "%s:%d: %s", json_path, je.line, je.text);
    json_t *aggs = json_object_get(root, "aggregates");
    if (!json_is_array(aggs)) {
        json_decref(root);
        return cim_err(e, CIM_ERR_USAGE, "%s: no 'aggregates' array (not a `cimeter measure` result?)", json_path);
    }
    /* A modality named by a --tokenizer takes only that aggregate; the
     * others take their first. */
    int pinned[CIM_MOD_COUNT] = {0}, found[CIM_MOD_COUNT] = {0}, any = 0, rc = 0;
    size_t i;
    json_t *a;
    for (size_t t = 0; t < ntoks; t++) {
        int hit = 0;
        json_array_foreach(aggs, i, a) {
            const char *mod = json_string_value(json_object_get(a, "modality"));
            const char *tok = json_string_value(json_object_get(a, "tokenizer"));
            CimModality m = mod ? cim_modality_from_name(mod) : CIM_MOD_NONE;
            if (m != CIM_MOD_NONE && tok && spec_is(tok, toks[t])) {
                pinned[m] = 1;
                hit = 1;
            }
        }
        if (!hit) {
            rc = cim_err(e, CIM_ERR_USAGE, "%s: no aggregate with tokenizer '%s' (give the spec as the results record it)", json_path, toks[t]);
            goto done;
        }
    }
    json_array_foreach(aggs, i, a) {
        const char *mod = json_string_value(json_object_get(a, "modality"));
        const char *tok = json_string_value(json_object_get(a, "tokenizer"));
        json_t *cj = json_object_get(a, "C");
        CimModality m = mod ? cim_modality_from_name(mod) : CIM_MOD_NONE;
        if (m == CIM_MOD_NONE || !tok || !json_is_number(cj) || found[m]) continue;
        if (pinned[m]) {
            int want = 0;
            for (size_t t = 0; t < ntoks; t++) want |= spec_is(tok, toks[t]);
            if (!want) continue;
        }
        found[m] = 1;
        any = 1;
        c->C[m] = json_number_value(cj);
        snprintf(c->source[m], sizeof c->source[m], "%s: %s", json_path, tok);
    }
    if (!any) rc = cim_err(e, CIM_ERR_USAGE, "%s: no aggregate with a C", json_path);
done:
    json_decref(root);
    return rc;
}

int cim_fitc_parse(CimFitC *c, const char *list, CimErr *e)
{
    char *dup = strdup(list), *save = NULL;
    CIM_RETURN_IF(!dup, e, CIM_ERR_NOMEM, "out of memory");
    int rc = 0;
    for (char *tok = strtok_r(dup, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '='), *end;
        if (!eq) {
            rc = cim_err(e, CIM_ERR_USAGE, "--c: '%s' is not MODALITY=C", tok);
            break;
        }
        *eq = '\0';
        CimModality m = cim_modality_from_name(tok);
        double v = strtod(eq + 1, &end);
        if (m == CIM_MOD_NONE) rc = cim_err(e, CIM_ERR_USAGE, "--c: unknown modality '%s'", tok);
        else if (!eq[1] || *end || !(v > 0) || !isfinite(v)) rc = cim_err(e, CIM_ERR_USAGE, "--c: %s=%s is not a positive number", tok, eq + 1);
        else {
            c->C[m] = v;
            snprintf(c->source[m], sizeof c->source[m], "--c");
        }
    }
    free(dup);
    return rc;
}
