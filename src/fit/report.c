/*
 * report.c — the fit JSON (schema "cimeter.fit/1", doc/fitting.md) and the
 * readable summary. Key order is fixed; a non-finite number is written as
 * null. The JSON goes to a temporary name and is renamed into place.
 */
#include <gsl/gsl_cdf.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "common/err.h"
#include "out/out.h"
#include "fit/fit_impl.h"

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* schema, tool, command and what was read. */
static void json_header(json_t *root, const CimFit *f, int argc, char **argv)
{
    json_object_set_new(root, "schema", json_string("cimeter.fit/1"));
    json_t *tool = json_object();
    json_object_set_new(tool, "name", json_string("cimeter"));
    json_object_set_new(tool, "version", json_string(cim_version()));
    json_object_set_new(root, "tool", tool);
    json_t *cmd = json_array();
    for (int i = 0; i < argc; i++)
        json_array_append_new(cmd, json_string(argv[i]));
    json_object_set_new(root, "command", cmd);
    json_t *input = json_object();
    const char *deff = f->has_tokens ? "tokens column" : "sum of raw_<modality> / C";
    json_object_set_new(input, "runs", json_string(f->path));
    json_object_set_new(input, "D_eff", json_string(deff));
    json_t *carried = json_array();
    for (size_t i = 0; i < f->nextra; i++)
        json_array_append_new(carried, json_string(f->extra[i]));
    json_object_set_new(input, "carried_columns", carried);
    json_object_set_new(input, "decades_params", num(f->decades_P));
    json_object_set_new(input, "decades_D_eff", num(f->decades_D));
    json_object_set_new(root, "input", input);
}

/* The form, how well it fits, and the held-out check. */
static void json_quality(json_t *root, const CimFit *f)
{
    json_object_set_new(root, "form", json_string(f->impl->name));
    json_object_set_new(root, "formula", json_string(cim__fit_formula_text(f)));
    json_object_set_new(root, "n_points", json_integer((json_int_t)f->n));
    json_object_set_new(root, "n_params", json_integer(f->k));
    json_object_set_new(root, "objective", num(f->obj));
    json_object_set_new(root, "objective_definition", json_string(f->impl->objective));
    json_object_set_new(root, "rmse", num(f->rmse));
    json_object_set_new(root, "log_likelihood", num(cim__fit_loglik(f)));
    json_object_set_new(root, "aic", num(f->aic));
    json_t *check = json_object();
    json_t *above = f->p.heldout_above > 0 ? num(f->p.heldout_above) : json_null();
    json_object_set_new(check, "fraction", num(f->p.heldout));
    json_object_set_new(check, "order", json_string("largest compute 6*P*D_eff held out"));
    json_object_set_new(check, "above_flops", above);
    json_object_set_new(check, "n_train", json_integer((json_int_t)f->heldout_ntrain));
    json_object_set_new(check, "n_test", json_integer((json_int_t)f->heldout_ntest));
    json_object_set_new(check, "rmse", f->heldout_ok ? num(f->heldout_rmse) : json_null());
    double rel_error = f->heldout_mean_abs_rel_error;
    json_object_set_new(check, "mean_abs_rel_error", f->heldout_ok ? num(rel_error) : json_null());
    if (!f->heldout_ok)
        json_object_set_new(check, "skipped", json_string(f->heldout_skipped));
    json_object_set_new(root, "heldout", check);
}

/* Every estimate with its standard error and interval. */
static void json_estimates(json_t *root, const CimFit *f)
{
    json_t *est = json_object();
    json_t *se = json_object();
    json_t *iv = json_object();
    for (int j = 0; j < f->nestimates; j++) {
        double sej = isfinite(f->boot_se[j]) ? f->boot_se[j] : f->se[j];
        json_object_set_new(est, f->names[j], num(f->est[j]));
        json_object_set_new(se, f->names[j], num(sej));
        if (isfinite(f->lo[j])) {
            json_t *pair = json_array();
            json_array_append_new(pair, num(f->lo[j]));
            json_array_append_new(pair, num(f->hi[j]));
            json_object_set_new(iv, f->names[j], pair);
        }
    }
    json_object_set_new(root, "estimates", est);
    json_object_set_new(root, "std_errors", se);
    if (f->impl == &cim__fit_loglinear) {
        json_t *ase = json_object();
        for (int j = 0; j < f->nestimates; j++)
            json_object_set_new(ase, f->names[j], num(f->se[j]));
        json_object_set_new(root, "std_errors_ols", ase);
    }
    json_object_set_new(root, "intervals", iv);
    /* Every fitted resample's estimates, for intervals on predict's answers. */
    if (f->boot && f->boot_ok) {
        json_t *be = json_object(), *names = json_array(), *rows = json_array();
        for (int j = 0; j < f->nestimates; j++)
            json_array_append_new(names, json_string(f->names[j]));
        for (uint32_t b = 0; b < f->p.bootstrap; b++) {
            const double *row = f->boot + (size_t)b * (size_t)f->nestimates;
            int bad = 0;
            for (int j = 0; j < f->nestimates; j++)
                bad |= isnan(row[j]);
            if (bad)
                continue;
            json_t *r = json_array();
            for (int j = 0; j < f->nestimates; j++)
                json_array_append_new(r, num(row[j]));
            json_array_append_new(rows, r);
        }
        json_object_set_new(be, "names", names);
        json_object_set_new(be, "resamples", rows);
        json_object_set_new(root, "bootstrap_estimates", be);
    }
}

/* The C of each modality used: measured, and fitted where it is free. */
static void json_measured_C(json_t *root, const CimFit *f)
{
    json_t *mc = json_object();
    for (int m = 0; m < CIM_MOD_COUNT; m++) {
        if (!f->used[m])
            continue;
        json_t *o = json_object();
        const char *src = f->c.source[m];
        const char *role = f->pb.T[m] ? "free (fitted; measured shown for comparison)" : "fixed";
        json_object_set_new(o, "C", num(f->c.C[m]));
        json_object_set_new(o, "source", src[0] ? json_string(src) : json_null());
        json_object_set_new(o, "role", json_string(role));
        if (f->pb.T[m]) {
            char nm[32];
            snprintf(nm, sizeof nm, "C_%s", cim_modality_name((CimModality)m));
            double fc = cim_fit_estimate(f, nm);
            json_object_set_new(o, "fitted", num(fc));
            json_object_set_new(o, "fitted_over_measured", num(fc / f->c.C[m]));
        }
        json_object_set_new(mc, cim_modality_name((CimModality)m), o);
    }
    json_object_set_new(root, "measured_C", mc);
}

static void json_warnings(json_t *root, const CimFit *f)
{
    json_t *warn = json_array();
    if (f->n < 2 * (size_t)f->k) {
        char w[160];
        snprintf(w, sizeof w, "%zu runs for %d free parameters: fewer than 2 per parameter, "
                 "the data may not identify them", f->n, f->k);
        json_array_append_new(warn, json_string(w));
    }
    for (int j = 0; j < f->nwarn; j++)
        json_array_append_new(warn, json_string(f->warn[j]));
    json_object_set_new(root, "warnings", warn);
}

/* --predict-at: the loss at each point with its interval. */
static void json_predictions(json_t *root, const CimFit *f)
{
    json_t *pr = json_array();
    for (int q = 0; q < f->p.npredict; q++) {
        json_t *o = json_object();
        json_t *iv = json_array();
        json_object_set_new(o, "N", num(f->p.predict_N[q]));
        json_object_set_new(o, "D", num(f->p.predict_D[q]));
        json_object_set_new(o, "loss", num(f->pred[q]));
        json_array_append_new(iv, num(f->pred_lo[q]));
        json_array_append_new(iv, num(f->pred_hi[q]));
        if (!isfinite(f->pred_lo[q])) {
            json_decref(iv);
            iv = json_null();
        }
        json_object_set_new(o, "interval", iv);
        json_array_append_new(pr, o);
    }
    json_object_set_new(root, "predictions", pr);
}

/* --lrt: the likelihood-ratio test against another fit. */
static void json_lrt(json_t *root, const CimFit *f)
{
    json_t *t = json_object();
    json_object_set_new(t, "against", json_string(f->lrt_other));
    json_object_set_new(t, "log_likelihood_other", num(f->lrt_ll0));
    json_object_set_new(t, "n_params_other", json_integer(f->lrt_k0));
    json_object_set_new(t, "statistic", num(f->lrt_stat));
    json_object_set_new(t, "df", json_integer(f->lrt_df));
    json_object_set_new(t, "p_value", num(f->lrt_p));
    json_object_set_new(t, "definition", json_string("2 (ll of the fit with more parameters - ll "
                        "of the other), chi-square with their difference as df"));
    json_object_set_new(root, "likelihood_ratio_test", t);
}

/* A formula fit: the law's parameters and columns, and how it was solved. */
static void json_formula(json_t *root, const CimFit *f)
{
    const CimFormula *F = f->fm;
    json_t *fo = json_object();
    json_t *roles = json_object();
    json_t *cols = json_array();
    char buf[160];
    json_object_set_new(fo, "response", json_string(F->lhs));
    for (int j = 0; j < F->nth; j++) {
        const char *role = cim__formula_param_role(F, j, buf, sizeof buf);
        json_object_set_new(roles, F->pname[j], json_string(role));
    }
    for (int j = 0; j < F->ncols; j++)
        json_array_append_new(cols, json_string(F->colname[j]));
    const char *weight = f->p.formula ? f->p.formula->weight : NULL;
    json_object_set_new(fo, "parameters", roles);
    json_object_set_new(fo, "columns", cols);
    json_object_set_new(fo, "objective", json_string(cim_fit_objective_name(F->objective)));
    json_object_set_new(fo, "delta", F->objective != CIM_OBJ_LSQ ? num(F->delta) : json_null());
    json_object_set_new(fo, "weight", weight ? json_string(weight) : json_null());
    json_object_set_new(fo, "grid_starts", json_integer(F->ngrid));
    json_object_set_new(fo, "starts_run", json_integer(f->scratch.bfgs_runs));
    char solver[768];
    json_object_set_new(fo, "solver", json_string(cim__formula_solver_text(F, solver, sizeof solver)));
    json_object_set_new(fo, "iterations", json_integer(f->scratch.iterations));
    if (F->varpro && F->objective != CIM_OBJ_LSQ) {
        json_object_set_new(fo, "inner_iterations", json_integer(f->scratch.inner_iterations));
        json_object_set_new(fo, "outer_evaluations", json_integer(f->scratch.outer_iterations));
    }
    json_object_set_new(fo, "seconds", num(f->scratch.seconds));
    json_object_set_new(fo, "cpu_seconds", num(f->scratch.cpu_seconds));
    json_object_set_new(root, "fit", fo);
}

/* The optimizer of a form, in words. */
static const char *optimizer_text(const CimFit *f)
{
    if (f->fm)
        return "formula (see fit.solver)";
    if (f->impl == &cim__fit_chinchilla)
        return "variable projection: BFGS over alpha, beta with a, b, e solved inside (Newton/IRLS) "
               "from the 25 exponent pairs of Epoch AI's grid, the 5 best polished by gsl "
               "vector_bfgs2 over all five";
    if (f->impl == &cim__fit_freec)
        return "variable projection: gsl vector_bfgs2 over ln C, OLS inside";
    return "gsl_multifit_linear (OLS)";
}

/* The settings that produced the fit, and the fixed C used for D_eff. */
static void json_settings(json_t *root, const CimFit *f)
{
    json_t *st = json_object();
    int chin = f->impl == &cim__fit_chinchilla;
    int huber = chin || (f->fm && f->fm->objective != CIM_OBJ_LSQ);
    int subsampled = f->p.subsample > 0 && f->p.subsample < 1;
    json_object_set_new(st, "loss", json_string(huber ? "huber" : "squared"));
    json_object_set_new(st, "delta", huber ? num(f->p.delta) : json_null());
    json_object_set_new(st, "optimizer", json_string(optimizer_text(f)));
    if (chin) {
        json_object_set_new(st, "grid_starts", json_integer(CIM_FIT_GRID_STARTS));
        json_object_set_new(st, "starts", json_integer(f->scratch.bfgs_runs));
        json_object_set_new(st, "bootstrap_starts", json_integer(f->scratch.nstarts + 1));
        json_object_set_new(st, "inner_iterations", json_integer(f->scratch.iterations));
        json_object_set_new(st, "outer_evaluations", json_integer(f->scratch.outer_iterations));
        json_object_set_new(st, "polish_iterations", json_integer(f->scratch.polish_iterations));
    } else {
        json_object_set_new(st, "starts", json_null());
    }
    const char *resample = subsampled ? "subsample without replacement" : "n rows with replacement";
    const char *interval = f->p.bootstrap && f->boot_ok ? "95% percentile bootstrap"
                         : f->impl == &cim__fit_loglinear ? "95% OLS t interval" : "none";
    json_object_set_new(st, "bootstrap", json_integer(f->p.bootstrap));
    json_object_set_new(st, "resample", json_string(resample));
    json_object_set_new(st, "subsample", subsampled ? num(f->p.subsample) : json_null());
    json_object_set_new(st, "bootstrap_ok", json_integer(f->boot_ok));
    json_object_set_new(st, "bootstrap_failed", json_integer(f->boot_failed));
    json_object_set_new(st, "interval", json_string(interval));
    json_object_set_new(st, "seed", json_integer((json_int_t)f->p.seed));
    /* The fixed C used for D_eff, flat (what `cimeter report --fit` reads). */
    for (int m = 0; m < CIM_MOD_COUNT; m++) {
        if (!f->used[m] || f->pb.T[m])
            continue;
        char nm[32];
        snprintf(nm, sizeof nm, "C_%s", cim_modality_name((CimModality)m));
        json_object_set_new(st, nm, num(f->c.C[m]));
    }
    json_object_set_new(root, "settings", st);
}

int cim_fit_write_json(const CimFit *f, const char *path, int argc, char **argv, CimErr *e)
{
    json_t *root = json_object();
    json_header(root, f, argc, argv);
    json_quality(root, f);
    json_estimates(root, f);
    json_measured_C(root, f);
    json_warnings(root, f);
    if (f->p.npredict)
        json_predictions(root, f);
    if (f->has_lrt)
        json_lrt(root, f);
    if (f->fm)
        json_formula(root, f);
    json_settings(root, f);
    int rc = cim__json_write(root, path, JSON_INDENT(2) | JSON_REAL_PRECISION(17), e);
    json_decref(root);
    return rc;
}

/* The log-likelihood where the objective is one: Epoch's Huber likelihood
 * (−objective), or least squares read as Gaussian errors with the ML
 * variance SSE/n (unweighted fits only). NaN otherwise. */
double cim__fit_loglik(const CimFit *f)
{
    if (f->fm && f->fm->objective == CIM_OBJ_HUBER_LIK) return -f->obj;
    int gauss = f->impl == &cim__fit_loglinear || (f->fm && f->fm->objective == CIM_OBJ_LSQ && !f->fm->w);
    if (!gauss) return NAN;
    double n = (double)f->n, sse = f->rmse * f->rmse * n;
    return -0.5 * n * (log(2 * M_PI * sse / n) + 1);
}

int cim_fit_lrt(CimFit *f, const char *other, CimErr *e)
{
    double ll = cim__fit_loglik(f);
    CIM_RETURN_IF(!isfinite(ll), e, CIM_ERR_USAGE, "--lrt: this fit has no log-likelihood (use --objective "
                  "huber-likelihood, or an unweighted lsq fit)");
    json_error_t je;
    json_t *root = json_load_file(other, 0, &je);
    CIM_RETURN_IF(!root, e, CIM_ERR_USAGE, "%s:%d: %s", other, je.line, je.text);
    json_t *l0 = json_object_get(root, "log_likelihood"), *k0 = json_object_get(root, "n_params"),
           *n0 = json_object_get(root, "n_points");
    const char *runs0 = json_string_value(json_object_get(json_object_get(root, "input"), "runs"));
    const char *obj0 = json_string_value(json_object_get(json_object_get(root, "fit"), "objective"));
    int rc = 0;
    const char *obj = f->fm ? cim_fit_objective_name(f->fm->objective) : "lsq";
    if (!json_is_number(l0) || !json_is_integer(k0) || !json_is_integer(n0))
        rc = cim_err(e, CIM_ERR_USAGE, "--lrt: %s has no log_likelihood, n_params and n_points", other);
    else if ((size_t)json_integer_value(n0) != f->n || (runs0 && strcmp(runs0, f->path)))
        rc = cim_err(e, CIM_ERR_USAGE, "--lrt: %s is a fit of other runs (%s, %lld points)", other, runs0 ? runs0 : "?",
                     (long long)json_integer_value(n0));
    else if (strcmp(obj0 ? obj0 : "lsq", obj))
        rc = cim_err(e, CIM_ERR_USAGE, "--lrt: %s maximised another likelihood (%s, here %s)", other, obj0 ? obj0 : "lsq", obj);
    else if (json_integer_value(k0) == f->k)
        rc = cim_err(e, CIM_ERR_USAGE, "--lrt: both fits have %d parameters: not nested", f->k);
    if (rc == 0) {
        f->has_lrt = 1;
        snprintf(f->lrt_other, sizeof f->lrt_other, "%s", other);
        f->lrt_ll0 = json_number_value(l0);
        f->lrt_k0 = (int)json_integer_value(k0);
        int big = f->k > f->lrt_k0;
        f->lrt_df = big ? f->k - f->lrt_k0 : f->lrt_k0 - f->k;
        f->lrt_stat = 2 * (big ? ll - f->lrt_ll0 : f->lrt_ll0 - ll);
        f->lrt_p = f->lrt_stat > 0 ? gsl_cdf_chisq_Q(f->lrt_stat, f->lrt_df) : 1;
    }
    json_decref(root);
    return rc;
}

/* The law as a formula: the named built-in forms are formulas too (words between
 * backquotes are prose, set as text in LaTeX). */
const char *cim__fit_formula_text(const CimFit *f)
{
    if (f->fm) return f->fm->text;
    if (f->impl == &cim__fit_chinchilla) return "L = E + A/N^alpha + B/D^beta";
    if (f->impl == &cim__fit_loglinear) return "L = a - b*log(D) - c*log(N)";
    return "L = a - b*log(D_eff(C)) - c*log(N), D_eff = `sum of raw_m / C_m, the non-text C_m free`";
}

void cim_fit_print_summary(const CimFit *f, FILE *out)
{
    fprintf(out, "%s fit of %zu runs (%s): %d parameters\n", f->impl->name, f->n, f->path, f->k);
    if (f->fm) {
        fprintf(out, "  %s   (%s", f->fm->text, cim_fit_objective_name(f->fm->objective));
        if (f->fm->objective != CIM_OBJ_LSQ) fprintf(out, ", delta %g", f->fm->delta);
        fprintf(out, "; %s; %d of %d starts run, %ld iterations, %.3g s)\n", f->fm->varpro ? "variable projection" : "LM",
                f->scratch.bfgs_runs, f->fm->ngrid, f->scratch.iterations, f->scratch.seconds);
    }
    if (f->impl == &cim__fit_chinchilla) {   /* the time here only: the JSON stays the same run to run */
        fprintf(out, "  variable projection: %d exponent starts, %ld outer evaluations, %ld inner steps, "
                "%ld polish iterations; fit %.3g s, %.3g CPU s\n", f->scratch.bfgs_runs,
                f->scratch.outer_iterations, f->scratch.iterations, f->scratch.polish_iterations,
                f->scratch.seconds, f->scratch.cpu_seconds);
    }
    if (f->n < 2 * (size_t)f->k)
        fprintf(out, "  warning: %zu runs for %d free parameters (fewer than 2 per parameter): the data may not identify them\n",
                f->n, f->k);
    for (int m = 0; m < CIM_MOD_COUNT; m++) {
        if (!f->used[m]) continue;
        if (f->pb.T[m] && isfinite(f->c.C[m]))
            fprintf(out, "  C_%-6s free (measured %g%s%s)\n", cim_modality_name((CimModality)m), f->c.C[m],
                    f->c.source[m][0] ? " from " : "", f->c.source[m]);
        else if (f->pb.T[m])
            fprintf(out, "  C_%-6s free (no measured C: started from text's)\n", cim_modality_name((CimModality)m));
        else
            fprintf(out, "  C_%-6s %g  (%s)\n", cim_modality_name((CimModality)m), f->c.C[m], f->c.source[m]);
    }
    fprintf(out, "  P spans %.2f decades, D_eff %.2f\n", f->decades_P, f->decades_D);
    fprintf(out, "\n  %-8s %14s %12s   %s\n", "param", "estimate", "std.err", "95% interval");
    for (int j = 0; j < f->nestimates; j++) {
        double s = isfinite(f->boot_se[j]) ? f->boot_se[j] : f->se[j];
        if (isfinite(s)) fprintf(out, "  %-8s %14.6g %12.4g", f->names[j], f->est[j], s);
        else fprintf(out, "  %-8s %14.6g %12s", f->names[j], f->est[j], "-");
        if (isfinite(f->lo[j])) fprintf(out, "   [%.6g, %.6g]", f->lo[j], f->hi[j]);
        {
            for (int m = 0; m < CIM_MOD_COUNT; m++) {
                char nm[32];
                snprintf(nm, sizeof nm, "C_%s", cim_modality_name((CimModality)m));
                if (f->pb.T[m] && !strcmp(nm, f->names[j]) && f->c.C[m] > 0)
                    fprintf(out, "   measured %g (fitted/measured %.3f)", f->c.C[m], f->est[j] / f->c.C[m]);
            }
        }
        fputc('\n', out);
    }
    fprintf(out, "\n  objective %.9g   rmse %.6g   aic %.4g\n", f->obj, f->rmse, f->aic);
    if (f->heldout_ok)
        fprintf(out, "  held out (largest-compute %zu of %zu): rmse %.6g, mean |rel. error| %.3g%%\n",
                f->heldout_ntest, f->n, f->heldout_rmse, 100 * f->heldout_mean_abs_rel_error);
    else
        fprintf(out, "  held out: skipped (%s)\n", f->heldout_skipped);
    for (int j = 0; j < f->nwarn; j++) fprintf(out, "  warning: %s\n", f->warn[j]);
    for (int q = 0; q < f->p.npredict; q++) {
        fprintf(out, "  loss at N = %.4g, D = %.4g: %.6g", f->p.predict_N[q], f->p.predict_D[q], f->pred[q]);
        if (isfinite(f->pred_lo[q])) fprintf(out, "  [%.6g, %.6g] (95%% bootstrap)", f->pred_lo[q], f->pred_hi[q]);
        fputc('\n', out);
    }
    double ll = cim__fit_loglik(f);
    if (isfinite(ll)) fprintf(out, "  log-likelihood %.10g\n", ll);
    if (f->has_lrt)
        fprintf(out, "  likelihood-ratio test against %s (%d parameters, log-likelihood %.10g): 2 dll = %.6g, df %d, p = %.4g\n",
                f->lrt_other, f->lrt_k0, f->lrt_ll0, f->lrt_stat, f->lrt_df, f->lrt_p);
    if (f->p.bootstrap)
        fprintf(out, "  bootstrap: %u resamples, seed %llu, %u fitted%s\n", f->p.bootstrap,
                (unsigned long long)f->p.seed, f->boot_ok, f->boot_failed ? " (others failed)" : "");
    else
        fprintf(out, "  bootstrap: off (std.err and interval: %s)\n", f->impl == &cim__fit_loglinear ? "OLS" : "none");
}
