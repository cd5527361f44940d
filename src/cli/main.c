/* main.c — `cimeter COMMAND ...`: dispatch; the only code that picks exit codes. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cimeter.h"
#include "cli/commands.h"

static const CimCommand commands[] = {
    {"measure",    cim_cmd_measure,    "measure compression factors C over files and directories"},
    {"tokenizers", cim_cmd_tokenizers, "list tokenizers, their options and presets"},
    {"train-text", cim_cmd_train_text, "train a SentencePiece BPE or unigram model"},
    {"report",     cim_cmd_report,     "tables (md, latex, csv) and plots (svg, png) of results and fits"},
    {"merge",      cim_cmd_merge,      "merge shard results into the result of one run"},
    {"compare",    cim_cmd_compare,    "compare C against a baseline (CI gate: exit 1 beyond tolerance)"},
    {"fit",        cim_cmd_fit,        "fit a scaling law (loglinear, chinchilla, free-c) to training runs"},
    {"predict",    cim_cmd_predict,    "compute-optimal P and D, or the P or D for a target loss, from a fit"},
    {NULL, NULL, NULL}
};

int cim_cli_help(const char *help, int code)
{
    fputs(help, code ? stderr : stdout);
    return code;
}

int cim_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cimeter %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

static void usage(FILE *f)
{
    fprintf(f, "cimeter %s — how many raw bytes one token covers, per modality and tokenizer\n\n"
               "usage: cimeter COMMAND [options] (cimeter COMMAND --help for each)\n\n", cim_version());
    for (const CimCommand *c = commands; c->name; c++)
        fprintf(f, "  %-11s %s\n", c->name, c->help);
    fprintf(f, "\nExit codes: 0 success, 1 some files failed (the rest measured), 2 usage or fatal error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("cimeter %s\n", cim_version());
        return 0;
    }
    for (const CimCommand *c = commands; c->name; c++)
        if (!strcmp(argv[1], c->name))
            return c->run(argc - 1, argv + 1);
    fprintf(stderr, "cimeter: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
