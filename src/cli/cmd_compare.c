/* cmd_compare.c — `cimeter compare BASELINE.json CURRENT.json [--tolerance REL]`
 * (doc/cimeter.1): the CI gate, through cim_compare. Exit 0 all within, 1 some
 * not (each printed), 2 bad input.
 */
#include <getopt.h>
#include <stdio.h>
#include "cimeter.h"
#include "cli/args.h"
#include "cli/commands.h"

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
        case 'q':
            quiet = 1;
            break;
        case 'h':
            return cim_cli_help(compare_help, 0);
        default:
            return cim_cli_help(compare_help, 2);
        }
    }
    if (argc - optind != 2) return cim_cli_usage_error("compare", "needs BASELINE.json CURRENT.json");
    CimErr e = {0};
    CimCompare cmp = {.baseline = argv[optind], .current = argv[optind + 1], .tolerance = tol,
                      .quiet = quiet};
    if (cim_compare(&cmp, stdout, &e) < 0)
        return cim_cli_usage_error("compare", "%s", e.msg);
    if (cmp.failed)
        fprintf(stderr, "cimeter compare: %zu of %zu aggregate(s) outside the tolerance of %g\n",
                cmp.failed, cmp.compared, tol);
    return cmp.failed ? 1 : 0;
}
