/* cmd_report.c — `cimeter report FILE.json... [--fit FIT.json] [--runs RUNS.csv]
 *                 --format md|latex|csv|svg|png -o OUT` (doc/cimeter.1), through
 * cim_report_write, which never leaves half a table. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cimeter.h"
#include "cli/commands.h"

static void report_help(FILE *f)
{
    fputs("usage: cimeter report FILE.json... [--fit FIT.json [--runs RUNS.csv\n"
          "                      [--x COL] [--group COL] [--set COL=V,...]]] --format FMT -o OUT\n"
          "\n"
          "Tables and plots of measure results (modality x tokenizer: C, its 95% interval,\n"
          "C_file, tokens per unit, files) and of a law fit (every estimate with its\n"
          "interval, and the fit's settings). Several results files get a `run` column.\n"
          "Results measured with --info add info_bits / capacity_bits (md, csv: both too).\n"
          "\n"
          "  --format FMT   one of (default: from OUT's extension):\n", f);
    const char *name;
    const char *help;
    for (size_t i = 0; (name = cim_report_format(i, &help)); i++)
        fprintf(f, "                   %-6s %s\n", name, help);
    fputs("  -o, --output OUT   file to write (\"-\" for stdout)\n"
          "  --fit FIT.json     a `cimeter fit` result: adds its table; in plots, fitted\n"
          "                     C_<modality> next to the measured ones\n"
          "  --runs RUNS.csv    with --fit, svg/png plot the fitted law against these runs\n"
          "                     (columns params, loss, and tokens or raw_<modality>)\n"
          "  --x COL            the law plot's x axis (log scale): N, D or D_eff (default),\n"
          "                     C (compute, 6 N D) or any numeric column of RUNS.csv\n"
          "  --group COL        one colour and one curve of the law per value of COL, the\n"
          "                     value held along the axis (default N, or D when --x is N);\n"
          "                     a curve needs the axis and the group to fix N and D;\n"
          "                     a column of text colours the points only\n"
          "  --set COL=V,...    the values at which the law's curves hold the other columns\n"
          "                     a formula law uses (unique_tokens=1e10 for data-constrained)\n"
          "\n"
          "Exit: 0 written, 2 bad input or usage.\n", f);
}

int cim_cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"fit", required_argument, 0, 'F'}, {"runs", required_argument, 0, 'R'},
        {"format", required_argument, 0, 'f'}, {"output", required_argument, 0, 'o'},
        {"x", required_argument, 0, 'X'}, {"group", required_argument, 0, 'G'},
        {"set", required_argument, 0, 'S'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *fit = NULL, *runs = NULL, *format = NULL, *out = NULL;
    const char *x_axis = NULL, *group = NULL, *set = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'F':
            fit = optarg;
            break;
        case 'R':
            runs = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'X':
            x_axis = optarg;
            break;
        case 'G':
            group = optarg;
            break;
        case 'S':
            set = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            report_help(stdout);
            return 0;
        default:
            report_help(stderr);
            return 2;
        }
    }
    if (!out) return cim_cli_usage_error("report", "-o OUT is required");
    if (!format) {
        const char *dot = strrchr(out, '.');
        format = dot ? dot + 1 : NULL;
        if (!format) return cim_cli_usage_error("report", "--format is required (md, latex, csv, svg, png)");
    }
    if (!cim_report_format_known(format))
        return cim_cli_usage_error("report", "unknown format '%s' (md, latex, csv, svg, png)", format);
    if (optind >= argc && !fit) return cim_cli_usage_error("report", "no FILE.json given");
    if (runs && !fit) return cim_cli_usage_error("report", "--runs needs --fit");
    if ((x_axis || group || set) && !runs)
        return cim_cli_usage_error("report", "--x, --group and --set need --fit and --runs");
    if ((x_axis && !*x_axis) || (group && !*group))
        return cim_cli_usage_error("report", "--x and --group need a column name");
    CimErr e = {0};
    const char *const *results = (const char *const *)argv + optind;
    size_t nresults = (size_t)(argc - optind);
    if (cim_report_write_law(results, nresults, fit, runs, x_axis, group, set, format, out, &e) < 0)
        return cim_cli_usage_error("report", "%s", e.msg);
    return 0;
}
