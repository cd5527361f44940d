/*
 * fit.h — the fitter's internals shared inside libcimeter (fit/, out/report.c,
 * out/plot.c): the public API in cimeter_fit.h plus the layout of CimRuns.
 */
#ifndef CIM_FIT_H
#define CIM_FIT_H
#include <stdint.h>
#include <stdio.h>
#include "cimeter_fit.h"

/* One training run per row. Columns other than params, loss, tokens and
 * raw_<modality> are carried along: names, text and value (NaN where the
 * cell is not a number), for formulas and grouping. */
struct CimRuns {
    size_t  n;                       /* data rows */
    double *params;                  /* P */
    double *loss;                    /* L */
    double *tokens;                  /* the tokens column, or NULL */
    double *raw[CIM_MOD_COUNT];      /* raw_<modality> bytes, NULL when the column is absent */
    size_t *line;                    /* 1-based source line of each row, for messages */
    size_t  nextra;                  /* carried-along columns */
    char  **extra;                   /* their names */
    double **extra_v;                /* extra_v[j][row]: the cell as a number, NaN if it is not one */
    char  ***extra_s;                /* extra_s[j][row]: the cell's text */
    int     *extra_col;              /* extra column j's position in the file */
    char   *path;                    /* the file read */
};

/* Index of a carried column by name, or -1. */
int  cim_runs_extra_col(const CimRuns *r, const char *name);

#endif
