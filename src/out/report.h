/*
 * report.h — `cimeter report`: tables and plots of measure results and fits.
 *
 * The report model is read from JSON only (no CimRun, no tokenizer), so it is
 * generic over modalities and over fitter forms: a fit's estimates and
 * intervals are listed by name in file order. Writers follow dav1d's Muxer:
 * a const struct per format, listed in report.c, chosen by --format or by
 * the output's extension. Every writer escapes text for its format (see
 * cim__report_text) and writes nothing that depends on time or locale, so
 * outputs are reproducible byte for byte.
 */
#ifndef CIM_REPORT_H
#define CIM_REPORT_H
#include <stdio.h>
#include "cimeter.h"
#include "fit/fit.h"

typedef struct CimReportRow {
    char    *run;             /* label of the input file (shown when several) */
    char    *modality;        /* "text", ... (any name: generic) */
    char    *tokenizer;       /* spec string */
    char    *per_unit;        /* "tokens per 1000 chars", ... */
    unsigned long long files, errors, raw_bytes, tokens;
    double   C, C_lo, C_hi, C_file, tokens_per_unit, C_median, C_p10, C_p90;
    double   info_bits, capacity_bits;   /* measured with --info; NaN when absent */
} CimReportRow;

/* The share of the token stream's capacity that the data's information uses:
 * info_bits / capacity_bits (NaN when either is unknown or the capacity is 0). */
double cim__report_info_per_capacity(const CimReportRow *w);

typedef struct CimReportKV {
    char *key, *value;        /* fit scalars: "form" → "chinchilla", "rmse" → "0.0123" */
} CimReportKV;

typedef struct CimReportParam {
    char  *name;              /* "alpha", "C_image", ... */
    double est, lo, hi;       /* NaN when absent */
} CimReportParam;

typedef struct CimReportBudget {  /* an IsoFLOP fit's budget (cimeter.isoflop/1) */
    double C, Nlo, Nhi;       /* the budget; its runs' range of N */
    double c0, c1, c2;        /* loss = c0 + c1 ln N + c2 ln² N; NaN when not fitted */
    double Nstar, Lstar;      /* the minimum; NaN when refused */
} CimReportBudget;

typedef struct CimReport {
    CimReportRow   *rows;
    size_t          nrows;
    int             multi_run;   /* more than one input file */
    int             has_info;    /* some result was measured with --info: capacity columns */
    int             has_fit;
    CimReportKV    *fit_kv;
    size_t          nfit_kv;
    CimReportParam *params;
    size_t          nparams;
    CimReportBudget *budgets;    /* IsoFLOP fits */
    size_t          nbudgets;
    double          iso_a, iso_k;  /* ln N* = k + a ln C */
    CimRuns        *runs;        /* --runs RUNS.csv, read by the fitter's reader; NULL when not given */
    const char     *plot_x;      /* --x: the law plot's x axis column; NULL: D_eff */
    const char     *plot_group;  /* --group: one curve per value; NULL: N (D when x is N) */
    const char     *plot_set;    /* --set COLUMN=V,...: the law's other columns, held; NULL */
} CimReport;

int  cim__report_load(CimReport *r, const char *const *results, size_t n, const char *fit,
                      const char *runs_csv, CimErr *e);
void cim__report_free(CimReport *r);

typedef struct CimReportWriter {
    const char *name;         /* --format value: "md" */
    const char *extension;    /* picks the writer when --format is absent */
    const char *help;         /* one line */
    int         binary;       /* output is not text */
    /* Writes the whole report to f; returns 0 or a CIM_ERR_* with e set. */
    int (*write)(const CimReport *r, FILE *f, CimErr *e);
} CimReportWriter;

extern const CimReportWriter cim_out_report_md, cim_out_report_latex, cim_out_report_csv,
                             cim_out_plot_svg, cim_out_plot_png;
const CimReportWriter *cim__report_writer_find(const char *name_or_ext);
const CimReportWriter *const *cim__report_writer_list(void);

/* Text escaping. Input bytes that are not valid UTF-8 and control characters
 * never pass through raw; each format shows them as it can (see report.c). */
typedef enum { CIM_ESC_MD, CIM_ESC_LATEX, CIM_ESC_CSV, CIM_ESC_PLAIN } CimEscape;
/* Writes s escaped for the format (CSV: the quoted or bare field). */
void cim__report_text(FILE *f, const char *s, CimEscape how);
/* The number formats of the tables: 3 significant-ish digits for people. */
void cim__report_num(char *buf, size_t n, double v);
#endif
