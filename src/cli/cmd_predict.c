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
"A target at or below the irreducible loss (or out of reach) is refused, exit 2.\n";

static int num(const char *s, double *v) { return cim_arg_double(s, v) == 0; }

int cim_cmd_predict(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"flops", required_argument, 0, 'C'}, {"target-loss", required_argument, 0, 'L'},
        {"data", required_argument, 0, 'D'}, {"params", required_argument, 0, 'P'},
        {"at", required_argument, 0, 'A'}, {"set", required_argument, 0, 'S'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    double flops = 0, target = 0, data = 0, params = 0, atN = NAN, atD = NAN;
    int have_c = 0, have_l = 0, have_d = 0, have_p = 0, have_at = 0, c;
    const char *set = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        const char *name = c == 'C' ? "--flops" : c == 'L' ? "--target-loss" : c == 'D' ? "--data" : "--params";
        switch (c) {
        case 'C':
            have_c = num(optarg, &flops);
            break;
        case 'L':
            have_l = num(optarg, &target);
            break;
        case 'D':
            have_d = num(optarg, &data);
            break;
        case 'P':
            have_p = num(optarg, &params);
            break;
        case 'h':
            fputs(predict_help, stdout);
            return 0;
        case 'S':
            set = optarg;
            continue;
        case 'A': {
            char buf[256], *save = NULL;
            snprintf(buf, sizeof buf, "%s", optarg);
            for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(t, '=');
                double v;
                if (!eq || cim_arg_double(eq + 1, &v) < 0 || !(v > 0))
                    return cim_cli_usage_error("predict", "--at wants N=P,D=D with positive numbers, got '%s'", optarg);
                *eq = '\0';
                if (!strcmp(t, "N") || !strcmp(t, "P")) atN = v;
                else if (!strcmp(t, "D")) atD = v;
                else return cim_cli_usage_error("predict", "--at: '%s' is not N or D (other columns go in --set)", t);
            }
            if (!(atN > 0) || !(atD > 0)) return cim_cli_usage_error("predict", "--at wants both N and D, got '%s'", optarg);
            have_at = 1;
            continue;
        }
        default:
            fputs(predict_help, stderr);
            return 2;
        }
        if (!(have_c | have_l | have_d | have_p) || (c == 'C' && !have_c) || (c == 'L' && !have_l) ||
            (c == 'D' && !have_d) || (c == 'P' && !have_p))
            return cim_cli_usage_error("predict", "%s wants a number, got '%s'", name, optarg);
    }
    if (argc - optind != 1) return cim_cli_usage_error("predict", "one FIT.json expected (see --help)");
    if (have_at ? (have_c || have_l || have_d || have_p)
                : (have_c == have_l || (have_l && have_d == have_p) || (have_c && (have_d || have_p))))
        return cim_cli_usage_error("predict", "give --flops C, --at N=P,D=D, or --target-loss L with one of --data D / --params P");
    CimErr e = {0};
    CimFitModel m;
    if (cim_fit_model_load(argv[optind], &m, &e) < 0) return cim_cli_usage_error("predict", "%s", e.msg);
    if (set && (m.form != CIM_FIT_FORMULA || cim_fit_model_set(&m, set, &e) < 0)) {
        cim_fit_model_free(&m);
        return cim_cli_usage_error("predict", "%s", m.form != CIM_FIT_FORMULA ? "--set is for formula fits" : e.msg);
    }
    double P, D, L;
    int rc = 0;
    if (have_at) {
        L = cim_fit_model_loss(&m, atN, atD);
        for (int k = 0; k < m.nextra; k++)
            if (!isfinite(m.extra_v[k])) {
                snprintf(e.msg, sizeof e.msg, "the formula needs a value for the column %s: give --set %s=VALUE", m.extra[k], m.extra[k]);
                rc = CIM_ERR_USAGE;
                goto refused;
            }
        printf("loss at params %.4g, D %.4g tokens (%s fit): %.6g\n", atN, atD, cim_fit_form_name(m.form), L);
    } else if (have_c) {
        if ((rc = cim_predict_compute_optimal(&m, flops, &P, &D, &L, &e)) < 0) goto refused;
        printf("compute-optimal for C = %.4g FLOPs (C = 6 P D, %s fit):\n  params %.4g\n  D_eff  %.4g tokens (%.1f tokens per parameter)\n  loss   %.5g\n",
               flops, cim_fit_form_name(m.form), P, D, D / P, L);
    } else if (have_d) {
        if ((rc = cim_predict_params_for(&m, target, data, &P, &e)) < 0) goto refused;
        printf("smallest model reaching loss %.5g with D_eff = %.4g tokens:\n  params %.4g\n  compute %.4g FLOPs (6 P D)\n",
               target, data, P, 6 * P * data);
    } else {
        if ((rc = cim_predict_data_for(&m, target, params, &D, &e)) < 0) goto refused;
        printf("data for loss %.5g with %.4g parameters:\n  D_eff  %.4g tokens\n  compute %.4g FLOPs (6 P D)\n",
               target, params, D, 6 * params * D);
    }
    cim_fit_model_free(&m);
    return 0;
refused:
    cim_fit_model_free(&m);
    return cim_cli_usage_error("predict", "%s%s", rc == CIM_ERR_REFUSED ? "refused: " : "", e.msg);
}
