/* cmd_report.c — `cimeter report FILE.json... [--fit FIT.json] [--runs RUNS.csv]
 *                 --format md|latex|csv|svg|png -o OUT` (doc/cimeter.1).
 * The output is written to a temporary name and renamed: never half a table. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/commands.h"
#include "out/report.h"

static void report_help(FILE *f)
{
    fputs("usage: cimeter report FILE.json... [--fit FIT.json [--runs RUNS.csv]] --format FMT -o OUT\n"
          "\n"
          "Tables and plots of measure results (modality x tokenizer: C, its 95% interval,\n"
          "C_file, tokens per unit, files) and of a law fit (every estimate with its\n"
          "interval, and the fit's settings). Several results files get a `run` column.\n"
          "Results measured with --info add info_bits / capacity_bits (md, csv: both too).\n"
          "\n"
          "  --format FMT   one of (default: from OUT's extension):\n", f);
    for (const CimReportWriter *const *w = cim__report_writer_list(); *w; w++)
        fprintf(f, "                   %-6s %s\n", (*w)->name, (*w)->help);
    fputs("  -o, --output OUT   file to write (\"-\" for stdout)\n"
          "  --fit FIT.json     a `cimeter fit` result: adds its table; in plots, fitted\n"
          "                     C_<modality> next to the measured ones\n"
          "  --runs RUNS.csv    with --fit, svg/png plot the fitted law against these runs\n"
          "                     (columns params, loss, and tokens or raw_<modality>)\n"
          "\n"
          "Exit: 0 written, 2 bad input or usage.\n", f);
}

int cim_cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"fit", required_argument, 0, 'F'}, {"runs", required_argument, 0, 'R'},
        {"format", required_argument, 0, 'f'}, {"output", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *fit = NULL, *runs = NULL, *format = NULL, *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'F': fit = optarg; break;
        case 'R': runs = optarg; break;
        case 'f': format = optarg; break;
        case 'o': out = optarg; break;
        case 'h': report_help(stdout); return 0;
        default: report_help(stderr); return 2;
        }
    }
    if (!out) return cim_cli_usage_error("report", "-o OUT is required");
    if (!format) {
        const char *dot = strrchr(out, '.');
        format = dot ? dot + 1 : NULL;
        if (!format) return cim_cli_usage_error("report", "--format is required (md, latex, csv, svg, png)");
    }
    const CimReportWriter *w = cim__report_writer_find(format);
    if (!w) return cim_cli_usage_error("report", "unknown format '%s' (md, latex, csv, svg, png)", format);
    if (optind >= argc && !fit) return cim_cli_usage_error("report", "no FILE.json given");
    if (runs && !fit) return cim_cli_usage_error("report", "--runs needs --fit");
    CimReport rep;
    CimErr e = {0};
    if (cim__report_load(&rep, (const char *const *)argv + optind, (size_t)(argc - optind), fit, runs, &e) < 0) {
        cim__report_free(&rep);
        return cim_cli_usage_error("report", "%s", e.msg);
    }
    int rc;
    if (!strcmp(out, "-")) {
        rc = w->write(&rep, stdout, &e);
        if (fflush(stdout) != 0 && rc == 0) rc = -1, snprintf(e.msg, sizeof e.msg, "cannot write stdout");
    } else {
        size_t len = strlen(out) + 32;
        char *tmp = malloc(len);
        if (!tmp) { cim__report_free(&rep); return cim_cli_usage_error("report", "out of memory"); }
        snprintf(tmp, len, "%s.tmp.%ld", out, (long)getpid());
        FILE *f = fopen(tmp, "wb");
        if (!f) {
            free(tmp);
            cim__report_free(&rep);
            return cim_cli_usage_error("report", "cannot write %s", out);
        }
        rc = w->write(&rep, f, &e);
        if (fclose(f) != 0 && rc == 0) rc = -1, snprintf(e.msg, sizeof e.msg, "cannot write %s", out);
        if (rc == 0 && rename(tmp, out) != 0) rc = -1, snprintf(e.msg, sizeof e.msg, "cannot rename to %s", out);
        if (rc != 0) unlink(tmp);
        free(tmp);
    }
    cim__report_free(&rep);
    return rc < 0 ? cim_cli_usage_error("report", "%s", e.msg[0] ? e.msg : "write failed") : 0;
}
