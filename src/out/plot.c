/*
 * plot.c — figures for papers, drawn with cairo as SVG or PNG.
 *
 * Two figures, chosen by the inputs:
 *  - C per tokenizer per modality (default): a dot plot, one row per
 *    aggregate grouped by modality, C on a log axis with its 95% bootstrap
 *    interval as a bar. With --fit, estimates named C_<modality> (the free-c
 *    form) are added to their modality as hollow diamonds, so fitted and
 *    measured C can be read against each other.
 *  - IsoFLOP profiles (--fit of `cimeter fit --isoflop`, --runs optional):
 *    loss against N per budget with each budget's parabola and its minimum,
 *    and N* against C with the fitted line.
 *  - the fitted law against the runs (--fit and --runs): loss against
 *    D_eff = Σ T_i / C_i on a log axis, one colour per model size P, with the
 *    law's curve for each P. The law is recognised by its parameter names:
 *    E, A, B, alpha, beta (chinchilla) or a, b, c (loglinear, doc/fitting.md), or
 *    is the fit's formula when that is over N (P) and D alone; other laws
 *    get their points without a curve. D_eff uses the `tokens` column
 *    when the CSV has one, else raw_<modality> / C with C the fit's estimate
 *    C_<modality> when present, else a C_<modality> the fit recorded among its
 *    settings (any key ending in C_<modality>), else the first measured
 *    aggregate of that modality in the results given.
 *
 * Output is deterministic: no dates, fixed fonts (DejaVu Sans via cairo's toy
 * font API), fixed sizes; PNGs are drawn at 2x for print.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cim_config.h"
#include "common/err.h"
#include "common/utf8.h"
#include "fit/expr.h"
#include "out/report.h"
#if CIM_HAVE_CAIRO
#include <cairo.h>
#include <cairo-svg.h>

#define FONT "DejaVu Sans"
#define W_FIG 860.0

typedef struct { double r, g, b; } Rgb;

static Rgb modality_color(const char *m)
{
    static const struct { const char *name; Rgb c; } tab[] = {
        {"text", {0.122, 0.467, 0.706}}, {"image", {0.890, 0.467, 0.063}},
        {"video", {0.173, 0.627, 0.173}}, {"audio", {0.839, 0.153, 0.157}}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(m, tab[i].name)) return tab[i].c;
    return (Rgb){0.58, 0.40, 0.74};
}

static Rgb viridis(double t)   /* 5-stop approximation of matplotlib's viridis */
{
    static const Rgb s[] = {{0.267, 0.005, 0.329}, {0.231, 0.322, 0.545}, {0.129, 0.569, 0.549},
                            {0.369, 0.788, 0.384}, {0.867, 0.890, 0.094}};
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double x = t * 4;
    int i = x >= 4 ? 3 : (int)x;
    double f = x - i;
    return (Rgb){s[i].r + f * (s[i + 1].r - s[i].r), s[i].g + f * (s[i + 1].g - s[i].g),
                 s[i].b + f * (s[i + 1].b - s[i].b)};
}

/* Text made safe for drawing (controls and invalid bytes → U+FFFD), malloc'd. */
static char *plain(const char *s)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) return strdup("");
    cim__report_text(f, s, CIM_ESC_PLAIN);
    fclose(f);
    return buf ? buf : strdup("");
}

static double text_w(cairo_t *cr, const char *s)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

/* Draws s with its left (align 0), centre (0.5) or right (1) edge at x. */
static void text_at(cairo_t *cr, double x, double y, const char *s, double align)
{
    cairo_move_to(cr, x - align * text_w(cr, s), y);
    cairo_show_text(cr, s);
}

/* Shortens s (UTF-8) with an ellipsis until it fits in w. */
static char *fit_text(cairo_t *cr, const char *s, double w)
{
    char *p = plain(s);
    size_t n = strlen(p);
    if (!p || text_w(cr, p) <= w) return p;
    char *buf = malloc(n + 4);
    if (!buf) return p;
    while (n > 0) {
        n--;
        while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80) n--;   /* a code point boundary */
        memcpy(buf, p, n);
        memcpy(buf + n, "\xE2\x80\xA6", 4);
        if (text_w(cr, buf) <= w) break;
    }
    free(p);
    return buf;
}

static void set_font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

static void rgb(cairo_t *cr, Rgb c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }

static void decade_label(char *b, size_t n, int k)
{
    if (k >= -3 && k <= 4) snprintf(b, n, "%g", pow(10, k));
    else snprintf(b, n, "1e%d", k);
}

/* ---- figure 1: C per tokenizer --------------------------------------- */

typedef struct Item {
    int    head;          /* a modality heading */
    int    fitted;        /* a fitted C_<modality> */
    size_t row;           /* index into rows (or params when fitted) */
    const char *modality;
} Item;

static int build_items(const CimReport *r, Item **out, size_t *nout)
{
    Item *v = calloc(2 * r->nrows + 2 * r->nparams + 1, sizeof *v);
    size_t n = 0;
    if (!v) return -1;
    for (size_t i = 0; i < r->nrows; i++) {
        const char *m = r->rows[i].modality;
        int first = 1;
        for (size_t j = 0; j < i; j++) if (!strcmp(r->rows[j].modality, m)) first = 0;
        if (!first) continue;
        v[n++] = (Item){.head = 1, .modality = m};
        for (size_t j = i; j < r->nrows; j++)
            if (!strcmp(r->rows[j].modality, m)) v[n++] = (Item){.row = j, .modality = m};
        for (size_t k = 0; k < r->nparams; k++)
            if (!strncmp(r->params[k].name, "C_", 2) && !strcmp(r->params[k].name + 2, m))
                v[n++] = (Item){.fitted = 1, .row = k, .modality = m};
    }
    /* Fitted C of modalities with no measured row get a group of their own. */
    for (size_t k = 0; k < r->nparams; k++) {
        const char *m = r->params[k].name + 2;
        if (strncmp(r->params[k].name, "C_", 2) || !*m) continue;
        int seen = 0;
        for (size_t j = 0; j < n; j++) if (!strcmp(v[j].modality, m)) seen = 1;
        if (seen) continue;
        v[n++] = (Item){.head = 1, .modality = m};
        v[n++] = (Item){.fitted = 1, .row = k, .modality = m};
    }
    *out = v;
    *nout = n;
    return 0;
}

#define ROW_H 21.0
#define HEAD_H 26.0
#define TOP 62.0
#define BOTTOM 52.0

static double c_plot_height(const CimReport *r)
{
    Item *it;
    size_t n;
    if (build_items(r, &it, &n) < 0) return 200;
    double h = TOP + BOTTOM;
    for (size_t i = 0; i < n; i++) h += it[i].head ? HEAD_H : ROW_H;
    free(it);
    return h;
}

/* The row label: "tokenizer", or "run · tokenizer" for several inputs (malloc'd, raw). */
static char *item_label(const CimReport *r, const Item *it)
{
    if (it->fitted) return strdup("fitted C (free-c)");
    const CimReportRow *w = &r->rows[it->row];
    if (!r->multi_run) return strdup(w->tokenizer);
    size_t l = strlen(w->run) + strlen(w->tokenizer) + 8;
    char *s = malloc(l);
    if (s) snprintf(s, l, "%s \xC2\xB7 %s", w->run, w->tokenizer);
    return s;
}

static void item_values(const CimReport *r, const Item *it, double *c, double *lo, double *hi)
{
    if (it->fitted) { *c = r->params[it->row].est; *lo = r->params[it->row].lo; *hi = r->params[it->row].hi; }
    else { *c = r->rows[it->row].C; *lo = r->rows[it->row].C_lo; *hi = r->rows[it->row].C_hi; }
}

static int draw_c_plot(const CimReport *r, cairo_t *cr, double W, double H, CimErr *e)
{
    Item *items;
    size_t n;
    CIM_RETURN_IF(build_items(r, &items, &n) < 0, e, CIM_ERR_NOMEM, "out of memory");
    double vmin = INFINITY, vmax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (items[i].head) continue;
        double v[3];
        item_values(r, &items[i], &v[0], &v[1], &v[2]);
        for (int k = 0; k < 3; k++)
            if (isfinite(v[k]) && v[k] > 0) { vmin = fmin(vmin, v[k]); vmax = fmax(vmax, v[k]); }
    }
    if (!isfinite(vmin)) { vmin = 1; vmax = 10; }
    /* A continuous log range with a margin; at least 0.4 decades wide. */
    double l0 = log10(vmin), l1 = log10(vmax), span = l1 - l0;
    if (span < 0.4) { l0 -= (0.4 - span) / 2; l1 += (0.4 - span) / 2; span = 0.4; }
    l0 -= 0.06 * span;
    l1 += 0.06 * span;
    span = l1 - l0;
    /* Label column: as wide as the longest label, within limits. */
    set_font(cr, 12, 0);
    double lw = 120;
    for (size_t i = 0; i < n; i++) {
        if (items[i].head) continue;
        char *raw = item_label(r, &items[i]), *s = raw ? plain(raw) : NULL;
        double w = s ? text_w(cr, s) : 0;
        free(raw);
        lw = fmax(lw, w);
        free(s);
    }
    lw = fmin(lw, W * 0.42);
    double x0 = 20 + lw + 16, x1 = W - 78;
    double y_top = TOP, y_bot = H - BOTTOM;
#define XOF(v) (x0 + (log10(v) - l0) / span * (x1 - x0))

    /* Title. */
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    set_font(cr, 16, 1);
    text_at(cr, 20, 26, "Compression factor C (raw bytes per token)", 0);
    set_font(cr, 11.5, 0);
    cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
    int any_fitted = 0;
    for (size_t i = 0; i < n; i++) any_fitted |= items[i].fitted;
    text_at(cr, 20, 45, any_fitted ? "dot: measured C with 95% bootstrap interval over files;  "
                        "diamond: fitted C (free-c)" : "dot: measured C with its 95% bootstrap interval over files",
            0);

    /* Grid: decades and their multiples (steps of 0.1 on narrow spans); a
     * label wherever it does not crowd the previous one. */
    int fine = span <= 0.7;
    double last_x = -1e9, last_line = -1e9;
    for (int k = (int)floor(l0); k <= (int)ceil(l1); k++) {
        for (int mi = 10; mi < 100; mi += fine ? 1 : 10) {
            double m = mi / 10.0, v = m * pow(10, k), lv = k + log10(m), x = XOF(v);
            if (lv < l0 || lv > l1) continue;
            int major = mi == 10, mid = mi % 10 == 0;
            if (fine && !mid && x - last_line < 9) continue;   /* too dense to draw */
            last_line = x;
            cairo_set_line_width(cr, major ? 1.0 : 0.5);
            double g = major ? 0.75 : mid ? 0.88 : 0.94;
            cairo_set_source_rgb(cr, g, g, g);
            cairo_move_to(cr, floor(x) + 0.5, y_top);
            cairo_line_to(cr, floor(x) + 0.5, y_bot);
            cairo_stroke(cr);
            int show = fine ? (mi % 5 == 0 || mi < 20) && x - last_x >= 44 : (major || (span <= 3.2 && (mi == 20 || mi == 50)) ||
                                                  (span <= 1.2 && (mi == 30 || mi == 40)));
            if (!show) continue;
            char lab[32];
            if (major) decade_label(lab, sizeof lab, k);
            else snprintf(lab, sizeof lab, "%g", v);
            set_font(cr, 11, 0);
            cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
            text_at(cr, x, y_bot + 16, lab, 0.5);
            last_x = x;
        }
    }
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    set_font(cr, 12, 0);
    text_at(cr, (x0 + x1) / 2, H - 14, "C = raw bytes / token (log scale)", 0.5);
    set_font(cr, 11, 1);
    text_at(cr, W - 20, y_top - 6, "C", 1);

    double y = y_top;
    for (size_t i = 0; i < n; i++) {
        const Item *it = &items[i];
        Rgb col = modality_color(it->modality);
        if (it->head) {
            y += HEAD_H;
            set_font(cr, 13, 1);
            rgb(cr, col);
            char *s = plain(it->modality);
            text_at(cr, 20, y - 8, s, 0);
            free(s);
            cairo_set_line_width(cr, 1);
            cairo_move_to(cr, 20, y - 3.5);
            cairo_line_to(cr, x1, y - 3.5);
            cairo_stroke(cr);
            continue;
        }
        double yc = y + ROW_H / 2;
        y += ROW_H;
        double c, lo, hi;
        item_values(r, it, &c, &lo, &hi);
        set_font(cr, 12, 0);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        char *raw = item_label(r, it), *label = raw ? fit_text(cr, raw, lw) : NULL;
        free(raw);
        if (label) text_at(cr, 20 + lw, yc + 4, label, 1);
        free(label);
        if (!(isfinite(c) && c > 0)) {
            cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
            text_at(cr, x0 + 6, yc + 4, "no tokens", 0);
            continue;
        }
        rgb(cr, col);
        cairo_set_line_width(cr, 1.6);
        if (it->fitted) { double d[] = {4, 3}; cairo_set_dash(cr, d, 2, 0); }
        if (isfinite(lo) && isfinite(hi) && lo > 0 && hi > 0) {
            double a = XOF(lo), b = XOF(hi);
            cairo_move_to(cr, a, yc); cairo_line_to(cr, b, yc);
            cairo_move_to(cr, a, yc - 4); cairo_line_to(cr, a, yc + 4);
            cairo_move_to(cr, b, yc - 4); cairo_line_to(cr, b, yc + 4);
            cairo_stroke(cr);
        }
        cairo_set_dash(cr, NULL, 0, 0);
        double xc = XOF(c);
        if (it->fitted) {
            cairo_move_to(cr, xc, yc - 5.5); cairo_line_to(cr, xc + 5.5, yc);
            cairo_line_to(cr, xc, yc + 5.5); cairo_line_to(cr, xc - 5.5, yc);
            cairo_close_path(cr);
            cairo_set_source_rgb(cr, 1, 1, 1);
            cairo_fill_preserve(cr);
            rgb(cr, col);
            cairo_stroke(cr);
        } else {
            cairo_arc(cr, xc, yc, 4.2, 0, 2 * M_PI);
            cairo_fill(cr);
        }
        char v[32];
        cim__report_num(v, sizeof v, c);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        set_font(cr, 11.5, 0);
        text_at(cr, W - 20, yc + 4, v, 1);
    }
#undef XOF
    free(items);
    return 0;
}

/* ---- figure 2: the fitted law against the runs ------------------------ */

static const CimReportParam *param(const CimReport *r, const char *name)
{
    for (size_t i = 0; i < r->nparams; i++) if (!strcmp(r->params[i].name, name)) return &r->params[i];
    return NULL;
}

/* What an axis of the law plot (--x) or its grouping (--group) shows: the model
 * size N, the data D (D_eff), the compute C = 6·N·D, another numeric column, or
 * (grouping only) a column of text. */
typedef enum { AX_N, AX_D, AX_C, AX_COLUMN, AX_TEXT } AxisKind;

typedef struct Axis {
    AxisKind      kind;
    const char   *name;      /* as given */
    const double *column;    /* AX_COLUMN: its value per run (NaN where not a number);
                              * AX_TEXT: the index of its text in labels */
    double       *ranks;     /* AX_TEXT: column's storage */
    char        **labels;    /* AX_TEXT: the distinct texts, sorted (the runs' strings) */
} Axis;

static void axis_free(Axis *a)
{
    free(a->ranks);
    free(a->labels);
    a->ranks = NULL;
    a->labels = NULL;
}

static int cmp_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A grouping by the text of extra column j: each run's group is its text's index. */
static int text_axis(const CimRuns *t, int j, Axis *a, CimErr *e)
{
    size_t cap = t->n ? t->n : 1;
    a->kind = AX_TEXT;
    a->labels = malloc(cap * sizeof *a->labels);
    a->ranks = malloc(cap * sizeof *a->ranks);
    if (!a->labels || !a->ranks) {
        axis_free(a);
        return cim_err(e, CIM_ERR_NOMEM, "out of memory");
    }
    memcpy(a->labels, t->extra_s[j], t->n * sizeof *a->labels);
    qsort(a->labels, t->n, sizeof *a->labels, cmp_text);
    size_t nu = 0;
    for (size_t i = 0; i < t->n; i++)
        if (!nu || strcmp(a->labels[i], a->labels[nu - 1])) a->labels[nu++] = a->labels[i];
    for (size_t i = 0; i < t->n; i++) {
        char **hit = bsearch(&t->extra_s[j][i], a->labels, nu, sizeof *a->labels, cmp_text);
        a->ranks[i] = (double)(hit - a->labels);
    }
    a->column = a->ranks;
    return 0;
}

/* The quantity a name stands for; CIM_ERR_USAGE naming it when the runs have none.
 * A grouping may be a column of text. */
static int axis_of(const CimRuns *t, const char *name, int grouping, Axis *a, CimErr *e)
{
    *a = (Axis){.kind = AX_COLUMN, .name = name};
    if (!strcmp(name, "N") || !strcmp(name, "P") || !strcmp(name, "params")) {
        a->kind = AX_N;
        return 0;
    }
    if (!strcmp(name, "D") || !strcmp(name, "D_eff") || !strcmp(name, "tokens")) {
        a->kind = AX_D;
        return 0;
    }
    if (!strcmp(name, "C")) {
        a->kind = AX_C;
        return 0;
    }
    CIM_RETURN_IF(!strcmp(name, "loss"), e, CIM_ERR_USAGE,
                  "loss is the plot's y axis, not a choice of --x or --group");
    for (int m = 0; m < CIM_MOD_COUNT; m++) {
        char raw[64];
        snprintf(raw, sizeof raw, "raw_%s", cim_modality_name((CimModality)m));
        if (t->raw[m] && !strcmp(name, raw)) a->column = t->raw[m];
    }
    int j = cim_runs_extra_col(t, name);
    if (j >= 0) a->column = t->extra_v[j];
    CIM_RETURN_IF(!a->column, e, CIM_ERR_USAGE,
                  "no column '%s' in %s (N, D, D_eff, C or a column of the runs)", name, t->path);
    int numeric = 0;
    for (size_t i = 0; i < t->n; i++) numeric |= isfinite(a->column[i]);
    if (!numeric && grouping && j >= 0) return text_axis(t, j, a, e);
    CIM_RETURN_IF(!numeric, e, CIM_ERR_USAGE, "column '%s' of %s has no numbers to plot", name,
                  t->path);
    return 0;
}

/* The plot's x axis (default D_eff) and grouping (default N, or D when x is N). */
static int plot_axes(const CimReport *r, Axis *x, Axis *group, CimErr *e)
{
    CIM_CHECK(axis_of(r->runs, r->plot_x ? r->plot_x : "D_eff", 0, x, e));
    const char *g = r->plot_group ? r->plot_group : x->kind == AX_N ? "D" : "N";
    CIM_CHECK(axis_of(r->runs, g, 1, group, e));
    int same = x->kind == AX_COLUMN ? group->kind == AX_COLUMN && !strcmp(x->name, group->name)
                                    : x->kind == group->kind;
    if (same) axis_free(group);
    CIM_RETURN_IF(same, e, CIM_ERR_USAGE, "--group %s: the grouping must differ from the x axis",
                  g);
    return 0;
}

static double axis_value(const Axis *a, const CimRuns *t, const double *D, size_t i)
{
    if (a->kind == AX_N) return t->params[i];
    if (a->kind == AX_D) return D[i];
    if (a->kind == AX_C) return 6 * t->params[i] * D[i];
    return a->column[i];
}

/* --set COLUMN=V,...: the values at which the law's other columns are held. */
typedef struct Held {
    int    n;
    char   name[14][64];
    double v[14];
    int    used[14];         /* the law reads it */
} Held;

static int held_parse(const char *set, Held *h, CimErr *e)
{
    memset(h, 0, sizeof *h);
    if (!set) return 0;
    char buf[1024];
    CIM_RETURN_IF(strlen(set) >= sizeof buf, e, CIM_ERR_USAGE, "--set: too long");
    strcpy(buf, set);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '='), *end;
        CIM_RETURN_IF(!eq || eq == t, e, CIM_ERR_USAGE, "--set: '%s' is not COLUMN=VALUE", t);
        *eq = '\0';
        double v = strtod(eq + 1, &end);
        CIM_RETURN_IF(!eq[1] || *end || !isfinite(v), e, CIM_ERR_USAGE,
                      "--set: %s=%s is not a number", t, eq + 1);
        CIM_RETURN_IF(h->n == 14 || strlen(t) >= sizeof h->name[0], e, CIM_ERR_USAGE,
                      "--set: at most 14 columns of up to 63 characters");
        for (int k = 0; k < h->n; k++)
            CIM_RETURN_IF(!strcmp(h->name[k], t), e, CIM_ERR_USAGE, "--set: %s given twice", t);
        strcpy(h->name[h->n], t);
        h->v[h->n++] = v;
    }
    CIM_RETURN_IF(!h->n, e, CIM_ERR_USAGE, "--set: expected COLUMN=VALUE");
    return 0;
}

/* The fitted law, evaluated as `cimeter predict` does (cim_fit_model_loss):
 * chinchilla and loglinear recognised by their parameter names, else the fit's
 * formula when it is over N (or P), D, columns on the plot's axes and columns
 * held by --set. A curve needs the axis and the grouping to fix N and D between
 * them. */
typedef struct Law {
    int         known;       /* the law could be read */
    int         drawable;    /* and the axes fix every input it needs */
    char        missing[64]; /* a formula's column off the axes without a --set value */
    CimFitModel m;
} Law;

static Law law_of(const CimReport *r, const Axis *x, const Axis *g, Held *held)
{
    Law L = {0};
    const CimReportParam *E = param(r, "E"), *A = param(r, "A"), *B = param(r, "B"),
                         *al = param(r, "alpha"), *be = param(r, "beta"),
                         *a = param(r, "a"), *b = param(r, "b"), *c = param(r, "c");
    const char *form = NULL, *formula = NULL;
    for (size_t i = 0; i < r->nfit_kv; i++) {
        if (!strcmp(r->fit_kv[i].key, "form")) form = r->fit_kv[i].value;
        if (!strcmp(r->fit_kv[i].key, "formula")) formula = r->fit_kv[i].value;
    }
    if (form && !strcmp(form, "formula") && formula && strchr(formula, '=')) {
        CimErr e;
        CimExpr *ex;
        if (cim_expr_parse(strchr(formula, '=') + 1, &ex, &e) < 0) return L;
        int np = 0, ok = 1;
        for (int i = 0; ok && i < cim_expr_nnames(ex); i++) {
            const char *n = cim_expr_name(ex, i);
            const CimReportParam *p = param(r, n);
            int on_axis = !strcmp(n, x->name) || (g->kind != AX_TEXT && !strcmp(n, g->name));
            int is_n = !strcmp(n, "N") || !strcmp(n, "P") || !strcmp(n, "params");
            int is_d = !strcmp(n, "D") || !strcmp(n, "D_eff") || !strcmp(n, "tokens");
            if (is_n) cim_expr_bind_column(ex, i, 0);
            else if (is_d) cim_expr_bind_column(ex, i, 1);
            else if (p && isfinite(p->est) && np < CIM_EXPR_MAXGRAD) {
                L.m.th[np] = p->est;
                cim_expr_bind_param(ex, i, np++);
            } else if (L.m.nextra < 14 && strlen(n) < sizeof L.m.extra[0]) {
                int k = 0;
                while (k < held->n && strcmp(held->name[k], n)) k++;
                if (!on_axis && k == held->n) {
                    ok = 0;      /* a column off the axes and not held: no curve */
                    snprintf(L.missing, sizeof L.missing, "%s", n);
                    continue;
                }
                snprintf(L.m.extra[L.m.nextra], sizeof L.m.extra[0], "%s", n);
                L.m.extra_v[L.m.nextra] = on_axis ? NAN : held->v[k];
                if (!on_axis) held->used[k] = 1;
                cim_expr_bind_column(ex, i, 2 + L.m.nextra++);
            } else ok = 0;
        }
        if (!ok) { cim_expr_free(ex); return L; }
        L.m.form = CIM_FIT_FORMULA;
        L.m.law = ex;
        L.known = 1;
    } else if (E && A && B && al && be) {
        L.m = (CimFitModel){.form = CIM_FIT_CHINCHILLA, .E = E->est, .A = A->est, .B = B->est,
                            .alpha = al->est, .beta = be->est};
        L.known = 1;
    } else if (a && b && c) {
        L.m = (CimFitModel){.form = CIM_FIT_LOGLINEAR, .a = a->est, .b = b->est, .c = c->est};
        L.known = 1;
    }
    int fixes_n = x->kind == AX_N || g->kind == AX_N, fixes_d = x->kind == AX_D || g->kind == AX_D;
    int fixes_c = x->kind == AX_C || g->kind == AX_C;
    L.drawable = L.known && fixes_n + fixes_d + fixes_c == 2;
    return L;
}

/* The law at x = xv in the group g = gv: N and D from the two (C = 6·N·D gives the
 * third), formula columns on the axes set to their values. */
static double law_at(Law *law, const Axis *x, double xv, const Axis *g, double gv)
{
    const Axis *ax[2] = {x, g};
    double v[2] = {xv, gv}, N = NAN, D = NAN, C = NAN;
    for (int k = 0; k < 2; k++) {
        if (ax[k]->kind == AX_N) N = v[k];
        if (ax[k]->kind == AX_D) D = v[k];
        if (ax[k]->kind == AX_C) C = v[k];
        for (int j = 0; j < law->m.nextra; j++)
            if (!strcmp(law->m.extra[j], ax[k]->name)) law->m.extra_v[j] = v[k];
    }
    if (isnan(N)) N = C / (6 * D);
    if (isnan(D)) D = C / (6 * N);
    return cim_fit_model_loss(&law->m, N, D);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double nice_step(double range)
{
    double raw = range / 5, p = pow(10, floor(log10(raw))), m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/* C per modality for the D_eff of raw_* columns: the fit's C_<modality> parameter,
 * else a C the fit recorded as used, else the results JSON's measured C. */
static int law_columns_C(const CimReport *r, double C[CIM_MOD_COUNT], CimErr *e)
{
    const CimRuns *t = r->runs;
    for (int m = 0; m < CIM_MOD_COUNT; m++) {
        C[m] = NAN;
        if (t->tokens || !t->raw[m]) continue;
        const char *mod = cim_modality_name((CimModality)m);
        char pname[128];
        snprintf(pname, sizeof pname, "C_%s", mod);
        const CimReportParam *p = param(r, pname);
        C[m] = p ? p->est : NAN;
        /* else a C the fit recorded as used ("C_text", "settings.C_text", ...) */
        for (size_t k = 0; !p && !isfinite(C[m]) && k < r->nfit_kv; k++) {
            const char *key = r->fit_kv[k].key, *dot = strrchr(key, '.');
            if (!strcmp(dot ? dot + 1 : key, pname)) C[m] = strtod(r->fit_kv[k].value, NULL);
        }
        for (size_t k = 0; !p && !isfinite(C[m]) && k < r->nrows; k++)
            if (!strcmp(r->rows[k].modality, mod)) C[m] = r->rows[k].C;
        CIM_RETURN_IF(!(isfinite(C[m]) && C[m] > 0), e, CIM_ERR_USAGE, "no C for column raw_%s: give a results "
                      "JSON measuring %s, or a fit with C_%s", mod, mod, mod);
    }
    return 0;
}

/* The title (the law's form or formula, and the run count) and the fit's summary line. */
static void law_title(const CimReport *r, cairo_t *cr, const Law *law, size_t np, const Held *held)
{
    const char *form = "";
    for (size_t i = 0; i < r->nfit_kv; i++) if (!strcmp(r->fit_kv[i].key, "form")) form = r->fit_kv[i].value;
    if (!strcmp(form, "formula"))           /* a formula fit is titled by its formula */
        for (size_t i = 0; i < r->nfit_kv; i++) if (!strcmp(r->fit_kv[i].key, "formula")) form = r->fit_kv[i].value;
    char title[256], *pf = plain(form);
    snprintf(title, sizeof title, "Fitted law%s%s against %zu runs", pf && pf[0] ? ": " : "", pf ? pf : "", np);
    free(pf);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    set_font(cr, 16, 1);
    text_at(cr, 20, 26, title, 0);
    set_font(cr, 11.5, 0);
    cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
    char sub[256] = "";
    for (size_t i = 0; i < r->nfit_kv; i++)
        if (!strcmp(r->fit_kv[i].key, "rmse") || !strcmp(r->fit_kv[i].key, "n_points") ||
            !strcmp(r->fit_kv[i].key, "objective")) {
            char *k = plain(r->fit_kv[i].key), *v = plain(r->fit_kv[i].value);
            size_t l = strlen(sub);
            snprintf(sub + l, sizeof sub - l, "%s%s = %s", l ? ",  " : "", k, v);
            free(k); free(v);
        }
    char need[200];
    snprintf(need, sizeof need, "the law needs a value of %s: --set %s=V", law->missing,
             law->missing);
    const char *no_curve = law->missing[0] ? need : !law->known ? "unknown form"
                         : !law->drawable ? "the axis and the grouping do not fix N and D" : NULL;
    size_t l = strlen(sub);
    if (no_curve) snprintf(sub + l, sizeof sub - l, "%s(no curve: %s)", l ? "  " : "", no_curve);
    for (int k = 0; k < held->n; k++) {
        char *pn = plain(held->name[k]);
        l = strlen(sub);
        const char *sep = k ? ", " : l ? ",  curves at " : "curves at ";
        snprintf(sub + l, sizeof sub - l, "%s%s = %.4g", sep, pn ? pn : "", held->v[k]);
        free(pn);
    }
    text_at(cr, 20, 45, sub, 0);

}

/* The legend: a colour per group drawn, and how many groups are grey. */
static void law_legend(cairo_t *cr, const CimRuns *t, const Axis *group, const double *groups,
                       size_t ng, size_t nu, double x1, double y0)
{
    set_font(cr, 11.5, 1);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    const char *titles[] = {"params P", t->tokens ? "tokens D" : "D_eff", "compute C"};
    char *name = group->kind >= AX_COLUMN ? plain(group->name) : strdup(titles[group->kind]);
    if (name) text_at(cr, x1 + 18, y0 + 12, name, 0);
    free(name);
    set_font(cr, 11.5, 0);
    for (size_t g = 0; g < ng; g++) {
        double y = y0 + 32 + 20 * (double)g;
        rgb(cr, viridis(ng > 1 ? (double)g / (double)(ng - 1) : 0.5));
        cairo_arc(cr, x1 + 24, y - 4, 4, 0, 2 * M_PI);
        cairo_fill(cr);
        char lab[32];
        snprintf(lab, sizeof lab, "%.3g", groups[g]);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        if (group->kind == AX_TEXT) {
            char *text = fit_text(cr, group->labels[(size_t)groups[g]], W_FIG - x1 - 44);
            if (text) text_at(cr, x1 + 36, y, text, 0);
            free(text);
        } else {
            text_at(cr, x1 + 36, y, lab, 0);
        }
    }
    if (nu > ng) {
        cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
        char lab[64];
        const char *what = group->kind == AX_N ? "sizes" : "values";
        snprintf(lab, sizeof lab, "(+%zu other %s, grey)", nu - ng, what);
        text_at(cr, x1 + 18, y0 + 32 + 20 * (double)ng, lab, 0);
    }
}

/* A frame with a log10 x axis (decade ticks; with minor, lighter lines at
 * 2..9 of each decade too) and a linear or log10 y axis: the one frame of the
 * law plot and both IsoFLOP panels. */
static void frame(cairo_t *cr, double x0, double x1, double y0, double y1, double xmin, double xmax,
                  double ymin, double ymax, int ylog, int minor, const char *xlabel, const char *ylabel)
{
    set_font(cr, 10.5, 0);
    for (int k = (int)floor(xmin); k <= (int)ceil(xmax); k++)
        for (int m = 1; m <= (minor ? 9 : 1); m++) {
            double lx = k + log10(m);
            if (lx < xmin || lx > xmax) continue;
            double x = x0 + (lx - xmin) / (xmax - xmin) * (x1 - x0), grey = m == 1 ? 0.85 : 0.93;
            cairo_set_line_width(cr, 0.5);
            cairo_set_source_rgb(cr, grey, grey, grey);
            cairo_move_to(cr, floor(x) + 0.5, y0); cairo_line_to(cr, floor(x) + 0.5, y1);
            cairo_stroke(cr);
            if (m > 1) continue;
            char lab[32];
            snprintf(lab, sizeof lab, "1e%d", k);
            cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
            text_at(cr, x, y1 + 15, lab, 0.5);
        }
    /* y: decades (1eK) on a log axis, else steps of nice_step. */
    double step = ylog ? 1 : nice_step(ymax - ymin);
    for (double v = ylog ? ceil(ymin) : ceil(ymin / step) * step; v <= (ylog ? floor(ymax) : ymax); v += step) {
        double y = y1 - (v - ymin) / (ymax - ymin) * (y1 - y0);
        cairo_set_line_width(cr, 0.5);
        cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
        cairo_move_to(cr, x0, floor(y) + 0.5); cairo_line_to(cr, x1, floor(y) + 0.5);
        cairo_stroke(cr);
        char lab[32];
        if (ylog) snprintf(lab, sizeof lab, "1e%d", (int)v);
        else snprintf(lab, sizeof lab, "%g", fabs(v) < step * 1e-6 ? 0.0 : v);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        text_at(cr, x0 - 5, y + 4, lab, 1);
    }
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
    cairo_stroke(cr);
    set_font(cr, 11.5, 0);
    text_at(cr, (x0 + x1) / 2, y1 + 34, xlabel, 0.5);
    cairo_save(cr);
    cairo_translate(cr, x0 - 46, (y0 + y1) / 2);
    cairo_rotate(cr, -M_PI / 2);
    text_at(cr, 0, 0, ylabel, 0.5);
    cairo_restore(cr);
}

/* The x axis's label: D's as before, the others by what they are. */
static char *axis_label(const CimRuns *t, const Axis *x)
{
    if (x->kind == AX_D && t->tokens) return strdup("D (tokens, log scale)");
    if (x->kind == AX_D) return strdup("D_eff = \xCE\xA3 T_i / C_i (tokens, log scale)");
    if (x->kind == AX_N) return strdup("N (parameters, log scale)");
    if (x->kind == AX_C) return strdup("C = 6 N D (FLOPs, log scale)");
    char *name = plain(x->name);
    size_t n = strlen(name ? name : "") + 16;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s (log scale)", name ? name : "");
    free(name);
    return s;
}

/* A run is drawn with a positive x, a loss and a group value (positive for N, D, C). */
static int point_ok(const Axis *group, double x, double g, double L)
{
    int g_ok = group->kind >= AX_COLUMN ? isfinite(g) : g > 0;
    return x > 0 && isfinite(L) && g_ok;
}

static int draw_law_plot(const CimReport *r, cairo_t *cr, double W, double H, CimErr *e)
{
    const CimRuns *t = r->runs;
    double C[CIM_MOD_COUNT];
    CIM_CHECK(law_columns_C(r, C, e));
    Axis ax, grp;
    CIM_CHECK(plot_axes(r, &ax, &grp, e));
    size_t cap = t->n ? t->n : 1;
    double *D = calloc(cap, sizeof *D);
    double *X = calloc(cap, sizeof *X);
    double *G = calloc(cap, sizeof *G);
    double *Gs = malloc(cap * sizeof *Gs);
    char *xlabel = axis_label(t, &ax);
    int rc = 0;
    if (!D || !X || !G || !Gs || !xlabel) rc = cim_err(e, CIM_ERR_NOMEM, "out of memory");
    if (rc == 0 && cim_runs_deff(t, C, NULL, D, e) < 0) rc = e->code;
    /* Ranges over valid points. */
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    size_t np = 0;
    for (size_t i = 0; rc == 0 && i < t->n; i++) {
        X[i] = axis_value(&ax, t, D, i);
        G[i] = axis_value(&grp, t, D, i);
        double L = t->loss[i];
        if (!point_ok(&grp, X[i], G[i], L)) continue;
        xmin = fmin(xmin, log10(X[i])); xmax = fmax(xmax, log10(X[i]));
        ymin = fmin(ymin, L); ymax = fmax(ymax, L);
        Gs[np++] = G[i];
    }
    if (rc == 0 && !np)
        rc = cim_err(e, CIM_ERR_USAGE, "no run has a positive %s, a %s value and a loss", ax.name,
                     grp.name);
    if (rc < 0) {
        free(D);
        free(X);
        free(G);
        free(Gs);
        free(xlabel);
        axis_free(&grp);
        return rc;
    }
    qsort(Gs, np, sizeof *Gs, cmp_double);
    size_t nu = 0;
    for (size_t i = 0; i < np; i++) if (!nu || Gs[i] != Gs[nu - 1]) Gs[nu++] = Gs[i];
    /* At most 8 groups get a colour and a curve, spread over the range. */
    double groups[8];
    size_t ng = nu <= 8 ? nu : 8;
    for (size_t g = 0; g < ng; g++)
        groups[g] = Gs[nu <= 8 ? g : (size_t)llround((double)g * (double)(nu - 1) / 7.0)];
    double xr = xmax - xmin, yr = ymax - ymin;
    if (xr <= 0) xr = 1;
    if (yr <= 0) yr = fabs(ymax) * 0.1 + 0.1;
    xmin -= 0.05 * xr; xmax += 0.05 * xr;
    ymin -= 0.08 * yr; ymax += 0.08 * yr;
    double x0 = 80, x1 = W - 190, y0 = 70, y1 = H - 60;
#define PX(lx) (x0 + ((lx) - xmin) / (xmax - xmin) * (x1 - x0))
#define PY(v) (y1 - ((v) - ymin) / (ymax - ymin) * (y1 - y0))

    Held held;
    Law law = {0};
    if (held_parse(r->plot_set, &held, e) == 0) law = law_of(r, &ax, &grp, &held);
    law_title(r, cr, &law, np, &held);
    frame(cr, x0, x1, y0, y1, xmin, xmax, ymin, ymax, 0, 1, xlabel, "loss");

    /* Curves, clipped to the frame. */
    cairo_save(cr);
    cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
    cairo_clip(cr);
    for (size_t g = 0; law.drawable && g < ng; g++) {
        rgb(cr, viridis(ng > 1 ? (double)g / (double)(ng - 1) : 0.5));
        cairo_set_line_width(cr, 1.6);
        int started = 0;
        for (int s = 0; s <= 200; s++) {
            double lx = xmin + (xmax - xmin) * s / 200.0;
            double L = law_at(&law, &ax, pow(10, lx), &grp, groups[g]);
            if (!isfinite(L)) { started = 0; continue; }
            double yy = fmax(fmin(PY(L), y1 + 1000), y0 - 1000);
            if (started) cairo_line_to(cr, PX(lx), yy); else cairo_move_to(cr, PX(lx), yy);
            started = 1;
        }
        cairo_stroke(cr);
    }
    for (size_t i = 0; i < t->n; i++) {
        if (!point_ok(&grp, X[i], G[i], t->loss[i])) continue;
        size_t g = ng;
        for (size_t k = 0; k < ng; k++) if (groups[k] == G[i]) g = k;
        if (g < ng) rgb(cr, viridis(ng > 1 ? (double)g / (double)(ng - 1) : 0.5));
        else cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
        cairo_arc(cr, PX(log10(X[i])), PY(t->loss[i]), 3.6, 0, 2 * M_PI);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_set_line_width(cr, 0.8);
        cairo_stroke(cr);
    }
    cairo_restore(cr);

    law_legend(cr, t, &grp, groups, ng, nu, x1, y0);
#undef PX
#undef PY
    cim_fit_model_free(&law.m);
    free(D);
    free(X);
    free(G);
    free(Gs);
    free(xlabel);
    axis_free(&grp);
    return 0;
}


/* ---- figure 3: IsoFLOP profiles (a fit of `cimeter fit --isoflop`) ------- */

static int draw_iso_plot(const CimReport *r, cairo_t *cr, double W, double H, CimErr *e)
{
    (void)W;
    size_t nb = r->nbudgets;
    double nlo = INFINITY, nhi = -INFINITY, llo = INFINITY, lhi = -INFINITY, clo = INFINITY, chi = -INFINITY;
    double slo = INFINITY, shi = -INFINITY, snap = 0.1;
    for (size_t i = 0; i < r->nfit_kv; i++)
        if (!strcmp(r->fit_kv[i].key, "settings.snap_decades")) snap = strtod(r->fit_kv[i].value, NULL);
    for (size_t j = 0; j < nb; j++) {
        const CimReportBudget *b = &r->budgets[j];
        if (!(b->Nlo > 0 && b->Nhi > 0 && isfinite(b->c2))) continue;
        nlo = fmin(nlo, log10(b->Nlo)); nhi = fmax(nhi, log10(b->Nhi));
        for (int s = 0; s <= 20; s++) {
            double x = log(b->Nlo) + (log(b->Nhi) - log(b->Nlo)) * s / 20.0, L = b->c0 + b->c1 * x + b->c2 * x * x;
            if (isfinite(L)) { llo = fmin(llo, L); lhi = fmax(lhi, L); }
        }
        clo = fmin(clo, log10(b->C)); chi = fmax(chi, log10(b->C));
        if (b->Nstar > 0) { slo = fmin(slo, log10(b->Nstar)); shi = fmax(shi, log10(b->Nstar)); }
    }
    CIM_RETURN_IF(!isfinite(nlo) || !isfinite(llo), e, CIM_ERR_USAGE, "the IsoFLOP fit has no budget with a parabola to draw");
    /* Runs (with --runs and a tokens column): points coloured by budget. */
    const CimRuns *t = r->runs;
    int *bud = NULL;
    if (t && t->tokens) {
        bud = malloc(t->n * sizeof *bud);
        for (size_t i = 0; bud && i < t->n; i++) {
            double C = 6 * t->params[i] * t->tokens[i], bd = INFINITY;
            bud[i] = -1;
            for (size_t j = 0; j < nb; j++) {
                double d = fabs(log10(C) - log10(r->budgets[j].C));
                if (d < bd) { bd = d; bud[i] = (int)j; }
            }
            if (bd > snap || !(t->params[i] > 0)) { bud[i] = -1; continue; }
            double lx = log10(t->params[i]);
            if (lx >= nlo && lx <= nhi) { llo = fmin(llo, t->loss[i]); lhi = fmax(lhi, t->loss[i]); }
        }
    }
    double lr = lhi - llo > 0 ? lhi - llo : 0.1;
    llo -= 0.06 * lr; lhi += 0.06 * lr;
    double nr = nhi - nlo > 0 ? nhi - nlo : 1;
    nlo -= 0.04 * nr; nhi += 0.04 * nr;
    double cr_ = chi - clo > 0 ? chi - clo : 1, sr = shi - slo > 0 ? shi - slo : 1;
    clo -= 0.08 * cr_; chi += 0.08 * cr_; slo -= 0.15 * sr; shi += 0.15 * sr;

    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    set_font(cr, 16, 1);
    char title[160];
    snprintf(title, sizeof title, "IsoFLOP profiles: N* = %.3g C^%.4f", exp(r->iso_k), r->iso_a);
    text_at(cr, 20, 26, title, 0);

    double ax0 = 80, ax1 = 470, ay0 = 60, ay1 = H - 70, bx0 = 580, bx1 = 830;
#define LX(v) (ax0 + ((v) - nlo) / (nhi - nlo) * (ax1 - ax0))
#define LY(v) (ay1 - ((v) - llo) / (lhi - llo) * (ay1 - ay0))
#define RX(v) (bx0 + ((v) - clo) / (chi - clo) * (bx1 - bx0))
#define RY(v) (ay1 - ((v) - slo) / (shi - slo) * (ay1 - ay0))
    frame(cr, ax0, ax1, ay0, ay1, nlo, nhi, llo, lhi, 0, 0, "parameters N (log scale)", "loss");
    frame(cr, bx0, bx1, ay0, ay1, clo, chi, slo, shi, 1, 0, "budget C (FLOPs)", "N*");
    cairo_save(cr);
    cairo_rectangle(cr, ax0, ay0, ax1 - ax0, ay1 - ay0);
    cairo_clip(cr);
    for (size_t i = 0; bud && i < t->n; i++) {
        if (bud[i] < 0) continue;
        rgb(cr, viridis(nb > 1 ? (double)bud[i] / (double)(nb - 1) : 0.5));
        cairo_arc(cr, LX(log10(t->params[i])), LY(t->loss[i]), 3, 0, 2 * M_PI);
        cairo_fill(cr);
    }
    for (size_t j = 0; j < nb; j++) {
        const CimReportBudget *b = &r->budgets[j];
        if (!(b->Nlo > 0 && isfinite(b->c2))) continue;
        rgb(cr, viridis(nb > 1 ? (double)j / (double)(nb - 1) : 0.5));
        cairo_set_line_width(cr, 1.6);
        for (int s = 0; s <= 60; s++) {
            double x = log(b->Nlo) + (log(b->Nhi) - log(b->Nlo)) * s / 60.0, L = b->c0 + b->c1 * x + b->c2 * x * x;
            if (s) cairo_line_to(cr, LX(x / M_LN10), LY(L)); else cairo_move_to(cr, LX(x / M_LN10), LY(L));
        }
        cairo_stroke(cr);
        if (b->Nstar > 0) {
            double px = LX(log10(b->Nstar)), py = LY(b->Lstar);
            cairo_move_to(cr, px, py - 5); cairo_line_to(cr, px + 5, py); cairo_line_to(cr, px, py + 5); cairo_line_to(cr, px - 5, py);
            cairo_close_path(cr);
            cairo_fill_preserve(cr);
            cairo_set_source_rgb(cr, 0, 0, 0);
            cairo_set_line_width(cr, 0.8);
            cairo_stroke(cr);
        }
    }
    cairo_restore(cr);
    cairo_save(cr);
    cairo_rectangle(cr, bx0, ay0, bx1 - bx0, ay1 - ay0);
    cairo_clip(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_set_line_width(cr, 1.4);
    cairo_move_to(cr, RX(clo), RY((r->iso_k + r->iso_a * clo * M_LN10) / M_LN10));
    cairo_line_to(cr, RX(chi), RY((r->iso_k + r->iso_a * chi * M_LN10) / M_LN10));
    cairo_stroke(cr);
    for (size_t j = 0; j < nb; j++) {
        const CimReportBudget *b = &r->budgets[j];
        if (!(b->Nstar > 0)) continue;
        rgb(cr, viridis(nb > 1 ? (double)j / (double)(nb - 1) : 0.5));
        cairo_arc(cr, RX(log10(b->C)), RY(log10(b->Nstar)), 4.5, 0, 2 * M_PI);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_line_width(cr, 0.8);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
#undef LX
#undef LY
#undef RX
#undef RY
    free(bud);
    return 0;
}

/* ---- surfaces ----------------------------------------------------------- */

static cairo_status_t to_file(void *closure, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, (FILE *)closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static int law_plot(const CimReport *r) { return r->has_fit && (r->runs || r->nbudgets); }

static int draw(const CimReport *r, cairo_t *cr, double W, double H, CimErr *e)
{
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);   /* same layout in SVG and PNG */
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
    if (r->nbudgets) return draw_iso_plot(r, cr, W, H, e);
    return law_plot(r) ? draw_law_plot(r, cr, W, H, e) : draw_c_plot(r, cr, W, H, e);
}

static int check_inputs(const CimReport *r, CimErr *e)
{
    CIM_RETURN_IF(!law_plot(r) && !r->nrows, e, CIM_ERR_USAGE,
                  "nothing to plot: give results JSONs, or --fit with --runs for the law");
    CIM_RETURN_IF(r->runs && !r->has_fit, e, CIM_ERR_USAGE, "--runs needs --fit");
    if (!r->plot_x && !r->plot_group && !r->plot_set) return 0;
    CIM_RETURN_IF(!law_plot(r) || r->nbudgets, e, CIM_ERR_USAGE,
                  "--x, --group and --set choose the axes and curves of the law plot: "
                  "give --fit and --runs (not an IsoFLOP fit)");
    Axis x, group;
    CIM_CHECK(plot_axes(r, &x, &group, e));
    Held held;
    int rc = held_parse(r->plot_set, &held, e);
    if (rc == 0 && held.n) {
        Law law = law_of(r, &x, &group, &held);
        cim_fit_model_free(&law.m);
        for (int k = 0; rc == 0 && k < held.n; k++)
            if (!held.used[k])
                rc = cim_err(e, CIM_ERR_USAGE, "--set %s: the fitted law has no column %s off "
                             "the plot's axes (--set holds the other columns of a formula law)",
                             held.name[k], held.name[k]);
    }
    axis_free(&group);
    return rc;
}

static void fig_size(const CimReport *r, double *W, double *H)
{
    *W = W_FIG;
    *H = law_plot(r) ? 520 : c_plot_height(r);
}

static int svg_write(const CimReport *r, FILE *f, CimErr *e)
{
    CIM_CHECK(check_inputs(r, e));
    double W, H;
    fig_size(r, &W, &H);
    cairo_surface_t *s = cairo_svg_surface_create_for_stream(to_file, f, W, H);
    cairo_t *cr = cairo_create(s);
    int rc = draw(r, cr, W, H, e);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    int bad = cairo_surface_status(s) != CAIRO_STATUS_SUCCESS;
    cairo_surface_destroy(s);
    if (rc < 0) return rc;
    CIM_RETURN_IF(bad, e, CIM_ERR_IO, "cairo could not write the SVG");
    return 0;
}

static int png_write(const CimReport *r, FILE *f, CimErr *e)
{
    CIM_CHECK(check_inputs(r, e));
    double W, H, scale = 2;
    fig_size(r, &W, &H);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)(W * scale), (int)(H * scale));
    cairo_t *cr = cairo_create(s);
    cairo_scale(cr, scale, scale);
    int rc = draw(r, cr, W, H, e);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    if (rc == 0 && cairo_surface_write_to_png_stream(s, to_file, f) != CAIRO_STATUS_SUCCESS)
        rc = cim_err(e, CIM_ERR_IO, "cairo could not write the PNG");
    cairo_surface_destroy(s);
    return rc;
}
#else
static int svg_write(const CimReport *r, FILE *f, CimErr *e)
{
    return cim_err(e, CIM_ERR_UNSUPPORTED, "built without cairo: no plots");
}
#define png_write svg_write
#endif

const CimReportWriter cim_out_plot_svg = {
    .name = "svg", .extension = "svg", .help = "plot (SVG, cairo)", .binary = 0, .write = svg_write,
};
const CimReportWriter cim_out_plot_png = {
    .name = "png", .extension = "png", .help = "plot (PNG at 2x, cairo)", .binary = 1, .write = png_write,
};
