/* test_api.c — the public fitter API (cimeter_fit.h) from C: runs made from a
 * known log-linear law L = a − b ln D_eff − c ln P are fitted back to it, the
 * saved fit answers predict's questions by the law's closed forms, and too few
 * runs are refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../core/check.h"
#include "cimeter_fit.h"

#define LAW_A 5.0
#define LAW_B 0.1
#define LAW_C 0.05
#define C_TEXT 4.0

static double law(double P, double D) { return LAW_A - LAW_B * log(D) - LAW_C * log(P); }

static int close_to(double x, double want) { return fabs(x - want) <= 1e-6 * fabs(want) + 1e-9; }

/* Runs on a grid of P and raw text bytes, D_eff = raw / C_TEXT; rows < 25 keeps the first ones. */
static void write_runs(const char *path, int rows)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fputs("# made by test_api.c\nparams,raw_text,loss,name\n", f);
    int row = 0;
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5 && row < rows; j++, row++) {
            double P = 1e6 * pow(10, i * 0.5);
            double raw = 1e8 * pow(10, j * 0.5 + 0.1 * i);
            fprintf(f, "%.17g,%.17g,%.17g,run%d\n", P, raw, law(P, raw / C_TEXT), row);
        }
    fclose(f);
}

int main(void)
{
    char dir[] = "/tmp/cim-fitapi-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char csv[512], small[512], json[512];
    snprintf(csv, sizeof csv, "%s/runs.csv", dir);
    snprintf(small, sizeof small, "%s/small.csv", dir);
    snprintf(json, sizeof json, "%s/fit.json", dir);
    write_runs(csv, 25);
    write_runs(small, 3);

    CimErr e = {0};
    CimFitC c;
    cim_fitc_init(&c);
    EXPECT(isnan(c.C[CIM_MOD_TEXT]));
    EXPECT(cim_fitc_parse(&c, "text=4", &e) == 0);
    EXPECT(c.C[CIM_MOD_TEXT] == C_TEXT);
    EXPECT(cim_fitc_parse(&c, "text=-1", &e) < 0);

    CimRuns *runs = NULL;
    EXPECT(cim_runs_read_csv(csv, &runs, &e) == 0);
    EXPECT(runs && cim_runs_count(runs) == 25);
    double D[25];
    EXPECT(runs && cim_runs_deff(runs, c.C, NULL, D, &e) == 0);
    EXPECT(close_to(D[0], 1e8 / C_TEXT));

    CimFitParams p = cim_fit_default_params();
    EXPECT(p.form == CIM_FIT_LOGLINEAR);
    p.bootstrap = 0;
    CimFit *fit = NULL;
    EXPECT(runs && cim_fit_run(runs, &c, &p, &fit, &e) == 0);
    if (!fit)
        fprintf(stderr, "fit: %s\n", e.msg);
    if (fit) {
        EXPECT(close_to(cim_fit_estimate(fit, "a"), LAW_A));
        EXPECT(close_to(cim_fit_estimate(fit, "b"), LAW_B));
        EXPECT(close_to(cim_fit_estimate(fit, "c"), LAW_C));
        EXPECT(isnan(cim_fit_estimate(fit, "alpha")));
        EXPECT(cim_fit_write_json(fit, json, 0, NULL, &e) == 0);
    }
    cim_fit_free(fit);
    cim_runs_free(runs);

    CimFitModel m;
    EXPECT(cim_fit_model_load(json, &m, &e) == 0);
    if (!e.code) {
        EXPECT(m.form == CIM_FIT_LOGLINEAR);
        EXPECT(close_to(cim_fit_model_loss(&m, 1e9, 1e10), law(1e9, 1e10)));
        double P = 0;
        double target = law(1e9, 1e10);
        EXPECT(cim_predict_params_for(&m, target, 1e10, &P, &e) == 0);
        EXPECT(fabs(P / 1e9 - 1) < 1e-5);
        cim_fit_model_free(&m);
    }

    EXPECT(cim_runs_read_csv(small, &runs, &e) == 0);
    fit = NULL;
    EXPECT(runs && cim_fit_run(runs, &c, &p, &fit, &e) == CIM_ERR_REFUSED);
    EXPECT(fit == NULL && e.msg[0]);
    cim_runs_free(runs);

    EXPECT(cim_runs_read_csv("/nonexistent/runs.csv", &runs, &e) < 0 && e.msg[0]);
    EXPECT(!strcmp(cim_fit_form_name(CIM_FIT_CHINCHILLA), "chinchilla"));
    EXPECT(cim_fit_form_from_name("free-c") == CIM_FIT_FREEC);

    unlink(csv);
    unlink(small);
    unlink(json);
    rmdir(dir);
    TEST_DONE();
}
