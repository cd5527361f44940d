/*
 * fuzz_json.c — libFuzzer target for the JSON readers (doc/cimeter.1 merge,
 * compare, report; §5 fit --results and predict).
 *
 * Each input is written to a file and read the ways the commands read it:
 * as a shard by `merge` (cim_run_merge, then re-reduced and written
 * back as JSON and as the table, to /dev/null), as a baseline by `compare`
 * (cim__measure_json_load), as results and as a fit by `report` (then every
 * text writer: md, latex, csv), as `fit --results` and as predict's FIT.json.
 * Invariants: a refusal has a message. Without libFuzzer, standalone_main.c
 * replays seeds and crashers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "fit/fit.h"
#include "out/json_read.h"
#include "out/report.h"

static char path[64];

static void write_report(const CimReport *r)
{
    static const CimReportWriter *const w[] = {&cim_out_report_md, &cim_out_report_latex, &cim_out_report_csv};
    FILE *null = fopen("/dev/null", "w");
    if (!null) abort();
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        CimErr e = {0};
        w[i]->write(r, null, &e);
    }
    fclose(null);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) snprintf(path, sizeof path, "/tmp/cim-fuzz-json-%ld", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);
    const char *paths[] = {path};

    /* merge */
    CimRun *run = NULL;
    CimErr e = {0};
    if (cim_run_merge(&run, paths, 1, &e) == 0) {
        FILE *null = fopen("/dev/null", "w");
        if (!null) abort();
        cim_run_print_table(run, null);
        fclose(null);
        cim_run_write_json(run, "/dev/null", 1, &e);
        cim_run_free(run);
    } else if (!e.msg[0]) {
        abort();
    }

    /* compare */
    e = (CimErr){0};
    json_t *root = cim__measure_json_load(path, &e);
    if (!root && !e.msg[0]) abort();
    json_decref(root);

    /* report: as results, then as a fit */
    CimReport rep;
    e = (CimErr){0};
    if (cim__report_load(&rep, paths, 1, NULL, NULL, &e) == 0) write_report(&rep);
    else if (!e.msg[0]) abort();
    cim__report_free(&rep);
    e = (CimErr){0};
    if (cim__report_load(&rep, NULL, 0, path, NULL, &e) == 0) write_report(&rep);
    else if (!e.msg[0]) abort();
    cim__report_free(&rep);

    /* fit --results, predict */
    CimFitC c;
    cim_fitc_init(&c);
    e = (CimErr){0};
    cim_fitc_from_results(&c, path, NULL, 0, &e);
    CimFitModel m;
    e = (CimErr){0};
    if (cim_fit_model_load(path, &m, &e) == 0) {
        double P, D, L;
        cim_predict_compute_optimal(&m, 1e21, &P, &D, &L, &e);
        cim_predict_params_for(&m, 2.5, 1e12, &P, &e);
        cim_predict_data_for(&m, 2.5, 1e9, &D, &e);
    }
    unlink(path);
    return 0;
}
