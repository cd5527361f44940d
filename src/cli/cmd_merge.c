/* cmd_merge.c — `cimeter merge SHARD.json... -o FILE.json` (doc/scaling-out.md, doc/cimeter.1).
 *
 * Shards come from `measure --shard I/N --per-file` (array jobs, GNU
 * parallel, Spark tasks: doc/scaling-out.md). The merged file is byte for
 * byte what one `measure --per-file` over all files writes, except `command`.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cimeter.h"
#include "cli/commands.h"

static const char merge_help[] =
"usage: cimeter merge SHARD.json... -o FILE.json [--no-per-file]\n"
"\n"
"Merges measure results of disjoint shards (written with --shard I/N and\n"
"--per-file) into one result: records are rebuilt from each shard's `files`,\n"
"sorted by path and reduced again, so the aggregates and intervals equal a\n"
"single run's. Shards must share tokenizers, settings and tool version, and\n"
"no file may appear in two shards.\n"
"\n"
"  -o, --output FILE   merged JSON (\"-\" for stdout)\n"
"      --no-per-file   leave out the `files` array (kept by default, so\n"
"                      merged results can be merged again)\n"
"\n"
"Exit: 0 merged, 2 bad input or usage.\n";

int cim_cmd_merge(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'}, {"no-per-file", no_argument, 0, 'P'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *out = NULL;
    int per_file = 1, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'P':
            per_file = 0;
            break;
        case 'h':
            return cim_cli_help(merge_help, 0);
        default:
            return cim_cli_help(merge_help, 2);
        }
    }
    if (!out) return cim_cli_usage_error("merge", "-o FILE.json is required");
    if (optind >= argc) return cim_cli_usage_error("merge", "no SHARD.json given");
    CimRun *run = NULL;
    CimErr e = {0};
    if (cim_run_merge(&run, (const char *const *)argv + optind, (size_t)(argc - optind), &e) < 0)
        return cim_cli_usage_error("merge", "%s", e.msg);
    cim_run_set_command(run, argc + 1, argv - 1);
    int rc = cim_run_write_json(run, out, per_file, &e);
    cim_run_free(run);
    if (rc < 0) return cim_cli_usage_error("merge", "%s", e.msg);
    return 0;
}
