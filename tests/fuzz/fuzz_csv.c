/*
 * fuzz_csv.c — libFuzzer target for the CSV readers (doc/fitting.md input).
 *
 * Each input is written to a file and read as RUNS.csv by the fitter
 * (cim_runs_read_csv), then, when it reads, fitted with the cheap loglinear
 * form (every C_i = 1, no bootstrap) so hostile numbers (NaN, inf, 1e308,
 * negative) reach the refusal checks; the JSON and summary go to /dev/null.
 * The same file is also loaded by `report --runs` (which reads it with the
 * same reader). Invariants: an error has a message; a read table has
 * rows. Without libFuzzer, standalone_main.c replays seeds and crashers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "fit/fit.h"
#include "out/report.h"

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) snprintf(path, sizeof path, "/tmp/cim-fuzz-csv-%ld", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);

    CimRuns *runs = NULL;
    CimErr e = {0};
    if (cim_runs_read_csv(path, &runs, &e) < 0) {
        if (!e.msg[0] || runs) abort();
    } else {
        if (!runs || !runs->n) abort();
        CimFitC c;
        cim_fitc_init(&c);
        for (int m = 0; m < CIM_MOD_COUNT; m++) c.C[m] = 1.0;
        CimFitParams p = cim_fit_default_params();
        p.form = CIM_FIT_LOGLINEAR;
        p.bootstrap = 0;
        p.threads = 1;
        CimFit *fit = NULL;
        CimErr fe = {0};
        if (cim_fit_run(runs, &c, &p, &fit, &fe) == 0) {
            char *argv[] = {"fuzz_csv", NULL};
            FILE *null = fopen("/dev/null", "w");
            if (null) { cim_fit_print_summary(fit, null); fclose(null); }
            cim_fit_write_json(fit, "/dev/null", 1, argv, &fe);
            cim_fit_free(fit);
        } else if (!fe.msg[0]) {
            abort();
        }
        cim_runs_free(runs);
    }

    CimReport rep;
    e = (CimErr){0};
    if (cim__report_load(&rep, NULL, 0, NULL, path, &e) < 0 && !e.msg[0]) abort();
    cim__report_free(&rep);
    unlink(path);
    return 0;
}
