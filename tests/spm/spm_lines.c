/*
 * spm_lines.c — tokens of each line of a file, as spm_encode splits it (at '\n', a last
 * line without one included), counted by cimeter's engine or by libsentencepiece:
 *   spm_lines MODEL FILE [native|lib]     one count per line on stdout
 * The tests hold these against `spm_encode --output_format=id` line by line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sp_engine.h"
#include "spm_shim.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: spm_lines MODEL FILE [native|lib]\n");
        return 2;
    }
    int lib = argc > 3 && !strcmp(argv[3], "lib");
    char msg[400] = "";
    CimSpm *spm = NULL;
    if (cim_spm_load(argv[1], &spm, msg, sizeof msg) < 0) {
        fprintf(stderr, "spm_lines: %s: %s\n", argv[1], msg);
        return 1;
    }
    CimSpModel model;
    CimSpMemo *memo = NULL;
    if (!lib) {
        uint8_t *proto;
        size_t n;
        if (cim_spm_serialized(spm, &proto, &n) < 0 ||
            cim_sp_model_init(&model, proto, n, msg, sizeof msg) < 0) {
            fprintf(stderr, "spm_lines: %s: %s\n", argv[1], msg);
            return 1;
        }
        free(proto);
        memo = cim_sp_thread_memo(&model);
        if (!memo) return 1;
    }
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n') len--;
        int64_t k = lib ? cim_spm_count(spm, line, (size_t)len)
                        : cim_sp_count_line(&model, memo, line, (size_t)len);
        if (k < 0) return 1;
        printf("%lld\n", (long long)k);
    }
    free(line);
    fclose(f);
    if (!lib) {
        uint64_t hits, lookups;
        cim_sp_memo_stats(memo, &hits, &lookups);
        if (getenv("CIMETER_SPM_STATS"))
            fprintf(stderr, "memo: %llu of %llu hit\n", (unsigned long long)hits,
                    (unsigned long long)lookups);
        cim_sp_model_free(&model);
    }
    cim_spm_free(spm);
    return 0;
}
