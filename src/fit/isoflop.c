/*
 * isoflop.c — Hoffmann et al.'s approach 2 (IsoFLOP profiles): runs grouped
 * by training budget, a parabola of loss in ln N per budget, its minimum N*,
 * and the power law N* ∝ C^a fitted across budgets.
 *
 * Choices the paper leaves open, written down here and in doc/fitter.md:
 * - budget of a run: C = 6·N·D (D = D_eff), or a FLOP column when given;
 * - snapping: each run goes to the nearest listed budget when
 *   |log10 C − log10 budget| ≤ snap (default 0.1 decade), else it is left
 *   out (counted). Default budgets: 1, 3 and 6 × 10^k over the data's range
 *   (Hoffmann's nine budgets, 6e18 … 3e21, are of this series);
 * - per budget: ordinary least squares of L on (1, x, x²), x = ln N centred;
 *   a budget needs 4 runs with 3 distinct N, and an interior minimum (x²
 *   coefficient > 0, minimum inside its runs' range of N); others are refused
 *   with the reason and take no part;
 * - across budgets: least squares of ln N* on ln C (optionally weighted by
 *   the budget's run count); at least 2 budgets;
 * - intervals: percentile bootstrap (2.5%, 97.5%), resampling runs with
 *   replacement within each budget; in a resample a budget that loses its
 *   interior minimum is left out, and a resample left with fewer than 2
 *   budgets is counted as failed. Resample k draws from an RNG seeded by
 *   (seed, k) only: results are the same for any thread count.
 */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <jansson.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common/err.h"
#include "out/out.h"
#include "fit/fit_impl.h"

#define MIN_RUNS 4

typedef struct Budget {
    double C, lnC;
    size_t n, *rows;
    size_t *cls;                 /* per run: the position of the first run with its N */
    int ok;
    char reason[160];
    double coef[3], xc;          /* L = c0 + c1 (x − xc) + c2 (x − xc)², x = ln N */
    double lnNstar, Lstar;
} Budget;

struct CimIsoflop {
    CimIsoflopParams p;
    const char *path;
    size_t nruns, left_out;
    int nb, nok;
    Budget *b;
    double *lnN, *L;             /* per run */
    double a, k;                 /* ln N* = k + a ln C */
    double a_lo, a_hi, a_se, n_at, n_at_lo, n_at_hi;
    uint32_t boot_ok, boot_failed;
    char budgets_rule[200];
    double cpu_seconds;          /* the fit and its bootstrap, all threads */
};

/* Parabola through rows (with repeats), among which `distinct` values of N;
 * returns 0 with the minimum, or -1 with the reason. */
static int parabola(const double *lnN, const double *L, const size_t *rows, size_t n,
                    int distinct, double *coef, double *xc, double *xstar, double *Lstar,
                    char *reason, size_t rn)
{
    double lo = INFINITY, hi = -INFINITY, m = 0;
    for (size_t k = 0; k < n; k++) {
        double x = lnN[rows[k]];
        lo = fmin(lo, x);
        hi = fmax(hi, x);
        m += x;
    }
    if (n < MIN_RUNS || distinct < 3) {
        if (reason) snprintf(reason, rn, "%zu runs with %d distinct N: a parabola needs %d runs and 3 distinct N", n, distinct, MIN_RUNS);
        return -1;
    }
    m /= (double)n;
    /* Normal equations in u = (ln N - m) / half-range: centred and scaled, the
     * 3 x 3 system is well conditioned, and solving it costs far less than an
     * SVD of the n x 3 design (the bootstrap solves thousands). */
    double half = (hi - lo) / 2;
    double su[5] = {0}, sy[3] = {0};
    for (size_t k = 0; k < n; k++) {
        double u = (lnN[rows[k]] - m) / half;
        double y = L[rows[k]];
        double p = 1;
        for (int j = 0; j < 5; j++) {
            su[j] += p;
            if (j < 3)
                sy[j] += p * y;
            p *= u;
        }
    }
    double normal[9] = {su[0], su[1], su[2], su[1], su[2], su[3], su[2], su[3], su[4]};
    gsl_matrix_view A = gsl_matrix_view_array(normal, 3, 3);
    gsl_vector_view rhs = gsl_vector_view_array(sy, 3);
    double cu[3];
    gsl_vector_view c = gsl_vector_view_array(cu, 3);
    if (gsl_linalg_cholesky_decomp1(&A.matrix) || gsl_linalg_cholesky_solve(&A.matrix, &rhs.vector, &c.vector)) {
        if (reason)
            snprintf(reason, rn, "the parabola's least-squares system is singular");
        return -1;
    }
    coef[0] = cu[0];
    coef[1] = cu[1] / half;
    coef[2] = cu[2] / (half * half);
    *xc = m;
    double xs = m - coef[1] / (2 * coef[2]);
    if (!(coef[2] > 0)) {
        if (reason)
            snprintf(reason, rn, "no interior minimum: the parabola opens downwards "
                     "(x^2 coefficient %.3g)", coef[2]);
        return -1;
    }
    if (xs < lo || xs > hi) {
        if (reason)
            snprintf(reason, rn, "no interior minimum: the parabola's minimum N = %.3g lies "
                     "outside the runs' N [%.3g, %.3g]", exp(xs), exp(lo), exp(hi));
        return -1;
    }
    *xstar = xs;
    *Lstar = coef[0] - coef[1] * coef[1] / (4 * coef[2]);
    return 0;
}

/* The number of distinct N among the runs at positions pos[0..n) of budget b. */
static int distinct_n(const Budget *b, const size_t *pos, size_t n, unsigned char *seen)
{
    int d = 0;
    for (size_t k = 0; k < n; k++) {
        size_t c = b->cls[pos[k]];
        d += !seen[c];
        seen[c] = 1;
    }
    for (size_t k = 0; k < n; k++) seen[b->cls[pos[k]]] = 0;
    return d;
}

/* ln N* = k + a ln C over the budgets with a minimum (weights: run counts). */
static int regress(const double *lnC, const double *lnNs, const double *wt, int m, int weighted, double *a, double *k)
{
    if (m < 2) return -1;
    double sw = 0, sx = 0, sy = 0;
    for (int j = 0; j < m; j++) {
        double w = weighted ? wt[j] : 1;
        sw += w; sx += w * lnC[j]; sy += w * lnNs[j];
    }
    double mx = sx / sw, my = sy / sw, sxx = 0, sxy = 0;
    for (int j = 0; j < m; j++) {
        double w = weighted ? wt[j] : 1;
        sxx += w * (lnC[j] - mx) * (lnC[j] - mx);
        sxy += w * (lnC[j] - mx) * (lnNs[j] - my);
    }
    if (!(sxx > 0)) return -1;
    *a = sxy / sxx;
    *k = my - *a * mx;
    return 0;
}

void cim_isoflop_free(CimIsoflop *r)
{
    if (!r) return;
    for (int j = 0; j < r->nb; j++) {
        free(r->b[j].rows);
        free(r->b[j].cls);
    }
    free(r->b);
    free(r->lnN);
    free(r->L);
    free(r);
}

int cim_isoflop_run(const CimRuns *runs, const double *D, const CimIsoflopParams *p, CimIsoflop **out, CimErr *e)
{
    *out = NULL;
    gsl_set_error_handler_off();      /* return values are checked; never abort the process */
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    size_t n = runs->n;
    CimIsoflop *r = calloc(1, sizeof *r);
    CIM_RETURN_IF(!r, e, CIM_ERR_NOMEM, "out of memory");
    r->p = *p;
    r->path = runs->path;
    r->nruns = n;
    r->lnN = malloc(n * sizeof *r->lnN);
    r->L = malloc(n * sizeof *r->L);
    double *lnC = malloc(n * sizeof *lnC);
    int rc = 0, fcol = -1;
#define FAIL(code, ...) do { rc = cim_err(e, code, __VA_ARGS__); goto done; } while (0)
    if (!r->lnN || !r->L || !lnC) FAIL(CIM_ERR_NOMEM, "out of memory");
    if (p->flops_column && (fcol = cim_runs_extra_col(runs, p->flops_column)) < 0)
        FAIL(CIM_ERR_USAGE, "--flops-column: %s has no column '%s'", runs->path, p->flops_column);
    double cmin = INFINITY, cmax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double N = runs->params[i], L = runs->loss[i], C = fcol >= 0 ? runs->extra_v[fcol][i] : 6 * N * D[i];
        if (!(N > 0) || !isfinite(N)) FAIL(CIM_ERR_REFUSED, "%s:%zu: params = %g: must be positive and finite", runs->path, runs->line[i], N);
        if (!isfinite(L)) FAIL(CIM_ERR_REFUSED, "%s:%zu: loss = %g: must be finite", runs->path, runs->line[i], L);
        if (!(C > 0) || !isfinite(C)) FAIL(CIM_ERR_REFUSED, "%s:%zu: budget C = %g: must be positive and finite", runs->path, runs->line[i], C);
        r->lnN[i] = log(N);
        r->L[i] = L;
        lnC[i] = log(C);
        cmin = fmin(cmin, C);
        cmax = fmax(cmax, C);
    }
    /* The budgets. */
    double *B = NULL;
    size_t nB = 0;
    if (p->nbudgets) {
        B = malloc(p->nbudgets * sizeof *B);
        if (!B) FAIL(CIM_ERR_NOMEM, "out of memory");
        memcpy(B, p->budgets, p->nbudgets * sizeof *B);
        nB = p->nbudgets;
        snprintf(r->budgets_rule, sizeof r->budgets_rule, "given (--budgets)");
    } else {
        int k0 = (int)floor(log10(cmin)) - 1, k1 = (int)ceil(log10(cmax)) + 1;
        if (k1 - k0 > 60) FAIL(CIM_ERR_REFUSED, "budgets span more than 60 decades");
        B = malloc((size_t)(k1 - k0 + 1) * 3 * sizeof *B);
        if (!B) FAIL(CIM_ERR_NOMEM, "out of memory");
        for (int k = k0; k <= k1; k++)
            for (int m = 0; m < 3; m++) {
                double v = (m == 0 ? 1 : m == 1 ? 3 : 6) * pow(10, k);
                if (fabs(log10(v) - log10(cmin)) <= p->snap || fabs(log10(v) - log10(cmax)) <= p->snap || (v > cmin && v < cmax))
                    B[nB++] = v;
            }
        snprintf(r->budgets_rule, sizeof r->budgets_rule, "1, 3 and 6 x 10^k over the runs' range");
    }
    r->b = calloc(nB ? nB : 1, sizeof *r->b);
    if (!r->b) { free(B); FAIL(CIM_ERR_NOMEM, "out of memory"); }
    r->nb = (int)nB;
    for (size_t j = 0; j < nB; j++) {
        r->b[j].C = B[j];
        r->b[j].lnC = log(B[j]);
        r->b[j].rows = malloc(n * sizeof(size_t));
        if (!r->b[j].rows) { free(B); FAIL(CIM_ERR_NOMEM, "out of memory"); }
    }
    free(B);
    for (size_t i = 0; i < n; i++) {
        int best = -1;
        double bd = INFINITY, l10 = lnC[i] / M_LN10;
        for (int j = 0; j < r->nb; j++) {
            double d = fabs(l10 - r->b[j].lnC / M_LN10);
            if (d < bd) { bd = d; best = j; }
        }
        if (best >= 0 && bd <= p->snap) r->b[best].rows[r->b[best].n++] = i;
        else r->left_out++;
    }
    /* Drop empty budgets; fit the others. */
    int m = 0;
    for (int j = 0; j < r->nb; j++) {
        if (!r->b[j].n) { free(r->b[j].rows); continue; }
        r->b[m++] = r->b[j];
    }
    r->nb = m;
    /* Runs of a budget with the same N share a class (a resample's distinct N are its distinct
     * classes); pos: 0, 1, ..., the positions of the full data. */
    size_t nmax = 0;
    for (int j = 0; j < r->nb; j++) nmax = r->b[j].n > nmax ? r->b[j].n : nmax;
    size_t *pos = malloc((nmax ? nmax : 1) * sizeof *pos);
    unsigned char *seen = calloc(nmax ? nmax : 1, 1);
    if (!pos || !seen) {
        free(pos);
        free(seen);
        FAIL(CIM_ERR_NOMEM, "out of memory");
    }
    for (size_t t = 0; t < nmax; t++) pos[t] = t;
    for (int j = 0; j < r->nb; j++) {
        Budget *b = &r->b[j];
        b->cls = malloc(b->n * sizeof *b->cls);
        if (!b->cls) {
            free(pos);
            free(seen);
            FAIL(CIM_ERR_NOMEM, "out of memory");
        }
        for (size_t t = 0; t < b->n; t++) {
            b->cls[t] = t;
            for (size_t u = 0; u < t; u++)
                if (r->lnN[b->rows[u]] == r->lnN[b->rows[t]]) { b->cls[t] = b->cls[u]; break; }
        }
    }
    double xl[256], yl[256], wl[256];
    for (int j = 0; j < r->nb; j++) {
        Budget *b = &r->b[j];
        int distinct = distinct_n(b, pos, b->n, seen);
        b->ok = parabola(r->lnN, r->L, b->rows, b->n, distinct, b->coef, &b->xc,
                         &b->lnNstar, &b->Lstar, b->reason, sizeof b->reason) == 0;
        if (b->ok && r->nok < 256) {
            xl[r->nok] = b->lnC;
            yl[r->nok] = b->lnNstar;
            wl[r->nok] = (double)b->n;
            r->nok++;
        }
    }
    free(pos);
    free(seen);
    if (regress(xl, yl, wl, r->nok, p->weighted, &r->a, &r->k) < 0)
        FAIL(CIM_ERR_REFUSED, "%d budget(s) with an interior minimum: the N*-C line needs at least 2", r->nok);
    r->a_lo = r->a_hi = r->a_se = r->n_at_lo = r->n_at_hi = NAN;
    r->n_at = p->at > 0 ? exp(r->k + r->a * log(p->at)) : NAN;

    if (p->bootstrap) {
        uint32_t Bn = p->bootstrap;
        double *as = malloc(Bn * sizeof *as), *ns = malloc(Bn * sizeof *ns);
        if (!as || !ns) { free(as); free(ns); FAIL(CIM_ERR_NOMEM, "out of memory"); }
        uint32_t failed = 0;
        int threads = p->threads > 0 ? p->threads : omp_get_max_threads();
        #pragma omp parallel num_threads(threads) reduction(+:failed)
        {
            size_t cap = nmax ? nmax : 1;
            size_t *rows = malloc(cap * sizeof *rows), *bpos = malloc(cap * sizeof *bpos);
            unsigned char *bseen = calloc(nmax ? nmax : 1, 1);
            gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
            int ready = rows && bpos && bseen && rng;
            #pragma omp for schedule(dynamic, 4)
            for (uint32_t q = 0; q < Bn; q++) {
                as[q] = ns[q] = NAN;
                if (!ready) { failed++; continue; }
                gsl_rng_set(rng, (unsigned long)cim__splitmix64(p->seed ^ cim__splitmix64((uint64_t)q)));
                double bx[256], by[256], bw[256], coef[3], xc, xs, Ls;
                int mo = 0;
                for (int j = 0; j < r->nb; j++) {
                    const Budget *b = &r->b[j];
                    if (!b->ok) continue;        /* refused on the full data: no part in any resample */
                    for (size_t t = 0; t < b->n; t++) {
                        bpos[t] = gsl_rng_uniform_int(rng, (unsigned long)b->n);
                        rows[t] = b->rows[bpos[t]];
                    }
                    int distinct = distinct_n(b, bpos, b->n, bseen);
                    int ok = parabola(r->lnN, r->L, rows, b->n, distinct, coef, &xc, &xs,
                                      &Ls, NULL, 0) == 0;
                    if (ok && mo < 256) {
                        bx[mo] = b->lnC; by[mo] = xs; bw[mo] = (double)b->n; mo++;
                    }
                }
                double a, k;
                if (regress(bx, by, bw, mo, p->weighted, &a, &k) < 0) { failed++; continue; }
                as[q] = a;
                ns[q] = p->at > 0 ? exp(k + a * log(p->at)) : NAN;
            }
            free(rows);
            free(bpos);
            free(bseen);
            if (rng) gsl_rng_free(rng);
        }
        size_t ok = 0;
        for (uint32_t q = 0; q < Bn; q++)
            if (isfinite(as[q])) { as[ok] = as[q]; ns[ok] = ns[q]; ok++; }
        r->boot_ok = (uint32_t)ok;
        r->boot_failed = failed;
        if (ok >= 2) {
            gsl_sort(as, 1, ok);
            r->a_lo = gsl_stats_quantile_from_sorted_data(as, 1, ok, 0.025);
            r->a_hi = gsl_stats_quantile_from_sorted_data(as, 1, ok, 0.975);
            r->a_se = gsl_stats_sd(as, 1, ok);
            if (p->at > 0) {
                gsl_sort(ns, 1, ok);
                r->n_at_lo = gsl_stats_quantile_from_sorted_data(ns, 1, ok, 0.025);
                r->n_at_hi = gsl_stats_quantile_from_sorted_data(ns, 1, ok, 0.975);
            }
        }
        free(as);
        free(ns);
    }
done:
    free(lnC);
    if (rc < 0) { cim_isoflop_free(r); return rc; }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    r->cpu_seconds = (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec);
    *out = r;
    return 0;
#undef FAIL
}

double cim_isoflop_exponent(const CimIsoflop *r, double *lo, double *hi)
{
    if (lo) *lo = r->a_lo;
    if (hi) *hi = r->a_hi;
    return r->a;
}

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

int cim_isoflop_write_json(const CimIsoflop *r, const char *path, int argc, char **argv, CimErr *e)
{
    json_t *root = json_object(), *cmd = json_array(), *bs = json_array();
    json_object_set_new(root, "schema", json_string("cimeter.isoflop/1"));
    for (int i = 0; i < argc; i++) json_array_append_new(cmd, json_string(argv[i]));
    json_object_set_new(root, "command", cmd);
    json_object_set_new(root, "runs", json_string(r->path));
    json_object_set_new(root, "form", json_string("isoflop"));
    json_object_set_new(root, "formula", json_string("ln N* = k + a ln C; per budget L = c0 + c1 x + c2 x^2, x = ln N"));
    json_object_set_new(root, "n_points", json_integer((json_int_t)r->nruns));
    json_object_set_new(root, "runs_left_out", json_integer((json_int_t)r->left_out));
    json_object_set_new(root, "budgets_with_minimum", json_integer(r->nok));
    for (int j = 0; j < r->nb; j++) {
        const Budget *b = &r->b[j];
        json_t *o = json_object();
        json_object_set_new(o, "C", num(b->C));
        json_object_set_new(o, "runs", json_integer((json_int_t)b->n));
        json_object_set_new(o, "interior_minimum", json_boolean(b->ok));
        double lo = INFINITY, hi = -INFINITY;
        for (size_t t = 0; t < b->n; t++) { lo = fmin(lo, r->lnN[b->rows[t]]); hi = fmax(hi, r->lnN[b->rows[t]]); }
        json_t *rg = json_array();
        json_array_append_new(rg, num(exp(lo)));
        json_array_append_new(rg, num(exp(hi)));
        json_object_set_new(o, "N_range", rg);
        if (b->n >= MIN_RUNS) {
            /* The parabola in x = ln N (uncentred), for drawing. */
            double c0 = b->coef[0] - b->coef[1] * b->xc + b->coef[2] * b->xc * b->xc;
            double c1 = b->coef[1] - 2 * b->coef[2] * b->xc;
            json_t *pc = json_array();
            json_array_append_new(pc, num(c0));
            json_array_append_new(pc, num(c1));
            json_array_append_new(pc, num(b->coef[2]));
            json_object_set_new(o, "parabola_lnN", pc);
        }
        if (b->ok) {
            json_object_set_new(o, "N_star", num(exp(b->lnNstar)));
            json_object_set_new(o, "loss_at_N_star", num(b->Lstar));
        } else {
            json_object_set_new(o, "refused", json_string(b->reason));
        }
        json_array_append_new(bs, o);
    }
    json_object_set_new(root, "budgets", bs);
    json_t *est = json_object(), *iv = json_object();
    json_object_set_new(est, "a", num(r->a));
    json_object_set_new(est, "k", num(r->k));
    if (isfinite(r->a_lo)) {
        json_t *pair = json_array();
        json_array_append_new(pair, num(r->a_lo));
        json_array_append_new(pair, num(r->a_hi));
        json_object_set_new(iv, "a", pair);
    }
    if (r->p.at > 0) {
        json_object_set_new(est, "N_star_at", num(r->n_at));
        json_object_set_new(est, "D_star_at", num(r->p.at / (6 * r->n_at)));
        if (isfinite(r->n_at_lo)) {
            json_t *pair = json_array();
            json_array_append_new(pair, num(r->n_at_lo));
            json_array_append_new(pair, num(r->n_at_hi));
            json_object_set_new(iv, "N_star_at", pair);
        }
    }
    json_object_set_new(root, "estimates", est);
    json_object_set_new(root, "intervals", iv);
    json_t *st = json_object();
    json_object_set_new(st, "budgets", json_string(r->budgets_rule));
    json_object_set_new(st, "budget_of_a_run", json_string(r->p.flops_column ? r->p.flops_column : "6 N D_eff"));
    json_object_set_new(st, "snap_decades", num(r->p.snap));
    json_object_set_new(st, "weighted", json_boolean(r->p.weighted));
    json_object_set_new(st, "at_flops", r->p.at > 0 ? num(r->p.at) : json_null());
    json_object_set_new(st, "bootstrap", json_integer(r->p.bootstrap));
    json_object_set_new(st, "bootstrap_ok", json_integer(r->boot_ok));
    json_object_set_new(st, "bootstrap_failed", json_integer(r->boot_failed));
    json_object_set_new(st, "interval", json_string(r->boot_ok ? "95% percentile bootstrap, runs resampled within budgets" : "none"));
    json_object_set_new(st, "seed", json_integer((json_int_t)r->p.seed));
    json_object_set_new(root, "settings", st);
    json_t *fo = json_object();
    json_object_set_new(fo, "cpu_seconds", num(r->cpu_seconds));
    json_object_set_new(root, "fit", fo);
    int rc = cim__json_write(root, path, JSON_INDENT(2) | JSON_REAL_PRECISION(17), e);
    json_decref(root);
    return rc;
}

void cim_isoflop_print_summary(const CimIsoflop *r, FILE *out)
{
    fprintf(out, "IsoFLOP fit (Hoffmann et al. approach 2) of %zu runs (%s); %zu left out (no budget within %g decade)\n",
            r->nruns, r->path, r->left_out, r->p.snap);
    fprintf(out, "\n  %-10s %5s   %-12s %s\n", "budget C", "runs", "N*", "");
    for (int j = 0; j < r->nb; j++) {
        const Budget *b = &r->b[j];
        if (b->ok) fprintf(out, "  %-10.3g %5zu   %-12.4g loss %.4f\n", b->C, b->n, exp(b->lnNstar), b->Lstar);
        else fprintf(out, "  %-10.3g %5zu   refused: %s\n", b->C, b->n, b->reason);
    }
    fprintf(out, "\n  N* = exp(%.4f) * C^a,  a = %.4f", r->k, r->a);
    if (isfinite(r->a_lo)) fprintf(out, "  [%.4f, %.4f] (95%% bootstrap, %u resamples)", r->a_lo, r->a_hi, r->boot_ok);
    fputc('\n', out);
    if (r->p.at > 0) {
        fprintf(out, "  at C = %.4g: N* = %.4g", r->p.at, r->n_at);
        if (isfinite(r->n_at_lo)) fprintf(out, " [%.4g, %.4g]", r->n_at_lo, r->n_at_hi);
        fprintf(out, ", D* = C/(6 N*) = %.4g\n", r->p.at / (6 * r->n_at));
    }
}
