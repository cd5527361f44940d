/* cmd_fit.c — `cimeter fit RUNS.csv ...` (doc/fitting.md): summary on stdout, JSON with -o. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cimeter.h"
#include "cli/commands.h"
#include "cli/args.h"
#include "fit/fit.h"

static const char fit_help[] =
"usage: cimeter fit RUNS.csv [--form loglinear|chinchilla|free-c|'Y = FORMULA'] [--results FILE.json]\n"
"                   [--tokenizer SPEC]... [--c MOD=C,...] [--bootstrap N] [--seed S]\n"
"                   [--starts N|all] [--threads N] [-o FIT.json]\n"
"\n"
"Fits a scaling law to training runs. RUNS.csv has a header with params, loss and\n"
"either tokens or raw_<modality> columns (raw_text, raw_image, raw_video, raw_audio:\n"
"raw bytes); other columns are carried along. D_eff = sum_i raw_i / C_i.\n"
"\n"
"  --form F        loglinear (default): L = a - b ln D_eff - c ln P\n"
"                  chinchilla: L = E + A/P^alpha + B/D_eff^beta (Huber, Epoch AI's procedure)\n"
"                  free-c: loglinear with the non-text C_i fitted (text's fixed)\n"
"                  'L = E + A/N^alpha + B/D^beta': any law as a formula over columns (params,\n"
"                  loss, tokens, raw_<modality>, the CSV's own numeric columns; N = P = params,\n"
"                  L = loss, D = D_eff) and parameters (every other name); + - * / ^ ( ),\n"
"                  exp log ln log10 sqrt abs min max, `quoted name`\n"
"                  named formulas: kaplan, gadre, data-constrained (Muennighoff et al.: needs a\n"
"                  unique_tokens column; fit RD and RN with the base law frozen by --param),\n"
"                  chinchilla-formula\n"
"  --param SPEC    formula parameter: 'E=1.69' frozen, 'alpha=beta' tied, 'log A' fitted\n"
"                  as ln A, 'alpha in [0.01,2]' bounded (repeatable)\n"
"  --column SPEC   derived column 'M = D/N', 'C = 6*N*D' (repeatable, in order)\n"
"  --start SPEC    start grid per parameter: 'alpha=0:2:0.5' (lo:hi:step, inclusive) or\n"
"                  'A=1e2,3e2,1e3'; a log parameter's values are of its log; the grid is\n"
"                  the product (default: every parameter at 1)\n"
"  --objective O   formula: lsq (least squares on the raw response, Levenberg-Marquardt;\n"
"                  default), huber-log (Huber delta on ln y - ln f), or huber-likelihood\n"
"                  (Epoch AI's: the same residuals under a Huber density with a free scale\n"
"                  sigma; reports the log-likelihood)\n"
"  --weight EXPR   formula: per-run weight, an expression over columns ('sqrt(C)')\n"
"  --isoflop       Hoffmann's approach 2 instead of a law: runs snapped to budgets C (6 N D_eff,\n"
"                  or --flops-column NAME), a parabola of loss in ln N per budget (budgets\n"
"                  without an interior minimum refused), then ln N* on ln C: the exponent a\n"
"                  with a bootstrap interval (runs resampled within budgets)\n"
"  --budgets LIST  isoflop: budgets to snap to (default 1, 3, 6 x 10^k)\n"
"  --snap DEX      isoflop: a run joins the nearest budget within DEX decades (0.1)\n"
"  --weighted      isoflop: the N*-C line weighted by runs per budget\n"
"  --at FLOPS      isoflop: N* (with interval) and D* at this budget\n"
"  --solver S      formula, lsq: auto (default: variable projection when parameters enter\n"
"                  linearly, they are then solved exactly and need no starts), varpro, lm\n"
"  --results FILE  C_i from `cimeter measure -o FILE`: per modality the aggregate of a\n"
"                  --tokenizer SPEC (repeatable, one per modality), else the first of\n"
"                  that modality; the output says which\n"
"  --c LIST        C_i by hand, e.g. text=3.9,image=768 (overrides --results)\n"
"  --bootstrap N   resamples for the intervals (default 1000; 0 = none)\n"
"  --seed S        bootstrap seed (default 1); results do not depend on threads\n"
"  --starts N|all  chinchilla: minimise from the best N of Epoch's 4,500 grid starts\n"
"                  (default 100) or from all of them; formula: from the best N of its\n"
"                  grid by starting objective (default all)\n"
"  --boot-starts N chinchilla, per resample: the full-data optimum plus the best N grid\n"
"                  starts on the full data (default 1)\n"
"  --delta X       chinchilla Huber delta (default 1e-3)\n"
"  --heldout F     fraction of largest-compute runs held out for the check (default 0.2)\n"
"  --lrt FIT0.json  likelihood-ratio test against another fit of the same runs with the\n"
"                  same likelihood (huber-likelihood, or lsq read as Gaussian errors)\n"
"  --predict-at N=P,D=D  the law's loss there with its bootstrap interval (up to 8)\n"
"  --heldout-above C  hold out the runs above C FLOPs (6 P D_eff) instead\n"
"  --subsample F   each bootstrap resample is floor(F n) runs drawn without replacement\n"
"                  (0.8: Hoffmann et al.'s 80% subsamples); default: n with replacement\n"
"  --threads N     OpenMP threads for the bootstrap (default: all)\n"
"  -o FIT.json     write the fit as JSON (`-` for stdout); the summary goes to stdout\n"
"\n"
"Ill-posed fits are refused (exit 2) with a reason: fewer runs than parameters + 2,\n"
"less than one decade of range in P or D_eff, non-positive or non-finite values.\n";

int cim_cmd_fit(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"form", required_argument, 0, 'f'}, {"results", required_argument, 0, 'r'},
        {"tokenizer", required_argument, 0, 't'}, {"c", required_argument, 0, 'c'},
        {"bootstrap", required_argument, 0, 'b'}, {"seed", required_argument, 0, 's'},
        {"starts", required_argument, 0, 'S'}, {"delta", required_argument, 0, 'd'},
        {"heldout", required_argument, 0, 'H'}, {"boot-starts", required_argument, 0, 'B'}, {"threads", required_argument, 0, 'j'},
        {"param", required_argument, 0, 'p'}, {"column", required_argument, 0, 'C'},
        {"start", required_argument, 0, 'G'}, {"weight", required_argument, 0, 'W'},
        {"objective", required_argument, 0, 'O'}, {"solver", required_argument, 0, 'V'},
        {"heldout-above", required_argument, 0, 'Z'}, {"predict-at", required_argument, 0, 'T'}, {"lrt", required_argument, 0, 'L'}, {"subsample", required_argument, 0, 'Y'},
        {"isoflop", no_argument, 0, 'I'}, {"budgets", required_argument, 0, 'U'}, {"snap", required_argument, 0, 'N'},
        {"flops-column", required_argument, 0, 'F'}, {"weighted", no_argument, 0, 'w'}, {"at", required_argument, 0, 'A'},
        {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    CimFitParams p = cim_fit_default_params();
    const char *results = NULL, *clist = NULL, *out = NULL, *lrt = NULL;
    const char *toks[16];
    size_t ntoks = 0;
    enum { MAXSPEC = 64 };
    const char *params[MAXSPEC], *columns[MAXSPEC], *starts[MAXSPEC];
    CimFormulaSpec spec = {.params = params, .columns = columns, .starts = starts};
    int starts_given = 0, solver_given = 0, isoflop = 0, iso_opts = 0;
    double budgets[256];
    CimIsoflopParams iso = {.budgets = budgets, .snap = 0.1};
    int c;
    long lv;
    uint64_t uv;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:j:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': {
            if (strchr(optarg, '=')) {
                p.form = CIM_FIT_FORMULA;
                spec.form = optarg;
                break;
            }
            const char *named = cim_fit_named_formula(optarg);
            if (named) {
                p.form = CIM_FIT_FORMULA;
                spec.form = named;
                break;
            }
            int f = cim_fit_form_from_name(optarg);
            if (f < 0) return cim_cli_usage_error("fit", "unknown --form '%s' (loglinear, chinchilla, free-c, kaplan, gadre, data-constrained, "
                                          "chinchilla-formula, or a formula 'L = ...')", optarg);
            p.form = (CimFitForm)f;
            break;
        }
        case 'p': case 'C': case 'G': {
            const char **list = c == 'p' ? params : c == 'C' ? columns : starts;
            size_t *n = c == 'p' ? &spec.nparams : c == 'C' ? &spec.ncolumns : &spec.nstarts;
            if (*n == MAXSPEC) return cim_cli_usage_error("fit", "too many --%s", c == 'p' ? "param" : c == 'C' ? "column" : "start");
            list[(*n)++] = optarg;
            break;
        }
        case 'W': spec.weight = optarg; break;
        case 'I': isoflop = 1; break;
        case 'L': lrt = optarg; break;
        case 'T': {
            char buf[256], *save = NULL;
            double N = NAN, D = NAN;
            snprintf(buf, sizeof buf, "%s", optarg);
            for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(t, '=');
                double v;
                if (!eq || cim_arg_double(eq + 1, &v) < 0 || !(v > 0)) { N = NAN; break; }
                *eq = '\0';
                if (!strcmp(t, "N") || !strcmp(t, "P")) N = v;
                else if (!strcmp(t, "D")) D = v;
                else { N = NAN; break; }
            }
            if (!(N > 0) || !(D > 0) || p.npredict == 8)
                return cim_cli_usage_error("fit", "--predict-at wants N=P,D=D with positive numbers (at most 8), got '%s'", optarg);
            p.predict_N[p.npredict] = N;
            p.predict_D[p.npredict++] = D;
            break;
        }
        case 'Z':
            if (cim_arg_double(optarg, &p.heldout_above) < 0 || !(p.heldout_above > 0))
                return cim_cli_usage_error("fit", "--heldout-above wants a positive FLOP count, got '%s'", optarg);
            break;
        case 'Y':
            if (cim_arg_double(optarg, &p.subsample) < 0 || !(p.subsample > 0 && p.subsample < 1))
                return cim_cli_usage_error("fit", "--subsample wants a fraction in (0, 1), got '%s'", optarg);
            break;
        case 'U': {
            char *dup = strdup(optarg), *save = NULL;
            if (!dup) return cim_cli_usage_error("fit", "out of memory");
            iso.nbudgets = 0;
            for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                double v;
                if (iso.nbudgets == 256 || cim_arg_double(t, &v) < 0 || !(v > 0)) {
                    free(dup);
                    return cim_cli_usage_error("fit", "--budgets wants up to 256 positive numbers, got '%s'", optarg);
                }
                budgets[iso.nbudgets++] = v;
            }
            free(dup);
            if (!iso.nbudgets) return cim_cli_usage_error("fit", "--budgets: no budget given");
            iso_opts = 1;
            break;
        }
        case 'N':
            if (cim_arg_double(optarg, &iso.snap) < 0 || !(iso.snap > 0))
                return cim_cli_usage_error("fit", "--snap wants a positive number of decades, got '%s'", optarg);
            iso_opts = 1;
            break;
        case 'F': iso.flops_column = optarg; iso_opts = 1; break;
        case 'w': iso.weighted = 1; iso_opts = 1; break;
        case 'A':
            if (cim_arg_double(optarg, &iso.at) < 0 || !(iso.at > 0))
                return cim_cli_usage_error("fit", "--at wants a positive FLOP budget, got '%s'", optarg);
            iso_opts = 1;
            break;
        case 'V':
            if (!strcmp(optarg, "auto")) p.solver = CIM_SOLVER_AUTO;
            else if (!strcmp(optarg, "lm")) p.solver = CIM_SOLVER_LM;
            else if (!strcmp(optarg, "varpro")) p.solver = CIM_SOLVER_VARPRO;
            else return cim_cli_usage_error("fit", "unknown --solver '%s' (auto, varpro, lm)", optarg);
            solver_given = 1;
            break;
        case 'O': {
            int o = cim_fit_objective_from_name(optarg);
            if (o < 0) return cim_cli_usage_error("fit", "unknown --objective '%s' (lsq, huber-log, huber-likelihood)", optarg);
            p.objective = o;
            break;
        }
        case 'r': results = optarg; break;
        case 't':
            if (ntoks == sizeof toks / sizeof *toks) return cim_cli_usage_error("fit", "too many --tokenizer");
            toks[ntoks++] = optarg;
            break;
        case 'c': clist = optarg; break;
        case 'b':
            if (cim_arg_long(optarg, 0, 10000000, &lv) < 0)
                return cim_cli_usage_error("fit", "--bootstrap wants a count 0..10000000, got '%s'", optarg);
            p.bootstrap = (uint32_t)lv;
            break;
        case 's':
            if (cim_arg_u64(optarg, &uv) < 0) return cim_cli_usage_error("fit", "--seed wants an unsigned integer, got '%s'", optarg);
            p.seed = uv;
            break;
        case 'S':
            if (!strcmp(optarg, "all")) { p.starts = 0; break; }
            if (cim_arg_long(optarg, 1, 1000000, &lv) < 0)
                return cim_cli_usage_error("fit", "--starts wants N >= 1 or 'all', got '%s'", optarg);
            p.starts = (int)lv;
            starts_given = 1;
            break;
        case 'd':
            if (cim_arg_double(optarg, &p.delta) < 0 || !(p.delta > 0))
                return cim_cli_usage_error("fit", "--delta wants a positive number, got '%s'", optarg);
            break;
        case 'H':
            if (cim_arg_double(optarg, &p.heldout) < 0 || !(p.heldout >= 0 && p.heldout < 1))
                return cim_cli_usage_error("fit", "--heldout wants a fraction in [0, 1), got '%s'", optarg);
            break;
        case 'B':
            if (cim_arg_long(optarg, 0, 64, &lv) < 0) return cim_cli_usage_error("fit", "--boot-starts wants 0..64, got '%s'", optarg);
            p.boot_starts = (int)lv;
            break;
        case 'j':
            if (cim_arg_threads(optarg, &p.threads) < 0)
                return cim_cli_usage_error("fit", "--threads wants a count 1..%d, got '%s'",
                                           CIM_ARG_MAX_THREADS, optarg);
            break;
        case 'o': out = optarg; break;
        case 'h': fputs(fit_help, stdout); return 0;
        default: fputs(fit_help, stderr); return 2;
        }
    }
    if (argc - optind != 1) return cim_cli_usage_error("fit", "one RUNS.csv expected (see --help)");
    if (iso_opts && !isoflop) return cim_cli_usage_error("fit", "--budgets, --snap, --flops-column, --weighted and --at go with --isoflop");
    int formula_opts = spec.nparams || spec.ncolumns || spec.nstarts || spec.weight || p.objective || solver_given;
    if (formula_opts && p.form != CIM_FIT_FORMULA)
        return cim_cli_usage_error("fit", "--param, --column, --start, --weight, --objective and --solver go with a formula --form 'Y = ...'");
    if (p.form == CIM_FIT_FORMULA) {
        p.formula = &spec;
        if (!starts_given) p.starts = 0;
    }
    if (ntoks && !results) return cim_cli_usage_error("fit", "--tokenizer picks from --results FILE.json: give one");
    CimErr e = {0};
    CimFitC cs;
    cim_fitc_init(&cs);
    if (results && cim_fitc_from_results(&cs, results, toks, ntoks, &e) < 0) return cim_cli_usage_error("fit", "%s", e.msg);
    if (clist && cim_fitc_parse(&cs, clist, &e) < 0) return cim_cli_usage_error("fit", "%s", e.msg);
    CimRuns *runs;
    if (cim_runs_read_csv(argv[optind], &runs, &e) < 0) return cim_cli_usage_error("fit", "%s", e.msg);
    if (isoflop) {
        double *D = malloc(runs->n * sizeof *D);
        CimIsoflop *r = NULL;
        int rc = 0;
        iso.bootstrap = p.bootstrap;
        iso.seed = p.seed;
        iso.threads = p.threads;
        if (!D) rc = cim_cli_usage_error("fit", "out of memory");
        else if ((iso.flops_column ? 0 : cim_runs_deff(runs, cs.C, NULL, D, &e)) < 0 || cim_isoflop_run(runs, D, &iso, &r, &e) < 0)
            rc = cim_cli_usage_error("fit", "%s%s", e.code == CIM_ERR_REFUSED ? "refused: " : "", e.msg);
        else {
            cim_isoflop_print_summary(r, out && !strcmp(out, "-") ? stderr : stdout);
            if (out && cim_isoflop_write_json(r, out, argc, argv, &e) < 0) rc = cim_cli_usage_error("fit", "%s", e.msg);
        }
        cim_isoflop_free(r);
        free(D);
        cim_runs_free(runs);
        return rc;
    }
    CimFit *fit;
    if (cim_fit_run(runs, &cs, &p, &fit, &e) < 0) {
        cim_runs_free(runs);
        return cim_cli_usage_error("fit", "%s%s", e.code == CIM_ERR_REFUSED ? "refused: " : "", e.msg);
    }
    int rc = 0;
    int json_stdout = out && !strcmp(out, "-");
    if (lrt && cim_fit_lrt(fit, lrt, &e) < 0) {
        cim_fit_free(fit);
        cim_runs_free(runs);
        return cim_cli_usage_error("fit", "%s", e.msg);
    }
    cim_fit_print_summary(fit, json_stdout ? stderr : stdout);
    if (out && cim_fit_write_json(fit, out, argc, argv, &e) < 0) rc = cim_cli_usage_error("fit", "%s", e.msg);
    cim_fit_free(fit);
    cim_runs_free(runs);
    return rc;
}
