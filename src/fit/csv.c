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

/* A runs CSV being read: where the known columns are, and the rows so far. */
typedef struct CsvReader {
    const char *path;
    size_t      lineno;                   /* 1-based line being read */
    int         ncols;                    /* header fields; -1 before the header */
    int         col_params;               /* position of each known column, -1 when absent */
    int         col_loss;
    int         col_tokens;
    int         col_raw[CIM_MOD_COUNT];
    size_t      rowcap;                   /* rows the arrays of r hold */
    CimRuns    *r;
} CsvReader;

/* The position slot of a known column name; NULL for a carried column. */
static int header_slot(CsvReader *c, const char *name, int i, int **slot, CimErr *e)
{
    *slot = NULL;
    if (!strcmp(name, "params")) {
        *slot = &c->col_params;
    } else if (!strcmp(name, "loss")) {
        *slot = &c->col_loss;
    } else if (!strcmp(name, "tokens")) {
        *slot = &c->col_tokens;
    } else if (!strncmp(name, "raw_", 4)) {
        CimModality m = cim_modality_from_name(name + 4);
        CIM_RETURN_IF(m == CIM_MOD_NONE, e, CIM_ERR_USAGE, "%s:%zu: column %d '%s': unknown "
                      "modality (raw_text, raw_image, raw_video, raw_audio)", c->path, c->lineno,
                      i + 1, name);
        *slot = &c->col_raw[m];
    }
    return 0;
}

/* The header row: known columns located, the others carried along. */
static int read_header(CsvReader *c, char **f, int nf, CimErr *e)
{
    CimRuns *r = c->r;
    CIM_RETURN_IF(nf > MAXCOLS, e, CIM_ERR_USAGE, "%s:%zu: more than %d columns", c->path,
                  c->lineno, MAXCOLS);
    c->ncols = nf;
    r->extra = calloc((size_t)nf, sizeof *r->extra);
    r->extra_v = calloc((size_t)nf, sizeof *r->extra_v);
    r->extra_s = calloc((size_t)nf, sizeof *r->extra_s);
    r->extra_col = calloc((size_t)nf, sizeof *r->extra_col);
    int ok = r->extra && r->extra_v && r->extra_s && r->extra_col;
    CIM_RETURN_IF(!ok, e, CIM_ERR_NOMEM, "out of memory");
    for (int i = 0; i < nf; i++) {
        int *slot;
        CIM_CHECK(header_slot(c, f[i], i, &slot, e));
        CIM_RETURN_IF(slot && *slot >= 0, e, CIM_ERR_USAGE, "%s:%zu: column '%s' appears twice",
                      c->path, c->lineno, f[i]);
        if (slot) {
            *slot = i;
            continue;
        }
        r->extra_col[r->nextra] = i;
        r->extra[r->nextra] = strdup(f[i]);
        CIM_RETURN_IF(!r->extra[r->nextra++], e, CIM_ERR_NOMEM, "out of memory");
    }
    int nraw = 0;
    for (int m = 0; m < CIM_MOD_COUNT; m++)
        nraw += c->col_raw[m] >= 0;
    CIM_RETURN_IF(c->col_params < 0, e, CIM_ERR_USAGE, "%s:%zu: no 'params' column in the header",
                  c->path, c->lineno);
    CIM_RETURN_IF(c->col_loss < 0, e, CIM_ERR_USAGE, "%s:%zu: no 'loss' column in the header",
                  c->path, c->lineno);
    CIM_RETURN_IF(c->col_tokens < 0 && !nraw, e, CIM_ERR_USAGE, "%s:%zu: need a 'tokens' column "
                  "or raw_<modality> columns (raw_text, raw_image, raw_video, raw_audio)",
                  c->path, c->lineno);
    CIM_RETURN_IF(c->col_tokens >= 0 && nraw, e, CIM_ERR_USAGE, "%s:%zu: give either 'tokens' or "
                  "raw_<modality> columns, not both", c->path, c->lineno);
    return 0;
}

/* Room for one more row in every column array. */
static int grow_rows(CsvReader *c, CimErr *e)
{
    CimRuns *r = c->r;
    if (r->n < c->rowcap)
        return 0;
    c->rowcap = c->rowcap ? 2 * c->rowcap : 64;
    double **cols[] = {&r->params, &r->loss, &r->tokens, &r->raw[0], &r->raw[1], &r->raw[2],
                       &r->raw[3]};
    int want[] = {1, 1, c->col_tokens >= 0, c->col_raw[0] >= 0, c->col_raw[1] >= 0,
                  c->col_raw[2] >= 0, c->col_raw[3] >= 0};
    for (size_t k = 0; k < sizeof cols / sizeof *cols; k++) {
        if (!want[k])
            continue;
        double *nv = realloc(*cols[k], c->rowcap * sizeof(double));
        CIM_RETURN_IF(!nv, e, CIM_ERR_NOMEM, "out of memory");
        *cols[k] = nv;
    }
    size_t *nl = realloc(r->line, c->rowcap * sizeof *nl);
    CIM_RETURN_IF(!nl, e, CIM_ERR_NOMEM, "out of memory");
    r->line = nl;
    for (size_t j = 0; j < r->nextra; j++) {
        double *xv = realloc(r->extra_v[j], c->rowcap * sizeof *xv);
        if (xv)
            r->extra_v[j] = xv;
        char **xs = realloc(r->extra_s[j], c->rowcap * sizeof *xs);
        if (xs)
            r->extra_s[j] = xs;
        CIM_RETURN_IF(!xv || !xs, e, CIM_ERR_NOMEM, "out of memory");
    }
    return 0;
}

/* The numbers of the known columns of one row; a cell that is not one is refused. */
static int read_known_cells(CsvReader *c, char **f, CimErr *e)
{
    CimRuns *r = c->r;
    static const char *const rawname[CIM_MOD_COUNT] = {"raw_text", "raw_image", "raw_video",
                                                       "raw_audio"};
    struct {
        int         col;
        double     *dst;
        const char *name;
    } want[3 + CIM_MOD_COUNT] = {{c->col_params, r->params, "params"},
                                 {c->col_loss, r->loss, "loss"},
                                 {c->col_tokens, r->tokens, "tokens"}};
    for (int m = 0; m < CIM_MOD_COUNT; m++) {
        want[3 + m].col = c->col_raw[m];
        want[3 + m].dst = r->raw[m];
        want[3 + m].name = rawname[m];
    }
    for (int k = 0; k < 3 + CIM_MOD_COUNT; k++) {
        if (want[k].col < 0)
            continue;
        const char *cell = f[want[k].col];
        char *end;
        errno = 0;
        double v = strtod(cell, &end);
        CIM_RETURN_IF(!*cell || *end || errno == ERANGE, e, CIM_ERR_USAGE,
                      "%s:%zu: column %d '%s': '%.40s' is not a number", c->path, c->lineno,
                      want[k].col + 1, want[k].name, cell);
        want[k].dst[r->n] = v;
    }
    return 0;
}

/* A data row: its known cells as numbers, the carried ones as text and number. */
static int read_row(CsvReader *c, char **f, int nf, CimErr *e)
{
    CimRuns *r = c->r;
    CIM_RETURN_IF(nf != c->ncols, e, CIM_ERR_USAGE, "%s:%zu: %s%d fields, the header has %d",
                  c->path, c->lineno, nf > MAXCOLS ? "more than " : "",
                  nf > MAXCOLS ? MAXCOLS : nf, c->ncols);
    CIM_CHECK(grow_rows(c, e));
    CIM_CHECK(read_known_cells(c, f, e));
    for (size_t j = 0; j < r->nextra; j++) {
        const char *cell = f[r->extra_col[j]];
        char *end;
        errno = 0;
        double v = strtod(cell, &end);
        r->extra_v[j][r->n] = *cell && !*end && errno != ERANGE ? v : NAN;
        r->extra_s[j][r->n] = strdup(cell);
    }
    for (size_t j = 0; j < r->nextra; j++) {
        if (r->extra_s[j][r->n])
            continue;
        for (size_t q = 0; q < r->nextra; q++)
            free(r->extra_s[q][r->n]);
        return cim_err(e, CIM_ERR_NOMEM, "out of memory");
    }
    r->line[r->n++] = c->lineno;
    return 0;
}

int cim_runs_read_csv(const char *path, CimRuns **out, CimErr *e)
{
    *out = NULL;
    FILE *fp = fopen(path, "r");
    CIM_RETURN_IF(!fp, e, CIM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    CsvReader c = {.path = path, .ncols = -1, .col_params = -1, .col_loss = -1, .col_tokens = -1};
    for (int m = 0; m < CIM_MOD_COUNT; m++)
        c.col_raw[m] = -1;
    c.r = calloc(1, sizeof *c.r);
    if (!c.r) {
        fclose(fp);
        return cim_err(e, CIM_ERR_NOMEM, "out of memory");
    }
    c.r->path = strdup(path);
    char *line = NULL;
    char *f[MAXCOLS + 1];
    size_t cap = 0;
    ssize_t len;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, fp)) != -1) {
        c.lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            continue;
        if (c.lineno == 1 && (unsigned char)line[0] == 0xEF && (unsigned char)line[1] == 0xBB)
            memmove(line, line + 3, (size_t)len - 2);              /* UTF-8 BOM */
        int nf = split(line, f, MAXCOLS);
        if (nf < 0)
            rc = cim_err(e, CIM_ERR_USAGE, "%s:%zu: unterminated quote", path, c.lineno);
        else if (c.ncols < 0)
            rc = read_header(&c, f, nf, e);
        else
            rc = read_row(&c, f, nf, e);
    }
    if (rc == 0 && c.ncols < 0)
        rc = cim_err(e, CIM_ERR_USAGE, "%s: no header row", path);
    else if (rc == 0 && !c.r->n)
        rc = cim_err(e, CIM_ERR_USAGE, "%s: no data rows", path);
    free(line);
    fclose(fp);
    if (rc < 0) {
        cim_runs_free(c.r);
        return rc;
    }
    *out = c.r;
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
