/* cmd_predict.c — `cimeter predict FIT.json (--flops C | --target-loss L (--data D | --params P))`. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cimeter_fit.h"
#include "cli/args.h"
#include "cli/commands.h"

static const char predict_help[] =
"usage: cimeter predict FIT.json --flops C\n"
"       cimeter predict FIT.json --target-loss L --data D\n"
"       cimeter predict FIT.json --target-loss L --params P\n"
"       cimeter predict FIT.json --at N=P,D=D [--set COLUMN=V,...]\n"
"\n"
"Answers from a law fitted by `cimeter fit -o FIT.json`:\n"
"  --flops C                  compute-optimal P and D_eff for C = 6 P D FLOPs (chinchilla fits)\n"
"  --target-loss L --data D   smallest P reaching loss L with D_eff = D tokens\n"
"  --target-loss L --params P D_eff that P parameters need to reach loss L\n"
"  --at N=P,D=D               the law's loss at P parameters and D tokens\n"
"  --set COLUMN=V,...         formula fits: the other columns the formula names, held at\n"
"                             these values (unique_tokens=1e11 for the data-constrained law:\n"
"                             the allocation under a unique-data budget)\n"
"For a formula fit --flops is answered numerically (the minimum over ln P).\n"
"When the fit has a bootstrap (fit --bootstrap N), --flops also gives the 95% percentile\n"
"interval of P, D_eff and the loss: the answer under each resample's estimates.\n"
"A target at or below the irreducible loss (or out of reach) is refused, exit 2.\n";

/* "cimeter predict: message" on stderr; exit code 2. */
#define PREDICT_USAGE(...) cim_cli_usage_error("predict", __VA_ARGS__)

/* What the command line asks. */
typedef struct PredictArgs {
    double      flops;        /* --flops */
    double      target;       /* --target-loss */
    double      data;         /* --data */
    double      params;       /* --params */
    double      atN, atD;     /* --at N=P,D=D */
    int         have_c, have_l, have_d, have_p, have_at;
    const char *set;          /* --set COLUMN=V,... */
} PredictArgs;

/* Parsing went through; any other value of parse_predict_args is the exit code. */
enum { PREDICT_GO_ON = -1 };

/* --at N=P,D=D */
static int parse_at(PredictArgs *a, const char *arg)
{
    char buf[256];
    char *save = NULL;
    snprintf(buf, sizeof buf, "%s", arg);
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '=');
        double v;
        if (!eq || cim_arg_double(eq + 1, &v) < 0 || !(v > 0))
            return PREDICT_USAGE("--at wants N=P,D=D with positive numbers, got '%s'", arg);
        *eq = '\0';
        if (!strcmp(t, "N") || !strcmp(t, "P"))
            a->atN = v;
        else if (!strcmp(t, "D"))
            a->atD = v;
        else
            return PREDICT_USAGE("--at: '%s' is not N or D (other columns go in --set)", t);
    }
    if (!(a->atN > 0) || !(a->atD > 0))
        return PREDICT_USAGE("--at wants both N and D, got '%s'", arg);
    a->have_at = 1;
    return PREDICT_GO_ON;
}

/* A number option: --flops, --target-loss, --data or --params. */
static int parse_number(PredictArgs *a, int c, const char *arg)
{
    double *v = c == 'C' ? &a->flops : c == 'L' ? &a->target : c == 'D' ? &a->data : &a->params;
    int *have = c == 'C' ? &a->have_c : c == 'L' ? &a->have_l : c == 'D' ? &a->have_d : &a->have_p;
    const char *name = c == 'C' ? "--flops" : c == 'L' ? "--target-loss" : c == 'D' ? "--data"
                     : "--params";
    *have = cim_arg_double(arg, v) == 0;
    if (!*have)
        return PREDICT_USAGE("%s wants a number, got '%s'", name, arg);
    return PREDICT_GO_ON;
}

/* Reads the options into a; PREDICT_GO_ON or the exit code. */
static int parse_predict_args(int argc, char **argv, PredictArgs *a)
{
    static const struct option longopts[] = {
        {"flops", required_argument, 0, 'C'}, {"target-loss", required_argument, 0, 'L'},
        {"data", required_argument, 0, 'D'}, {"params", required_argument, 0, 'P'},
        {"at", required_argument, 0, 'A'}, {"set", required_argument, 0, 'S'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int rc = PREDICT_GO_ON;
        switch (c) {
        case 'C':
        case 'L':
        case 'D':
        case 'P':
            rc = parse_number(a, c, optarg);
            break;
        case 'A':
            rc = parse_at(a, optarg);
            break;
        case 'S':
            a->set = optarg;
            break;
        case 'h':
            return cim_cli_help(predict_help, 0);
        default:
            return cim_cli_help(predict_help, 2);
        }
        if (rc != PREDICT_GO_ON)
            return rc;
    }
    if (argc - optind != 1)
        return PREDICT_USAGE("one FIT.json expected (see --help)");
    int others = a->have_c || a->have_l || a->have_d || a->have_p;
    int bad = a->have_at ? others
            : a->have_c == a->have_l || (a->have_l && a->have_d == a->have_p) ||
              (a->have_c && (a->have_d || a->have_p));
    if (bad)
        return PREDICT_USAGE("give --flops C, --at N=P,D=D, or --target-loss L with one of "
                             "--data D / --params P");
    return PREDICT_GO_ON;
}

/* Answers the question on stdout; <0 with e set when the law cannot. */
static int answer(const PredictArgs *a, const CimFitModel *m, CimErr *e)
{
    const char *form = cim_fit_form_name(m->form);
    double P;
    double D;
    double L;
    if (a->have_at) {
        L = cim_fit_model_loss(m, a->atN, a->atD);
        for (int k = 0; k < m->nextra; k++) {
            if (isfinite(m->extra_v[k]))
                continue;
            snprintf(e->msg, sizeof e->msg, "the formula needs a value for the column %s: give "
                     "--set %s=VALUE", m->extra[k], m->extra[k]);
            return CIM_ERR_USAGE;
        }
        printf("loss at params %.4g, D %.4g tokens (%s fit): %.6g\n", a->atN, a->atD, form, L);
    } else if (a->have_c) {
        int rc = cim_predict_compute_optimal(m, a->flops, &P, &D, &L, e);
        if (rc < 0)
            return rc;
        printf("compute-optimal for C = %.4g FLOPs (C = 6 P D, %s fit):\n  params %.4g\n"
               "  D_eff  %.4g tokens (%.1f tokens per parameter)\n  loss   %.5g\n",
               a->flops, form, P, D, D / P, L);
        double lo[3], hi[3];
        int refused, used = cim_predict_compute_optimal_interval(m, a->flops, lo, hi, &refused);
        if (used) {
            printf("  95%% bootstrap interval (the answer under each of %d resamples of the fit):\n"
                   "  params [%.4g, %.4g]\n  D_eff  [%.4g, %.4g]\n  loss   [%.5g, %.5g]\n",
                   used, lo[0], hi[0], lo[1], hi[1], lo[2], hi[2]);
            if (refused)
                printf("  (%d resamples have no compute optimum at this budget and are left out)\n",
                       refused);
        }
    } else if (a->have_d) {
        int rc = cim_predict_params_for(m, a->target, a->data, &P, e);
        if (rc < 0)
            return rc;
        printf("smallest model reaching loss %.5g with D_eff = %.4g tokens:\n  params %.4g\n"
               "  compute %.4g FLOPs (6 P D)\n", a->target, a->data, P, 6 * P * a->data);
    } else {
        int rc = cim_predict_data_for(m, a->target, a->params, &D, e);
        if (rc < 0)
            return rc;
        printf("data for loss %.5g with %.4g parameters:\n  D_eff  %.4g tokens\n"
               "  compute %.4g FLOPs (6 P D)\n", a->target, a->params, D, 6 * a->params * D);
    }
    return 0;
}

int cim_cmd_predict(int argc, char **argv)
{
    PredictArgs a = {.atN = NAN, .atD = NAN};
    int rc = parse_predict_args(argc, argv, &a);
    if (rc != PREDICT_GO_ON)
        return rc;
    CimErr e = {0};
    CimFitModel m;
    if (cim_fit_model_load(argv[optind], &m, &e) < 0)
        return PREDICT_USAGE("%s", e.msg);
    if (a.set && (m.form != CIM_FIT_FORMULA || cim_fit_model_set(&m, a.set, &e) < 0)) {
        cim_fit_model_free(&m);
        return PREDICT_USAGE("%s", m.form != CIM_FIT_FORMULA ? "--set is for formula fits" : e.msg);
    }
    rc = answer(&a, &m, &e);
    cim_fit_model_free(&m);
    if (rc < 0)
        return PREDICT_USAGE("%s%s", rc == CIM_ERR_REFUSED ? "refused: " : "", e.msg);
    return 0;
}
