/*
 * chinchilla.c — L = E + A/P^α + B/D^β, fitted as Hoffmann et al. 2022 and
 * Epoch AI (Besiroglu et al. 2024, arXiv:2404.10102), doc/fitting.md.
 *
 * θ = (a, b, e, α, β) with A = e^a, B = e^b, E = e^e. The objective is
 *     Σ_i Huber_δ( LSE(a − α ln P_i, b − β ln D_i, e) − ln L_i ),   δ = 1e-3,
 * Huber(r) = r²/2 for |r| ≤ δ, else δ(|r| − δ/2) (scipy.special.huber).
 * It is C¹ with an analytic gradient; GSL's vector_bfgs2 minimises it.
 *
 * Starts: Epoch's grid e ∈ {−1, −.5, 0, .5, 1}, a, b ∈ {0, 5, …, 25},
 * α, β ∈ {0, .5, …, 2} (np.arange(−1, 1.5, .5) etc.: 4,500 points). The
 * full-data fit covers the whole grid by variable projection (below): for
 * fixed (α, β) the best (a, b, e) is solved for, so the grid's 4,500 points
 * reduce to their 25 distinct exponent pairs (--starts N < 25 runs the N
 * with the lowest projected starting objective). Before, BFGS ran from the
 * 100 grid points with the lowest starting objective (4,500 with
 * --starts all: 6.5 CPU s; the projection takes 0.27 s and reaches the same
 * optimum to 2e-17 in the objective).
 * A bootstrap resample runs BFGS from the full-data optimum and the
 * `boot_starts` (default 1) grid points that start best on the full data;
 * with 0, 1 or 4 the Chinchilla bootstrap SEs agree to 4 digits.
 *
 * Every start is first run with a loose stop (screening); the five best are
 * then polished by BFGS over all five parameters with a tight one. Surprise worth knowing: with δ = 1e-3 most
 * residuals sit on the linear arm of the Huber loss, so the surface is nearly
 * piecewise linear and BFGS stops early (GSL_ENOPROG) at a kink; a polishing
 * run is therefore restarted from where it stopped until a restart no longer
 * improves the objective. Minimising in centred coordinates (see bfgs())
 * cut the iterations per run from ~1,500 to ~200.
 *
 * Result on the Chinchilla points: objective 0.0010182740178 (scipy's
 * L-BFGS-B from the same grid: 0.0010182740179), E 1.81722, A 477.83,
 * B 2143.4, α 0.347311, β 0.367172.
 */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/err.h"
#include "fit/fit_impl.h"

#define NP 5
#define POLISH 5     /* screened starts polished tightly */

typedef struct Ctx {
    const CimFitProblem *pb;
    const size_t *idx;
    size_t n;
    double xm, ym;     /* centring of ln P and ln D (0 = none) */
} Ctx;

static double eval(const Ctx *c, const double *t, double *g)
{
    const CimFitProblem *pb = c->pb;
    const double a = t[0], b = t[1], e = t[2], al = t[3], be = t[4], d = pb->delta;
    double f = 0, ga = 0, gb = 0, ge = 0, gal = 0, gbe = 0;
    for (size_t k = 0; k < c->n; k++) {
        size_t i = c->idx[k];
        double x = pb->lnP[i] - c->xm, y = pb->lnD[i] - c->ym;
        double u1 = a - al * x, u2 = b - be * y, u3 = e;
        /* LSE with the largest term factored out (its weight is exactly 1:
         * one exp fewer per row). */
        double w1, w2, w3;
        if (u1 >= u2 && u1 >= u3) { w1 = 1; w2 = exp(u2 - u1); w3 = exp(u3 - u1); }
        else if (u2 >= u3) { w2 = 1; w1 = exp(u1 - u2); w3 = exp(u3 - u2); }
        else { w3 = 1; w1 = exp(u1 - u3); w2 = exp(u2 - u3); }
        double m = fmax(u1, fmax(u2, u3)), s = w1 + w2 + w3;
        double r = m + log(s) - pb->lnL[i], dh;
        if (fabs(r) <= d) { f += 0.5 * r * r; dh = r; }
        else { f += d * (fabs(r) - 0.5 * d); dh = r > 0 ? d : -d; }
        if (g) {
            dh /= s;
            ga += dh * w1; gb += dh * w2; ge += dh * w3;
            gal -= dh * w1 * x; gbe -= dh * w2 * y;
        }
    }
    if (g) { g[0] = ga; g[1] = gb; g[2] = ge; g[3] = gal; g[4] = gbe; }
    return f;
}

double cim__chinchilla_objective(const CimFitProblem *pb, const size_t *idx, size_t n, const double *theta)
{
    Ctx c = {pb, idx, n, 0, 0};
    return eval(&c, theta, NULL);
}

static double gf(const gsl_vector *x, void *p) { return eval(p, x->data, NULL); }
static void gdf(const gsl_vector *x, void *p, gsl_vector *g) { eval(p, x->data, g->data); }
static void gfdf(const gsl_vector *x, void *p, double *f, gsl_vector *g) { *f = eval(p, x->data, g->data); }

/* BFGS from th (in place, uncentred θ); returns the objective reached.
 * It works on centred covariates, a' = a − α·mean ln P (b' likewise): the
 * same objective, but a and α are no longer nearly collinear (ln P ≈ 20), and
 * BFGS needs a few hundred iterations instead of thousands.
 * loose: one pass, stopped once an iteration gains less than 1e-9 of the
 * objective (screening; scipy's L-BFGS-B default stops near there). tight:
 * restarted until a restart gains nothing (polishing the best screened). */
static double bfgs(Ctx *c, gsl_multimin_fdfminimizer *s, double *th, int tight, long *iters)
{
    gsl_multimin_function_fdf F = {gf, gdf, gfdf, NP, c};
    th[0] -= th[3] * c->xm;
    th[1] -= th[4] * c->ym;
    gsl_vector_view x = gsl_vector_view_array(th, NP);
    double best = eval(c, th, NULL);
    for (int restart = 0; restart < (tight ? 20 : 1); restart++) {
        /* Line-search tolerance 0.5 (GSL suggests 0.1): a looser line search
         * cuts evaluations by a third here and reaches the same optimum. */
        gsl_multimin_fdfminimizer_set(s, &F, &x.vector, 0.01, 0.5);
        double prev = best;
        for (int it = 0; it < 2000; it++) {
            if (iters) (*iters)++;
            if (gsl_multimin_fdfminimizer_iterate(s) != GSL_SUCCESS) break;
            if (gsl_multimin_test_gradient(s->gradient, 1e-11) == GSL_SUCCESS) break;
            if (!tight && prev - s->f <= 1e-9 * fabs(s->f)) break;
            prev = s->f;
        }
        double f = s->f;
        if (!(f < best) || !isfinite(f)) break;
        int small = best - f < 1e-14 * (1 + fabs(f));
        best = f;
        memcpy(th, s->x->data, sizeof(double) * NP);
        if (small) break;
    }
    th[0] += th[3] * c->xm;
    th[1] += th[4] * c->ym;
    return best;
}

/* ---- variable projection with IRLS --------------------------------------
 * For fixed exponents (α, β) the objective is a function of (a', b', e) alone
 * (E, A, B in logs): the inner problem, solved to convergence by
 * iteratively reweighted least squares (Huber weights ω = min(1, δ/|r|),
 * Gauss–Newton on the LSE, step halving until the objective does not rise).
 * The outer search is BFGS over (α, β) alone on the projected objective
 * g(α, β) = min over (a', b', e); its gradient is the full gradient's (α, β)
 * part at the inner optimum (the inner gradient is zero there). The grid's
 * e, a, b values need no starts: its 4,500 points project to their 25
 * distinct (α, β). */

typedef struct VP {
    Ctx  *c;
    double lin[3];      /* a', b', e: the inner solution, warm start of the next */
    long  inner;        /* inner IRLS iterations */
    long  outer;        /* outer function evaluations */
    int   tight;        /* inner solves to the last bit (polishing) */
    double best_f;      /* the lowest projected objective of this search */
    double best[NP];    /* and its centred θ: each inner solve starts from its a', b', e */
} VP;

/* One pass at θ = (a', b', e, α, β) (centred): the objective, and with H, Hn,
 * g the normal equations over (a', b', e): IRLS H = Σ ω J Jᵀ, Newton's Hn,
 * and the gradient g = Σ ω r J (ω r = ρ'(r)). */
static double irls_pass(const Ctx *c, const double *t, double H[3][3], double Hn[3][3], double g[3])
{
    const CimFitProblem *pb = c->pb;
    const double d = pb->delta;
    double f = 0;
    if (H) { memset(H, 0, 9 * sizeof(double)); memset(Hn, 0, 9 * sizeof(double)); memset(g, 0, 3 * sizeof(double)); }
    for (size_t k = 0; k < c->n; k++) {
        size_t i = c->idx[k];
        double u1 = t[0] - t[3] * (pb->lnP[i] - c->xm), u2 = t[1] - t[4] * (pb->lnD[i] - c->ym), u3 = t[2];
        double m = fmax(u1, fmax(u2, u3));
        double w1 = exp(u1 - m), w2 = exp(u2 - m), w3 = exp(u3 - m), s = w1 + w2 + w3;
        double r = m + log(s) - pb->lnL[i], a = fabs(r);
        f += a <= d ? 0.5 * r * r : d * (a - 0.5 * d);
        if (!H) continue;
        double om = a <= d ? 1 : d / a, J[3] = {w1 / s, w2 / s, w3 / s};
        for (int p = 0; p < 3; p++) {
            g[p] += om * J[p] * r;
            for (int q = 0; q <= p; q++) H[p][q] += om * J[p] * J[q];
            /* Newton: ρ''(r) J Jᵀ + ρ'(r) ∇²LSE, ∇²LSE = diag(J) − J Jᵀ. */
            for (int q = 0; q <= p; q++)
                Hn[p][q] += ((a <= d) - om * r) * J[p] * J[q] + (p == q ? om * r * J[p] : 0);
        }
    }
    return f;
}

/* Solves the 3×3 symmetric system H x = b (lower triangle given) by Cholesky
 * with a small ridge (a degenerate exponent, α = 0, makes a' and e collinear). */
static int solve3(double H[3][3], const double *b, double *x)
{
    double L[3][3] = {{0}}, tr = H[0][0] + H[1][1] + H[2][2], y[3];
    double ridge = 1e-12 * (tr > 0 ? tr : 1);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j <= i; j++) {
            double v = H[i][j] + (i == j ? ridge : 0);
            for (int k = 0; k < j; k++) v -= L[i][k] * L[j][k];
            if (i == j) {
                if (!(v > 0)) return -1;
                L[i][i] = sqrt(v);
            } else L[i][j] = v / L[j][j];
        }
    for (int i = 0; i < 3; i++) {
        double v = b[i];
        for (int k = 0; k < i; k++) v -= L[i][k] * y[k];
        y[i] = v / L[i][i];
    }
    for (int i = 2; i >= 0; i--) {
        double v = y[i];
        for (int k = i + 1; k < 3; k++) v -= L[k][i] * x[k];
        x[i] = v / L[i][i];
    }
    return 0;
}

/* The inner problem at exponents (al, be): (a', b', e) from vp->lin, in place;
 * returns the objective reached. */
static double irls(VP *vp, double al, double be)
{
    double t[NP] = {vp->lin[0], vp->lin[1], vp->lin[2], al, be}, H[3][3], Hn[3][3], g[3], step[3];
    double f = irls_pass(vp->c, t, H, Hn, g);
    for (int it = 0; it < 500 && isfinite(f); it++) {
        vp->inner++;
        double mg[3] = {-g[0], -g[1], -g[2]}, fn = INFINITY, tn[NP], lam = 1, big = 0;
        /* Newton's step first (Hn: ρ''(r) J Jᵀ + ρ'(r) ∇²LSE, exact once the
         * rows on each arm of the Huber loss settle); the IRLS step (always
         * a descent direction) when it fails or does not descend. */
        for (int kind = 0; kind < 2 && !(fn < f); kind++) {
            /* Both solve against the true gradient: ω r is ρ'(r) on both arms. */
            if (solve3(kind == 0 ? Hn : H, mg, step) < 0) {
                if (kind == 0) continue;
                break;
            }
            big = fmax(fabs(step[0]), fmax(fabs(step[1]), fabs(step[2])));
            lam = big > 5 ? 5 / big : 1;
            for (int h = 0; h < (kind == 0 ? 4 : 60); h++, lam *= 0.5) {
                memcpy(tn, t, sizeof tn);
                for (int p = 0; p < 3; p++) tn[p] += lam * step[p];
                fn = irls_pass(vp->c, tn, NULL, NULL, NULL);
                if (fn <= f) break;
            }
            if (!(fn <= f)) fn = INFINITY;
        }
        if (!(fn <= f)) break;
        double moved = lam * big;
        int small = vp->tight ? f - fn <= 1e-16 * f || moved < 1e-14 : f - fn <= 1e-13 * f || moved < 1e-10;
        memcpy(t, tn, sizeof t);
        f = irls_pass(vp->c, t, H, Hn, g);
        if (small) break;
    }
    memcpy(vp->lin, t, 3 * sizeof(double));
    return f;
}

/* The projected objective and its gradient in (α, β). */
static double vp_eval(VP *vp, const double *ab, double *grad)
{
    vp->outer++;
    /* Warm start from the best point so far, not the last one tried (a
     * trial far off can leave a coefficient at a flat e^-30). */
    if (isfinite(vp->best_f)) memcpy(vp->lin, vp->best, 3 * sizeof(double));
    double f = irls(vp, ab[0], ab[1]);
    if (f < vp->best_f) {
        vp->best_f = f;
        memcpy(vp->best, vp->lin, 3 * sizeof(double));
        vp->best[3] = ab[0];
        vp->best[4] = ab[1];
    }
    if (grad) {
        double t[NP] = {vp->lin[0], vp->lin[1], vp->lin[2], ab[0], ab[1]}, gf[NP];
        eval(vp->c, t, gf);
        grad[0] = gf[3];
        grad[1] = gf[4];
    }
    return f;
}

static double vp_f(const gsl_vector *x, void *p) { return vp_eval(p, x->data, NULL); }
static void vp_df(const gsl_vector *x, void *p, gsl_vector *g) { vp_eval(p, x->data, g->data); }
static void vp_fdf(const gsl_vector *x, void *p, double *f, gsl_vector *g) { *f = vp_eval(p, x->data, g->data); }

/* BFGS over (α, β) on the projected objective from th (θ, uncentred: its
 * a, b, e start the inner solve; fresh: from the mean loss instead). Loose:
 * stopped once an iteration gains less than 1e-10 (screening); tight:
 * restarted until a restart gains nothing, the inner solves to the last bit
 * (polishing). th gets the end (uncentred); returns its objective. */
static double vp_search(VP *vp, gsl_multimin_fdfminimizer *s2, double *th, int fresh, int tight)
{
    gsl_multimin_function_fdf F = {vp_f, vp_df, vp_fdf, 2, vp};
    const Ctx *c = vp->c;
    double ab[2] = {th[3], th[4]};
    if (fresh) {
        double Lm = 0;
        for (size_t k = 0; k < c->n; k++) Lm += c->pb->L[c->idx[k]];
        for (int p = 0; p < 3; p++) vp->lin[p] = log(Lm / (double)c->n / 3);
    } else {
        vp->lin[0] = th[0] - th[3] * c->xm;
        vp->lin[1] = th[1] - th[4] * c->ym;
        vp->lin[2] = th[2];
    }
    vp->tight = tight;
    vp->best_f = INFINITY;
    double best = vp_eval(vp, ab, NULL);
    for (int restart = 0; isfinite(best) && restart < (tight ? 20 : 1); restart++) {
        ab[0] = vp->best[3];
        ab[1] = vp->best[4];
        gsl_vector_view x = gsl_vector_view_array(ab, 2);
        gsl_multimin_fdfminimizer_set(s2, &F, &x.vector, 0.01, 0.5);
        double prev = best;
        for (int it = 0; it < 500; it++) {
            if (gsl_multimin_fdfminimizer_iterate(s2) != GSL_SUCCESS) break;
            if (gsl_multimin_test_gradient(s2->gradient, tight ? 1e-14 : 1e-11) == GSL_SUCCESS) break;
            if (!tight && prev - s2->f <= 1e-10 * fabs(s2->f)) break;
            prev = s2->f;
        }
        int small = best - vp->best_f < 1e-15 * (1 + fabs(vp->best_f));
        best = vp->best_f;
        if (small) break;
    }
    vp->tight = 0;
    const double *b = vp->best;
    th[0] = b[0] + b[3] * c->xm;
    th[1] = b[1] + b[4] * c->ym;
    th[2] = b[2];
    th[3] = b[3];
    th[4] = b[4];
    return vp->best_f;
}

static void grid_point(int k, double *t)
{
    /* The order of Epoch's product loop: e, a, b, α, β (β fastest). */
    int ib = k % 5, ia = (k / 5) % 5, jb = (k / 25) % 6, ja = (k / 150) % 6, ie = k / 900;
    t[0] = 5.0 * ja; t[1] = 5.0 * jb; t[2] = -1.0 + 0.5 * ie; t[3] = 0.5 * ia; t[4] = 0.5 * ib;
}

typedef struct Ranked { double f; int k; } Ranked;
static int cmp_ranked(const void *x, const void *y)
{
    const Ranked *a = x, *b = y;
    if (a->f != b->f) return a->f < b->f ? -1 : 1;
    return a->k - b->k;
}

static int np_chin(const CimFitProblem *pb) { (void)pb; return NP; }

static int fit_chin(const CimFitProblem *pb, const size_t *idx, size_t n, const double *hint,
                    int full_data, double *theta, double *obj, double *se, CimErr *e)
{
    (void)se;
    Ctx c = {pb, idx, n, 0, 0};
    for (size_t k = 0; k < n; k++) { c.xm += pb->lnP[idx[k]]; c.ym += pb->lnD[idx[k]]; }
    c.xm /= (double)n;
    c.ym /= (double)n;
    gsl_multimin_fdfminimizer *s = gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, NP);
    CIM_RETURN_IF(!s, e, CIM_ERR_NOMEM, "out of memory");
    double best = INFINITY, t[NP];
    int runs = 0;
    struct timespec t0, c0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    VP vp = {.c = &c, .best_f = INFINITY};
    gsl_multimin_fdfminimizer *s2 = gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, 2);
    if (!s2) { gsl_multimin_fdfminimizer_free(s); return cim_err(e, CIM_ERR_NOMEM, "out of memory"); }
    long polish_iters = 0;
    if (full_data) {
        /* Variable projection from the grid's 25 distinct exponent pairs
         * (--starts N < 25: the N whose projected starting objective is
         * lowest); the POLISH best polished by BFGS over all five
         * parameters, restarted until a restart gains nothing. */
        enum { NAB = 25 };
        double th[NAB][NP];
        Ranked done[NAB], order[NAB];
        for (int j = 0; j < NAB; j++) {
            th[j][3] = 0.5 * (j / 5);
            th[j][4] = 0.5 * (j % 5);
            order[j].k = j;
            order[j].f = 0;
        }
        int ns = pb->starts <= 0 || pb->starts > NAB ? NAB : pb->starts;
        if (ns < NAB) {
            double Lm = 0;
            for (size_t k = 0; k < n; k++) Lm += pb->L[idx[k]];
            for (int j = 0; j < NAB; j++) {
                for (int p = 0; p < 3; p++) vp.lin[p] = log(Lm / (double)n / 3);
                vp.best_f = INFINITY;
                order[j].f = vp_eval(&vp, th[j] + 3, NULL);
                if (!isfinite(order[j].f)) order[j].f = INFINITY;
            }
            qsort(order, NAB, sizeof *order, cmp_ranked);
        }
        for (int j = 0; j < ns; j++) {
            int q = order[j].k;
            done[j].f = vp_search(&vp, s2, th[q], 1, 0);
            if (!isfinite(done[j].f)) done[j].f = INFINITY;
            done[j].k = q;
            runs++;
        }
        qsort(done, (size_t)ns, sizeof *done, cmp_ranked);
        for (int j = 0; j < ns && j < POLISH; j++) {
            memcpy(t, th[done[j].k], sizeof t);
            double f = bfgs(&c, s, t, 1, &polish_iters);
            if (f < best) { best = f; memcpy(theta, t, sizeof t); }
        }
        if (pb->scratch) {
            /* The resamples' extra starts: the best grid points by starting
             * objective on the full data. */
            int keep = pb->boot_starts < 0 ? 0 : pb->boot_starts > 64 ? 64 : pb->boot_starts;
            Ranked *rk = keep ? malloc(CIM_FIT_GRID_STARTS * sizeof *rk) : NULL;
            if (keep && !rk) {
                gsl_multimin_fdfminimizer_free(s);
                gsl_multimin_fdfminimizer_free(s2);
                return cim_err(e, CIM_ERR_NOMEM, "out of memory");
            }
            for (int k = 0; k < CIM_FIT_GRID_STARTS && keep; k++) {
                grid_point(k, t);
                rk[k].f = cim__chinchilla_objective(pb, idx, n, t);
                if (!isfinite(rk[k].f)) rk[k].f = INFINITY;
                rk[k].k = k;
            }
            if (keep) qsort(rk, CIM_FIT_GRID_STARTS, sizeof *rk, cmp_ranked);
            for (int j = 0; j < keep; j++) grid_point(rk[j].k, pb->scratch->starts[j]);
            free(rk);
            pb->scratch->nstarts = keep;
            pb->scratch->bfgs_runs = runs;
        }
    } else {
        /* A resample: BFGS from the full-data optimum and the kept grid
         * points (loose), the best polished tightly. From the optimum, the
         * projected search costs more than it saves here. */
        int ns = pb->scratch ? pb->scratch->nstarts : 0;
        for (int j = -1; j < ns; j++) {
            if (j < 0 && !hint) continue;
            memcpy(t, j < 0 ? hint : pb->scratch->starts[j], sizeof t);
            double f = bfgs(&c, s, t, 0, NULL);
            if (f < best) { best = f; memcpy(theta, t, sizeof t); }
        }
        if (isfinite(best)) best = bfgs(&c, s, theta, 1, NULL);
    }
    gsl_multimin_fdfminimizer_free(s2);
    if (full_data && pb->scratch) {
        pb->scratch->iterations = vp.inner;
        pb->scratch->outer_iterations = vp.outer;
        pb->scratch->polish_iterations = polish_iters;
    }
    gsl_multimin_fdfminimizer_free(s);
    if (full_data && pb->scratch) {
        struct timespec t1, c1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
        pb->scratch->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        pb->scratch->cpu_seconds = (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec);
    }
    CIM_RETURN_IF(!isfinite(best), e, CIM_ERR_REFUSED, "chinchilla: the minimiser found no finite objective");
    *obj = best;
    return 0;
}

static double pred_chin(const CimFitProblem *pb, const double *t, size_t i)
{
    return exp(t[2]) + exp(t[0] - t[3] * pb->lnP[i]) + exp(t[1] - t[4] * pb->lnD[i]);
}

static int est_chin(const CimFitProblem *pb, const double *t, const char **names, double *v)
{
    (void)pb;
    static const char *const nm[NP] = {"E", "A", "B", "alpha", "beta"};
    double val[NP] = {exp(t[2]), exp(t[0]), exp(t[1]), t[3], t[4]};
    for (int k = 0; k < NP; k++) { names[k] = nm[k]; v[k] = val[k]; }
    return NP;
}

const CimFitFormImpl cim__fit_chinchilla = {
    .name = "chinchilla",
    .objective = "sum of Huber(delta) of ln L - LSE(a - alpha ln P, b - beta ln D_eff, e)",
    .nparams = np_chin, .fit = fit_chin, .predict = pred_chin, .estimates = est_chin,
};
