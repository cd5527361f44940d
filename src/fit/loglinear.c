/*
 * loglinear.c — L = a − b·ln D_eff − c·ln P, the form of Sun & Guo's
 * hypothesis (doc/fitting.md), by ordinary least squares (gsl_multifit_linear) on
 * columns [1, −ln D, −ln P]. Standard errors are the usual OLS ones,
 * sqrt(diag((XᵀX)⁻¹)·RSS/(n − 3)). The objective is the RSS.
 */
#include <gsl/gsl_multifit.h>
#include <math.h>
#include "common/err.h"
#include "fit/fit_impl.h"

int cim__ols3(const double *y, const double *x1, const double *x2, const size_t *idx, size_t n,
              double *beta, double *rss, double *se)
{
    if (n < 4) return CIM_ERR_REFUSED;
    gsl_matrix *X = gsl_matrix_alloc(n, 3), *cov = gsl_matrix_alloc(3, 3);
    gsl_vector *Y = gsl_vector_alloc(n), *B = gsl_vector_alloc(3);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, 3);
    int rc = 0;
    if (!X || !cov || !Y || !B || !w) { rc = CIM_ERR_NOMEM; goto done; }
    for (size_t k = 0; k < n; k++) {
        size_t i = idx[k];
        gsl_matrix_set(X, k, 0, 1.0);
        gsl_matrix_set(X, k, 1, -x1[i]);
        gsl_matrix_set(X, k, 2, -x2[i]);
        gsl_vector_set(Y, k, y[i]);
    }
    double chisq;
    if (gsl_multifit_linear(X, Y, B, cov, &chisq, w) != GSL_SUCCESS) { rc = CIM_ERR_REFUSED; goto done; }
    for (int j = 0; j < 3; j++) {
        beta[j] = gsl_vector_get(B, (size_t)j);
        if (se) se[j] = sqrt(gsl_matrix_get(cov, (size_t)j, (size_t)j) * chisq / (double)(n - 3));
    }
    *rss = chisq;
    if (!isfinite(chisq)) rc = CIM_ERR_REFUSED;
done:
    gsl_matrix_free(X); gsl_matrix_free(cov); gsl_vector_free(Y); gsl_vector_free(B);
    gsl_multifit_linear_free(w);
    return rc;
}

static int np_ll(const CimFitProblem *pb) { (void)pb; return 3; }

static int fit_ll(const CimFitProblem *pb, const size_t *idx, size_t n, const double *hint,
                  int full_data, double *theta, double *obj, double *se, CimErr *e)
{
    (void)hint; (void)full_data;
    int rc = cim__ols3(pb->L, pb->lnD, pb->lnP, idx, n, theta, obj, se);
    CIM_RETURN_IF(rc < 0, e, rc, "loglinear: least squares failed (collinear P and D_eff?)");
    return 0;
}

static double pred_ll(const CimFitProblem *pb, const double *t, size_t i)
{
    return t[0] - t[1] * pb->lnD[i] - t[2] * pb->lnP[i];
}

static int est_ll(const CimFitProblem *pb, const double *t, const char **names, double *v)
{
    (void)pb;
    names[0] = "a"; names[1] = "b"; names[2] = "c";
    v[0] = t[0]; v[1] = t[1]; v[2] = t[2];
    return 3;
}

const CimFitFormImpl cim__fit_loglinear = {
    .name = "loglinear",
    .objective = "sum of squared residuals of L",
    .nparams = np_ll, .fit = fit_ll, .predict = pred_ll, .estimates = est_ll,
};
