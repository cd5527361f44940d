/*
 * freec.c — the free-c form (doc/fitting.md): the loglinear law
 *     L = a − b·ln D_eff − c·ln P,   D_eff = T_text/C_text + Σ_m T_m/C_m,
 * with C_text fixed to its measured value and C_m of every other modality in
 * the CSV free. θ = (a, b, c, ln C_m...). Scaling every C leaves the law
 * unchanged (a absorbs it), so text's fixed C anchors the scale; without a
 * raw_text column the fit is refused.
 *
 * Variable projection: for fixed φ = ln C the law is linear in (a, b, c), so
 * the objective minimised over φ alone is the OLS residual sum RSS(φ) (a 2×2
 * solve on centred data). Its gradient needs no derivative of (a, b, c) (they
 * are optimal): dRSS/dφ_m = −2·b·Σ_i r_i·w_im, w_im = (T_mi/C_m)/D_eff,i.
 * GSL's vector_bfgs2 minimises RSS(φ) from a grid of starts around the
 * measured C (or, without one, the C giving every modality the text's share
 * of tokens): factors e^{−4.6…4.6} per free modality for the full-data fit,
 * the full-data optimum and the measured C for a resample.
 */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "fit/fit_impl.h"

typedef struct Ctx {
    const CimFitProblem *pb;
    const size_t *idx;
    size_t n;
    double *lnD, *w;     /* n; n × nfree */
    double abc[3];       /* OLS at the last evaluation */
} Ctx;

/* ln D_eff of row i under φ. */
static double lnD_at(const CimFitProblem *pb, const double *phi, size_t i, double *w)
{
    double D = pb->Dfix[i], part[CIM_MOD_COUNT];
    for (int j = 0; j < pb->nfree; j++) { part[j] = pb->T[pb->freemod[j]][i] * exp(-phi[j]); D += part[j]; }
    if (w) for (int j = 0; j < pb->nfree; j++) w[j] = part[j] / D;
    return log(D);
}

/* RSS(φ) with its gradient; (a, b, c) left in c->abc. */
static double eval(Ctx *c, const double *phi, double *g)
{
    const CimFitProblem *pb = c->pb;
    size_t n = c->n;
    int nf = pb->nfree;
    double my = 0, m1 = 0, m2 = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = c->idx[k];
        c->lnD[k] = lnD_at(pb, phi, i, c->w + k * (size_t)nf);
        my += pb->L[i]; m1 += c->lnD[k]; m2 += pb->lnP[i];
    }
    my /= (double)n; m1 /= (double)n; m2 /= (double)n;
    double s11 = 0, s12 = 0, s22 = 0, s1y = 0, s2y = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = c->idx[k];
        double y = pb->L[i] - my, x1 = c->lnD[k] - m1, x2 = pb->lnP[i] - m2;
        s11 += x1 * x1; s12 += x1 * x2; s22 += x2 * x2; s1y += x1 * y; s2y += x2 * y;
    }
    double det = s11 * s22 - s12 * s12;
    if (!(fabs(det) > 1e-300)) return INFINITY;
    /* y ≈ β1·x1 + β2·x2 with β1 = −b, β2 = −c */
    double b1 = (s22 * s1y - s12 * s2y) / det, b2 = (s11 * s2y - s12 * s1y) / det;
    double b = -b1, cc = -b2, a = my - b1 * m1 - b2 * m2;
    c->abc[0] = a; c->abc[1] = b; c->abc[2] = cc;
    double rss = 0, gr[CIM_MOD_COUNT] = {0};
    for (size_t k = 0; k < n; k++) {
        size_t i = c->idx[k];
        double r = pb->L[i] - (a - b * c->lnD[k] - cc * pb->lnP[i]);
        rss += r * r;
        for (int j = 0; j < nf; j++) gr[j] += r * c->w[k * (size_t)nf + (size_t)j];
    }
    if (g) for (int j = 0; j < nf; j++) g[j] = -2.0 * b * gr[j];
    return rss;
}

static double gf(const gsl_vector *x, void *p) { return eval(p, x->data, NULL); }
static void gdf(const gsl_vector *x, void *p, gsl_vector *g) { eval(p, x->data, g->data); }
static void gfdf(const gsl_vector *x, void *p, double *f, gsl_vector *g) { *f = eval(p, x->data, g->data); }

static double bfgs(Ctx *c, gsl_multimin_fdfminimizer *s, double *phi)
{
    size_t nf = (size_t)c->pb->nfree;
    gsl_multimin_function_fdf F = {gf, gdf, gfdf, nf, c};
    gsl_vector_view x = gsl_vector_view_array(phi, nf);
    double best = eval(c, phi, NULL);
    if (!isfinite(best)) return best;
    for (int restart = 0; restart < 10; restart++) {
        gsl_multimin_fdfminimizer_set(s, &F, &x.vector, 0.1, 0.1);
        for (int it = 0; it < 1000; it++) {
            if (gsl_multimin_fdfminimizer_iterate(s) != GSL_SUCCESS) break;
            if (gsl_multimin_test_gradient(s->gradient, 1e-12) == GSL_SUCCESS) break;
        }
        double f = s->f;
        if (!(f < best) || !isfinite(f)) break;
        int small = best - f < 1e-15 * (1 + f);
        best = f;
        memcpy(phi, s->x->data, sizeof(double) * nf);
        if (small) break;
    }
    return best;
}

static int np_fc(const CimFitProblem *pb) { return 3 + pb->nfree; }

static int fit_fc(const CimFitProblem *pb, const size_t *idx, size_t n, const double *hint,
                  int full_data, double *theta, double *obj, double *se, CimErr *e)
{
    (void)se;
    int nf = pb->nfree;
    CIM_RETURN_IF(nf < 1, e, CIM_ERR_REFUSED, "free-c: no non-text raw_<modality> column to free");
    Ctx c = {pb, idx, n, malloc(n * sizeof(double)), malloc(n * (size_t)nf * sizeof(double)), {0}};
    gsl_multimin_fdfminimizer *s = gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, (size_t)nf);
    if (!c.lnD || !c.w || !s) {
        free(c.lnD); free(c.w); gsl_multimin_fdfminimizer_free(s);
        return cim_err(e, CIM_ERR_NOMEM, "out of memory");
    }
    static const double off_main[] = {-4.6, -2.3, 0, 2.3, 4.6};
    int noff = full_data ? 5 : 1, total = 1;
    for (int j = 0; j < nf; j++) total *= noff;
    double best = INFINITY, phi[CIM_MOD_COUNT], bphi[CIM_MOD_COUNT] = {0};
    for (int k = -1; k < total; k++) {
        if (k < 0) {
            if (!hint) continue;
            for (int j = 0; j < nf; j++) phi[j] = hint[3 + j];
        } else {
            for (int j = 0, q = k; j < nf; j++, q /= noff)
                phi[j] = log(pb->C0[pb->freemod[j]]) + (full_data ? off_main[q % noff] : 0.0);
        }
        double f = bfgs(&c, s, phi);
        if (f < best) { best = f; memcpy(bphi, phi, sizeof phi); }
    }
    int ok = isfinite(best);
    if (ok) {
        eval(&c, bphi, NULL);
        memcpy(theta, c.abc, sizeof c.abc);
        for (int j = 0; j < nf; j++) theta[3 + j] = bphi[j];
        *obj = best;
    }
    free(c.lnD); free(c.w);
    gsl_multimin_fdfminimizer_free(s);
    CIM_RETURN_IF(!ok, e, CIM_ERR_REFUSED, "free-c: the minimiser found no finite objective");
    return 0;
}

static double pred_fc(const CimFitProblem *pb, const double *t, size_t i)
{
    return t[0] - t[1] * lnD_at(pb, t + 3, i, NULL) - t[2] * pb->lnP[i];
}

static int est_fc(const CimFitProblem *pb, const double *t, const char **names, double *v)
{
    static const char *const cn[CIM_MOD_COUNT] = {"C_text", "C_image", "C_video", "C_audio"};
    names[0] = "a"; names[1] = "b"; names[2] = "c";
    v[0] = t[0]; v[1] = t[1]; v[2] = t[2];
    for (int j = 0; j < pb->nfree; j++) { names[3 + j] = cn[pb->freemod[j]]; v[3 + j] = exp(t[3 + j]); }
    return 3 + pb->nfree;
}

const CimFitFormImpl cim__fit_freec = {
    .name = "free-c",
    .objective = "sum of squared residuals of L (C of non-text modalities free)",
    .nparams = np_fc, .fit = fit_fc, .predict = pred_fc, .estimates = est_fc,
};
