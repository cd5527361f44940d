/*
 * cimeter_fit.h — the public API of libcimeter's scaling-law fitter (doc/fitting.md):
 * runs CSV in, fitted law out; `cimeter fit` and `cimeter predict` are its clients.
 *
 * Flow: cim_runs_read_csv() reads RUNS.csv; a CimFitC holds the measured C_i
 * (from a measure JSON or "text=3.9,image=768"); cim_fit_run() computes
 * D_eff = Σ T_i/C_i, refuses ill-posed fits, fits the chosen form, the
 * held-out check and the bootstrap; cim_fit_write_json() and
 * cim_fit_print_summary() report it. cim_fit_model_load() and the
 * cim_predict_*() calls answer questions from a saved FIT.json.
 *
 * Forms (θ is the internal parameter vector):
 *   loglinear   L = a − b·ln D_eff − c·ln P          θ = (a, b, c), OLS (GSL multifit)
 *   chinchilla  L = E + A/P^α + B/D_eff^β            θ = (ln A, ln B, ln E, α, β), Huber δ on
 *               ln L − LSE(a − α ln P, b − β ln D, e), BFGS (GSL vector_bfgs2) from
 *               Epoch AI's grid
 *   free-c      loglinear with C_i of every non-text modality free (text's fixed):
 *               θ = (a, b, c, ln C_m...), variable projection (OLS inside BFGS)
 *
 * Like the rest of libcimeter nothing here exits; printing happens only into
 * the FILE* a caller passes, and every call returns 0 or a negative CIM_ERR_*
 * code with a message in the caller's CimErr (cimeter.h). Bootstrap resample
 * k draws from an RNG seeded by (seed, k) only, so results are bit-identical
 * for any OpenMP thread count.
 *
 * Usage:
 *     CimRuns *runs; CimFit *fit; CimErr e = {0};
 *     CimFitC c; cim_fitc_init(&c);
 *     cim_fitc_parse(&c, "text=3.9,image=768", &e);
 *     CimFitParams p = cim_fit_default_params();
 *     p.form = CIM_FIT_CHINCHILLA;
 *     if (cim_runs_read_csv("runs.csv", &runs, &e) < 0) ... e.msg ...
 *     if (cim_fit_run(runs, &c, &p, &fit, &e) < 0) ... CIM_ERR_REFUSED: e.msg says why ...
 *     cim_fit_print_summary(fit, stdout);
 *     cim_fit_write_json(fit, "fit.json", 0, NULL, &e);
 *     cim_fit_free(fit);
 *     cim_runs_free(runs);
 *
 * Thread safety: each object is used by one thread at a time; cim_fit_run
 * parallelises its bootstrap internally.
 */
#ifndef CIMETER_FIT_H
#define CIMETER_FIT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "cimeter.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum CimFitForm {
    CIM_FIT_LOGLINEAR = 0,
    CIM_FIT_CHINCHILLA,
    CIM_FIT_FREEC,
    CIM_FIT_FORMULA,     /* a law written as a formula (CimFitParams.formula) */
} CimFitForm;

typedef enum CimFitObjective {
    CIM_OBJ_LSQ = 1,     /* least squares on the raw response (Levenberg–Marquardt) */
    CIM_OBJ_HUBER_LOG,   /* Huber δ on ln y − ln f (Hoffmann et al., Epoch AI) */
    CIM_OBJ_HUBER_LIK,   /* Epoch AI's Huber likelihood of ln y − ln f with a free scale σ */
} CimFitObjective;

enum { CIM_SOLVER_AUTO = 0, CIM_SOLVER_LM, CIM_SOLVER_VARPRO };

const char *cim_fit_objective_name(int objective);   /* "lsq", "huber-log" */
/* A published law by name ("kaplan", "gadre", "data-constrained", ...) as a
 * formula string, NULL for an unknown name. */
const char *cim_fit_named_formula(const char *name);
int         cim_fit_objective_from_name(const char *s);

/* A law as a formula over named columns and parameters (see formula.c for
 * the language of each string). */
typedef struct CimFormulaSpec {
    const char *form;                              /* "L = E + A/N^alpha + B/D^beta" */
    /* --param: "alpha=beta", "E=1.69", "log A", "alpha in [0,2]" */
    const char *const *params;   size_t nparams;
    const char *const *columns;  size_t ncolumns;  /* --column: "M = D/N" */
    const char *const *starts;   size_t nstarts;   /* --start: "alpha=0:2:0.5", "A=1e2,3e2" */
    const char *weight;                            /* --weight: expression over columns, or NULL */
} CimFormulaSpec;

/* "loglinear", "chinchilla", "free-c", "formula" */
const char *cim_fit_form_name(CimFitForm f);
int         cim_fit_form_from_name(const char *s);    /* CimFitForm, or -1 */

/* The training runs of a runs CSV, one per row (opaque). */
typedef struct CimRuns CimRuns;

/* Reads a CSV with a header row; '#' lines and blank lines are skipped,
 * fields may be double-quoted. A missing column, a non-numeric cell or a
 * row of the wrong length is CIM_ERR_USAGE with "PATH:LINE: ..." naming the
 * column. Values are checked later (cim_fit_run), where refusals live. */
int  cim_runs_read_csv(const char *path, CimRuns **out, CimErr *e);
void cim_runs_free(CimRuns *r);
/* Number of data rows. */
size_t cim_runs_count(const CimRuns *r);

/* D_eff per row, the one definition fit, report and plot share: the tokens
 * column when present, else Σ_m raw_m / C[m] over the raw columns present,
 * leaving out modality m where skip (optional) has skip[m] != 0. A raw column
 * without a positive finite C, or a negative or non-finite raw cell, is
 * CIM_ERR_REFUSED naming the column (and the file and line). D_eff itself is
 * not checked here: a row may sum to 0. */
int  cim_runs_deff(const CimRuns *r, const double C[CIM_MOD_COUNT], const int *skip, double *D,
                   CimErr *e);
/* Measured compression factors, NaN where unknown. */
typedef struct CimFitC {
    double C[CIM_MOD_COUNT];
    char   source[CIM_MOD_COUNT][256];   /* "results.json: text:bytes" or "--c" */
} CimFitC;

void cim_fitc_init(CimFitC *c);
/* From measure's JSON: per modality the aggregate whose tokenizer is one of
 * toks[0..ntoks) (exact spec strings, as the results record them), else the
 * modality's first aggregate. A spec no aggregate has is an error. The
 * source string says which file and tokenizer each C came from. */
int  cim_fitc_from_results(CimFitC *c, const char *json_path, const char *const *toks,
                           size_t ntoks, CimErr *e);
/* "text=3.9,image=768": overrides what is already there. */
int  cim_fitc_parse(CimFitC *c, const char *list, CimErr *e);

#define CIM_FIT_GRID_STARTS 4500     /* Epoch AI's grid of initial values */

typedef struct CimFitParams {
    CimFitForm form;
    uint32_t   bootstrap;    /* resamples (0 = no intervals) */
    uint64_t   seed;
    int        starts;       /* chinchilla: BFGS from the best `starts` grid points (by objective
                                at the start); 0 or ≥ 4500 = from all of them */
    int        boot_starts;  /* chinchilla, per resample: the full-data optimum plus this many */
    double     delta;        /* Huber δ (1e-3) */
    double     heldout;      /* fraction of the largest-compute runs held out (0.2) */
    double     heldout_above;/* > 0: hold out the runs with 6·P·D_eff above this instead */
    double     subsample;    /* 0: bootstrap resamples n rows with replacement; in (0, 1):
                                each resample is ⌊subsample·n⌋ rows without replacement */
    int        threads;      /* OpenMP threads for the bootstrap, 0 = default */
    const CimFormulaSpec *formula;   /* CIM_FIT_FORMULA */
    int        npredict;     /* prediction points: the loss there with a bootstrap interval */
    double     predict_N[8], predict_D[8];
    int        objective;    /* formula: CimFitObjective */
    int        solver;       /* formula, lsq: CIM_SOLVER_AUTO (variable projection where
                                parameters enter linearly) or CIM_SOLVER_LM (all by LM) */
} CimFitParams;

CimFitParams cim_fit_default_params(void);

typedef struct CimFit CimFit;

int  cim_fit_run(const CimRuns *runs, const CimFitC *c, const CimFitParams *p, CimFit **out,
                 CimErr *e);
/* argv is recorded as `command`; path NULL or "-" = stdout. */
int  cim_fit_write_json(const CimFit *f, const char *path, int argc, char **argv, CimErr *e);
void cim_fit_print_summary(const CimFit *f, FILE *out);
/* Likelihood-ratio test of this fit against another fit of the same runs
 * (a FIT.json with a log_likelihood): 2(ll − ll0) against χ² with the
 * difference in parameter counts as degrees of freedom, the fit with more
 * parameters taken as the alternative. Recorded in the JSON and summary. */
int cim_fit_lrt(CimFit *f, const char *other_json, CimErr *e);
/* Named estimate of a fit, NaN when the form has no such name. */
double cim_fit_estimate(const CimFit *f, const char *name);
double cim_fit_objective(const CimFit *f);
void cim_fit_free(CimFit *f);

/* Hoffmann et al.'s approach 2 (isoflop.c): runs grouped by budget, a
 * parabola of loss in ln N per budget, N* ∝ C^a across budgets. */
typedef struct CimIsoflopParams {
    const double *budgets;       /* the budgets runs snap to; NULL: 1, 3, 6 × 10^k */
    size_t      nbudgets;
    double      snap;            /* decades a run may lie from its budget (0.1) */
    const char *flops_column;    /* the budget of a run from this column; NULL: 6 N D_eff */
    int         weighted;        /* the N*-C line weighted by runs per budget */
    double      at;              /* report N* at this budget (0: none) */
    uint32_t    bootstrap;
    uint64_t    seed;
    int         threads;
} CimIsoflopParams;

typedef struct CimIsoflop CimIsoflop;
/* D: D_eff per run (cim_runs_deff), unread with flops_column. */
int    cim_isoflop_run(const CimRuns *runs, const double *D, const CimIsoflopParams *p,
                       CimIsoflop **out, CimErr *e);
/* argv is recorded as `command`; path "-" = stdout. */
int    cim_isoflop_write_json(const CimIsoflop *r, const char *path, int argc, char **argv,
                              CimErr *e);
void   cim_isoflop_print_summary(const CimIsoflop *r, FILE *out);
double cim_isoflop_exponent(const CimIsoflop *r, double *lo, double *hi);
void   cim_isoflop_free(CimIsoflop *r);

/* A fitted law read back from FIT.json, for `predict`. Read-only for callers:
 * form, the named estimates of its form, and for formula fits the other
 * columns the law needs (extra[k] with its value extra_v[k]). */
typedef struct CimFitModel {
    CimFitForm form;
    double E, A, B, alpha, beta;     /* chinchilla */
    double a, b, c;                  /* loglinear, free-c */
    /* formula fits: the law over columns 0 = N, 1 = D and the other columns
     * it names (values from cim_fit_model_set; NaN until set) */
    struct CimExpr *law;             /* internal: the parsed law */
    double th[16];                   /* internal: its parameters */
    int    nextra;
    char   extra[14][64];
    double extra_v[14];
    char   formula[1024];
    /* internal: the fit's bootstrap resamples (FIT.json's bootstrap_estimates), nboot rows of
     * the estimates named boot_names; th_col[j]: the column of formula parameter j */
    int    nboot, nboot_names, th_col[16];
    char   boot_names[16][64];
    double *boot;
} CimFitModel;

void cim_fit_model_free(CimFitModel *m);
/* "unique_tokens=1e10,k=3": values of the formula's other columns. */
int  cim_fit_model_set(CimFitModel *m, const char *assignments, CimErr *e);

int    cim_fit_model_load(const char *path, CimFitModel *m, CimErr *e);
double cim_fit_model_loss(const CimFitModel *m, double P, double D);
/* Compute-optimal P and D for a budget of `flops` (C = 6·P·D); formula fits
 * numerically (the minimum over ln P, refused when it is at an end). */
int cim_predict_compute_optimal(const CimFitModel *m, double flops, double *P, double *D,
                                double *L, CimErr *e);
/* The bootstrap interval of that answer: the answer under each resample's estimates
 * (FIT.json written with --bootstrap N), and the 2.5th and 97.5th percentiles of P, D and L
 * over the resamples that have one (lo[0..3), hi[0..3): P, D, L). Returns the number of
 * resamples used; 0 when the fit has none; *refused: resamples without an answer. */
int cim_predict_compute_optimal_interval(const CimFitModel *m, double flops, double lo[3],
                                         double hi[3], int *refused);
/* Smallest P reaching `target` with D_eff = D; data P needs for `target`.
 * CIM_ERR_REFUSED (with the reason) when the target is out of reach. */
int cim_predict_params_for(const CimFitModel *m, double target, double D, double *P, CimErr *e);
int cim_predict_data_for(const CimFitModel *m, double target, double P, double *D, CimErr *e);

#ifdef __cplusplus
}
#endif
#endif /* CIMETER_FIT_H */
