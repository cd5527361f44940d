/* cmd_misc.c — `cimeter tokenizers` and `cimeter train-text`. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cimeter.h"
#include "cli/commands.h"
#include "cli/args.h"

int cim_cmd_tokenizers(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        puts("usage: cimeter tokenizers\n\nLists every tokenizer front-end built in, its options, the presets and defaults.");
        return 0;
    }
    cim_list_tokenizers(stdout);
    return 0;
}

static const char train_help[] =
"usage: cimeter train-text CORPUS... --vocab N [--type bpe|unigram] [--no-byte-fallback] -o MODEL\n"
"\n"
"Trains a SentencePiece model on text files (one sentence per line). Byte\n"
"fallback is on by default: without it, runs of unseen characters collapse\n"
"into one <unk> and cross-language counts mean nothing.\n";

int cim_cmd_train_text(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"vocab", required_argument, 0, 'v'}, {"type", required_argument, 0, 'T'},
        {"no-byte-fallback", no_argument, 0, 'B'}, {"output", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int vocab = 0, byte_fallback = 1, c;
    const char *type = "bpe", *out = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'v': {
            long v;
            if (cim_arg_long(optarg, 1, 10000000, &v))
                return cim_cli_usage_error("train-text", "--vocab needs a vocabulary size >= 1, not '%s'", optarg);
            vocab = (int)v;
            break;
        }
        case 'T':
            type = optarg;
            break;
        case 'B':
            byte_fallback = 0;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            return cim_cli_help(train_help, 0);
        default:
            return cim_cli_help(train_help, 2);
        }
    }
    if (!out) return cim_cli_usage_error("train-text", "-o MODEL is required");
    if (vocab <= 0) return cim_cli_usage_error("train-text", "--vocab N is required");
    CimErr e = {0};
    if (cim_train_text((const char *const *)argv + optind, (size_t)(argc - optind), vocab, type,
                       byte_fallback, out, &e) < 0)
        return cim_cli_usage_error("train-text", "%s", e.msg);
    return 0;
}
