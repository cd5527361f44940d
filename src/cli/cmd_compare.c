/* cmd_compare.c — `cimeter compare BASELINE.json CURRENT.json [--tolerance REL]`
 * (doc/cimeter.1): the CI gate. Every aggregate of the baseline, keyed by
 * (modality, tokenizer), must be in the current result with
 * |C_cur − C_base| <= REL·|C_base|. Exit 0 all within, 1 some not (each
 * printed), 2 bad input. Aggregates only in the current file are listed, not
 * failed: adding a tokenizer is not a regression.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/args.h"
#include "cli/commands.h"
#include "out/json_read.h"
#include "out/report.h"

static const char compare_help[] =
"usage: cimeter compare BASELINE.json CURRENT.json [--tolerance REL] [--quiet]\n"
"\n"
"Compares the compression factor C of every (modality, tokenizer) aggregate\n"
"of BASELINE with CURRENT. One line per aggregate on stdout: ok, FAIL (C\n"
"moved by more than REL relative to the baseline), MISSING (not in CURRENT)\n"
"or NEW (only in CURRENT).\n"
"\n"
"  --tolerance REL   relative tolerance (default 0.01 = 1%)\n"
"  --quiet           print only the failures\n"
"\n"
"Exit: 0 every C within tolerance, 1 some not, 2 bad input or usage.\n";

/* "TAG MODALITY TOKENIZER: " with the names as plain text: a tokenizer name holds a
 * model path from the JSON, and control bytes must not reach the terminal raw. */
static void line_head(const char *tag, const char *m, const char *t)
{
    printf("%-7s ", tag);
    cim__report_text(stdout, m, CIM_ESC_PLAIN);
    putchar(' ');
    cim__report_text(stdout, t, CIM_ESC_PLAIN);
    fputs(": ", stdout);
}

static json_t *find_agg(json_t *aggs, const char *mod, const char *tok)
{
    size_t i;
    json_t *a;
    json_array_foreach(aggs, i, a) {
        const char *m = json_string_value(json_object_get(a, "modality"));
        const char *t = json_string_value(json_object_get(a, "tokenizer"));
        if (m && t && !strcmp(m, mod) && !strcmp(t, tok)) return a;
    }
    return NULL;
}

int cim_cmd_compare(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"tolerance", required_argument, 0, 'T'}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    double tol = 0.01;
    int quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'T':
            if (cim_arg_double(optarg, &tol) < 0 || tol < 0)
                return cim_cli_usage_error("compare",
                                           "--tolerance wants a relative tolerance >= 0, got '%s'",
                                           optarg);
            break;
        case 'q': quiet = 1; break;
        case 'h': fputs(compare_help, stdout); return 0;
        default: fputs(compare_help, stderr); return 2;
        }
    }
    if (argc - optind != 2) return cim_cli_usage_error("compare", "needs BASELINE.json CURRENT.json");
    CimErr e = {0};
    json_t *base = cim__measure_json_load(argv[optind], &e);
    if (!base) return cim_cli_usage_error("compare", "%s", e.msg);
    json_t *cur = cim__measure_json_load(argv[optind + 1], &e);
    if (!cur) { json_decref(base); return cim_cli_usage_error("compare", "%s", e.msg); }
    json_t *ba = json_object_get(base, "aggregates"), *ca = json_object_get(cur, "aggregates");
    size_t i, nfail = 0, n = 0;
    int rc = 0;
    json_t *a;
    json_array_foreach(ba, i, a) {
        const char *m = json_string_value(json_object_get(a, "modality"));
        const char *t = json_string_value(json_object_get(a, "tokenizer"));
        json_t *cb = json_object_get(a, "C");
        if (!m || !t || !(json_is_number(cb) || json_is_null(cb))) {
            rc = cim_cli_usage_error("compare", "%s: aggregate %zu is malformed", argv[optind], i);
            break;
        }
        n++;
        json_t *b = find_agg(ca, m, t);
        json_t *cc = b ? json_object_get(b, "C") : NULL;
        if (b && !(json_is_number(cc) || json_is_null(cc))) {
            rc = cim_cli_usage_error("compare", "%s: aggregate %s %s is malformed", argv[optind + 1], m, t);
            break;
        }
        double vb = json_is_number(cb) ? json_number_value(cb) : NAN;
        double vc = json_is_number(cc) ? json_number_value(cc) : NAN;
        double rel = vb != 0 ? fabs(vc - vb) / fabs(vb) : fabs(vc - vb);
        int ok = b && ((isnan(vb) && isnan(vc)) || (!isnan(vb) && !isnan(vc) && rel <= tol));
        nfail += !ok;
        if (!b) {
            line_head("MISSING", m, t);
            printf("C %.6g in the baseline, absent now\n", vb);
        } else if (!ok || !quiet) {
            line_head(ok ? "ok" : "FAIL", m, t);
            printf("C %.6g -> %.6g (%+.3f%%, tolerance %.3g%%)\n", vb, vc,
                   isfinite(rel) ? 100.0 * (vc - vb) / (vb != 0 ? fabs(vb) : 1) : NAN, 100 * tol);
        }
    }
    json_array_foreach(ca, i, a) {
        const char *m = json_string_value(json_object_get(a, "modality"));
        const char *t = json_string_value(json_object_get(a, "tokenizer"));
        if (rc == 0 && !quiet && m && t && !find_agg(ba, m, t)) {
            line_head("NEW", m, t);
            printf("C %.6g (not in the baseline)\n",
                   json_is_number(json_object_get(a, "C")) ? json_number_value(json_object_get(a, "C")) : NAN);
        }
    }
    if (rc == 0 && nfail)
        fprintf(stderr, "cimeter compare: %zu of %zu aggregate(s) outside the tolerance of %g\n", nfail, n, tol);
    json_decref(base);
    json_decref(cur);
    return rc ? rc : nfail ? 1 : 0;
}
