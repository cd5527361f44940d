/*
 * report.c — the report model (measure JSONs, a fit JSON, a runs CSV), the
 * writer registry and text escaping shared by report_*.c and plot.c.
 *
 * Escaping (tested in tests/report/escape.sh): names reach the tables from
 * JSON strings (UTF-8, but any control character allowed) and from input
 * file names (any bytes). Per format:
 *  - Markdown: ASCII punctuation with a meaning (\ ` * _ [ ] < > | ~ & $ # !
 *    { } ( )) gets a backslash (CommonMark); control characters, C1 controls,
 *    line/paragraph separators and bidi overrides become \xHH or \uHHHH; an
 *    invalid UTF-8 byte becomes \xHH. Nothing can end a cell or a row.
 *  - LaTeX: the ten specials get their text-mode commands; the same escapes
 *    as Markdown, spelled with \textbackslash{}; other UTF-8 passes through
 *    (LaTeX reads UTF-8 since 2018).
 *  - CSV (RFC 4180): a field with , " CR LF TAB or edge spaces is quoted,
 *    quotes doubled; invalid bytes and control characters other than TAB, CR
 *    and LF become U+FFFD (as the measure JSON does for invalid bytes), so
 *    the file is always UTF-8.
 *  - Plain (plots): like CSV without quoting; controls become U+FFFD.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "common/err.h"
#include "common/utf8.h"
#include "out/report.h"

static const CimReportWriter *const writers[] = {
    &cim_out_report_md, &cim_out_report_latex, &cim_out_report_csv,
    &cim_out_plot_svg, &cim_out_plot_png, NULL
};

const CimReportWriter *const *cim__report_writer_list(void) { return writers; }

const CimReportWriter *cim__report_writer_find(const char *s)
{
    for (const CimReportWriter *const *w = writers; s && *w; w++)
        if (!strcmp((*w)->name, s) || !strcmp((*w)->extension, s)) return *w;
    if (s && (!strcmp(s, "tex") || !strcmp(s, "markdown"))) return !strcmp(s, "tex") ? &cim_out_report_latex : &cim_out_report_md;
    return NULL;
}

double cim__report_info_per_capacity(const CimReportRow *w)
{
    return w->capacity_bits > 0 && isfinite(w->info_bits) ? w->info_bits / w->capacity_bits : NAN;
}

void cim__report_num(char *buf, size_t n, double v)
{
    if (!isfinite(v)) snprintf(buf, n, "-");
    else if (fabs(v) >= 1e6 || (v != 0 && fabs(v) < 1e-3)) snprintf(buf, n, "%.3g", v);
    else if (fabs(v) >= 1000) snprintf(buf, n, "%.0f", v);
    else if (fabs(v) >= 10) snprintf(buf, n, "%.2f", v);
    else snprintf(buf, n, "%.3f", v);
}

/* Decodes one code point of a valid sequence of length l. */
static uint32_t cp_of(const uint8_t *p, size_t l)
{
    if (l == 1) return p[0];
    if (l == 2) return ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    if (l == 3) return ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    return ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) | ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
}

/* Characters no table should carry raw: C0/DEL, C1, line separators, bidi controls. */
static int is_control(uint32_t c)
{
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 ||
           (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF;
}

static int csv_needs_quotes(const char *s)
{
    size_t n = strlen(s);
    return n && (strpbrk(s, ",\"\r\n\t") || s[0] == ' ' || s[n - 1] == ' ');
}

void cim__report_text(FILE *f, const char *s, CimEscape how)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t n = strlen(s);
    int quote = how == CIM_ESC_CSV && csv_needs_quotes(s);
    const char *bs = how == CIM_ESC_LATEX ? "\\textbackslash{}" : "\\";
    if (quote) fputc('"', f);
    for (size_t i = 0; i < n;) {
        size_t l = cim_utf8_valid(p + i, n - i);
        if (!l) {   /* an invalid byte */
            if (how == CIM_ESC_MD || how == CIM_ESC_LATEX) fprintf(f, "%sx%02x", bs, p[i]);
            else fputs("\xEF\xBF\xBD", f);
            i++;
            continue;
        }
        uint32_t c = cp_of(p + i, l);
        if (is_control(c)) {
            if (how == CIM_ESC_CSV && (c == '\t' || c == '\r' || c == '\n')) fputc((int)c, f);
            else if (how == CIM_ESC_CSV || how == CIM_ESC_PLAIN) fputs("\xEF\xBF\xBD", f);
            else if (c < 0x80) fprintf(f, "%sx%02x", bs, (unsigned)c);
            else fprintf(f, "%su%04x", bs, (unsigned)c);
            i += l;
            continue;
        }
        if (l > 1) { fwrite(p + i, 1, l, f); i += l; continue; }
        char ch = (char)c;
        if (how == CIM_ESC_MD && strchr("\\`*_[]<>|~&$#!{}()", ch)) {
            fputc('\\', f);
            fputc(ch, f);
        } else if (how == CIM_ESC_LATEX && strchr("\\{}$&#^_%~<>|", ch)) {
            switch (ch) {
            case '\\': fputs("\\textbackslash{}", f); break;
            case '^':  fputs("\\textasciicircum{}", f); break;
            case '~':  fputs("\\textasciitilde{}", f); break;
            case '<':  fputs("\\textless{}", f); break;
            case '>':  fputs("\\textgreater{}", f); break;
            case '|':  fputs("\\textbar{}", f); break;
            default:   fputc('\\', f); fputc(ch, f);
            }
        } else if (how == CIM_ESC_CSV && ch == '"') {
            fputs("\"\"", f);
        } else {
            fputc(ch, f);
        }
        i++;
    }
    if (quote) fputc('"', f);
}

/* ---- loading ------------------------------------------------------------ */

static double jnum(json_t *o, const char *k)
{
    json_t *x = json_object_get(o, k);
    return json_is_number(x) ? json_number_value(x) : NAN;
}

static unsigned long long jull(json_t *o, const char *k)
{
    json_t *x = json_object_get(o, k);
    return json_is_integer(x) && json_integer_value(x) >= 0 ? (unsigned long long)json_integer_value(x) : 0;
}

static char *dupstr(const char *s) { return strdup(s ? s : ""); }

/* "results/dev.json" → "dev" */
static char *run_label(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    char *s = strdup(b);
    if (!s) return NULL;
    size_t n = strlen(s);
    if (n > 5 && !strcmp(s + n - 5, ".json")) s[n - 5] = 0;
    return s;
}

static int load_results(CimReport *r, const char *path, CimErr *e)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    CIM_RETURN_IF(!root, e, CIM_ERR_CORRUPT, "%s: %s (line %d)", path, je.text, je.line);
    json_t *aggs = json_object_get(root, "aggregates");
    const char *schema = json_string_value(json_object_get(root, "schema"));
    if (!json_is_array(aggs) || !schema || strncmp(schema, "cimeter.measure/", 16)) {
        json_decref(root);
        return cim_err(e, CIM_ERR_CORRUPT, "%s: not a cimeter measure result", path);
    }
    size_t i;
    json_t *a;
    int rc = 0;
    json_array_foreach(aggs, i, a) {
        CimReportRow *v = realloc(r->rows, (r->nrows + 1) * sizeof *v);
        if (!v) { rc = cim_err(e, CIM_ERR_NOMEM, "out of memory"); break; }
        r->rows = v;
        CimReportRow *w = &r->rows[r->nrows++];
        memset(w, 0, sizeof *w);
        w->run = run_label(path);
        w->modality = dupstr(json_string_value(json_object_get(a, "modality")));
        w->tokenizer = dupstr(json_string_value(json_object_get(a, "tokenizer")));
        w->per_unit = dupstr(json_string_value(json_object_get(a, "per_unit")));
        w->files = jull(a, "files");
        w->errors = jull(a, "errors");
        w->raw_bytes = jull(a, "raw_bytes");
        w->tokens = jull(a, "tokens");
        w->C = jnum(a, "C");
        w->C_file = jnum(a, "C_file");
        w->tokens_per_unit = jnum(a, "tokens_per_unit");
        w->C_median = jnum(a, "C_median");
        w->C_p10 = jnum(a, "C_p10");
        w->C_p90 = jnum(a, "C_p90");
        w->info_bits = jnum(a, "info_bits");
        w->capacity_bits = jnum(a, "capacity_bits");
        if (json_object_get(a, "info_bits")) r->has_info = 1;
        json_t *ci = json_object_get(a, "C_ci95");
        w->C_lo = json_is_number(json_array_get(ci, 0)) ? json_number_value(json_array_get(ci, 0)) : NAN;
        w->C_hi = json_is_number(json_array_get(ci, 1)) ? json_number_value(json_array_get(ci, 1)) : NAN;
        if (!w->run || !w->modality || !w->tokenizer || !w->per_unit) { rc = cim_err(e, CIM_ERR_NOMEM, "out of memory"); break; }
    }
    json_decref(root);
    return rc;
}

static int add_kv(CimReport *r, const char *key, json_t *x)
{
    char buf[64];
    const char *val = buf;
    if (json_is_string(x)) val = json_string_value(x);
    else if (json_is_integer(x)) snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(x));
    else if (json_is_real(x)) snprintf(buf, sizeof buf, "%.6g", json_real_value(x));
    else if (json_is_boolean(x)) snprintf(buf, sizeof buf, "%s", json_is_true(x) ? "true" : "false");
    else if (json_is_null(x)) snprintf(buf, sizeof buf, "-");
    else return 0;
    CimReportKV *v = realloc(r->fit_kv, (r->nfit_kv + 1) * sizeof *v);
    if (!v) return -1;
    r->fit_kv = v;
    v[r->nfit_kv].key = strdup(key);
    v[r->nfit_kv].value = strdup(val);
    r->nfit_kv++;
    return v[r->nfit_kv - 1].key && v[r->nfit_kv - 1].value ? 0 : -1;
}

/* Fit JSON (doc/fitting.md), read generically: scalars (and scalars one level down,
 * as "settings.loss") in file order, then every estimate with its interval. */
static int load_fit(CimReport *r, const char *path, CimErr *e)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    CIM_RETURN_IF(!root, e, CIM_ERR_CORRUPT, "%s: %s (line %d)", path, je.text, je.line);
    json_t *est = json_object_get(root, "estimates"), *iv = json_object_get(root, "intervals");
    if (!json_is_object(est)) {
        json_decref(root);
        return cim_err(e, CIM_ERR_CORRUPT, "%s: not a fit result (no `estimates` object)", path);
    }
    int rc = 0;
    const char *k;
    json_t *x;
    json_object_foreach(root, k, x) {
        if (x == est || x == iv) continue;
        if (json_is_object(x)) {
            const char *k2;
            json_t *y;
            json_object_foreach(x, k2, y) {
                char key[256];
                snprintf(key, sizeof key, "%s.%s", k, k2);
                if (add_kv(r, key, y) < 0) rc = -1;
            }
        } else if (add_kv(r, k, x) < 0) {
            rc = -1;
        }
    }
    json_object_foreach(est, k, x) {
        CimReportParam *v = realloc(r->params, (r->nparams + 1) * sizeof *v);
        if (!v) { rc = -1; break; }
        r->params = v;
        CimReportParam *p = &v[r->nparams++];
        p->name = strdup(k);
        if (!p->name) rc = -1;
        p->est = json_is_number(x) ? json_number_value(x) : NAN;
        json_t *pair = json_object_get(iv, k);
        p->lo = json_is_number(json_array_get(pair, 0)) ? json_number_value(json_array_get(pair, 0)) : NAN;
        p->hi = json_is_number(json_array_get(pair, 1)) ? json_number_value(json_array_get(pair, 1)) : NAN;
    }
    json_t *bs = json_object_get(root, "budgets");
    if (json_is_array(bs) && json_array_size(bs)) {
        r->budgets = calloc(json_array_size(bs), sizeof *r->budgets);
        if (!r->budgets) rc = -1;
        size_t i;
        json_t *b;
        json_array_foreach(bs, i, b) {
            if (!r->budgets) break;
            CimReportBudget *q = &r->budgets[r->nbudgets++];
            json_t *pc = json_object_get(b, "parabola_lnN"), *rg = json_object_get(b, "N_range");
            q->C = jnum(b, "C");
            q->Nstar = jnum(b, "N_star");
            q->Lstar = jnum(b, "loss_at_N_star");
            q->c0 = json_is_number(json_array_get(pc, 0)) ? json_number_value(json_array_get(pc, 0)) : NAN;
            q->c1 = json_is_number(json_array_get(pc, 1)) ? json_number_value(json_array_get(pc, 1)) : NAN;
            q->c2 = json_is_number(json_array_get(pc, 2)) ? json_number_value(json_array_get(pc, 2)) : NAN;
            q->Nlo = json_is_number(json_array_get(rg, 0)) ? json_number_value(json_array_get(rg, 0)) : NAN;
            q->Nhi = json_is_number(json_array_get(rg, 1)) ? json_number_value(json_array_get(rg, 1)) : NAN;
        }
        r->iso_a = jnum(est, "a");
        r->iso_k = jnum(est, "k");
    }
    json_decref(root);
    r->has_fit = 1;
    CIM_RETURN_IF(rc < 0, e, CIM_ERR_NOMEM, "out of memory");
    return 0;
}

int cim__report_load(CimReport *r, const char *const *results, size_t n, const char *fit,
                     const char *runs_csv, CimErr *e)
{
    memset(r, 0, sizeof *r);
    r->multi_run = n > 1;
    for (size_t i = 0; i < n; i++) CIM_CHECK(load_results(r, results[i], e));
    if (fit) CIM_CHECK(load_fit(r, fit, e));
    if (runs_csv) CIM_CHECK(cim_runs_read_csv(runs_csv, &r->runs, e));
    return 0;
}

void cim__report_free(CimReport *r)
{
    for (size_t i = 0; i < r->nrows; i++) {
        free(r->rows[i].run); free(r->rows[i].modality);
        free(r->rows[i].tokenizer); free(r->rows[i].per_unit);
    }
    free(r->rows);
    for (size_t i = 0; i < r->nfit_kv; i++) { free(r->fit_kv[i].key); free(r->fit_kv[i].value); }
    free(r->fit_kv);
    for (size_t i = 0; i < r->nparams; i++) free(r->params[i].name);
    free(r->params);
    cim_runs_free(r->runs);
    free(r->budgets);
    memset(r, 0, sizeof *r);
}

/* ---- the public calls (cimeter.h) -------------------------------------- */

const char *cim_report_format(size_t i, const char **help)
{
    size_t n = sizeof writers / sizeof *writers - 1;
    if (i >= n)
        return NULL;
    if (help)
        *help = writers[i]->help;
    return writers[i]->name;
}

int cim_report_format_known(const char *s)
{
    return cim__report_writer_find(s) != NULL;
}

/* Writes the report to path through a temporary file renamed into place. */
static int write_file(const CimReportWriter *w, const CimReport *rep, const char *path, CimErr *e)
{
    size_t len = strlen(path) + 32;
    char *tmp = malloc(len);
    CIM_RETURN_IF(!tmp, e, CIM_ERR_NOMEM, "out of memory");
    snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        free(tmp);
        return cim_err(e, CIM_ERR_IO, "cannot write %s", path);
    }
    int rc = w->write(rep, f, e);
    if (fclose(f) != 0 && rc == 0)
        rc = cim_err(e, CIM_ERR_IO, "cannot write %s", path);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = cim_err(e, CIM_ERR_IO, "cannot rename to %s", path);
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

int cim_report_write(const char *const *results, size_t n, const char *fit, const char *runs_csv,
                     const char *format, const char *path, CimErr *e)
{
    return cim_report_write_axes(results, n, fit, runs_csv, NULL, NULL, format, path, e);
}

int cim_report_write_axes(const char *const *results, size_t n, const char *fit,
                          const char *runs_csv, const char *x, const char *group,
                          const char *format, const char *path, CimErr *e)
{
    return cim_report_write_law(results, n, fit, runs_csv, x, group, NULL, format, path, e);
}

int cim_report_write_law(const char *const *results, size_t n, const char *fit,
                         const char *runs_csv, const char *x, const char *group, const char *set,
                         const char *format, const char *path, CimErr *e)
{
    if (!format) {
        const char *dot = strrchr(path, '.');
        format = dot ? dot + 1 : NULL;
    }
    const CimReportWriter *w = cim__report_writer_find(format);
    CIM_RETURN_IF(!w, e, CIM_ERR_USAGE, "unknown report format '%s' (md, latex, csv, svg, png)",
                  format ? format : "");
    int plot = w == &cim_out_plot_svg || w == &cim_out_plot_png;
    CIM_RETURN_IF((x || group || set) && !plot, e, CIM_ERR_USAGE,
                  "--x, --group and --set are for the svg and png plots");
    CimReport rep;
    int rc = cim__report_load(&rep, results, n, fit, runs_csv, e);
    rep.plot_x = x;
    rep.plot_group = group;
    rep.plot_set = set;
    if (rc == 0 && !strcmp(path, "-")) {
        rc = w->write(&rep, stdout, e);
        if (fflush(stdout) != 0 && rc == 0)
            rc = cim_err(e, CIM_ERR_IO, "cannot write stdout");
    } else if (rc == 0) {
        rc = write_file(w, &rep, path, e);
    }
    cim__report_free(&rep);
    if (rc < 0 && !e->msg[0])
        rc = cim_err(e, rc, "write failed");
    return rc;
}
