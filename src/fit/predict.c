/*
 * predict.c — answers from a fitted law (doc/fitting.md).
 *
 * chinchilla, L = E + A/P^α + B/D^β:
 *   compute-optimal under C = 6·P·D (Hoffmann et al. eq. 4):
 *     G = (αA / βB)^{1/(α+β)},  P* = G·(C/6)^{β/(α+β)},  D* = (C/6)/P*;
 *   smallest P for a target L at data D: P = (A / (L − E − B/D^β))^{1/α},
 *     refused when L ≤ E + B/D^β (no model size reaches it with that data);
 *   data for a target L at size P: D = (B / (L − E − A/P^α))^{1/β}.
 *   A target at or below E (the irreducible loss) is always refused.
 * loglinear and free-c, L = a − b·ln D − c·ln P (D = D_eff under the fitted
 *   C for free-c): P = exp((a − b ln D − L)/c), D = exp((a − c ln P − L)/b).
 *   At fixed compute L is linear in ln P with slope b − c, so there is no
 *   interior compute optimum: refused, with the slope as the reason.
 */
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <stdlib.h>
#include "common/err.h"
#include "fit/expr.h"
#include "fit/fit.h"

static int get(json_t *est, const char *k, double *v, const char *path, CimErr *e)
{
    json_t *j = json_object_get(est, k);
    CIM_RETURN_IF(!json_is_number(j), e, CIM_ERR_USAGE, "%s: estimates.%s missing or not a number", path, k);
    *v = json_number_value(j);
    CIM_RETURN_IF(!isfinite(*v), e, CIM_ERR_USAGE, "%s: estimates.%s is not finite", path, k);
    return 0;
}

/* FIT.json's bootstrap_estimates (absent: no resamples). A malformed one is an error. */
static int load_boot(json_t *root, CimFitModel *m, const char *path, CimErr *e)
{
    json_t *be = json_object_get(root, "bootstrap_estimates");
    if (!be)
        return 0;
    json_t *names = json_object_get(be, "names"), *rows = json_object_get(be, "resamples");
    CIM_RETURN_IF(!json_is_array(names) || !json_is_array(rows) || json_array_size(names) > 16, e,
                  CIM_ERR_USAGE, "%s: bootstrap_estimates: expected names (at most 16) and "
                  "resamples", path);
    int k = (int)json_array_size(names);
    for (int j = 0; j < k; j++) {
        const char *nm = json_string_value(json_array_get(names, (size_t)j));
        CIM_RETURN_IF(!nm || strlen(nm) >= sizeof m->boot_names[0], e, CIM_ERR_USAGE,
                      "%s: bootstrap_estimates.names[%d] is not a name", path, j);
        strcpy(m->boot_names[j], nm);
    }
    size_t nr = json_array_size(rows);
    m->boot = malloc((nr ? nr : 1) * (size_t)(k ? k : 1) * sizeof *m->boot);
    CIM_RETURN_IF(!m->boot, e, CIM_ERR_NOMEM, "out of memory");
    for (size_t r = 0; r < nr; r++) {
        json_t *row = json_array_get(rows, r);
        CIM_RETURN_IF(!json_is_array(row) || json_array_size(row) != (size_t)k, e, CIM_ERR_USAGE,
                      "%s: bootstrap_estimates.resamples[%zu]: expected %d numbers", path, r, k);
        for (int j = 0; j < k; j++) {
            json_t *v = json_array_get(row, (size_t)j);
            CIM_RETURN_IF(!json_is_number(v), e, CIM_ERR_USAGE,
                          "%s: bootstrap_estimates.resamples[%zu][%d] is not a number", path, r, j);
            m->boot[r * (size_t)k + (size_t)j] = json_number_value(v);
        }
    }
    m->nboot = (int)nr;
    m->nboot_names = k;
    return 0;
}

static int boot_col(const CimFitModel *m, const char *name)
{
    for (int j = 0; j < m->nboot_names; j++)
        if (!strcmp(m->boot_names[j], name))
            return j;
    return -1;
}

int cim_fit_model_load(const char *path, CimFitModel *m, CimErr *e)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    CIM_RETURN_IF(!root, e, CIM_ERR_USAGE, "%s:%d: %s", path, je.line, je.text);
    memset(m, 0, sizeof *m);
    for (int j = 0; j < 16; j++) m->th_col[j] = -1;
    const char *pnames[16];
    int rc_boot = load_boot(root, m, path, e);
    if (rc_boot < 0) {
        json_decref(root);
        cim_fit_model_free(m);
        return rc_boot;
    }
    const char *form = json_string_value(json_object_get(root, "form"));
    json_t *est = json_object_get(root, "estimates");
    const char *formula = json_string_value(json_object_get(root, "formula"));
    int rc = 0, f = form ? cim_fit_form_from_name(form) : -1;
    if (form && !strcmp(form, "formula")) f = CIM_FIT_FORMULA;
    if (f == CIM_FIT_FORMULA) {
        CimExpr *x = NULL;
        int np = 0;
        m->form = CIM_FIT_FORMULA;
        if (!formula || !strchr(formula, '=') || !json_is_object(est))
            rc = cim_err(e, CIM_ERR_USAGE, "%s: a formula fit without its formula or estimates", path);
        else if ((rc = cim_expr_parse(strchr(formula, '=') + 1, &x, e)) == 0) {
            snprintf(m->formula, sizeof m->formula, "%s", formula);
            for (int i = 0; rc == 0 && i < cim_expr_nnames(x); i++) {
                const char *n = cim_expr_name(x, i);
                json_t *v = json_object_get(est, n);
                if (!strcmp(n, "N") || !strcmp(n, "P") || !strcmp(n, "params")) cim_expr_bind_column(x, i, 0);
                else if (!strcmp(n, "D") || !strcmp(n, "D_eff") || !strcmp(n, "tokens")) cim_expr_bind_column(x, i, 1);
                else if (json_is_number(v) && np < 16) {
                    pnames[np] = n;
                    m->th[np] = json_number_value(v);
                    cim_expr_bind_param(x, i, np++);
                }
                else if (m->nextra < 14 && strlen(n) < sizeof m->extra[0]) {
                    snprintf(m->extra[m->nextra], sizeof m->extra[0], "%s", n);
                    m->extra_v[m->nextra] = NAN;
                    cim_expr_bind_column(x, i, 2 + m->nextra++);
                } else rc = cim_err(e, CIM_ERR_USAGE, "%s: formula name '%s' is neither an estimate nor a column", path, n);
            }
            if (rc < 0) cim_expr_free(x);
            else m->law = x;
            for (int j = 0; rc == 0 && j < np; j++) {
                m->th_col[j] = boot_col(m, pnames[j]);
                if (m->th_col[j] < 0)
                    m->nboot = 0;     /* resamples without this parameter: unusable */
            }
        }
        json_decref(root);
        if (rc < 0) cim_fit_model_free(m);
        return rc < 0 ? rc : 0;
    }
    if (f < 0 || !json_is_object(est)) rc = cim_err(e, CIM_ERR_USAGE, "%s: not a cimeter fit (no known 'form' / 'estimates')", path);
    else {
        m->form = (CimFitForm)f;
        if (f == CIM_FIT_CHINCHILLA) {
            if ((rc = get(est, "E", &m->E, path, e)) >= 0 && (rc = get(est, "A", &m->A, path, e)) >= 0 &&
                (rc = get(est, "B", &m->B, path, e)) >= 0 && (rc = get(est, "alpha", &m->alpha, path, e)) >= 0)
                rc = get(est, "beta", &m->beta, path, e);
        } else {
            if ((rc = get(est, "a", &m->a, path, e)) >= 0 && (rc = get(est, "b", &m->b, path, e)) >= 0)
                rc = get(est, "c", &m->c, path, e);
        }
    }
    json_decref(root);
    if (rc < 0) cim_fit_model_free(m);
    return rc < 0 ? rc : 0;
}

void cim_fit_model_free(CimFitModel *m)
{
    cim_expr_free(m->law);
    m->law = NULL;
    free(m->boot);
    m->boot = NULL;
    m->nboot = 0;
}

/* The model with resample r's estimates (the law itself shared: read only); -1 when the
 * resamples lack one of the form's estimates. */
static int boot_model(const CimFitModel *m, int r, CimFitModel *out)
{
    *out = *m;
    const double *row = m->boot + (size_t)r * (size_t)m->nboot_names;
    if (m->form == CIM_FIT_FORMULA) {
        for (int j = 0; j < 16 && m->law; j++)
            if (m->th_col[j] >= 0 && j < 16) out->th[j] = row[m->th_col[j]];
        return 0;
    }
    static const char *const chin[] = {"E", "A", "B", "alpha", "beta"};
    static const char *const ll[] = {"a", "b", "c"};
    double *chv[] = {&out->E, &out->A, &out->B, &out->alpha, &out->beta};
    double *llv[] = {&out->a, &out->b, &out->c};
    int chinchilla = m->form == CIM_FIT_CHINCHILLA, n = chinchilla ? 5 : 3;
    for (int j = 0; j < n; j++) {
        int c = boot_col(m, chinchilla ? chin[j] : ll[j]);
        if (c < 0) return -1;
        *(chinchilla ? chv[j] : llv[j]) = row[c];
    }
    return 0;
}

int cim_predict_compute_optimal_interval(const CimFitModel *m, double flops, double lo[3],
                                         double hi[3], int *refused)
{
    *refused = 0;
    for (int q = 0; q < 3; q++) lo[q] = hi[q] = NAN;
    if (m->nboot < 2 || !m->boot) return 0;
    double *col = malloc((size_t)m->nboot * 3 * sizeof *col);
    if (!col) return 0;
    int used = 0;
    for (int r = 0; r < m->nboot; r++) {
        CimFitModel br;
        CimErr e = {0};
        double v[3];
        if (boot_model(m, r, &br) < 0) {
            free(col);
            return 0;
        }
        if (cim_predict_compute_optimal(&br, flops, &v[0], &v[1], &v[2], &e) < 0 ||
            !isfinite(v[0]) || !isfinite(v[1]) || !isfinite(v[2])) {
            (*refused)++;
            continue;
        }
        for (int q = 0; q < 3; q++) col[(size_t)q * (size_t)m->nboot + (size_t)used] = v[q];
        used++;
    }
    if (used >= 2)
        for (int q = 0; q < 3; q++) {
            double *c = col + (size_t)q * (size_t)m->nboot;
            gsl_sort(c, 1, (size_t)used);
            lo[q] = gsl_stats_quantile_from_sorted_data(c, 1, (size_t)used, 0.025);
            hi[q] = gsl_stats_quantile_from_sorted_data(c, 1, (size_t)used, 0.975);
        }
    free(col);
    return used >= 2 ? used : 0;
}

int cim_fit_model_set(CimFitModel *m, const char *list, CimErr *e)
{
    char buf[1024];
    CIM_RETURN_IF(strlen(list) >= sizeof buf, e, CIM_ERR_USAGE, "--set: too long");
    strcpy(buf, list);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '='), *end;
        CIM_RETURN_IF(!eq, e, CIM_ERR_USAGE, "--set: '%s' is not NAME=VALUE", t);
        *eq = '\0';
        double v = strtod(eq + 1, &end);
        CIM_RETURN_IF(!eq[1] || *end || !isfinite(v), e, CIM_ERR_USAGE, "--set: %s=%s is not a number", t, eq + 1);
        int hit = 0;
        for (int k = 0; k < m->nextra; k++)
            if (!strcmp(m->extra[k], t)) {
                m->extra_v[k] = v;
                hit = 1;
            }
        CIM_RETURN_IF(!hit, e, CIM_ERR_USAGE, "--set: '%s' is not a column of the formula%s%s", t,
                      m->nextra ? " (it has " : "", m->nextra ? m->extra[0] : "");
    }
    return 0;
}

static int formula_ready(const CimFitModel *m, CimErr *e)
{
    for (int k = 0; k < m->nextra; k++)
        CIM_RETURN_IF(!isfinite(m->extra_v[k]), e, CIM_ERR_USAGE, "the formula needs a value for the column %s: give --set %s=VALUE",
                      m->extra[k], m->extra[k]);
    return 0;
}

double cim_fit_model_loss(const CimFitModel *m, double P, double D)
{
    if (m->form == CIM_FIT_FORMULA) {
        double cols[16] = {P, D};
        for (int k = 0; k < m->nextra; k++) cols[2 + k] = m->extra_v[k];
        return m->law ? cim_expr_eval(m->law, cols, m->th) : NAN;
    }
    if (m->form == CIM_FIT_CHINCHILLA) return m->E + m->A / pow(P, m->alpha) + m->B / pow(D, m->beta);
    return m->a - m->b * log(D) - m->c * log(P);
}

int cim_predict_compute_optimal(const CimFitModel *m, double flops, double *P, double *D, double *L, CimErr *e)
{
    CIM_RETURN_IF(!(flops > 0) || !isfinite(flops), e, CIM_ERR_USAGE, "the FLOP budget must be positive and finite");
    if (m->form == CIM_FIT_FORMULA) {
        CIM_CHECK(formula_ready(m, e));
        double hi = log(flops / 6), best = INFINITY, bx = NAN;
        CIM_RETURN_IF(!(hi > 0), e, CIM_ERR_REFUSED, "a budget of %g FLOPs leaves less than one token per parameter", flops);
        int K = 4000, bk = -1;
        for (int k = 1; k < K; k++) {
            double x = hi * k / K, L = cim_fit_model_loss(m, exp(x), flops / 6 / exp(x));
            if (isfinite(L) && L < best) {
                best = L;
                bx = x;
                bk = k;
            }
        }
        CIM_RETURN_IF(bk < 0, e, CIM_ERR_REFUSED, "the formula gives no finite loss at this budget");
        CIM_RETURN_IF(bk == 1 || bk == K - 1, e, CIM_ERR_REFUSED, "no interior compute optimum: the loss falls all the way to "
                      "%s (P = %.3g)", bk == 1 ? "the smallest model" : "the largest model", exp(bx));
        double a = hi * (bk - 1) / K, b = hi * (bk + 1) / K, g = (sqrt(5) - 1) / 2;
        for (int it = 0; it < 200 && b - a > 1e-13 * fabs(b); it++) {
            double x1 = b - g * (b - a), x2 = a + g * (b - a);
            double f1 = cim_fit_model_loss(m, exp(x1), flops / 6 / exp(x1)), f2 = cim_fit_model_loss(m, exp(x2), flops / 6 / exp(x2));
            if (f1 < f2)
                b = x2;
            else
                a = x1;
        }
        *P = exp(0.5 * (a + b));
        *D = flops / 6 / *P;
        *L = cim_fit_model_loss(m, *P, *D);
        return 0;
    }
    if (m->form != CIM_FIT_CHINCHILLA)
        return cim_err(e, CIM_ERR_REFUSED,
                       "the %s law has no compute optimum: at fixed C = 6PD, L changes by (b - c) = %.4g per unit "
                       "ln P, so the best split puts everything into %s; use a chinchilla fit",
                       cim_fit_form_name(m->form), m->b - m->c, m->b > m->c ? "data" : m->b < m->c ? "parameters" : "neither (any split is equal)");
    CIM_RETURN_IF(!(m->alpha > 0 && m->beta > 0 && m->A > 0 && m->B > 0), e, CIM_ERR_REFUSED,
                  "the fit has a non-positive A, B, alpha or beta: no compute optimum");
    double s = m->alpha + m->beta, G = pow(m->alpha * m->A / (m->beta * m->B), 1.0 / s);
    *P = G * pow(flops / 6.0, m->beta / s);
    *D = flops / 6.0 / *P;
    *L = cim_fit_model_loss(m, *P, *D);
    return 0;
}

/* One size of the law solved for the other at a target loss: given the known size
 * (D for --params, P for --data), the unknown one. The chinchilla law is
 * L = E + A/P^alpha + B/D^beta, the loglinear one L = a - b ln D - c ln P. */
typedef struct SizeSolve {
    double      known;          /* the size given */
    const char *known_option;   /* "--data" */
    const char *known_label;    /* how a message names it: "D_eff", "P" */
    const char *unknown_label;  /* "P", "data": what grows without bound */
    const char *floor_text;     /* the loss at infinite unknown size: "E + B/D^beta" */
    double      known_coef, known_exp;      /* chinchilla: B, beta for a known D */
    double      unknown_coef, unknown_exp;  /* chinchilla: A, alpha for an unknown P */
    double      known_slope, unknown_slope; /* loglinear: b, c for a known D */
    const char *unknown_slope_name;         /* "c" */
    const char *falls_with;                 /* "P", "data" */
} SizeSolve;

static int solve_size(const CimFitModel *m, double target, const SizeSolve *s, double *out,
                      CimErr *e)
{
    CIM_RETURN_IF(!(s->known > 0) || !isfinite(s->known), e, CIM_ERR_USAGE,
                  "%s must be positive and finite", s->known_option);
    CIM_RETURN_IF(!(target > 0) || !isfinite(target), e, CIM_ERR_USAGE,
                  "--target-loss must be positive and finite");
    CIM_RETURN_IF(m->form == CIM_FIT_FORMULA, e, CIM_ERR_USAGE,
                  "for a formula fit predict answers --flops and --at");
    if (m->form == CIM_FIT_CHINCHILLA) {
        CIM_RETURN_IF(target <= m->E, e, CIM_ERR_REFUSED,
                      "target loss %g is at or below the irreducible loss E = %g: no model reaches it",
                      target, m->E);
        double floor = m->E + s->known_coef / pow(s->known, s->known_exp);
        CIM_RETURN_IF(target <= floor, e, CIM_ERR_REFUSED,
                      "target loss %g is out of reach with %s = %g: even infinite %s gives %s = %g",
                      target, s->known_label, s->known, s->unknown_label, s->floor_text, floor);
        *out = pow(s->unknown_coef / (target - floor), 1.0 / s->unknown_exp);
        return 0;
    }
    CIM_RETURN_IF(!(s->unknown_slope > 0), e, CIM_ERR_REFUSED,
                  "the fitted %s = %g is not positive: loss does not fall with %s",
                  s->unknown_slope_name, s->unknown_slope, s->falls_with);
    *out = exp((m->a - s->known_slope * log(s->known) - target) / s->unknown_slope);
    return 0;
}

int cim_predict_params_for(const CimFitModel *m, double target, double D, double *P, CimErr *e)
{
    SizeSolve s = {
        .known = D, .known_option = "--data", .known_label = "D_eff", .unknown_label = "P",
        .floor_text = "E + B/D^beta",
        .known_coef = m->B, .known_exp = m->beta, .unknown_coef = m->A, .unknown_exp = m->alpha,
        .known_slope = m->b, .unknown_slope = m->c, .unknown_slope_name = "c", .falls_with = "P",
    };
    return solve_size(m, target, &s, P, e);
}

int cim_predict_data_for(const CimFitModel *m, double target, double P, double *D, CimErr *e)
{
    SizeSolve s = {
        .known = P, .known_option = "--params", .known_label = "P", .unknown_label = "data",
        .floor_text = "E + A/P^alpha",
        .known_coef = m->A, .known_exp = m->alpha, .unknown_coef = m->B, .unknown_exp = m->beta,
        .known_slope = m->c, .unknown_slope = m->b, .unknown_slope_name = "b",
        .falls_with = "data",
    };
    return solve_size(m, target, &s, D, e);
}
