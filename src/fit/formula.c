/*
 * formula.c — a law written down as a formula (`--form 'L = E + A/N^alpha +
 * B/D^beta'`), fitted with the objective its paper used.
 *
 * Names. The left side names the response column. In the formula, a name is
 * a column when the runs have it: the CSV's own columns by header (params,
 * loss, tokens, raw_<modality> and every carried numeric column), the aliases
 * N and P (params), L (loss), D and D_eff (D_eff as the fitter computes it),
 * and the derived columns of --column 'NAME = expression over columns'
 * (M = D/N, C = 6*N*D), defined in order. Every other name is a parameter.
 *
 * Parameters (θ, in order of first use) are free unless a --param says:
 *   'NAME=1.69'        frozen at a value
 *   'alpha=beta'       tied: alpha is beta (beta stays free)
 *   'log A'            fitted as ln A (A > 0), Hoffmann's and Epoch's LSE form
 *   'alpha in [lo,hi]' bounded: alpha = lo + (hi − lo)·σ(u), σ the logistic
 * The minimiser works on u, the free parameters in these coordinates.
 *
 * Starts: the Cartesian product of --start 'NAME=v1,v2,...' or
 * 'NAME=lo:hi:step' (lo, lo + step, ... up to hi inclusive) per free
 * parameter, in its own units except for a log parameter, whose values are
 * those of ln NAME (Epoch's grid is on a = ln A). A parameter without a
 * --start starts at 1 (log: ln 1 = 0; bounded: mid-range). With --starts N
 * only the N grid points with the lowest objective at the start are run.
 *
 * Objectives (weights w_i from --weight, default 1):
 *   lsq        Σ w_i (y_i − f_i)²: least squares on the raw response, as
 *              scipy's curve_fit. Levenberg–Marquardt (GSL multifit_nlinear,
 *              MINPACK-style scaling) from every start; the best is kept.
 *   huber-log  Σ w_i Huber_δ(ln y_i − ln f_i), Huber(r) = r²/2 for |r| ≤ δ,
 *              else δ(|r| − δ/2) (Hoffmann et al.; Epoch AI with δ = 1e-3).
 *              Where parameters enter linearly: variable projection with
 *              IRLS (see "variable projection with IRLS" below). Otherwise
 *              (and with --solver lm) by the same Levenberg–Marquardt on the residuals
 *              r̃ = sign(r)·sqrt(δ(2|r| − δ)) outside ±δ (½r̃² is exactly
 *              the Huber term, and r̃ is C¹), then the five best are polished
 *              by BFGS (GSL vector_bfgs2) restarted until it gains nothing:
 *              with δ = 1e-3 most residuals sit on the linear arm, where a
 *              Gauss-Newton model of the curvature stalls short of the kinks.
 * Gradients are exact (forward mode, expr.c), chained through the log and
 * bound transforms.
 */
#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/err.h"
#include "fit/fit_impl.h"


#define MAXGRID 10000000

void cim__formula_free(CimFormula *F)
{
    if (!F) return;
    cim_expr_free(F->law);
    for (int j = 0; j < F->ncols; j++) { free(F->colname[j]); free(F->colv[j]); }
    for (int j = 0; j < F->nth; j++) free(F->pname[j]);
    free(F->row);
    free(F->lny);
    free(F->w);
    free(F->grid);
    free(F->lhs);
    free(F);
}

/* ---- columns ------------------------------------------------------------ */

/* The values of a base column by name, or NULL when the runs have none. */
static const double *base_column(const CimRuns *runs, const double *D, const char *name, const char **canon)
{
    *canon = name;
    if (!strcmp(name, "N") || !strcmp(name, "P") || !strcmp(name, "params")) { *canon = "params"; return runs->params; }
    if (!strcmp(name, "L") || !strcmp(name, "loss")) { *canon = "loss"; return runs->loss; }
    if (!strcmp(name, "D") || !strcmp(name, "D_eff")) { *canon = "D_eff"; return D; }
    if (!strcmp(name, "tokens")) return runs->tokens;
    if (!strncmp(name, "raw_", 4)) {
        CimModality m = cim_modality_from_name(name + 4);
        return m == CIM_MOD_NONE ? NULL : runs->raw[m];
    }
    int j = cim_runs_extra_col(runs, name);
    return j >= 0 ? runs->extra_v[j] : NULL;
}

/* Index of column `name` in F, adding it from the runs when needed; -1 when
 * the name is no column (a parameter). */
static int column(CimFormula *F, const CimRuns *runs, const double *D, const char *name, CimErr *e)
{
    for (int j = 0; j < F->ncols; j++)
        if (!strcmp(F->colname[j], name)) return j;
    const char *canon;
    const double *v = base_column(runs, D, name, &canon);
    if (!v) return -1;
    CIM_RETURN_IF(F->ncols == CIM_FORMULA_MAXCOLS, e, CIM_ERR_USAGE, "more than %d columns in the formulas", CIM_FORMULA_MAXCOLS);
    for (size_t i = 0; i < runs->n; i++)
        CIM_RETURN_IF(!isfinite(v[i]), e, CIM_ERR_REFUSED, "%s:%zu: column %s ('%s' in the formula) is not a finite number",
                      runs->path, runs->line[i], canon, name);
    int j = F->ncols;
    F->colname[j] = strdup(name);
    F->colv[j] = malloc(runs->n * sizeof(double));
    CIM_RETURN_IF(!F->colname[j] || !F->colv[j], e, CIM_ERR_NOMEM, "out of memory");
    memcpy(F->colv[j], v, runs->n * sizeof(double));
    F->ncols++;
    return j;
}

/* Binds every name of x to a column; with params != 0 the others become
 * parameters of F (else they are an error: --column and --weight are over
 * columns only). */
static int bind(CimFormula *F, CimExpr *x, const CimRuns *runs, const double *D, int params, const char *what, CimErr *e)
{
    for (int i = 0; i < cim_expr_nnames(x); i++) {
        const char *name = cim_expr_name(x, i);
        int c = column(F, runs, D, name, e);
        if (c < -1) return c;
        if (c >= 0) { cim_expr_bind_column(x, i, c); continue; }
        CIM_RETURN_IF(!params, e, CIM_ERR_USAGE, "%s: '%s' is not a column of %s (columns: params, loss, tokens, "
                      "raw_<modality>, the CSV's own, N, P, L, D, D_eff and --column names)", what, name, runs->path);
        int p = -1;
        for (int j = 0; j < F->nth; j++) if (!strcmp(F->pname[j], name)) p = j;
        if (p < 0) {
            CIM_RETURN_IF(F->nth == CIM_EXPR_MAXGRAD, e, CIM_ERR_USAGE, "more than %d parameters", CIM_EXPR_MAXGRAD);
            p = F->nth++;
            F->pname[p] = strdup(name);
            CIM_RETURN_IF(!F->pname[p], e, CIM_ERR_NOMEM, "out of memory");
            F->mode[p] = PAR_FREE;
        }
        cim_expr_bind_param(x, i, p);
    }
    return 0;
}

/* Evaluates x on every row into a new array (columns only). */
static double *eval_rows(CimFormula *F, const CimExpr *x, size_t n)
{
    double *out = malloc(n * sizeof *out), row[CIM_FORMULA_MAXCOLS];
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j < F->ncols; j++) row[j] = F->colv[j][i];
        out[i] = cim_expr_eval(x, row, NULL);
    }
    return out;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
    return s;
}

static int is_name(const char *s)
{
    if (!*s || !(((*s | 32) >= 'a' && (*s | 32) <= 'z') || *s == '_')) return 0;
    for (; *s; s++)
        if (!(((*s | 32) >= 'a' && (*s | 32) <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

static int param_index(const CimFormula *F, const char *name)
{
    for (int j = 0; j < F->nth; j++) if (!strcmp(F->pname[j], name)) return j;
    return -1;
}

static int strict_num(const char *s, double *v)
{
    char *end;
    if (!*s) return -1;
    *v = strtod(s, &end);
    return *end || !isfinite(*v) ? -1 : 0;
}

/* One --param spec. */
static int param_spec(CimFormula *F, const char *spec, CimErr *e)
{
    char buf[512];
    CIM_RETURN_IF(strlen(spec) >= sizeof buf, e, CIM_ERR_USAGE, "--param '%.40s...': too long", spec);
    strcpy(buf, spec);
    char *s = trim(buf), *name, *rest;
    if (!strncmp(s, "log ", 4)) {
        name = trim(s + 4);
        int p = param_index(F, name);
        CIM_RETURN_IF(p < 0, e, CIM_ERR_USAGE, "--param '%s': '%s' is not a parameter of the formula", spec, name);
        F->logp[p] = 1;
        return 0;
    }
    if ((rest = strstr(s, " in "))) {
        *rest = '\0';
        name = trim(s);
        rest = trim(rest + 4);
        int p = param_index(F, name);
        CIM_RETURN_IF(p < 0, e, CIM_ERR_USAGE, "--param '%s': '%s' is not a parameter of the formula", spec, name);
        size_t n = strlen(rest);
        char *comma = strchr(rest, ',');
        CIM_RETURN_IF(n < 5 || rest[0] != '[' || rest[n - 1] != ']' || !comma, e, CIM_ERR_USAGE,
                      "--param '%s': bounds are written NAME in [lo,hi]", spec);
        rest[n - 1] = '\0';
        *comma = '\0';
        double lo, hi;
        CIM_RETURN_IF(strict_num(trim(rest + 1), &lo) < 0 || strict_num(trim(comma + 1), &hi) < 0 || !(lo < hi), e,
                      CIM_ERR_USAGE, "--param '%s': bounds must be two finite numbers lo < hi", spec);
        F->bounded[p] = 1;
        F->lo[p] = lo;
        F->hi[p] = hi;
        return 0;
    }
    char *eq = strchr(s, '=');
    CIM_RETURN_IF(!eq, e, CIM_ERR_USAGE, "--param '%s': expected NAME=VALUE, NAME=OTHER, 'log NAME' or 'NAME in [lo,hi]'", spec);
    *eq = '\0';
    name = trim(s);
    rest = trim(eq + 1);
    int p = param_index(F, name);
    CIM_RETURN_IF(p < 0, e, CIM_ERR_USAGE, "--param '%s': '%s' is not a parameter of the formula", spec, name);
    double v;
    if (strict_num(rest, &v) == 0) {
        F->mode[p] = PAR_FROZEN;
        F->fixed[p] = v;
        return 0;
    }
    int q = param_index(F, rest);
    CIM_RETURN_IF(q < 0 || q == p, e, CIM_ERR_USAGE, "--param '%s': '%s' is neither a number nor another parameter", spec, rest);
    F->mode[p] = PAR_TIED;
    F->tie[p] = q;
    return 0;
}

/* u → θ for the free parameter j: the value and dθ/du. */
static double from_u(const CimFormula *F, int j, double u, double *d)
{
    if (F->bounded[j]) {
        double s = 1 / (1 + exp(-u));
        *d = (F->hi[j] - F->lo[j]) * s * (1 - s);
        return F->lo[j] + (F->hi[j] - F->lo[j]) * s;
    }
    if (F->logp[j]) { double v = exp(u); *d = v; return v; }
    *d = 1;
    return u;
}

/* u for a start value given in the parameter's units (log: of ln θ). */
static int to_u(const CimFormula *F, int j, double v, double *u)
{
    if (F->bounded[j]) {
        double s = (v - F->lo[j]) / (F->hi[j] - F->lo[j]);
        if (!(s > 0 && s < 1)) return -1;
        *u = log(s / (1 - s));
        return 0;
    }
    *u = v;
    return 0;
}

/* Full θ and dθ/du (nth × nu, row-major) from u. */
static void theta_of(const CimFormula *F, const double *u, double *th, double *dth)
{
    for (int j = 0; j < F->nth; j++) if (F->mode[j] == PAR_FROZEN) th[j] = F->fixed[j];
    if (dth) memset(dth, 0, sizeof(double) * (size_t)(F->nth * F->nu));
    for (int k = 0; k < F->nu; k++) {
        int j = F->th_of_u[k];
        double d;
        th[j] = from_u(F, j, u[k], &d);
        if (dth) dth[j * F->nu + k] = d;
    }
    for (int j = 0; j < F->nth; j++)
        if (F->mode[j] == PAR_TIED) {
            int q = F->tie[j];
            th[j] = th[q];
            if (dth) for (int k = 0; k < F->nu; k++) dth[j * F->nu + k] = dth[q * F->nu + k];
        }
}

/* One --start spec into the per-parameter value lists. */
static int start_spec(CimFormula *F, const char *spec, double **vals, int *nvals, CimErr *e)
{
    char buf[4096];
    CIM_RETURN_IF(strlen(spec) >= sizeof buf, e, CIM_ERR_USAGE, "--start: too long");
    strcpy(buf, spec);
    char *eq = strchr(buf, '=');
    CIM_RETURN_IF(!eq, e, CIM_ERR_USAGE, "--start '%s': expected NAME=v1,v2,... or NAME=lo:hi:step", spec);
    *eq = '\0';
    char *name = trim(buf), *list = trim(eq + 1);
    int p = param_index(F, name);
    CIM_RETURN_IF(p < 0, e, CIM_ERR_USAGE, "--start '%s': '%s' is not a parameter of the formula", spec, name);
    CIM_RETURN_IF(F->mode[p] != PAR_FREE, e, CIM_ERR_USAGE, "--start '%s': '%s' is frozen or tied", spec, name);
    CIM_RETURN_IF(nvals[p], e, CIM_ERR_USAGE, "--start '%s': '%s' has starts already", spec, name);
    char *c1 = strchr(list, ':');
    if (c1) {
        char *c2 = strchr(c1 + 1, ':');
        double lo, hi, step;
        CIM_RETURN_IF(!c2, e, CIM_ERR_USAGE, "--start '%s': a range is lo:hi:step", spec);
        *c1 = *c2 = '\0';
        CIM_RETURN_IF(strict_num(trim(list), &lo) < 0 || strict_num(trim(c1 + 1), &hi) < 0 ||
                      strict_num(trim(c2 + 1), &step) < 0 || !(step > 0) || !(hi >= lo), e, CIM_ERR_USAGE,
                      "--start '%s': a range is lo:hi:step with lo <= hi and step > 0", spec);
        double cnt = floor((hi - lo) / step + 1e-9) + 1;
        CIM_RETURN_IF(cnt > 100000, e, CIM_ERR_USAGE, "--start '%s': more than 100000 values", spec);
        vals[p] = malloc((size_t)cnt * sizeof(double));
        CIM_RETURN_IF(!vals[p], e, CIM_ERR_NOMEM, "out of memory");
        for (int k = 0; k < (int)cnt; k++) vals[p][k] = lo + step * k;
        nvals[p] = (int)cnt;
        return 0;
    }
    int cap = 1;
    for (const char *q = list; *q; q++) cap += *q == ',';
    vals[p] = malloc((size_t)cap * sizeof(double));
    CIM_RETURN_IF(!vals[p], e, CIM_ERR_NOMEM, "out of memory");
    char *save = NULL;
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        double v;
        CIM_RETURN_IF(strict_num(trim(t), &v) < 0, e, CIM_ERR_USAGE, "--start '%s': '%s' is not a number", spec, t);
        vals[p][nvals[p]++] = v;
    }
    CIM_RETURN_IF(!nvals[p], e, CIM_ERR_USAGE, "--start '%s': no values", spec);
    return 0;
}

int cim__formula_build(const CimRuns *runs, const double *D, const CimFormulaSpec *sp, int objective, double delta,
                       int solver, CimFormula **out, CimErr *e)
{
    *out = NULL;
    CimFormula *F = calloc(1, sizeof *F);
    CIM_RETURN_IF(!F, e, CIM_ERR_NOMEM, "out of memory");
    int rc = 0;
    size_t n = runs->n;
    double *vals[CIM_EXPR_MAXGRAD] = {0};
    int nvals[CIM_EXPR_MAXGRAD] = {0};
    CimExpr *x = NULL;
    F->objective = objective;
    F->delta = delta;
#define TRY(call) do { if ((rc = (call)) < 0) goto done; } while (0)
    /* Derived columns, in order. */
    for (size_t c = 0; c < sp->ncolumns; c++) {
        char buf[1024];
        if (strlen(sp->columns[c]) >= sizeof buf) { rc = cim_err(e, CIM_ERR_USAGE, "--column: too long"); goto done; }
        strcpy(buf, sp->columns[c]);
        char *eq = strchr(buf, '=');
        if (!eq) { rc = cim_err(e, CIM_ERR_USAGE, "--column '%s': expected NAME = expression", sp->columns[c]); goto done; }
        *eq = '\0';
        char *name = trim(buf);
        if (!is_name(name)) { rc = cim_err(e, CIM_ERR_USAGE, "--column '%s': '%s' is not a name", sp->columns[c], name); goto done; }
        const char *canon;
        if (base_column(runs, D, name, &canon) || column(F, runs, D, name, e) >= 0) {
            rc = cim_err(e, CIM_ERR_USAGE, "--column '%s': '%s' is a column already", sp->columns[c], name);
            goto done;
        }
        TRY(cim_expr_parse(eq + 1, &x, e));
        TRY(bind(F, x, runs, D, 0, sp->columns[c], e));
        if (F->ncols == CIM_FORMULA_MAXCOLS) { rc = cim_err(e, CIM_ERR_USAGE, "too many columns"); goto done; }
        double *v = eval_rows(F, x, n);
        if (!v) { rc = cim_err(e, CIM_ERR_NOMEM, "out of memory"); goto done; }
        for (size_t i = 0; i < n; i++)
            if (!isfinite(v[i])) {
                rc = cim_err(e, CIM_ERR_REFUSED, "%s:%zu: --column %s = %g: not finite", runs->path, runs->line[i], name, v[i]);
                free(v);
                goto done;
            }
        F->colname[F->ncols] = strdup(name);
        F->colv[F->ncols++] = v;
        cim_expr_free(x);
        x = NULL;
    }
    /* The law. */
    {
        const char *eq = strchr(sp->form, '=');
        if (!eq) { rc = cim_err(e, CIM_ERR_USAGE, "--form '%s': a formula is RESPONSE = expression (L = E + A/N^alpha + ...)", sp->form); goto done; }
        char lhs[256];
        size_t len = (size_t)(eq - sp->form);
        if (len >= sizeof lhs) { rc = cim_err(e, CIM_ERR_USAGE, "--form: left side too long"); goto done; }
        memcpy(lhs, sp->form, len);
        lhs[len] = '\0';
        char *name = trim(lhs);
        F->lhs = strdup(name);
        if (!F->lhs) { rc = cim_err(e, CIM_ERR_NOMEM, "out of memory"); goto done; }
        F->resp = column(F, runs, D, name, e);
        if (F->resp < -1) { rc = F->resp; goto done; }
        if (F->resp < 0) { rc = cim_err(e, CIM_ERR_USAGE, "--form: the left side '%s' is not a column", name); goto done; }
        TRY(cim_expr_parse(eq + 1, &F->law, e));
        TRY(bind(F, F->law, runs, D, 1, "--form", e));
        if (!F->nth) { rc = cim_err(e, CIM_ERR_USAGE, "--form '%s': no parameters to fit (every name is a column)", sp->form); goto done; }
        snprintf(F->text, sizeof F->text, "%s", sp->form);
    }
    if (sp->weight) {
        TRY(cim_expr_parse(sp->weight, &x, e));
        TRY(bind(F, x, runs, D, 0, "--weight", e));
        F->w = eval_rows(F, x, n);
        if (!F->w) { rc = cim_err(e, CIM_ERR_NOMEM, "out of memory"); goto done; }
        for (size_t i = 0; i < n; i++)
            if (!(F->w[i] >= 0) || !isfinite(F->w[i])) {
                rc = cim_err(e, CIM_ERR_REFUSED, "%s:%zu: --weight = %g: must be non-negative and finite", runs->path, runs->line[i], F->w[i]);
                goto done;
            }
        cim_expr_free(x);
        x = NULL;
        size_t pos = 0;
        for (size_t i = 0; i < n; i++) pos += F->w[i] > 0;
        if (pos < (size_t)F->nth) {
            rc = cim_err(e, CIM_ERR_REFUSED, "--weight: %zu runs have a positive weight, fewer than the formula's %d parameters",
                         pos, F->nth);
            goto done;
        }
    }
    for (size_t i = 0; i < n && objective != CIM_OBJ_LSQ; i++)
        if (!(F->colv[F->resp][i] > 0)) {
            rc = cim_err(e, CIM_ERR_REFUSED, "%s:%zu: %s = %g: the Huber objectives need a positive response", runs->path, runs->line[i], F->lhs, F->colv[F->resp][i]);
            goto done;
        }
    /* ln of the response, which the Huber objectives compare with ln f on every pass. */
    F->lny = malloc(n * sizeof(double) + 1);
    if (!F->lny) { rc = cim_err(e, CIM_ERR_NOMEM, "out of memory"); goto done; }
    for (size_t i = 0; i < n; i++)
        F->lny[i] = objective != CIM_OBJ_LSQ ? log(F->colv[F->resp][i]) : NAN;
    /* Row-major copy for the evaluator. */
    F->row = malloc(n * (size_t)(F->ncols ? F->ncols : 1) * sizeof(double));
    if (!F->row) { rc = cim_err(e, CIM_ERR_NOMEM, "out of memory"); goto done; }
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < F->ncols; j++) F->row[i * (size_t)F->ncols + (size_t)j] = F->colv[j][i];

    for (size_t k = 0; k < sp->nparams; k++) TRY(param_spec(F, sp->params[k], e));
    for (int j = 0; j < F->nth; j++) {
        if (F->mode[j] == PAR_TIED && F->mode[F->tie[j]] != PAR_FREE) {
            rc = cim_err(e, CIM_ERR_USAGE, "--param: %s is tied to %s, which is not free", F->pname[j], F->pname[F->tie[j]]);
            goto done;
        }
        if (F->bounded[j] && F->logp[j]) { rc = cim_err(e, CIM_ERR_USAGE, "--param: %s is both log-scaled and bounded: give one", F->pname[j]); goto done; }
        if (F->mode[j] == PAR_FREE) F->th_of_u[F->nu++] = j;
    }
    if (!F->nu) { rc = cim_err(e, CIM_ERR_USAGE, "no free parameter left to fit"); goto done; }
    if (objective == CIM_OBJ_HUBER_LIK) {
        if (param_index(F, "sigma") >= 0) { rc = cim_err(e, CIM_ERR_USAGE, "huber-likelihood adds a parameter 'sigma': rename the formula's"); goto done; }
        if (F->nth >= CIM_EXPR_MAXGRAD) { rc = cim_err(e, CIM_ERR_USAGE, "huber-likelihood: at most %d formula parameters", CIM_EXPR_MAXGRAD - 1); goto done; }
    }
    /* Linear parameters: free, plain (no log or bound transform) and no
     * other parameter tied to them. */
    if (solver != CIM_SOLVER_LM) {
        /* The Huber objectives' inner solve works in the parameters' own
         * coordinates, so a log parameter may be linear there too. */
        unsigned cand = 0;
        for (int k = 0; k < F->nu; k++) {
            int j = F->th_of_u[k], tied_to = 0;
            for (int q = 0; q < F->nth; q++) tied_to |= F->mode[q] == PAR_TIED && F->tie[q] == j;
            if ((!F->logp[j] || objective != CIM_OBJ_LSQ) && !F->bounded[j] && !tied_to) cand |= 1u << j;
        }
        unsigned lin = cim_expr_linear_params(F->law, cand);
        for (int k = 0; k < F->nu; k++) {
            if (lin & (1u << F->th_of_u[k])) F->lin_u[F->nlin++] = k;
            else F->nl_u[F->nnl++] = k;
        }
        F->varpro = F->nlin > 0;
    }
    if (solver == CIM_SOLVER_VARPRO && !F->varpro) {
        rc = cim_err(e, CIM_ERR_USAGE, "--solver varpro: no free parameter enters linearly");
        goto done;
    }
    for (size_t k = 0; k < sp->nstarts; k++) TRY(start_spec(F, sp->starts[k], vals, nvals, e));
    double ng = 1;
    for (int k = 0; k < F->nu; k++) ng *= nvals[F->th_of_u[k]] ? nvals[F->th_of_u[k]] : 1;
    if (ng > MAXGRID) { rc = cim_err(e, CIM_ERR_USAGE, "--start: %.0f grid points (at most %d)", ng, MAXGRID); goto done; }
    F->ngrid = (int)ng;
    F->grid = malloc((size_t)F->ngrid * (size_t)F->nu * sizeof(double));
    if (!F->grid) { rc = cim_err(e, CIM_ERR_NOMEM, "out of memory"); goto done; }
    for (int g = 0; g < F->ngrid; g++) {
        int rem = g;
        for (int k = F->nu - 1; k >= 0; k--) {       /* the last parameter varies fastest */
            int j = F->th_of_u[k], m = nvals[j] ? nvals[j] : 1;
            double v = nvals[j] ? vals[j][rem % m] : (F->bounded[j] ? 0.5 * (F->lo[j] + F->hi[j]) : F->logp[j] ? 0 : 1);
            rem /= m;
            if (to_u(F, j, v, &F->grid[(size_t)g * (size_t)F->nu + (size_t)k]) < 0) {
                rc = cim_err(e, CIM_ERR_USAGE, "--start: %s = %g is outside its bounds", F->pname[j], v);
                goto done;
            }
        }
    }
    rc = 0;
done:
    cim_expr_free(x);
    for (int j = 0; j < CIM_EXPR_MAXGRAD; j++) free(vals[j]);
    if (rc < 0) { cim__formula_free(F); return rc; }
    *out = F;
    return 0;
#undef TRY
}

/* ---- objective and its residuals ---------------------------------------- */

typedef struct Ctx {
    const CimFormula *F;
    const size_t *idx;
    size_t n;
} Ctx;

/* Model value and, with gu, d f / d u at row i (without: the value alone, the cheaper
 * evaluation; both give the same value). */
static double model(const CimFormula *F, size_t i, const double *th, const double *dth, double *gu)
{
    double gth[CIM_EXPR_MAXGRAD];
    if (!gu) return cim_expr_eval(F->law, F->row + i * (size_t)F->ncols, th);
    double f = cim_expr_eval_grad(F->law, F->row + i * (size_t)F->ncols, th, F->nth, gth);
    for (int k = 0; k < F->nu; k++) {
        double s = 0;
        for (int j = 0; j < F->nth; j++) s += gth[j] * dth[j * F->nu + k];
        gu[k] = s;
    }
    return f;
}

/* The residual of the least-squares form (½ r² is the row's term) and
 * dr/du; for huber-log the Huber-equivalent residual. */
static double residual(const CimFormula *F, size_t i, const double *th, const double *dth, double *J)
{
    double gu[CIM_EXPR_MAXGRAD];
    double f = model(F, i, th, dth, J ? gu : NULL), y = F->colv[F->resp][i];
    double sw = F->w ? sqrt(F->w[i]) : 1, r, dr;
    if (F->objective == CIM_OBJ_LSQ) {
        r = f - y;
        dr = 1;
        if (!isfinite(r)) { r = 1e150; dr = 0; }
    } else {
        if (!(f > 0) || !isfinite(f)) {
            r = 1e150;
            dr = 0;
        } else {
            double z = log(f) - F->lny[i], d = F->delta, a = fabs(z);
            if (a <= d) { r = z; dr = 1 / f; }
            else {
                r = copysign(sqrt(d * (2 * a - d)), z);
                dr = d / fabs(r) / f;
            }
        }
    }
    if (J) for (int k = 0; k < F->nu; k++) J[k] = sw * dr * gu[k];
    return sw * r;
}

/* The reported objective: Σ w (f − y)² for lsq, Σ w Huber(ln y − ln f) for huber-log. */
static double objective(const Ctx *c, const double *u)
{
    const CimFormula *F = c->F;
    double th[CIM_EXPR_MAXGRAD], s = 0;
    theta_of(F, u, th, NULL);
    for (size_t k = 0; k < c->n; k++) {
        size_t i = c->idx[k];
        double f = cim_expr_eval(F->law, F->row + i * (size_t)F->ncols, th), y = F->colv[F->resp][i];
        double w = F->w ? F->w[i] : 1, t;
        if (F->objective == CIM_OBJ_LSQ) t = (f - y) * (f - y);
        else {
            if (!(f > 0)) return INFINITY;
            double z = fabs(log(f) - F->lny[i]), d = F->delta;
            t = z <= d ? 0.5 * z * z : d * (z - 0.5 * d);
        }
        s += w * t;
    }
    return isfinite(s) ? s : INFINITY;
}

static int lm_f(const gsl_vector *x, void *p, gsl_vector *out)
{
    const Ctx *c = p;
    double th[CIM_EXPR_MAXGRAD];
    theta_of(c->F, x->data, th, NULL);
    for (size_t k = 0; k < c->n; k++) gsl_vector_set(out, k, residual(c->F, c->idx[k], th, NULL, NULL));
    return GSL_SUCCESS;
}

static int lm_df(const gsl_vector *x, void *p, gsl_matrix *J)
{
    const Ctx *c = p;
    double th[CIM_EXPR_MAXGRAD], dth[CIM_EXPR_MAXGRAD * CIM_EXPR_MAXGRAD];
    theta_of(c->F, x->data, th, dth);
    for (size_t k = 0; k < c->n; k++) residual(c->F, c->idx[k], th, dth, gsl_matrix_ptr(J, k, 0));
    return GSL_SUCCESS;
}

/* Levenberg–Marquardt from u (in place); returns the objective reached and
 * adds the iterations to *iters. */
static double lm(const Ctx *c, gsl_multifit_nlinear_workspace *w, double *u, long *iters)
{
    const CimFormula *F = c->F;
    gsl_multifit_nlinear_fdf fdf = {lm_f, lm_df, NULL, c->n, (size_t)F->nu, (void *)c, 0, 0, 0};
    gsl_vector_view x = gsl_vector_view_array(u, (size_t)F->nu);
    double f0 = objective(c, u);
    if (gsl_multifit_nlinear_init(&x.vector, &fdf, w) != GSL_SUCCESS) return f0;
    int info;
    gsl_multifit_nlinear_driver(1000, 1e-12, 1e-12, 1e-12, NULL, NULL, &info, w);
    *iters += (long)gsl_multifit_nlinear_niter(w);
    double u1[CIM_EXPR_MAXGRAD];
    memcpy(u1, gsl_multifit_nlinear_position(w)->data, sizeof(double) * (size_t)F->nu);
    double f1 = objective(c, u1);
    if (f1 <= f0) { memcpy(u, u1, sizeof u1[0] * (size_t)F->nu); return f1; }
    return f0;
}

/* BFGS on the summed objective (huber-log polish). */
static double mm_f(const gsl_vector *x, void *p) { return objective(p, x->data); }

static void mm_df(const gsl_vector *x, void *p, gsl_vector *g)
{
    const Ctx *c = p;
    const CimFormula *F = c->F;
    double th[CIM_EXPR_MAXGRAD], dth[CIM_EXPR_MAXGRAD * CIM_EXPR_MAXGRAD], gu[CIM_EXPR_MAXGRAD];
    theta_of(F, x->data, th, dth);
    gsl_vector_set_zero(g);
    for (size_t k = 0; k < c->n; k++) {
        size_t i = c->idx[k];
        double f = model(F, i, th, dth, gu), w = F->w ? F->w[i] : 1, d = F->delta;
        double z = log(f) - F->lny[i], dz = fabs(z) <= d ? z : copysign(d, z);
        for (int q = 0; q < F->nu; q++) g->data[q] += w * dz * gu[q] / f;
    }
}

static void mm_fdf(const gsl_vector *x, void *p, double *f, gsl_vector *g) { *f = mm_f(x, p); mm_df(x, p, g); }

/* GSL's BFGS on fn from x (best = fn at x), restarted until a restart gains less than
 * rel_gain relative; each run stops at a gradient norm of grad_tol. x ends at the best
 * point; returns its value. */
static double bfgs_restarted(gsl_multimin_function_fdf *fn, double *x, double best,
                             double grad_tol, double rel_gain, long *iters)
{
    size_t dim = fn->n;
    gsl_multimin_fdfminimizer *s = gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, dim);
    if (!s || !isfinite(best)) {
        if (s)
            gsl_multimin_fdfminimizer_free(s);
        return best;
    }
    gsl_vector_view xv = gsl_vector_view_array(x, dim);
    for (int restart = 0; restart < 50; restart++) {
        gsl_multimin_fdfminimizer_set(s, fn, &xv.vector, 0.01, 0.5);
        for (int it = 0; it < 5000; it++) {
            (*iters)++;
            if (gsl_multimin_fdfminimizer_iterate(s) != GSL_SUCCESS)
                break;
            if (gsl_multimin_test_gradient(s->gradient, grad_tol) == GSL_SUCCESS)
                break;
        }
        double f = s->f;
        if (!(f < best) || !isfinite(f))
            break;
        int small = best - f < rel_gain * (1 + fabs(f));
        best = f;
        memcpy(x, s->x->data, sizeof(double) * dim);
        if (small)
            break;
    }
    gsl_multimin_fdfminimizer_free(s);
    return best;
}

static double bfgs(const Ctx *c, double *u, long *iters)
{
    gsl_multimin_function_fdf fn = {mm_f, mm_df, mm_fdf, (size_t)c->F->nu, (void *)c};
    return bfgs_restarted(&fn, u, objective(c, u), 1e-13, 1e-15, iters);
}


/* ---- variable projection (lsq) ------------------------------------------ */

typedef struct VP {
    const CimFormula *F;
    const size_t *idx;
    size_t n;
    double u[CIM_EXPR_MAXGRAD];        /* full u; linear entries set by the last solve */
    gsl_matrix *A, *G;                 /* n × nlin design, n × nnl model gradient */
    gsl_vector *tau, *qty, *norm, *col;
    gsl_permutation *perm;
    int rank;
} VP;

static void vp_free(VP *v)
{
    if (v->A) gsl_matrix_free(v->A);
    if (v->G) gsl_matrix_free(v->G);
    if (v->tau) gsl_vector_free(v->tau);
    if (v->qty) gsl_vector_free(v->qty);
    if (v->norm) gsl_vector_free(v->norm);
    if (v->col) gsl_vector_free(v->col);
    if (v->perm) gsl_permutation_free(v->perm);
}

static int vp_alloc(VP *v, const CimFormula *F, const size_t *idx, size_t n)
{
    memset(v, 0, sizeof *v);
    v->F = F;
    v->idx = idx;
    v->n = n;
    size_t s = (size_t)F->nlin;
    v->A = gsl_matrix_alloc(n, s);
    v->G = gsl_matrix_alloc(n, F->nnl ? (size_t)F->nnl : 1);
    v->tau = gsl_vector_alloc(s);
    v->qty = gsl_vector_alloc(n);
    v->norm = gsl_vector_alloc(s);
    v->col = gsl_vector_alloc(n);
    v->perm = gsl_permutation_alloc(s);
    if (!v->A || !v->G || !v->tau || !v->qty || !v->norm || !v->col || !v->perm) { vp_free(v); return -1; }
    return 0;
}

/* For the nonlinear coordinates unl: builds the design (columns ∂f/∂θ_lin,
 * which do not depend on the linear parameters) and the offset f(θ_lin = 0),
 * solves the weighted least squares for the linear parameters by QR with
 * column pivoting (rank-revealing: a collinear design at a degenerate start
 * gets the dependent columns at 0), and leaves in qty the projected residual
 * f − y = −P⊥ sw(y − h). With J, also the Kaufman Jacobian P⊥ sw ∂f/∂u_nl. */
static void vp_solve(VP *v, const double *unl, gsl_vector *resid, gsl_matrix *J)
{
    const CimFormula *F = v->F;
    double th[CIM_EXPR_MAXGRAD], dth[CIM_EXPR_MAXGRAD * CIM_EXPR_MAXGRAD], gth[CIM_EXPR_MAXGRAD];
    for (int k = 0; k < F->nnl; k++) v->u[F->nl_u[k]] = unl[k];
    for (int k = 0; k < F->nlin; k++) v->u[F->lin_u[k]] = 0;
    theta_of(F, v->u, th, NULL);
    for (size_t k = 0; k < v->n; k++) {
        size_t i = v->idx[k];
        double sw = F->w ? sqrt(F->w[i]) : 1;
        double h = cim_expr_eval_grad(F->law, F->row + i * (size_t)F->ncols, th, F->nth, gth);
        for (int l = 0; l < F->nlin; l++) gsl_matrix_set(v->A, k, (size_t)l, sw * gth[F->th_of_u[F->lin_u[l]]]);
        double y = sw * (F->colv[F->resp][i] - h);
        gsl_vector_set(v->qty, k, isfinite(y) ? y : 1e150);
    }
    for (size_t k = 0; k < v->n; k++)
        for (int l = 0; l < F->nlin; l++)
            if (!isfinite(gsl_matrix_get(v->A, k, (size_t)l))) gsl_matrix_set(v->A, k, (size_t)l, 0);
    /* Columns scaled to unit norm first: the rank test compares columns of
     * very different scales otherwise (a constant beside a token count). */
    double scale[CIM_EXPR_MAXGRAD];
    for (int l = 0; l < F->nlin; l++) {
        gsl_vector_view cv = gsl_matrix_column(v->A, (size_t)l);
        double nrm = gsl_blas_dnrm2(&cv.vector);
        scale[l] = nrm > 0 && isfinite(nrm) ? nrm : 1;
        gsl_vector_scale(&cv.vector, 1 / scale[l]);
    }
    int signum;
    gsl_linalg_QRPT_decomp(v->A, v->tau, v->perm, &signum, v->norm);
    size_t s = (size_t)F->nlin;
    double r0 = fabs(gsl_matrix_get(v->A, 0, 0));
    v->rank = 0;
    while ((size_t)v->rank < s && r0 > 0 && fabs(gsl_matrix_get(v->A, (size_t)v->rank, (size_t)v->rank)) > 1e-11 * r0) v->rank++;
    gsl_linalg_QR_QTvec(v->A, v->tau, v->qty);
    double c[CIM_EXPR_MAXGRAD] = {0}, cp[CIM_EXPR_MAXGRAD];
    for (int a = v->rank - 1; a >= 0; a--) {            /* R11 c = (Q^T y)[0..rank) */
        double t = gsl_vector_get(v->qty, (size_t)a);
        for (int b = a + 1; b < v->rank; b++) t -= gsl_matrix_get(v->A, (size_t)a, (size_t)b) * cp[b];
        cp[a] = t / gsl_matrix_get(v->A, (size_t)a, (size_t)a);
    }
    for (int a = 0; a < v->rank; a++) c[gsl_permutation_get(v->perm, (size_t)a)] = cp[a];
    for (int l = 0; l < F->nlin; l++) c[l] /= scale[l];
    for (int l = 0; l < F->nlin; l++) v->u[F->lin_u[l]] = c[l];
    if (resid) {
        for (int a = 0; a < v->rank; a++) gsl_vector_set(v->qty, (size_t)a, 0);
        gsl_linalg_QR_Qvec(v->A, v->tau, v->qty);
        for (size_t k = 0; k < v->n; k++) gsl_vector_set(resid, k, -gsl_vector_get(v->qty, k));
    }
    if (J) {
        double gu[CIM_EXPR_MAXGRAD];
        theta_of(F, v->u, th, dth);
        for (size_t k = 0; k < v->n; k++) {
            size_t i = v->idx[k];
            double sw = F->w ? sqrt(F->w[i]) : 1;
            model(F, i, th, dth, gu);
            for (int q = 0; q < F->nnl; q++) {
                double g = sw * gu[F->nl_u[q]];
                gsl_matrix_set(J, k, (size_t)q, isfinite(g) ? g : 0);
            }
        }
        for (int q = 0; q < F->nnl; q++) {
            gsl_matrix_get_col(v->col, J, (size_t)q);
            gsl_linalg_QR_QTvec(v->A, v->tau, v->col);
            for (int a = 0; a < v->rank; a++) gsl_vector_set(v->col, (size_t)a, 0);
            gsl_linalg_QR_Qvec(v->A, v->tau, v->col);
            gsl_matrix_set_col(J, (size_t)q, v->col);
        }
    }
}

static int vp_f(const gsl_vector *x, void *p, gsl_vector *out) { vp_solve(p, x->data, out, NULL); return GSL_SUCCESS; }
static int vp_df(const gsl_vector *x, void *p, gsl_matrix *J) { vp_solve(p, x->data, NULL, J); return GSL_SUCCESS; }

/* LM over the nonlinear coordinates of u (in place; the linear ones are
 * filled in); returns the objective. */
static double vp_lm(VP *v, const Ctx *c, gsl_multifit_nlinear_workspace *w, double *u, long *iters)
{
    const CimFormula *F = v->F;
    double unl[CIM_EXPR_MAXGRAD];
    for (int k = 0; k < F->nnl; k++) unl[k] = u[F->nl_u[k]];
    vp_solve(v, unl, NULL, NULL);
    double best = objective(c, v->u);
    memcpy(u, v->u, sizeof(double) * (size_t)F->nu);
    if (!F->nnl) return best;
    gsl_multifit_nlinear_fdf fdf = {vp_f, vp_df, NULL, v->n, (size_t)F->nnl, v, 0, 0, 0};
    gsl_vector_view x = gsl_vector_view_array(unl, (size_t)F->nnl);
    if (gsl_multifit_nlinear_init(&x.vector, &fdf, w) != GSL_SUCCESS) return best;
    int info;
    gsl_multifit_nlinear_driver(1000, 1e-12, 1e-12, 1e-12, NULL, NULL, &info, w);
    *iters += (long)gsl_multifit_nlinear_niter(w);
    vp_solve(v, gsl_multifit_nlinear_position(w)->data, NULL, NULL);
    double f = objective(c, v->u);
    if (f <= best) { best = f; memcpy(u, v->u, sizeof(double) * (size_t)F->nu); }
    return best;
}


/* ---- variable projection with IRLS (huber-log) ---------------------------
 * The parameters that enter linearly (E, A, B; also when fitted as their
 * logs, Epoch's parameterisation) are solved to convergence for fixed values
 * of the others: the inner problem min Σ w Huber_δ(ln f − ln y) over them,
 * by Newton steps (exact Hessian: f is affine in them, so ∂²f is zero, or
 * diagonal for a log parameter) with iteratively reweighted least squares
 * (weights min(1, δ/|r|)) taking over whenever Newton's step does not
 * descend, each step halved until the objective does not rise. The outer
 * search is BFGS over the nonlinear parameters on the projected objective;
 * its gradient is the full gradient's part at the inner optimum (the inner
 * gradient vanishes there). The linear parameters need no starts. */

typedef struct HV {
    const Ctx *c;
    double u[CIM_EXPR_MAXGRAD];    /* full u; the linear entries: the last inner solution */
    double *ah;                    /* per row: h (f with the linear parameters at 0), then ∂f/∂θ_lin */
    long inner, outer;
    int tight;                     /* inner solves to the last bit (the polish) */
    double best_f;                 /* the lowest projected objective of this search */
    double best_u[CIM_EXPR_MAXGRAD];   /* and its u: every inner solve starts from its linear part */
} HV;

/* The affine form of the law in the linear parameters for the nonlinear
 * values in hv->u: f_i = h_i + Σ_l a_il θ_l, one evaluation per row. */
static void hv_affine(HV *hv)
{
    const Ctx *c = hv->c;
    const CimFormula *F = c->F;
    int k = F->nlin;
    double th[CIM_EXPR_MAXGRAD], gth[CIM_EXPR_MAXGRAD];
    theta_of(F, hv->u, th, NULL);
    for (int l = 0; l < k; l++) th[F->th_of_u[F->lin_u[l]]] = 0;
    for (size_t q = 0; q < c->n; q++) {
        double *r = hv->ah + q * (size_t)(k + 1);
        r[0] = cim_expr_eval_grad(F->law, F->row + c->idx[q] * (size_t)F->ncols, th, F->nth, gth);
        for (int l = 0; l < k; l++) r[l + 1] = gth[F->th_of_u[F->lin_u[l]]];
    }
}

/* Cholesky solve of the k×k symmetric H x = b (lower triangle, row-major),
 * with a ridge of 1e-12 of the trace (a degenerate start makes columns equal). */
static int chol_solve(int k, const double *H, const double *b, double *x)
{
    double L[CIM_EXPR_MAXGRAD * CIM_EXPR_MAXGRAD], y[CIM_EXPR_MAXGRAD], tr = 0;
    for (int i = 0; i < k; i++) tr += H[i * k + i];
    double ridge = 1e-12 * (tr > 0 ? tr : 1);
    for (int i = 0; i < k; i++)
        for (int j = 0; j <= i; j++) {
            double v = H[i * k + j] + (i == j ? ridge : 0);
            for (int m = 0; m < j; m++) v -= L[i * k + m] * L[j * k + m];
            if (i == j) {
                if (!(v > 0) || !isfinite(v)) return -1;
                L[i * k + i] = sqrt(v);
            } else L[i * k + j] = v / L[j * k + j];
        }
    for (int i = 0; i < k; i++) {
        double v = b[i];
        for (int m = 0; m < i; m++) v -= L[i * k + m] * y[m];
        y[i] = v / L[i * k + i];
    }
    for (int i = k - 1; i >= 0; i--) {
        double v = y[i];
        for (int m = i + 1; m < k; m++) v -= L[m * k + i] * x[m];
        x[i] = v / L[i * k + i];
    }
    return 0;
}

/* One pass over the rows with the linear coordinates ul (from the affine
 * form): the objective; with Hn (Newton), Hi (IRLS) and g, the inner
 * problem's normal equations. */
static double hv_pass(const HV *hv, const double *ul, double *Hn, double *Hi, double *g)
{
    const Ctx *c = hv->c;
    const CimFormula *F = c->F;
    int k = F->nlin;
    double tl[CIM_EXPR_MAXGRAD], dl[CIM_EXPR_MAXGRAD], J[CIM_EXPR_MAXGRAD], d = F->delta, sum = 0;
    int logl[CIM_EXPR_MAXGRAD];
    for (int l = 0; l < k; l++) {
        logl[l] = F->logp[F->th_of_u[F->lin_u[l]]];
        tl[l] = logl[l] ? exp(ul[l]) : ul[l];
        dl[l] = logl[l] ? tl[l] : 1;          /* dθ/du */
    }
    if (Hn) {
        memset(Hn, 0, sizeof(double) * (size_t)(k * k));
        memset(Hi, 0, sizeof(double) * (size_t)(k * k));
        memset(g, 0, sizeof(double) * (size_t)k);
    }
    for (size_t q = 0; q < c->n; q++) {
        size_t i = c->idx[q];
        const double *r0 = hv->ah + q * (size_t)(k + 1);
        double f = r0[0];
        for (int l = 0; l < k; l++) f += r0[l + 1] * tl[l];
        double y = F->colv[F->resp][i], w = F->w ? F->w[i] : 1;
        if (!(f > 0) || !isfinite(f)) return INFINITY;
        double r = log(f / y), a = fabs(r);
        sum += w * (a <= d ? 0.5 * r * r : d * (a - 0.5 * d));
        if (!Hn) continue;
        double dr = a <= d ? r : copysign(d, r), om = a <= d ? 1 : d / a, in = a <= d;
        for (int l = 0; l < k; l++) J[l] = r0[l + 1] * dl[l] / f;
        for (int l = 0; l < k; l++) {
            g[l] += w * dr * J[l];
            /* ∂²r = ∂²f/f − J Jᵀ; ∂²f/f is J on the diagonal of a log parameter, else 0. */
            for (int m = 0; m <= l; m++) {
                double jj = J[l] * J[m];
                Hi[l * k + m] += w * om * jj;
                Hn[l * k + m] += w * (in * jj + dr * ((l == m && logl[l] ? J[l] : 0) - jj));
            }
        }
    }
    return isfinite(sum) ? sum : INFINITY;
}

/* The objective's gradient in the nonlinear coordinates at hv->u. */
static void hv_grad_nl(const HV *hv, double *gnl)
{
    const Ctx *c = hv->c;
    const CimFormula *F = c->F;
    double th[CIM_EXPR_MAXGRAD], dth[CIM_EXPR_MAXGRAD * CIM_EXPR_MAXGRAD], gu[CIM_EXPR_MAXGRAD], d = F->delta;
    theta_of(F, hv->u, th, dth);
    memset(gnl, 0, sizeof(double) * (size_t)F->nnl);
    for (size_t q = 0; q < c->n; q++) {
        size_t i = c->idx[q];
        double f = model(F, i, th, dth, gu), y = F->colv[F->resp][i], w = F->w ? F->w[i] : 1;
        double r = log(f / y), dr = fabs(r) <= d ? r : copysign(d, r);
        for (int m = 0; m < F->nnl; m++) gnl[m] += w * dr * gu[F->nl_u[m]] / f;
    }
    for (int m = 0; m < F->nnl; m++) if (!isfinite(gnl[m])) gnl[m] = 0;
}

/* The inner problem: the linear coordinates of hv->u, in place, for the
 * nonlinear ones set there; returns the objective. */
static double hv_inner(HV *hv)
{
    const CimFormula *F = hv->c->F;
    int k = F->nlin;
    double Hn[CIM_EXPR_MAXGRAD * CIM_EXPR_MAXGRAD], Hi[CIM_EXPR_MAXGRAD * CIM_EXPR_MAXGRAD], g[CIM_EXPR_MAXGRAD];
    double step[CIM_EXPR_MAXGRAD], mg[CIM_EXPR_MAXGRAD], ul[CIM_EXPR_MAXGRAD], un[CIM_EXPR_MAXGRAD];
    int logl[CIM_EXPR_MAXGRAD];
    for (int l = 0; l < k; l++) {
        ul[l] = hv->u[F->lin_u[l]];
        logl[l] = F->logp[F->th_of_u[F->lin_u[l]]];
    }
    double f = hv_pass(hv, ul, Hn, Hi, g);
    for (int it = 0; it < 500 && isfinite(f); it++) {
        hv->inner++;
        for (int l = 0; l < k; l++) mg[l] = -g[l];
        double fn = INFINITY, lam = 1, big = 0;
        for (int kind = 0; kind < 2 && !(fn <= f); kind++) {
            if (chol_solve(k, kind == 0 ? Hn : Hi, mg, step) < 0) continue;
            big = 0;
            for (int l = 0; l < k; l++) if (logl[l]) big = fmax(big, fabs(step[l]));
            lam = big > 5 ? 5 / big : 1;      /* a log coefficient moves at most e^5 at once */
            for (int h = 0; h < (kind == 0 ? 4 : 60); h++, lam *= 0.5) {
                for (int l = 0; l < k; l++) un[l] = ul[l] + lam * step[l];
                fn = hv_pass(hv, un, NULL, NULL, NULL);
                if (fn <= f) break;
            }
        }
        if (!(fn <= f)) break;
        double moved = 0;
        for (int l = 0; l < k; l++) moved = fmax(moved, fabs(lam * step[l]) / (1 + fabs(ul[l])));
        int small = hv->tight ? f - fn <= 1e-16 * f || moved < 1e-14 : f - fn <= 1e-13 * f || moved < 1e-10;
        memcpy(ul, un, sizeof(double) * (size_t)k);
        f = hv_pass(hv, ul, Hn, Hi, g);
        if (small) break;
    }
    for (int l = 0; l < k; l++) hv->u[F->lin_u[l]] = ul[l];
    return f;
}

/* A first inner solution for the nonlinear values in hv->u: least squares of
 * f/y on 1 (ln f − ln y ≈ f/y − 1 near a fit), linear in the linear
 * parameters; a log parameter the solution makes non-positive starts at a
 * millionth of the response's scale. */
static void hv_init(HV *hv)
{
    const Ctx *c = hv->c;
    const CimFormula *F = c->F;
    int k = F->nlin;
    double H[CIM_EXPR_MAXGRAD * CIM_EXPR_MAXGRAD] = {0}, b[CIM_EXPR_MAXGRAD] = {0}, x[CIM_EXPR_MAXGRAD];
    double colmag[CIM_EXPR_MAXGRAD] = {0};
    hv_affine(hv);
    for (size_t q = 0; q < c->n; q++) {
        size_t i = c->idx[q];
        const double *r0 = hv->ah + q * (size_t)(k + 1);
        double y = F->colv[F->resp][i], w = F->w ? F->w[i] : 1, a[CIM_EXPR_MAXGRAD], rhs = 1 - r0[0] / y;
        int ok = isfinite(rhs);
        for (int l = 0; l < k; l++) {
            a[l] = r0[l + 1] / y;
            ok &= isfinite(a[l]);
        }
        if (!ok) continue;
        for (int l = 0; l < k; l++) {
            colmag[l] += fabs(a[l]);
            b[l] += w * a[l] * rhs;
            for (int m = 0; m <= l; m++) H[l * k + m] += w * a[l] * a[m];
        }
    }
    if (chol_solve(k, H, b, x) < 0) return;      /* keep the start's own values */
    for (int l = 0; l < k; l++) {
        int j = F->th_of_u[F->lin_u[l]];
        double v = x[l];
        if (!isfinite(v)) continue;
        if (F->logp[j]) {
            double floor_v = colmag[l] > 0 ? 1e-6 * (double)c->n / colmag[l] : 1e-6;
            v = log(v > floor_v ? v : floor_v);
        }
        hv->u[F->lin_u[l]] = v;
    }
}

static double hv_eval(HV *hv, const double *unl, double *grad)
{
    const CimFormula *F = hv->c->F;
    hv->outer++;
    /* Warm start from the best point so far, not the last one tried: a
     * trial far off can drive a log coefficient to a flat e^-30, where the
     * next solves would stay. */
    memcpy(hv->u, hv->best_u, sizeof(double) * (size_t)F->nu);
    for (int m = 0; m < F->nnl; m++) hv->u[F->nl_u[m]] = unl[m];
    hv_affine(hv);
    double f = hv_inner(hv);
    if (f < hv->best_f) {
        hv->best_f = f;
        memcpy(hv->best_u, hv->u, sizeof(double) * (size_t)F->nu);
    }
    if (grad) {
        if (isfinite(f)) hv_grad_nl(hv, grad);
        else for (int m = 0; m < F->nnl; m++) grad[m] = 0;
    }
    return f;
}

static double hv_f(const gsl_vector *x, void *p) { return hv_eval(p, x->data, NULL); }
static void hv_df(const gsl_vector *x, void *p, gsl_vector *g) { hv_eval(p, x->data, g->data); }
static void hv_fdf(const gsl_vector *x, void *p, double *f, gsl_vector *g) { *f = hv_eval(p, x->data, g->data); }

/* From u (the nonlinear entries; the linear ones a start, or with init from
 * least squares): BFGS over the nonlinear coordinates on the projected
 * objective, stopped once an iteration gains less than 1e-10 of it. u ends
 * at the point reached; returns its objective. */
static double hv_search(HV *hv, gsl_multimin_fdfminimizer *s, double *u, int init, int tight)
{
    const CimFormula *F = hv->c->F;
    int nnl = F->nnl;
    memcpy(hv->u, u, sizeof(double) * (size_t)F->nu);
    if (init) hv_init(hv);
    double unl[CIM_EXPR_MAXGRAD];
    for (int m = 0; m < nnl; m++) unl[m] = hv->u[F->nl_u[m]];
    hv->tight = tight;
    hv->best_f = INFINITY;
    memcpy(hv->best_u, hv->u, sizeof(double) * (size_t)F->nu);
    double best = hv_eval(hv, unl, NULL);
    /* tight: restarted from the best point until a restart gains nothing
     * (the polish of the best ends). */
    for (int restart = 0; nnl && isfinite(best) && restart < (tight ? 20 : 1); restart++) {
        gsl_multimin_function_fdf fn = {hv_f, hv_df, hv_fdf, (size_t)nnl, hv};
        for (int m = 0; m < nnl; m++) unl[m] = hv->best_u[F->nl_u[m]];
        gsl_vector_view x = gsl_vector_view_array(unl, (size_t)nnl);
        gsl_multimin_fdfminimizer_set(s, &fn, &x.vector, 0.01, 0.5);
        double prev = best;
        for (int it = 0; it < 1000; it++) {
            if (gsl_multimin_fdfminimizer_iterate(s) != GSL_SUCCESS) break;
            if (gsl_multimin_test_gradient(s->gradient, tight ? 1e-14 : 1e-11) == GSL_SUCCESS) break;
            if (!tight && prev - s->f <= 1e-10 * fabs(s->f)) break;
            prev = s->f;
        }
        double f = hv->best_f;
        int small = best - f < 1e-15 * (1 + fabs(f));
        best = f;
        if (small) break;
    }
    memcpy(u, hv->best_u, sizeof(double) * (size_t)F->nu);
    hv->tight = 0;
    return hv->best_f;
}

/* ---- Epoch AI's Huber likelihood --------------------------------------- */

/* ln of the normalising constant of the density ∝ exp(−Huber_δ(z)):
 * sqrt(2π)(1 − 2Q(δ)) + 2 exp(−δ²/2)/δ. */
static double huber_lnZ(double d)
{
    return log(sqrt(2 * M_PI) * (1 - 2 * gsl_cdf_ugaussian_Q(d)) + 2 * exp(-0.5 * d * d) / d);
}

/* −log-likelihood of u and s = ln σ: Σ w [Huber_δ(r/σ) + ln Z(δ) + s], r = ln y − ln f. */
static double nll(const Ctx *c, const double *x, double *g)
{
    const CimFormula *F = c->F;
    int nu = F->nu;
    double th[CIM_EXPR_MAXGRAD], dth[CIM_EXPR_MAXGRAD * CIM_EXPR_MAXGRAD], gu[CIM_EXPR_MAXGRAD];
    double s = x[nu], sig = exp(s), d = F->delta, lz = huber_lnZ(d), sum = 0;
    theta_of(F, x, th, g ? dth : NULL);
    if (g) memset(g, 0, sizeof(double) * (size_t)(nu + 1));
    for (size_t k = 0; k < c->n; k++) {
        size_t i = c->idx[k];
        double f = model(F, i, th, dth, g ? gu : NULL), w = F->w ? F->w[i] : 1;
        if (!(f > 0)) return INFINITY;
        double z = (F->lny[i] - log(f)) / sig, a = fabs(z);
        sum += w * ((a <= d ? 0.5 * z * z : d * (a - 0.5 * d)) + lz + s);
        if (g) {
            double dz = a <= d ? z : copysign(d, z);      /* ρ'(z) */
            for (int q = 0; q < nu; q++) g[q] += w * dz * (-gu[q] / f) / sig;
            g[nu] += w * (1 - dz * z);
        }
    }
    return isfinite(sum) ? sum : INFINITY;
}

static double lk_f(const gsl_vector *x, void *p) { return nll(p, x->data, NULL); }
static void lk_df(const gsl_vector *x, void *p, gsl_vector *g) { nll(p, x->data, g->data); }
static void lk_fdf(const gsl_vector *x, void *p, double *f, gsl_vector *g) { *f = nll(p, x->data, g->data); }

/* From the Huber optimum u (x[0..nu)): the best ln σ on a grid of
 * e^-25 … e^3, then BFGS over (u, ln σ), restarted until it gains nothing.
 * x[nu] in: a starting ln σ (NaN: from the grid). Returns the −log-likelihood.
 * polish: the Nelder–Mead stage too (full-data fits; a bootstrap resample,
 * started at the full-data optimum, stops after BFGS). */
static double lik_fit(const Ctx *c, double *x, long *iters, int polish)
{
    const CimFormula *F = c->F;
    size_t dim = (size_t)F->nu + 1;
    double best = INFINITY;
    if (!isfinite(x[F->nu])) {
        double bs = 0;
        for (double s = -25; s <= 3; s += 0.25) {
            x[F->nu] = s;
            double v = nll(c, x, NULL);
            if (v < best) { best = v; bs = s; }
        }
        x[F->nu] = bs;
    }
    gsl_multimin_function_fdf fn = {lk_f, lk_df, lk_fdf, dim, (void *)c};
    double start = nll(c, x, NULL);
    best = bfgs_restarted(&fn, x, start, 1e-10, 1e-13, iters);
    if (!isfinite(start))
        return best;
    gsl_vector_view xv = gsl_vector_view_array(x, dim);
    /* The terms have kinks (|z| = δ) where a gradient method stops short, and
     * with σ ~ 1e-6 of the residuals the surface is nearly that of least
     * absolute deviations: a field of kinks. Nelder–Mead (GSL nmsimplex2)
     * from there, its first simplex 1e-2 of each coordinate (|x| + 1e-3)
     * wide, restarted until a restart gains nothing, then the same at 1e-3
     * and 1e-4: the wide simplices step over the neighbouring kinks where
     * BFGS stops (from starts ~1e-7 apart the BFGS ends differ by ~1e-6 of
     * the objective; the wide search takes them to one point). */
    static const double widths[] = {1e-2, 1e-3, 1e-4};
    gsl_multimin_function fs = {lk_f, dim, (void *)c};
    gsl_multimin_fminimizer *nm = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, dim);
    gsl_vector *step = gsl_vector_alloc(dim);
    for (int wi = 0, restart = 0; polish && nm && step && wi < 3 && restart < 50; restart++) {
        for (size_t q = 0; q < dim; q++) gsl_vector_set(step, q, widths[wi] * (fabs(x[q]) + 1e-3));
        gsl_multimin_fminimizer_set(nm, &fs, &xv.vector, step);
        for (int it = 0; it < 20000; it++) {
            (*iters)++;
            if (gsl_multimin_fminimizer_iterate(nm) != GSL_SUCCESS) break;
            if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(nm), 1e-13) == GSL_SUCCESS) break;
        }
        double f = nm->fval;
        int gained_little = !(f < best) || best - f < 1e-14 * (1 + fabs(f));
        if (f < best) {
            best = f;
            memcpy(x, nm->x->data, sizeof(double) * dim);
        }
        if (gained_little) wi++;
    }
    if (nm) gsl_multimin_fminimizer_free(nm);
    if (step) gsl_vector_free(step);
    return best;
}

typedef struct Ranked { double f; int k; } Ranked;
static int cmp_ranked(const void *x, const void *y)
{
    const Ranked *a = x, *b = y;
    if (a->f != b->f) return a->f < b->f ? -1 : 1;
    return a->k - b->k;
}

static int cmp_nl(const void *x, const void *y, void *nnl)
{
    const double *a = x, *b = y;
    for (int k = 0; k < *(int *)nnl; k++)
        if (a[k] != b[k]) return a[k] < b[k] ? -1 : 1;
    return 0;
}

/* Grid points by their nonlinear coordinates, then by index. */
static int cmp_grid_nl(const void *x, const void *y, void *fp)
{
    const CimFormula *F = fp;
    const Ranked *a = x, *b = y;
    const double *ua = F->grid + (size_t)a->k * (size_t)F->nu, *ub = F->grid + (size_t)b->k * (size_t)F->nu;
    for (int m = 0; m < F->nnl; m++) {
        double va = ua[F->nl_u[m]], vb = ub[F->nl_u[m]];
        if (va != vb) return va < vb ? -1 : 1;
    }
    return a->k - b->k;
}

static int same_nl(const CimFormula *F, int a, int b)
{
    for (int m = 0; m < F->nnl; m++)
        if (F->grid[(size_t)a * (size_t)F->nu + (size_t)F->nl_u[m]] != F->grid[(size_t)b * (size_t)F->nu + (size_t)F->nl_u[m]])
            return 0;
    return 1;
}

/* Variable projection from the distinct nonlinear parts of the grid (the
 * linear parameters need no start: they are exact for each). */
static int fit_varpro(const CimFitProblem *pb, const size_t *idx, size_t n, const double *hint,
                      int full_data, double *theta, double *obj, long *iters, int *runs, CimErr *e)
{
    const CimFormula *F = pb->fm;
    int nnl = F->nnl;
    Ctx c = {F, idx, n};
    VP v;
    CIM_RETURN_IF(vp_alloc(&v, F, idx, n) < 0, e, CIM_ERR_NOMEM, "out of memory");
    gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
    fp.trs = gsl_multifit_nlinear_trs_lm;
    fp.scale = gsl_multifit_nlinear_scale_more;
    gsl_multifit_nlinear_workspace *w = nnl ? gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, n, (size_t)nnl) : NULL;
    double best = INFINITY, u[CIM_EXPR_MAXGRAD];
    int rc = 0;
    if (nnl && !w) { vp_free(&v); return cim_err(e, CIM_ERR_NOMEM, "out of memory"); }
    if (!full_data) {
        memcpy(u, hint ? hint : F->grid, sizeof(double) * (size_t)F->nu);
        best = vp_lm(&v, &c, w, u, iters);
        memcpy(theta, u, sizeof(double) * (size_t)F->nu);
        *runs = 1;
    } else {
        /* Distinct nonlinear starts, in grid order. */
        size_t ng = (size_t)F->ngrid, m = 0, nn = nnl ? (size_t)nnl : 1;
        double *nl = malloc(ng * nn * sizeof *nl);
        Ranked *rk = malloc(ng * sizeof *rk);
        if (!nl || !rk) { free(nl); free(rk); rc = cim_err(e, CIM_ERR_NOMEM, "out of memory"); goto out; }
        for (size_t g = 0; g < ng; g++)
            for (int k = 0; k < nnl; k++) nl[g * nn + (size_t)k] = F->grid[g * (size_t)F->nu + (size_t)F->nl_u[k]];
        if (nnl) qsort_r(nl, ng, nn * sizeof *nl, cmp_nl, &nnl);
        for (size_t g = 0; g < ng; g++)
            if (!m || !nnl || cmp_nl(nl + g * nn, nl + (m - 1) * nn, &nnl)) {
                memmove(nl + m * nn, nl + g * nn, nn * sizeof *nl);
                m++;
                if (!nnl) break;
            }
        for (size_t g = 0; g < m; g++) {
            rk[g].k = (int)g;
            rk[g].f = 0;
        }
        size_t nrun = pb->starts > 0 && (size_t)pb->starts < m ? (size_t)pb->starts : m;
        if (nrun < m) {
            for (size_t g = 0; g < m; g++) {
                vp_solve(&v, nl + g * nn, NULL, NULL);
                rk[g].f = objective(&c, v.u);
                if (!isfinite(rk[g].f)) rk[g].f = INFINITY;
            }
            qsort(rk, m, sizeof *rk, cmp_ranked);
        }
        for (size_t r = 0; r < nrun; r++) {
            double *src = nl + (size_t)rk[r].k * nn;
            for (int k = 0; k < nnl; k++) u[F->nl_u[k]] = src[k];
            double f = vp_lm(&v, &c, w, u, iters);
            (*runs)++;
            if (f < best) { best = f; memcpy(theta, u, sizeof(double) * (size_t)F->nu); }
        }
        free(nl);
        free(rk);
    }
out:
    if (w) gsl_multifit_nlinear_free(w);
    vp_free(&v);
    if (rc < 0) return rc;
    *obj = best;
    return 0;
}

#define POLISH 5

static int np_formula(const CimFitProblem *pb) { return pb->fm->nu + (pb->fm->objective == CIM_OBJ_HUBER_LIK); }

static int fit_formula(const CimFitProblem *pb, const size_t *idx, size_t n, const double *hint,
                       int full_data, double *theta, double *obj, double *se, CimErr *e)
{
    (void)se;
    const CimFormula *F = pb->fm;
    size_t nu = (size_t)F->nu;
    CIM_RETURN_IF(n < nu, e, CIM_ERR_REFUSED, "%zu runs for %zu free parameters", n, nu);
    if (F->varpro && F->objective == CIM_OBJ_LSQ) {
        struct timespec t0, t1, c0, c1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
        long iters = 0;
        int runs = 0;
        double best = INFINITY;
        CIM_CHECK(fit_varpro(pb, idx, n, hint, full_data, theta, &best, &iters, &runs, e));
        clock_gettime(CLOCK_MONOTONIC, &t1);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
        if (full_data && pb->scratch) {
            pb->scratch->bfgs_runs = runs;
            pb->scratch->iterations = iters;
            pb->scratch->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
            pb->scratch->cpu_seconds = (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec);
        }
        CIM_RETURN_IF(!isfinite(best), e, CIM_ERR_REFUSED, "formula: no start reached a finite objective");
        *obj = best;
        return 0;
    }
    Ctx c = {F, idx, n};
    gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
    fp.trs = gsl_multifit_nlinear_trs_lm;
    fp.scale = gsl_multifit_nlinear_scale_more;
    gsl_multifit_nlinear_workspace *w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, n, nu);
    CIM_RETURN_IF(!w, e, CIM_ERR_NOMEM, "out of memory");
    struct timespec t0, t1, c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    long iters = 0;
    int runs = 0, nrun = 0;
    double best = INFINITY;
    Ranked *done = NULL;
    double *ends = NULL;
    HV hv = {.c = &c};
    gsl_multimin_fdfminimizer *s2 = F->varpro && F->nnl
        ? gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, (size_t)F->nnl) : NULL;
    hv.ah = F->varpro ? malloc(n * (size_t)(F->nlin + 1) * sizeof(double)) : NULL;
    if (F->varpro && ((F->nnl && !s2) || !hv.ah)) {
        gsl_multifit_nlinear_free(w);
        if (s2) gsl_multimin_fdfminimizer_free(s2);
        free(hv.ah);
        return cim_err(e, CIM_ERR_NOMEM, "out of memory");
    }
    if (full_data) {
        int ng = F->ngrid;
        Ranked *rk = malloc((size_t)ng * sizeof *rk);
        if (!rk) { gsl_multifit_nlinear_free(w); if (s2) gsl_multimin_fdfminimizer_free(s2); free(hv.ah); return cim_err(e, CIM_ERR_NOMEM, "out of memory"); }
        int nstart = ng;
        if (F->varpro) {
            /* Variable projection: one start per distinct value of the
             * nonlinear parameters (the first grid point that has it). */
            for (int g = 0; g < ng; g++) rk[g].k = g;
            qsort_r(rk, (size_t)ng, sizeof *rk, cmp_grid_nl, (void *)F);
            nstart = 0;
            for (int g = 0; g < ng; g++)
                if (!nstart || !same_nl(F, rk[g].k, rk[nstart - 1].k)) rk[nstart++] = rk[g];
            for (int g = 0; g < nstart; g++) rk[g].f = 0;
            nrun = pb->starts > 0 && pb->starts < nstart ? pb->starts : nstart;
            if (nrun < nstart) {
                for (int g = 0; g < nstart; g++) {
                    memcpy(hv.u, F->grid + (size_t)rk[g].k * nu, nu * sizeof(double));
                    hv_init(&hv);       /* leaves the affine form for these values */
                    rk[g].f = hv_inner(&hv);
                }
                qsort(rk, (size_t)nstart, sizeof *rk, cmp_ranked);
            }
        } else {
            for (int g = 0; g < ng; g++) {
                rk[g].f = objective(&c, F->grid + (size_t)g * nu);
                rk[g].k = g;
            }
            nrun = pb->starts > 0 && pb->starts < ng ? pb->starts : ng;
            if (nrun < ng) qsort(rk, (size_t)ng, sizeof *rk, cmp_ranked);
        }
        done = malloc((size_t)nrun * sizeof *done);
        ends = malloc((size_t)nrun * nu * sizeof *ends);
        if (!done || !ends) { free(rk); free(done); free(ends); gsl_multifit_nlinear_free(w); if (s2) gsl_multimin_fdfminimizer_free(s2); free(hv.ah); return cim_err(e, CIM_ERR_NOMEM, "out of memory"); }
        for (int r = 0; r < nrun; r++) {
            double *u = ends + (size_t)r * nu;
            memcpy(u, F->grid + (size_t)rk[r].k * nu, nu * sizeof *u);
            done[r].f = F->varpro ? hv_search(&hv, s2, u, 1, 0) : lm(&c, w, u, &iters);
            if (!isfinite(done[r].f)) done[r].f = INFINITY;
            done[r].k = r;
            runs++;
        }
        free(rk);
        qsort(done, (size_t)nrun, sizeof *done, cmp_ranked);
        int npol = F->objective != CIM_OBJ_LSQ ? POLISH : 1;
        for (int r = 0; r < nrun && r < npol; r++) {
            double u[CIM_EXPR_MAXGRAD];
            memcpy(u, ends + (size_t)done[r].k * nu, nu * sizeof *u);
            double f = done[r].f;
            /* The projected search's polish is the whole polish: its end is
             * a stationary point of the full objective (inner gradient zero,
             * outer gradient the envelope's), where BFGS over every
             * parameter gains nothing on the ridges of this surface. */
            if (F->varpro && isfinite(f)) f = hv_search(&hv, s2, u, 0, 1);
            else if (F->objective != CIM_OBJ_LSQ && isfinite(f)) f = bfgs(&c, u, &iters);
            if (f < best) { best = f; memcpy(theta, u, nu * sizeof *u); }
        }
    } else {
        double u[CIM_EXPR_MAXGRAD];
        memcpy(u, hint ? hint : F->grid, nu * sizeof *u);
        if (F->varpro) best = hv_search(&hv, s2, u, !hint, 1);
        else {
            best = lm(&c, w, u, &iters);
            if (F->objective != CIM_OBJ_LSQ && isfinite(best)) best = bfgs(&c, u, &iters);
        }
        memcpy(theta, u, nu * sizeof *u);
        runs = 1;
    }
    if (F->objective == CIM_OBJ_HUBER_LIK && isfinite(best)) {
        /* Epoch's likelihood from the Huber optimum, with its scale. */
        double x[CIM_EXPR_MAXGRAD + 1];
        memcpy(x, theta, nu * sizeof *x);
        x[nu] = !full_data && hint ? hint[nu] : NAN;
        best = lik_fit(&c, x, &iters, full_data);
        memcpy(theta, x, (nu + 1) * sizeof *x);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    free(done);
    free(ends);
    gsl_multifit_nlinear_free(w);
    if (s2) gsl_multimin_fdfminimizer_free(s2);
    free(hv.ah);
    iters += hv.inner;
    if (full_data && pb->scratch) {
        pb->scratch->outer_iterations = hv.outer;
        pb->scratch->inner_iterations = hv.inner;
        pb->scratch->bfgs_runs = runs;
        pb->scratch->iterations = iters;
        pb->scratch->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        pb->scratch->cpu_seconds = (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec);
    }
    CIM_RETURN_IF(!isfinite(best), e, CIM_ERR_REFUSED, "formula: no start reached a finite objective");
    *obj = best;
    return 0;
}

static double pred_formula(const CimFitProblem *pb, const double *u, size_t i)
{
    const CimFormula *F = pb->fm;
    double th[CIM_EXPR_MAXGRAD];
    theta_of(F, u, th, NULL);
    return cim_expr_eval(F->law, F->row + i * (size_t)F->ncols, th);
}

static int est_formula(const CimFitProblem *pb, const double *u, const char **names, double *v)
{
    const CimFormula *F = pb->fm;
    double th[CIM_EXPR_MAXGRAD];
    theta_of(F, u, th, NULL);
    for (int j = 0; j < F->nth; j++) { names[j] = F->pname[j]; v[j] = th[j]; }
    if (F->objective == CIM_OBJ_HUBER_LIK) {
        names[F->nth] = "sigma";
        v[F->nth] = exp(u[F->nu]);
        return F->nth + 1;
    }
    return F->nth;
}

/* How the formula is solved, for the output's fit.solver. */
const char *cim__formula_solver_text(const CimFormula *F, char *buf, size_t n)
{
    size_t l = 0;
#define PUT(...) do { if (l < n) l += (size_t)snprintf(buf + l, n - l, __VA_ARGS__); } while (0)
    if (F->varpro) {
        PUT("variable projection: ");
        for (int k = 0; k < F->nlin; k++) PUT("%s%s", k ? ", " : "", F->pname[F->th_of_u[F->lin_u[k]]]);
        if (F->objective == CIM_OBJ_LSQ) PUT(" solved exactly (QR with column pivoting) inside Levenberg-Marquardt over ");
        else PUT(" solved inside BFGS over ");
        for (int k = 0; k < F->nnl; k++) PUT("%s%s", k ? ", " : "", F->pname[F->th_of_u[F->nl_u[k]]]);
        if (F->objective == CIM_OBJ_LSQ) PUT(" (Kaufman's Jacobian), from each distinct start of those");
        else PUT(" (Newton steps with IRLS when Newton does not descend), from each distinct start of those; "
                 "the 5 best polished by the same search run tight");
        if (F->objective == CIM_OBJ_HUBER_LIK)
            PUT("; then BFGS over it and ln sigma on the likelihood, "
                "then Nelder-Mead from simplices 1e-2, 1e-3 and 1e-4 wide");
    } else if (F->objective == CIM_OBJ_HUBER_LIK) {
        PUT("huber-log fit (LM from every start, 5 best polished by BFGS), "
            "then BFGS over it and ln sigma on the likelihood, "
            "then Nelder-Mead from simplices 1e-2, 1e-3 and 1e-4 wide");
    } else if (F->objective == CIM_OBJ_LSQ) {
        PUT("Levenberg-Marquardt (gsl_multifit_nlinear, More scaling) from every start, best kept");
    } else {
        PUT("Levenberg-Marquardt on Huber-equivalent residuals from every start, the 5 best polished by BFGS (gsl vector_bfgs2)");
    }
#undef PUT
    return buf;
}

const char *cim__formula_param_role(const CimFormula *F, int j, char *buf, size_t n)
{
    if (F->mode[j] == PAR_FROZEN) snprintf(buf, n, "frozen at %.17g", F->fixed[j]);
    else if (F->mode[j] == PAR_TIED) snprintf(buf, n, "tied to %s", F->pname[F->tie[j]]);
    else if (F->bounded[j]) snprintf(buf, n, "free in [%.17g, %.17g] (logistic transform)", F->lo[j], F->hi[j]);
    else if (F->logp[j]) snprintf(buf, n, "free, fitted as its log");
    else snprintf(buf, n, "free");
    return buf;
}

const CimFitFormImpl cim__fit_formula = {
    .name = "formula",
    .objective = "lsq: sum of w (y - f)^2; huber-log: sum of w Huber(delta) of ln y - ln f",
    .nparams = np_formula, .fit = fit_formula, .predict = pred_formula, .estimates = est_formula,
};
