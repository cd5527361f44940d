/*
 * predict.c — answers from a fitted law (SPEC §5 "derived answers").
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
#include <jansson.h>
#include <math.h>
#include <string.h>
#include "common/err.h"
#include "fit/fit.h"

static int get(json_t *est, const char *k, double *v, const char *path, CimErr *e)
{
    json_t *j = json_object_get(est, k);
    CIM_RETURN_IF(!json_is_number(j), e, CIM_ERR_USAGE, "%s: estimates.%s missing or not a number", path, k);
    *v = json_number_value(j);
    CIM_RETURN_IF(!isfinite(*v), e, CIM_ERR_USAGE, "%s: estimates.%s is not finite", path, k);
    return 0;
}

int cim_fit_model_load(const char *path, CimFitModel *m, CimErr *e)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    CIM_RETURN_IF(!root, e, CIM_ERR_USAGE, "%s:%d: %s", path, je.line, je.text);
    memset(m, 0, sizeof *m);
    const char *form = json_string_value(json_object_get(root, "form"));
    json_t *est = json_object_get(root, "estimates");
    int rc = 0, f = form ? cim_fit_form_from_name(form) : -1;
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
    return rc < 0 ? rc : 0;
}

double cim_fit_model_loss(const CimFitModel *m, double P, double D)
{
    if (m->form == CIM_FIT_CHINCHILLA) return m->E + m->A / pow(P, m->alpha) + m->B / pow(D, m->beta);
    return m->a - m->b * log(D) - m->c * log(P);
}

int cim_predict_compute_optimal(const CimFitModel *m, double flops, double *P, double *D, double *L, CimErr *e)
{
    CIM_RETURN_IF(!(flops > 0) || !isfinite(flops), e, CIM_ERR_USAGE, "the FLOP budget must be positive and finite");
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

int cim_predict_params_for(const CimFitModel *m, double target, double D, double *P, CimErr *e)
{
    CIM_RETURN_IF(!(D > 0) || !isfinite(D), e, CIM_ERR_USAGE, "--data must be positive and finite");
    CIM_RETURN_IF(!(target > 0) || !isfinite(target), e, CIM_ERR_USAGE, "--target-loss must be positive and finite");
    if (m->form == CIM_FIT_CHINCHILLA) {
        CIM_RETURN_IF(target <= m->E, e, CIM_ERR_REFUSED, "target loss %g is at or below the irreducible loss E = %g: no model reaches it", target, m->E);
        double floor = m->E + m->B / pow(D, m->beta);
        CIM_RETURN_IF(target <= floor, e, CIM_ERR_REFUSED,
                      "target loss %g is out of reach with D_eff = %g: even infinite P gives E + B/D^beta = %g", target, D, floor);
        *P = pow(m->A / (target - floor), 1.0 / m->alpha);
        return 0;
    }
    CIM_RETURN_IF(!(m->c > 0), e, CIM_ERR_REFUSED, "the fitted c = %g is not positive: loss does not fall with P", m->c);
    *P = exp((m->a - m->b * log(D) - target) / m->c);
    return 0;
}

int cim_predict_data_for(const CimFitModel *m, double target, double P, double *D, CimErr *e)
{
    CIM_RETURN_IF(!(P > 0) || !isfinite(P), e, CIM_ERR_USAGE, "--params must be positive and finite");
    CIM_RETURN_IF(!(target > 0) || !isfinite(target), e, CIM_ERR_USAGE, "--target-loss must be positive and finite");
    if (m->form == CIM_FIT_CHINCHILLA) {
        CIM_RETURN_IF(target <= m->E, e, CIM_ERR_REFUSED, "target loss %g is at or below the irreducible loss E = %g: no model reaches it", target, m->E);
        double floor = m->E + m->A / pow(P, m->alpha);
        CIM_RETURN_IF(target <= floor, e, CIM_ERR_REFUSED,
                      "target loss %g is out of reach with P = %g: even infinite data gives E + A/P^alpha = %g", target, P, floor);
        *D = pow(m->B / (target - floor), 1.0 / m->beta);
        return 0;
    }
    CIM_RETURN_IF(!(m->b > 0), e, CIM_ERR_REFUSED, "the fitted b = %g is not positive: loss does not fall with data", m->b);
    *D = exp((m->a - m->c * log(P) - target) / m->b);
    return 0;
}
