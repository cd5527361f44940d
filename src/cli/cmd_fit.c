/* cmd_fit.c — `cimeter fit RUNS.csv ...` (doc/fitting.md): summary on stdout, JSON with -o. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cimeter_fit.h"
#include "cli/args.h"
#include "cli/commands.h"

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

/* "cimeter fit: message" on stderr; exit code 2. */
#define FIT_USAGE(...) cim_cli_usage_error("fit", __VA_ARGS__)

enum { MAXSPEC = 64, MAXTOK = 16, MAXBUDGETS = 256 };

/* What the command line asks of a fit. */
typedef struct FitArgs {
    CimFitParams     p;
    CimFormulaSpec   spec;                 /* a formula --form and its options */
    const char      *params[MAXSPEC];      /* --param */
    const char      *columns[MAXSPEC];     /* --column */
    const char      *starts[MAXSPEC];      /* --start */
    const char      *toks[MAXTOK];         /* --tokenizer */
    size_t           ntoks;
    const char      *results;              /* --results FILE.json */
    const char      *clist;                /* --c LIST */
    const char      *out;                  /* -o FIT.json */
    const char      *lrt;                  /* --lrt FIT0.json */
    int              starts_given;         /* --starts N (a formula's default is all) */
    int              solver_given;
    int              isoflop;              /* --isoflop */
    int              iso_opts;             /* an option that only --isoflop takes */
    CimIsoflopParams iso;
    double           budgets[MAXBUDGETS];  /* --budgets */
} FitArgs;

/* An option went through; any other value of the *_option functions is the exit code. */
enum { FIT_GO_ON = -1 };

/* --form: a form's name, a named formula, or a formula 'Y = ...'. */
static int parse_form(FitArgs *a, const char *arg)
{
    const char *named = cim_fit_named_formula(arg);
    if (strchr(arg, '=') || named) {
        a->p.form = CIM_FIT_FORMULA;
        a->spec.form = strchr(arg, '=') ? arg : named;
        return FIT_GO_ON;
    }
    int f = cim_fit_form_from_name(arg);
    if (f < 0)
        return FIT_USAGE("unknown --form '%s' (loglinear, chinchilla, free-c, kaplan, gadre, "
                     "data-constrained, chinchilla-formula, or a formula 'L = ...')", arg);
    a->p.form = (CimFitForm)f;
    return FIT_GO_ON;
}

/* --predict-at N=P,D=D */
static int parse_predict_at(FitArgs *a, const char *arg)
{
    char buf[256];
    char *save = NULL;
    double N = NAN;
    double D = NAN;
    snprintf(buf, sizeof buf, "%s", arg);
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '=');
        double v;
        if (!eq || cim_arg_double(eq + 1, &v) < 0 || !(v > 0)) {
            N = NAN;
            break;
        }
        *eq = '\0';
        if (!strcmp(t, "N") || !strcmp(t, "P")) {
            N = v;
        } else if (!strcmp(t, "D")) {
            D = v;
        } else {
            N = NAN;
            break;
        }
    }
    if (!(N > 0) || !(D > 0) || a->p.npredict == 8)
        return FIT_USAGE("--predict-at wants N=P,D=D with positive numbers (at most 8), "
                         "got '%s'", arg);
    a->p.predict_N[a->p.npredict] = N;
    a->p.predict_D[a->p.npredict] = D;
    a->p.npredict++;
    return FIT_GO_ON;
}

/* --budgets C1,C2,... */
static int parse_budgets(FitArgs *a, const char *arg)
{
    char *dup = strdup(arg);
    char *save = NULL;
    if (!dup)
        return FIT_USAGE("out of memory");
    a->iso.nbudgets = 0;
    for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        double v;
        if (a->iso.nbudgets == MAXBUDGETS || cim_arg_double(t, &v) < 0 || !(v > 0)) {
            free(dup);
            return FIT_USAGE("--budgets wants up to 256 positive numbers, got '%s'", arg);
        }
        a->budgets[a->iso.nbudgets++] = v;
    }
    free(dup);
    if (!a->iso.nbudgets)
        return FIT_USAGE("--budgets: no budget given");
    return FIT_GO_ON;
}

/* The options of a formula --form: -f, --param, --column, --start, --weight,
 * --objective, --solver. */
static int formula_option(FitArgs *a, int c, const char *arg)
{
    if (c == 'f')
        return parse_form(a, arg);
    if (c == 'p' || c == 'C' || c == 'G') {
        const char **list = c == 'p' ? a->params : c == 'C' ? a->columns : a->starts;
        size_t *n = c == 'p' ? &a->spec.nparams : c == 'C' ? &a->spec.ncolumns : &a->spec.nstarts;
        if (*n == MAXSPEC)
            return FIT_USAGE("too many --%s", c == 'p' ? "param" : c == 'C' ? "column" : "start");
        list[(*n)++] = arg;
        return FIT_GO_ON;
    }
    if (c == 'W') {
        a->spec.weight = arg;
        return FIT_GO_ON;
    }
    if (c == 'O') {
        int o = cim_fit_objective_from_name(arg);
        if (o < 0)
            return FIT_USAGE("unknown --objective '%s' (lsq, huber-log, huber-likelihood)", arg);
        a->p.objective = o;
        return FIT_GO_ON;
    }
    if (!strcmp(arg, "auto"))
        a->p.solver = CIM_SOLVER_AUTO;
    else if (!strcmp(arg, "lm"))
        a->p.solver = CIM_SOLVER_LM;
    else if (!strcmp(arg, "varpro"))
        a->p.solver = CIM_SOLVER_VARPRO;
    else
        return FIT_USAGE("unknown --solver '%s' (auto, varpro, lm)", arg);
    a->solver_given = 1;
    return FIT_GO_ON;
}

/* The options of --isoflop: --isoflop itself, --budgets, --snap, --flops-column,
 * --weighted, --at. */
static int isoflop_option(FitArgs *a, int c, const char *arg)
{
    if (c == 'I') {
        a->isoflop = 1;
        return FIT_GO_ON;
    }
    a->iso_opts = 1;
    switch (c) {
    case 'U':
        return parse_budgets(a, arg);
    case 'N':
        if (cim_arg_double(arg, &a->iso.snap) < 0 || !(a->iso.snap > 0))
            return FIT_USAGE("--snap wants a positive number of decades, got '%s'", arg);
        return FIT_GO_ON;
    case 'F':
        a->iso.flops_column = arg;
        return FIT_GO_ON;
    case 'w':
        a->iso.weighted = 1;
        return FIT_GO_ON;
    default:   /* --at */
        if (cim_arg_double(arg, &a->iso.at) < 0 || !(a->iso.at > 0))
            return FIT_USAGE("--at wants a positive FLOP budget, got '%s'", arg);
        return FIT_GO_ON;
    }
}

/* The bootstrap's options: --bootstrap, --seed, --starts, --boot-starts, --subsample,
 * --threads. */
static int bootstrap_option(FitArgs *a, int c, const char *arg)
{
    long lv;
    uint64_t uv;
    switch (c) {
    case 'b':
        if (cim_arg_long(arg, 0, 10000000, &lv) < 0)
            return FIT_USAGE("--bootstrap wants a count 0..10000000, got '%s'", arg);
        a->p.bootstrap = (uint32_t)lv;
        return FIT_GO_ON;
    case 's':
        if (cim_arg_u64(arg, &uv) < 0)
            return FIT_USAGE("--seed wants an unsigned integer, got '%s'", arg);
        a->p.seed = uv;
        return FIT_GO_ON;
    case 'S':
        if (!strcmp(arg, "all")) {
            a->p.starts = 0;
            return FIT_GO_ON;
        }
        if (cim_arg_long(arg, 1, 1000000, &lv) < 0)
            return FIT_USAGE("--starts wants N >= 1 or 'all', got '%s'", arg);
        a->p.starts = (int)lv;
        a->starts_given = 1;
        return FIT_GO_ON;
    case 'B':
        if (cim_arg_long(arg, 0, 64, &lv) < 0)
            return FIT_USAGE("--boot-starts wants 0..64, got '%s'", arg);
        a->p.boot_starts = (int)lv;
        return FIT_GO_ON;
    case 'Y':
        if (cim_arg_double(arg, &a->p.subsample) < 0 || !(a->p.subsample > 0 && a->p.subsample < 1))
            return FIT_USAGE("--subsample wants a fraction in (0, 1), got '%s'", arg);
        return FIT_GO_ON;
    default:   /* --threads */
        if (cim_arg_threads(arg, &a->p.threads) < 0)
            return FIT_USAGE("--threads wants a count 1..%d, got '%s'", CIM_ARG_MAX_THREADS, arg);
        return FIT_GO_ON;
    }
}

/* The other options: inputs, output, held-out check, Huber delta, --lrt, --predict-at. */
static int fit_option(FitArgs *a, int c, const char *arg)
{
    switch (c) {
    case 'r':
        a->results = arg;
        return FIT_GO_ON;
    case 't':
        if (a->ntoks == MAXTOK)
            return FIT_USAGE("too many --tokenizer");
        a->toks[a->ntoks++] = arg;
        return FIT_GO_ON;
    case 'c':
        a->clist = arg;
        return FIT_GO_ON;
    case 'o':
        a->out = arg;
        return FIT_GO_ON;
    case 'L':
        a->lrt = arg;
        return FIT_GO_ON;
    case 'T':
        return parse_predict_at(a, arg);
    case 'd':
        if (cim_arg_double(arg, &a->p.delta) < 0 || !(a->p.delta > 0))
            return FIT_USAGE("--delta wants a positive number, got '%s'", arg);
        return FIT_GO_ON;
    case 'H':
        if (cim_arg_double(arg, &a->p.heldout) < 0 || !(a->p.heldout >= 0 && a->p.heldout < 1))
            return FIT_USAGE("--heldout wants a fraction in [0, 1), got '%s'", arg);
        return FIT_GO_ON;
    default:   /* --heldout-above */
        if (cim_arg_double(arg, &a->p.heldout_above) < 0 || !(a->p.heldout_above > 0))
            return FIT_USAGE("--heldout-above wants a positive FLOP count, got '%s'", arg);
        return FIT_GO_ON;
    }
}

/* Reads the options into a (set up by the caller); FIT_GO_ON or the exit code. */
static int parse_fit_args(int argc, char **argv, FitArgs *a)
{
    static const struct option longopts[] = {
        {"form", required_argument, 0, 'f'}, {"results", required_argument, 0, 'r'},
        {"tokenizer", required_argument, 0, 't'}, {"c", required_argument, 0, 'c'},
        {"bootstrap", required_argument, 0, 'b'}, {"seed", required_argument, 0, 's'},
        {"starts", required_argument, 0, 'S'}, {"delta", required_argument, 0, 'd'},
        {"heldout", required_argument, 0, 'H'}, {"boot-starts", required_argument, 0, 'B'},
        {"threads", required_argument, 0, 'j'}, {"param", required_argument, 0, 'p'},
        {"column", required_argument, 0, 'C'}, {"start", required_argument, 0, 'G'},
        {"weight", required_argument, 0, 'W'}, {"objective", required_argument, 0, 'O'},
        {"solver", required_argument, 0, 'V'}, {"heldout-above", required_argument, 0, 'Z'},
        {"predict-at", required_argument, 0, 'T'}, {"lrt", required_argument, 0, 'L'},
        {"subsample", required_argument, 0, 'Y'}, {"isoflop", no_argument, 0, 'I'},
        {"budgets", required_argument, 0, 'U'}, {"snap", required_argument, 0, 'N'},
        {"flops-column", required_argument, 0, 'F'}, {"weighted", no_argument, 0, 'w'},
        {"at", required_argument, 0, 'A'}, {"output", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:j:h", longopts, NULL)) != -1) {
        int rc;
        if (c == 'h')
            return cim_cli_help(fit_help, 0);
        if (c == '?' || c == ':')
            return cim_cli_help(fit_help, 2);
        if (strchr("fpCGWOV", c))
            rc = formula_option(a, c, optarg);
        else if (strchr("IUNFwA", c))
            rc = isoflop_option(a, c, optarg);
        else if (strchr("bsSBYj", c))
            rc = bootstrap_option(a, c, optarg);
        else
            rc = fit_option(a, c, optarg);
        if (rc != FIT_GO_ON)
            return rc;
    }
    return FIT_GO_ON;
}

/* Options that only go together; a formula's default starts. */
static int check_fit_args(FitArgs *a, int nargs)
{
    if (nargs != 1)
        return FIT_USAGE("one RUNS.csv expected (see --help)");
    if (a->iso_opts && !a->isoflop)
        return FIT_USAGE("--budgets, --snap, --flops-column, --weighted and "
                                   "--at go with --isoflop");
    const CimFormulaSpec *sp = &a->spec;
    int formula_opts = sp->nparams || sp->ncolumns || sp->nstarts || sp->weight || a->p.objective ||
                       a->solver_given;
    if (formula_opts && a->p.form != CIM_FIT_FORMULA)
        return FIT_USAGE("--param, --column, --start, --weight, --objective and "
                                   "--solver go with a formula --form 'Y = ...'");
    if (a->p.form == CIM_FIT_FORMULA) {
        a->p.formula = &a->spec;
        if (!a->starts_given)
            a->p.starts = 0;
    }
    if (a->ntoks && !a->results)
        return FIT_USAGE("--tokenizer picks from --results FILE.json: give one");
    return FIT_GO_ON;
}

/* The measured C_i: from --results, then --c over them. */
static int load_c(const FitArgs *a, CimFitC *cs)
{
    CimErr e = {0};
    cim_fitc_init(cs);
    if (a->results && cim_fitc_from_results(cs, a->results, a->toks, a->ntoks, &e) < 0)
        return FIT_USAGE("%s", e.msg);
    if (a->clist && cim_fitc_parse(cs, a->clist, &e) < 0)
        return FIT_USAGE("%s", e.msg);
    return FIT_GO_ON;
}

/* A failed fit: "refused: " for an ill-posed one. */
static int fit_failed(const CimErr *e)
{
    return FIT_USAGE("%s%s", e->code == CIM_ERR_REFUSED ? "refused: " : "", e->msg);
}

/* --isoflop: Hoffmann's approach 2 over the runs. */
static int run_isoflop(FitArgs *a, const CimRuns *runs, const CimFitC *cs, int argc, char **argv)
{
    CimErr e = {0};
    double *D = malloc(cim_runs_count(runs) * sizeof *D);
    CimIsoflop *r = NULL;
    int rc = 0;
    a->iso.bootstrap = a->p.bootstrap;
    a->iso.seed = a->p.seed;
    a->iso.threads = a->p.threads;
    if (!D) {
        rc = FIT_USAGE("out of memory");
    } else if ((a->iso.flops_column ? 0 : cim_runs_deff(runs, cs->C, NULL, D, &e)) < 0 ||
               cim_isoflop_run(runs, D, &a->iso, &r, &e) < 0) {
        rc = fit_failed(&e);
    } else {
        cim_isoflop_print_summary(r, a->out && !strcmp(a->out, "-") ? stderr : stdout);
        if (a->out && cim_isoflop_write_json(r, a->out, argc, argv, &e) < 0)
            rc = FIT_USAGE("%s", e.msg);
    }
    cim_isoflop_free(r);
    free(D);
    return rc;
}

/* A law fit, its likelihood-ratio test, summary and JSON. */
static int run_law_fit(const FitArgs *a, const CimRuns *runs, const CimFitC *cs, int argc,
                       char **argv)
{
    CimErr e = {0};
    CimFit *fit;
    if (cim_fit_run(runs, cs, &a->p, &fit, &e) < 0)
        return fit_failed(&e);
    int rc = 0;
    int json_stdout = a->out && !strcmp(a->out, "-");
    if (a->lrt && cim_fit_lrt(fit, a->lrt, &e) < 0) {
        cim_fit_free(fit);
        return FIT_USAGE("%s", e.msg);
    }
    cim_fit_print_summary(fit, json_stdout ? stderr : stdout);
    if (a->out && cim_fit_write_json(fit, a->out, argc, argv, &e) < 0)
        rc = FIT_USAGE("%s", e.msg);
    cim_fit_free(fit);
    return rc;
}

int cim_cmd_fit(int argc, char **argv)
{
    FitArgs a;
    memset(&a, 0, sizeof a);
    a.p = cim_fit_default_params();
    a.spec.params = a.params;
    a.spec.columns = a.columns;
    a.spec.starts = a.starts;
    a.iso.budgets = a.budgets;
    a.iso.snap = 0.1;
    int rc = parse_fit_args(argc, argv, &a);
    if (rc == FIT_GO_ON)
        rc = check_fit_args(&a, argc - optind);
    CimFitC cs;
    if (rc == FIT_GO_ON)
        rc = load_c(&a, &cs);
    if (rc != FIT_GO_ON)
        return rc;
    CimErr e = {0};
    CimRuns *runs;
    if (cim_runs_read_csv(argv[optind], &runs, &e) < 0)
        return FIT_USAGE("%s", e.msg);
    if (a.isoflop)
        rc = run_isoflop(&a, runs, &cs, argc, argv);
    else
        rc = run_law_fit(&a, runs, &cs, argc, argv);
    cim_runs_free(runs);
    return rc;
}
