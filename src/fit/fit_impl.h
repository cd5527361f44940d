/* fit_impl.h — internals shared by the fitter's files (not public). */
#ifndef CIM_FIT_IMPL_H
#define CIM_FIT_IMPL_H
#include "fit/expr.h"
#include "fit/fit.h"

#define CIM_FIT_MAXP 16  /* largest θ: a formula's parameters (CIM_EXPR_MAXGRAD) */
#define CIM_FORMULA_MAXCOLS 64

typedef struct CimFormula CimFormula;
enum { PAR_FREE, PAR_FROZEN, PAR_TIED };   /* a formula parameter's mode */

/* The data of one fit, in the logs the forms use. Index arrays pick rows
 * (with repeats for a bootstrap resample). */
typedef struct CimFitProblem {
    size_t        n;
    const double *lnP, *L, *lnL;
    const double *lnD;                 /* ln D_eff under the measured C (loglinear, chinchilla) */
    const double *Dfix;                /* free-c: T_text/C_text per row (0 without text) */
    const double *T[CIM_MOD_COUNT];    /* free-c: raw bytes of each free modality, else NULL */
    int           nfree, freemod[CIM_MOD_COUNT];
    double        C0[CIM_MOD_COUNT];   /* free-c: starting C of each free modality */
    double        delta;               /* Huber δ */
    int           starts;              /* chinchilla: grid points to run BFGS from (≤ 4500) */
    int           boot_starts;
    const CimFormula *fm;              /* formula forms */
    struct CimFitScratch *scratch;     /* written by the full-data fit only (one thread), read after */
} CimFitProblem;

/* A formula law bound to the runs (formula.c). θ: the formula's parameters;
 * u: the free ones in the minimiser's coordinates (log, logistic). */
struct CimFormula {
    CimExpr *law;
    char    *lhs;                          /* response column as written */
    char     text[1024];                   /* the formula as given */
    int      objective;                    /* CimFitObjective */
    double   delta;                        /* Huber δ */
    int      ncols, resp;                  /* columns used; the response's index */
    char    *colname[CIM_FORMULA_MAXCOLS];
    double  *colv[CIM_FORMULA_MAXCOLS];    /* per column, n values */
    double  *row;                          /* n × ncols, row-major */
    double  *lny;                          /* ln of the response per row (Huber objectives) */
    double  *w;                            /* --weight per row, NULL = 1 */
    int      nth, nu;
    char    *pname[CIM_EXPR_MAXGRAD];
    int      mode[CIM_EXPR_MAXGRAD], tie[CIM_EXPR_MAXGRAD], logp[CIM_EXPR_MAXGRAD], bounded[CIM_EXPR_MAXGRAD];
    double   fixed[CIM_EXPR_MAXGRAD], lo[CIM_EXPR_MAXGRAD], hi[CIM_EXPR_MAXGRAD];
    int      th_of_u[CIM_EXPR_MAXGRAD];
    double  *grid;                         /* ngrid × nu starts in u */
    int      ngrid;
    /* Variable projection (lsq): the free parameters that enter linearly
     * (u indexes lin_u[0..nlin)) are solved exactly inside the search over
     * the others (nl_u[0..nnl)). varpro == 0: plain LM over all. */
    int      varpro, nlin, nnl;
    int      lin_u[CIM_EXPR_MAXGRAD], nl_u[CIM_EXPR_MAXGRAD];
};

int  cim__formula_build(const CimRuns *runs, const double *D, const CimFormulaSpec *sp, int objective, double delta,
                        int solver, CimFormula **out, CimErr *e);
void cim__formula_free(CimFormula *F);
const char *cim__formula_param_role(const CimFormula *F, int j, char *buf, size_t n);
const char *cim__formula_solver_text(const CimFormula *F, char *buf, size_t n);
const char *cim__fit_formula_text(const CimFit *f);
double cim__fit_loglik(const CimFit *f);
/* The bootstrap's seed mixer (resample k of seed s: splitmix64(s ^ splitmix64(k))). */
uint64_t cim__splitmix64(uint64_t x);

/* What the full-data fit leaves for the resamples. */
typedef struct CimFitScratch {
    double starts[64][CIM_FIT_MAXP];   /* chinchilla: the best grid points on the full data, best first */
    int    nstarts;
    int    bfgs_runs;                  /* minimiser runs in the full-data fit */
    long   iterations;                 /* minimiser iterations in the full-data fit (chinchilla:
                                          inner IRLS iterations of the variable projection) */
    long   outer_iterations;           /* variable projection: projected-objective evaluations */
    long   inner_iterations;           /* formula, Huber variable projection: inner IRLS/Newton steps */
    long   polish_iterations;          /* chinchilla: BFGS iterations of the polish */
    double seconds;                    /* wall time of the full-data fit (formula, chinchilla) */
    double cpu_seconds;                /* its CPU time (one thread) */
} CimFitScratch;

/* One law: a const struct per form (FFmpeg style). */
typedef struct CimFitFormImpl {
    const char *name;
    const char *objective;             /* what `objective` sums, for the output */
    int  (*nparams)(const CimFitProblem *pb);
    /* Fits rows idx[0..n). hint (optional): a θ to start from too (the
     * full-data optimum, for resamples); full_data != 0 for the full-data fit
     * (all configured starts) and 0 for a resample. se (optional) gets
     * analytic standard errors of the estimates where the form has them. */
    int  (*fit)(const CimFitProblem *pb, const size_t *idx, size_t n, const double *hint,
                int full_data, double *theta, double *obj, double *se, CimErr *e);
    double (*predict)(const CimFitProblem *pb, const double *theta, size_t row);
    /* Named estimates from θ; returns the count. */
    int  (*estimates)(const CimFitProblem *pb, const double *theta, const char **names, double *v);
} CimFitFormImpl;

/* A fit's result (opaque in fit.h). Points into the CimRuns it was made
 * from (path, carried column names): the runs outlive the fit. */
struct CimFit {
    CimFitParams p;
    const CimFitFormImpl *impl;
    CimFitProblem pb;
    CimFitScratch scratch;
    CimFormula *fm;                     /* formula forms, else NULL */
    CimFitC c;                          /* the measured C given */
    int    used[CIM_MOD_COUNT];         /* raw_<modality> columns present */
    int    has_tokens;
    const char *path;
    size_t nextra;
    char *const *extra;
    size_t n;
    int    k;                           /* fitted parameters */
    double *lnP, *L, *lnL, *lnD, *Dfix; /* per row */
    double decades_P, decades_D;
    double theta[CIM_FIT_MAXP], obj, rmse, aic;
    int    nestimates;                  /* named estimates: the form's parameters, derived ones */
    const char *names[CIM_FIT_MAXP];
    double est[CIM_FIT_MAXP], se[CIM_FIT_MAXP];          /* se: analytic (loglinear), else NaN */
    double boot_se[CIM_FIT_MAXP], lo[CIM_FIT_MAXP], hi[CIM_FIT_MAXP];
    double *boot;                       /* bootstrap × nestimates */
    uint32_t boot_ok, boot_failed;
    /* The held-out check: the law refitted without the largest-compute runs. */
    int    heldout_ok;                  /* done; else heldout_skipped says why not */
    size_t heldout_ntrain, heldout_ntest;
    double heldout_rmse, heldout_mean_abs_rel_error;   /* on the held-out runs */
    char   heldout_skipped[600];
    int    has_lrt;
    char   lrt_other[512];
    double lrt_ll0, lrt_stat, lrt_p;
    int    lrt_k0, lrt_df;
    double pred[8], pred_lo[8], pred_hi[8];   /* the loss at the prediction points */
    double *boot_pred;                  /* bootstrap × npredict */
    int    nwarn;
    char   warn[8][256];                /* identifiability warnings, for the output */
};

extern const CimFitFormImpl cim__fit_loglinear, cim__fit_chinchilla, cim__fit_freec, cim__fit_formula;

/* Chinchilla objective on rows idx (for tests and the start pruning). */
double cim__chinchilla_objective(const CimFitProblem *pb, const size_t *idx, size_t n, const double *theta);

/* OLS of y on columns [1, −x1, −x2] over rows idx (loglinear core; used by free-c too).
 * beta = (a, b, c); returns RSS; se (optional) the standard errors. */
int cim__ols3(const double *y, const double *x1, const double *x2, const size_t *idx, size_t n,
              double *beta, double *rss, double *se);

#endif
