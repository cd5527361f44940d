/*
 * fit.c — the fitter's driver (doc/fitting.md): D_eff, refusals, the full-data fit,
 * the held-out check, AIC and the bootstrap.
 *
 * Definitions written down here (doc/ leaves them open):
 * - rmse is in loss units, sqrt(mean (L − L̂)²), for every form, and
 *   aic = n·ln(SSE/n) + 2k on the same residuals (k = fitted parameters), so
 *   forms fitted to the same runs can be compared.
 * - held-out: runs sorted by compute 6·P·D_eff; the largest ⌈20%⌉ are held
 *   out, the law is refitted on the rest with the same procedure and its
 *   error on the held-out runs reported (rmse and mean |relative| error).
 * - bootstrap: resample k draws n rows with replacement from an MT19937
 *   seeded with splitmix64(seed, k) only, and is fitted on its own; resamples
 *   run in parallel (OpenMP, dynamic schedule) into fixed slots, so the
 *   result is bit-identical for any thread count. Intervals are 95%
 *   percentile intervals; std_errors are the resamples' standard deviation
 *   (loglinear also reports the analytic OLS errors). A resample that cannot
 *   be fitted is counted and left out.
 * - refusals (CIM_ERR_REFUSED): a non-positive or non-finite P, L or D_eff
 *   (negative or non-finite raw bytes), fewer runs than parameters + 2, less
 *   than one decade of range in P or in D_eff.
 */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "fit/fit_impl.h"

const char *cim_fit_form_name(CimFitForm f)
{
    switch (f) {
    case CIM_FIT_LOGLINEAR: return "loglinear";
    case CIM_FIT_CHINCHILLA: return "chinchilla";
    case CIM_FIT_FREEC: return "free-c";
    case CIM_FIT_FORMULA: return "formula";
    }
    return "?";
}

int cim_fit_form_from_name(const char *s)
{
    if (!strcmp(s, "loglinear")) return CIM_FIT_LOGLINEAR;
    if (!strcmp(s, "chinchilla")) return CIM_FIT_CHINCHILLA;
    if (!strcmp(s, "free-c") || !strcmp(s, "freec")) return CIM_FIT_FREEC;
    return -1;
}

const char *cim_fit_objective_name(int objective)
{
    return objective == CIM_OBJ_LSQ ? "lsq" : objective == CIM_OBJ_HUBER_LOG ? "huber-log"
         : objective == CIM_OBJ_HUBER_LIK ? "huber-likelihood" : "?";
}

int cim_fit_objective_from_name(const char *s)
{
    if (!strcmp(s, "lsq")) return CIM_OBJ_LSQ;
    if (!strcmp(s, "huber-log")) return CIM_OBJ_HUBER_LOG;
    if (!strcmp(s, "huber-likelihood")) return CIM_OBJ_HUBER_LIK;
    return -1;
}

/* Muennighoff et al. 2023: U_D = min(unique tokens, D) (data not exhausted
 * is not repeated), U_N the compute-optimal parameters for U_D under the
 * base law (N_opt = (αA/(βB))^(1/α) · U_D^(β/α)), capped at N. */
#define DC_UD "min(unique_tokens, D)"
#define DC_UN "min((alpha*A/(beta*B))^(1/alpha)*" DC_UD "^(beta/alpha), N)"

static const struct { const char *name, *formula; } named[] = {
    /* Hoffmann et al. 2022 (also the built-in chinchilla form) */
    {"chinchilla-formula", "L = E + A/N^alpha + B/D^beta"},
    /* Kaplan et al. 2020, eq. 1.5 */
    {"kaplan", "L = ((Nc/N)^(alphaN/alphaD) + Dc/D)^alphaD"},
    /* Gadre et al. 2024, over-training: L(N, M) with M·N = D */
    {"gadre", "L = a*N^b + c*6^(b/2)*D^b + E"},
    /* Muennighoff et al. 2023: repeated data; unique_tokens is a column of
     * the runs, D the tokens seen, R_D = D/U_D − 1, R_N = N/U_N − 1 */
    {"data-constrained",
     "L = E + A/(" DC_UN " + " DC_UN "*RN*(1 - exp(-(N/" DC_UN " - 1)/RN)))^alpha"
     " + B/(" DC_UD " + " DC_UD "*RD*(1 - exp(-(D/" DC_UD " - 1)/RD)))^beta"},
};

const char *cim_fit_named_formula(const char *name)
{
    for (size_t i = 0; i < sizeof named / sizeof *named; i++)
        if (!strcmp(named[i].name, name)) return named[i].formula;
    return NULL;
}

CimFitParams cim_fit_default_params(void)
{
    CimFitParams p = {0};
    p.form = CIM_FIT_LOGLINEAR;
    p.bootstrap = 1000;
    p.seed = 1;
    p.starts = 100;
    p.boot_starts = 1;
    p.delta = 1e-3;
    p.heldout = 0.2;
    return p;
}

static const CimFitFormImpl *impl_of(CimFitForm f)
{
    return f == CIM_FIT_CHINCHILLA ? &cim__fit_chinchilla : f == CIM_FIT_FREEC ? &cim__fit_freec
         : f == CIM_FIT_FORMULA ? &cim__fit_formula : &cim__fit_loglinear;
}

void cim_fit_free(CimFit *f)
{
    if (!f) return;
    free(f->lnP);
    free(f->L);
    free(f->lnL);
    free(f->lnD);
    free(f->Dfix);
    free(f->boot);
    free(f->boot_pred);
    cim__formula_free(f->fm);
    free(f);
}

double cim_fit_objective(const CimFit *f) { return f->obj; }

double cim_fit_estimate(const CimFit *f, const char *name)
{
    for (int k = 0; k < f->nestimates; k++)
        if (!strcmp(f->names[k], name)) return f->est[k];
    return NAN;
}

uint64_t cim__splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static double decades(const double *v, size_t n, int logs)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double x = logs ? v[i] : log(v[i]);
        if (x < lo) lo = x;
        if (x > hi) hi = x;
    }
    return (hi - lo) / log(10.0);
}

/* SSE in loss units of θ over rows idx. */
static double sse(const CimFit *f, const double *theta, const size_t *idx, size_t n)
{
    double s = 0;
    for (size_t k = 0; k < n; k++) {
        double r = f->L[idx[k]] - f->impl->predict(&f->pb, theta, idx[k]);
        s += r * r;
    }
    return s;
}

typedef struct ByCompute {
    double c;      /* ln P + ln D_eff: compute up to a constant */
    size_t i;      /* the run */
} ByCompute;
static int cmp_compute(const void *x, const void *y)
{
    const ByCompute *a = x, *b = y;
    if (a->c != b->c) return a->c < b->c ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

static void heldout(CimFit *f, size_t *idx)
{
    size_t n = f->n, ntest = (size_t)ceil(f->p.heldout * (double)n);
    if (f->p.heldout_above > 0) {
        double cut = log(f->p.heldout_above / 6);
        ntest = 0;
        for (size_t i = 0; i < n; i++) ntest += f->lnP[i] + f->lnD[i] > cut;
    }
    f->heldout_ntest = ntest;
    f->heldout_ntrain = n - ntest;
    if (!ntest && f->p.heldout_above > 0) {
        snprintf(f->heldout_skipped, sizeof f->heldout_skipped, "no run above %g FLOPs",
                 f->p.heldout_above);
        return;
    }
    if (!ntest) {
        snprintf(f->heldout_skipped, sizeof f->heldout_skipped,
                 "held-out fraction %g leaves no run out", f->p.heldout);
        return;
    }
    if (f->heldout_ntrain < (size_t)f->k + 2) {
        snprintf(f->heldout_skipped, sizeof f->heldout_skipped, "%zu runs left to fit %d parameters",
                 f->heldout_ntrain, f->k);
        return;
    }
    ByCompute *bc = malloc(n * sizeof *bc);
    if (!bc) {
        snprintf(f->heldout_skipped, sizeof f->heldout_skipped, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        bc[i].c = f->lnP[i] + f->lnD[i];
        bc[i].i = i;
    }
    qsort(bc, n, sizeof *bc, cmp_compute);
    for (size_t k = 0; k < n; k++) idx[k] = bc[k].i;    /* ascending compute: train first */
    free(bc);
    double th[CIM_FIT_MAXP], obj;
    CimErr e = {0};
    CimFitProblem pb = f->pb;
    pb.scratch = NULL;          /* the resamples keep the full-data starts */
    if (f->impl->fit(&pb, idx, f->heldout_ntrain, NULL, 1, th, &obj, NULL, &e) < 0) {
        snprintf(f->heldout_skipped, sizeof f->heldout_skipped, "%s", e.msg);
        return;
    }
    double s = 0, rel = 0;
    for (size_t k = f->heldout_ntrain; k < n; k++) {
        size_t i = idx[k];
        double pr = f->impl->predict(&f->pb, th, i), r = f->L[i] - pr;
        s += r * r;
        rel += fabs(r) / f->L[i];
    }
    f->heldout_rmse = sqrt(s / (double)ntest);
    f->heldout_mean_abs_rel_error = rel / (double)ntest;
    f->heldout_ok = 1;
}

/* The law's loss at (N, D) for θ: the named forms in closed form, a formula
 * over N and D alone by its program; NaN otherwise. */
static double point(const CimFit *f, const double *t, double N, double D)
{
    if (f->impl == &cim__fit_chinchilla) return exp(t[2]) + exp(t[0] - t[3] * log(N)) + exp(t[1] - t[4] * log(D));
    if (f->impl == &cim__fit_loglinear) return t[0] - t[1] * log(D) - t[2] * log(N);
    if (!f->fm) return NAN;
    const CimFormula *F = f->fm;
    double cols[CIM_FORMULA_MAXCOLS], est[CIM_FIT_MAXP];
    const char *nm[CIM_FIT_MAXP];
    for (int j = 0; j < F->ncols; j++) {
        const char *c = F->colname[j];
        cols[j] = !strcmp(c, "N") || !strcmp(c, "P") || !strcmp(c, "params") ? N
                : !strcmp(c, "D") || !strcmp(c, "D_eff") ? D : NAN;
    }
    f->impl->estimates(&f->pb, t, nm, est);
    return cim_expr_eval(F->law, cols, est);
}

/* An exponent and another estimate whose resamples move together
 * (|rank correlation| > 0.99) lie on a ridge: the data fix a combination of them,
 * not each. Only pairs with an exponent are checked: an intercept and a slope
 * over ln D ≈ 20 are always correlated, and say nothing about the data. */
static void ridge_warnings(CimFit *f)
{
    uint32_t B = f->p.bootstrap;
    int k = f->nestimates, expo[CIM_FIT_MAXP] = {0};
    unsigned fe = f->fm ? cim_expr_exponent_params(f->fm->law) : 0;
    for (int j = 0; j < k; j++) {
        if (f->fm) {
            /* a parameter tied to an exponent is one too */
            int t = f->fm->mode[j] == PAR_TIED ? f->fm->tie[j] : j;
            expo[j] = ((fe >> j) & 1) || ((fe >> t) & 1);
            for (int q = 0; q < f->fm->nth; q++)
                if (f->fm->mode[q] == PAR_TIED && f->fm->tie[q] == j && ((fe >> q) & 1)) expo[j] = 1;
        } else {
            expo[j] = f->impl == &cim__fit_chinchilla && (!strcmp(f->names[j], "alpha") || !strcmp(f->names[j], "beta"));
        }
    }
    /* Spearman's rank correlation over the resamples where every estimate
     * is finite: robust to the heavy tails of a prefactor such as A. */
    size_t m = 0;
    double *rank = malloc((size_t)B * (size_t)k * sizeof *rank), *col = malloc((size_t)B * sizeof *col);
    size_t *ord = malloc((size_t)B * sizeof *ord), *keep = malloc((size_t)B * sizeof *keep);
    int cst[CIM_FIT_MAXP] = {0};
    if (!rank || !col || !ord || !keep) goto out;
    for (uint32_t q = 0; q < B; q++) {
        int ok = 1;
        for (int j = 0; j < k; j++) ok &= isfinite(f->boot[(size_t)q * (size_t)k + (size_t)j]);
        if (ok) keep[m++] = q;
    }
    if (m < 10) goto out;
    for (int j = 0; j < k; j++) {
        for (size_t q = 0; q < m; q++) col[q] = f->boot[keep[q] * (size_t)k + (size_t)j];
        gsl_sort_index(ord, col, 1, m);
        cst[j] = col[ord[0]] == col[ord[m - 1]];
        for (size_t q = 0; q < m; q++) rank[ord[q] * (size_t)k + (size_t)j] = (double)q;
    }
    for (int a = 0; a < k; a++)
        for (int b = a + 1; b < k; b++) {
            if ((!expo[a] && !expo[b]) || cst[a] || cst[b]) continue;
            double mean = 0.5 * (double)(m - 1), sab = 0, saa = 0, sbb = 0;
            for (size_t q = 0; q < m; q++) {
                double x = rank[q * (size_t)k + (size_t)a] - mean, y = rank[q * (size_t)k + (size_t)b] - mean;
                sab += x * y;
                saa += x * x;
                sbb += y * y;
            }
            double r = sab / sqrt(saa * sbb);
            if (fabs(r) > 0.99 && f->nwarn < 8)
                snprintf(f->warn[f->nwarn++], sizeof f->warn[0], "%s and %s lie on a ridge (bootstrap rank correlation %.4f): "
                         "the data fix a combination of them, not each", f->names[a], f->names[b], r);
        }
out:
    free(rank);
    free(col);
    free(ord);
    free(keep);
}

static void bootstrap(CimFit *f)
{
    uint32_t B = f->p.bootstrap;
    size_t n = f->n, nres = n;
    int k = f->nestimates;
    if (f->p.subsample > 0 && f->p.subsample < 1) {
        nres = (size_t)floor(f->p.subsample * (double)n);
        if (nres < 1) nres = 1;
    }
    f->boot = malloc((size_t)B * (size_t)k * sizeof(double));
    f->boot_pred = malloc((size_t)B * 8 * sizeof(double));
    if (!f->boot || !f->boot_pred) {
        f->boot_failed = B;
        return;
    }
    for (size_t q = 0; q < (size_t)B * 8; q++) f->boot_pred[q] = NAN;
    uint32_t failed = 0;
    int threads = f->p.threads > 0 ? f->p.threads : omp_get_max_threads();
    #pragma omp parallel num_threads(threads) reduction(+:failed)
    {
        size_t *idx = malloc(n * sizeof *idx), *all = malloc(n * sizeof *all);
        gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
        for (size_t q = 0; all && q < n; q++) all[q] = q;
        #pragma omp for schedule(dynamic, 1)
        for (uint32_t b = 0; b < B; b++) {
            double *row = f->boot + (size_t)b * (size_t)k;
            double th[CIM_FIT_MAXP], obj, v[CIM_FIT_MAXP];
            const char *nm[CIM_FIT_MAXP];
            CimErr e = {0};
            if (!idx || !rng || !all) {
                for (int j = 0; j < k; j++)
                    row[j] = NAN;
                failed++;
                continue;
            }
            gsl_rng_set(rng, (unsigned long)cim__splitmix64(f->p.seed ^ cim__splitmix64((uint64_t)b)));
            if (nres < n) gsl_ran_choose(rng, idx, nres, all, n, sizeof *idx);
            else for (size_t q = 0; q < n; q++) idx[q] = (size_t)gsl_rng_uniform_int(rng, (unsigned long)n);
            if (f->impl->fit(&f->pb, idx, nres, f->theta, 0, th, &obj, NULL, &e) < 0) {
                for (int j = 0; j < k; j++) row[j] = NAN;
                failed++;
                continue;
            }
            f->impl->estimates(&f->pb, th, nm, v);
            for (int q = 0; q < f->p.npredict; q++)
                f->boot_pred[(size_t)b * 8 + (size_t)q] = point(f, th, f->p.predict_N[q], f->p.predict_D[q]);
            for (int j = 0; j < k; j++) row[j] = isfinite(v[j]) ? v[j] : NAN;
        }
        free(idx);
        free(all);
        gsl_rng_free(rng);
    }
    f->boot_failed = failed;
    double *col = malloc((size_t)B * sizeof *col);
    if (!col) return;
    for (int j = 0; j < k; j++) {
        size_t m = 0;
        for (uint32_t b = 0; b < B; b++) {
            double x = f->boot[(size_t)b * (size_t)k + (size_t)j];
            int bad = 0;
            for (int q = 0; q < k; q++) bad |= isnan(f->boot[(size_t)b * (size_t)k + (size_t)q]);
            if (!bad) col[m++] = x;
        }
        if (m < 2) continue;
        gsl_sort(col, 1, m);
        f->lo[j] = gsl_stats_quantile_from_sorted_data(col, 1, m, 0.025);
        f->hi[j] = gsl_stats_quantile_from_sorted_data(col, 1, m, 0.975);
        f->boot_se[j] = gsl_stats_sd(col, 1, m);
        f->boot_ok = (uint32_t)m;
    }
    for (int q = 0; q < f->p.npredict; q++) {
        size_t m = 0;
        for (uint32_t b = 0; b < B; b++) {
            double x = f->boot_pred[(size_t)b * 8 + (size_t)q];
            if (isfinite(x)) col[m++] = x;
        }
        if (m < 2) continue;
        gsl_sort(col, 1, m);
        f->pred_lo[q] = gsl_stats_quantile_from_sorted_data(col, 1, m, 0.025);
        f->pred_hi[q] = gsl_stats_quantile_from_sorted_data(col, 1, m, 0.975);
    }
    free(col);
    ridge_warnings(f);
}

/* A fit of n runs with its per-row arrays; intervals NaN until computed. */
static CimFit *fit_new(const CimRuns *runs, const CimFitC *c, const CimFitParams *p)
{
    size_t n = runs->n;
    CimFit *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->p = *p;
    f->impl = impl_of(p->form);
    f->n = n;
    f->c = *c;
    f->path = runs->path;
    f->nextra = runs->nextra;
    f->extra = runs->extra;
    f->has_tokens = runs->tokens != NULL;
    f->lnP = malloc(n * sizeof(double));
    f->L = malloc(n * sizeof(double));
    f->lnL = malloc(n * sizeof(double));
    f->lnD = malloc(n * sizeof(double));
    f->Dfix = calloc(n, sizeof(double));
    for (int j = 0; j < CIM_FIT_MAXP; j++)
        f->se[j] = f->boot_se[j] = f->lo[j] = f->hi[j] = NAN;
    f->heldout_rmse = f->heldout_mean_abs_rel_error = NAN;
    if (!f->lnP || !f->L || !f->lnL || !f->lnD || !f->Dfix) {
        cim_fit_free(f);
        return NULL;
    }
    return f;
}

/* Which C each raw column needs (refused without one), and the free ones for free-c. */
static int plan_modalities(CimFit *f, const CimRuns *runs, const CimFitC *c, CimErr *e)
{
    const CimFitParams *p = &f->p;
    int freec = p->form == CIM_FIT_FREEC;
    CIM_RETURN_IF(freec && runs->tokens, e, CIM_ERR_REFUSED,
                  "free-c needs raw_<modality> columns, not a tokens column");
    CIM_RETURN_IF(freec && !runs->raw[CIM_MOD_TEXT], e, CIM_ERR_REFUSED, "free-c needs a raw_text "
                  "column: text's measured C anchors the scale of the others");
    f->pb = (CimFitProblem){
        .n = f->n, .lnP = f->lnP, .L = f->L, .lnL = f->lnL, .lnD = f->lnD, .Dfix = f->Dfix,
        .delta = p->delta, .starts = p->starts, .boot_starts = p->boot_starts,
        .scratch = &f->scratch};
    for (int m = 0; m < CIM_MOD_COUNT; m++) {
        if (!runs->raw[m])
            continue;
        f->used[m] = 1;
        if (freec && m != CIM_MOD_TEXT) {
            /* Starting C: measured, else text's (same tokens per raw byte as text). */
            f->pb.T[m] = runs->raw[m];
            f->pb.freemod[f->pb.nfree++] = m;
            f->pb.C0[m] = c->C[m] > 0 && isfinite(c->C[m]) ? c->C[m] : c->C[CIM_MOD_TEXT];
            continue;
        }
        const char *mod = cim_modality_name((CimModality)m);
        CIM_RETURN_IF(!(c->C[m] > 0) || !isfinite(c->C[m]), e, CIM_ERR_REFUSED,
                      "no measured C for %s (column raw_%s): give --results FILE.json or "
                      "--c %s=VALUE", mod, mod, mod);
    }
    return 0;
}

/* The rows as logs: params and loss positive, D_eff under the starting C
 * (free-c: the free modalities' C0) positive; Dfix, the part of D_eff from the
 * modalities whose C is measured. idx gets every row. */
static int read_rows(CimFit *f, const CimRuns *runs, const CimFitC *c, size_t *idx, CimErr *e)
{
    double Cmix[CIM_MOD_COUNT];
    int skip_free[CIM_MOD_COUNT] = {0};
    for (int m = 0; m < CIM_MOD_COUNT; m++) {
        Cmix[m] = f->pb.T[m] ? f->pb.C0[m] : c->C[m];
        skip_free[m] = f->pb.T[m] != NULL;
    }
    for (size_t i = 0; i < f->n; i++) {
        size_t ln = runs->line[i];
        double P = runs->params[i];
        double L = runs->loss[i];
        CIM_RETURN_IF(!(P > 0) || !isfinite(P), e, CIM_ERR_REFUSED,
                      "%s:%zu: params = %g: must be positive and finite", runs->path, ln, P);
        CIM_RETURN_IF(!(L > 0) || !isfinite(L), e, CIM_ERR_REFUSED,
                      "%s:%zu: loss = %g: must be positive and finite", runs->path, ln, L);
    }
    CIM_CHECK(cim_runs_deff(runs, Cmix, NULL, f->lnD, e));
    if (!runs->tokens)
        CIM_CHECK(cim_runs_deff(runs, c->C, skip_free, f->Dfix, e));
    for (size_t i = 0; i < f->n; i++) {
        double D0 = f->lnD[i];
        CIM_RETURN_IF(!(D0 > 0) || !isfinite(D0), e, CIM_ERR_REFUSED,
                      "%s:%zu: D_eff = %g: must be positive and finite", runs->path,
                      runs->line[i], D0);
        f->lnP[i] = log(runs->params[i]);
        f->L[i] = runs->loss[i];
        f->lnL[i] = log(runs->loss[i]);
        f->lnD[i] = log(D0);
        idx[i] = i;
    }
    return 0;
}

/* A formula form: the law parsed over the runs' columns; its response replaces loss. */
static int build_formula(CimFit *f, const CimRuns *runs, CimErr *e)
{
    const CimFitParams *p = &f->p;
    CIM_RETURN_IF(!p->formula, e, CIM_ERR_REFUSED, "the formula form needs a formula");
    for (size_t i = 0; i < f->n; i++)
        f->Dfix[i] = exp(f->lnD[i]);    /* D_eff, for the formula's D */
    int objective = p->objective ? p->objective : CIM_OBJ_LSQ;
    CIM_CHECK(cim__formula_build(runs, f->Dfix, p->formula, objective, p->delta, p->solver,
                                 &f->fm, e));
    f->pb.fm = f->fm;
    for (size_t i = 0; i < f->n; i++) {
        f->L[i] = f->fm->colv[f->fm->resp][i];
        f->lnL[i] = log(f->L[i]);
    }
    return 0;
}

/* Enough runs for the parameters, and (forms) a decade of range in P and D_eff. */
static int check_determined(CimFit *f, CimErr *e)
{
    size_t n = f->n;
    int formula = f->p.form == CIM_FIT_FORMULA;
    f->k = f->impl->nparams(&f->pb);
    /* A formula is refused only when the runs cannot determine it; thin
     * data is a warning (in the output), not a refusal. */
    CIM_RETURN_IF(formula && n < (size_t)f->k, e, CIM_ERR_REFUSED,
                  "%zu runs for %d free parameters: the formula cannot be determined", n, f->k);
    CIM_RETURN_IF(!formula && n < (size_t)f->k + 2, e, CIM_ERR_REFUSED,
                  "%zu runs for %d parameters: the %s form needs at least %d", n, f->k,
                  f->impl->name, f->k + 2);
    f->decades_P = decades(f->lnP, n, 1);
    f->decades_D = decades(f->lnD, n, 1);
    CIM_RETURN_IF(!formula && f->decades_P < 1, e, CIM_ERR_REFUSED, "params span %.2f decades: "
                  "at least one decade (a factor 10) is needed", f->decades_P);
    CIM_RETURN_IF(!formula && f->decades_D < 1, e, CIM_ERR_REFUSED, "D_eff spans %.2f decades: "
                  "at least one decade (a factor 10) is needed", f->decades_D);
    return 0;
}

/* The fit on every run: estimates, RMSE, AIC, and loglinear's OLS t intervals. */
static int fit_full_data(CimFit *f, const size_t *idx, CimErr *e)
{
    size_t n = f->n;
    CIM_CHECK(f->impl->fit(&f->pb, idx, n, NULL, 1, f->theta, &f->obj, f->se, e));
    f->nestimates = f->impl->estimates(&f->pb, f->theta, f->names, f->est);
    if (f->p.form != CIM_FIT_LOGLINEAR)
        for (int j = 0; j < f->nestimates; j++)
            f->se[j] = NAN;
    double s = sse(f, f->theta, idx, n);
    f->rmse = sqrt(s / (double)n);
    f->aic = (double)n * log(s / (double)n) + 2.0 * f->k;
    if (f->impl == &cim__fit_loglinear && n > 3) {
        /* Without a bootstrap, loglinear still has OLS t intervals. */
        double tq = gsl_cdf_tdist_Pinv(0.975, (double)(n - 3));
        for (int j = 0; j < f->nestimates; j++) {
            f->lo[j] = f->est[j] - tq * f->se[j];
            f->hi[j] = f->est[j] + tq * f->se[j];
        }
    }
    return 0;
}

/* --predict-at: the law's loss at each point (refused where it has none). */
static int predict_points(CimFit *f, CimErr *e)
{
    const CimFitParams *p = &f->p;
    for (int q = 0; q < 8; q++)
        f->pred[q] = f->pred_lo[q] = f->pred_hi[q] = NAN;
    for (int q = 0; q < p->npredict; q++) {
        f->pred[q] = point(f, f->theta, p->predict_N[q], p->predict_D[q]);
        CIM_RETURN_IF(!isfinite(f->pred[q]), e, CIM_ERR_REFUSED, "--predict-at N=%g,D=%g: the %s "
                      "law has no value there (a formula over other columns than N and D, or "
                      "free-c)", p->predict_N[q], p->predict_D[q], f->impl->name);
    }
    return 0;
}

int cim_fit_run(const CimRuns *runs, const CimFitC *c, const CimFitParams *p, CimFit **out,
                CimErr *e)
{
    *out = NULL;
    /* GSL's default error handler aborts the process (a solver meeting a
     * rank-0 Jacobian at a degenerate start, say): the fitter checks return
     * values and objectives instead. */
    gsl_set_error_handler_off();
    CimFit *f = fit_new(runs, c, p);
    size_t *idx = malloc(runs->n * sizeof *idx);
    int rc = 0;
    if (!f || !idx)
        rc = cim_err(e, CIM_ERR_NOMEM, "out of memory");
    if (rc == 0)
        rc = plan_modalities(f, runs, c, e);
    if (rc == 0)
        rc = read_rows(f, runs, c, idx, e);
    if (rc == 0 && p->form == CIM_FIT_FORMULA)
        rc = build_formula(f, runs, e);
    if (rc == 0)
        rc = check_determined(f, e);
    if (rc == 0)
        rc = fit_full_data(f, idx, e);
    if (rc == 0)
        rc = predict_points(f, e);
    if (rc < 0) {
        free(idx);
        cim_fit_free(f);
        return rc;
    }
    heldout(f, idx);
    if (p->bootstrap)
        bootstrap(f);
    free(idx);
    *out = f;
    return 0;
}
