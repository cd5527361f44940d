/* report_csv.c — CSV (RFC 4180, UTF-8, LF line ends) for programs: full
 * precision (%.12g, as the JSON), one row per aggregate. With --fit, a second
 * table (parameter,estimate,lo,hi, then the fit's scalars as key,value rows
 * with empty lo/hi) follows after one empty line; without results only the
 * fit table is written. Results measured with --info add three last columns:
 * info_bits, capacity_bits and info_per_capacity (their ratio). */
#include <math.h>
#include "out/report.h"

static void num(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, "%.12g", v);
}

static int csv_write(const CimReport *r, FILE *f, CimErr *e)
{
    if (r->nrows) {
        fputs("run,modality,tokenizer,files,errors,raw_bytes,tokens,C,C_lo,C_hi,C_file,tokens_per_unit,per_unit,"
              "C_median,C_p10,C_p90", f);
        fputs(r->has_info ? ",info_bits,capacity_bits,info_per_capacity\n" : "\n", f);
        for (size_t i = 0; i < r->nrows; i++) {
            const CimReportRow *w = &r->rows[i];
            cim__report_text(f, w->run, CIM_ESC_CSV);
            fputc(',', f);
            cim__report_text(f, w->modality, CIM_ESC_CSV);
            fputc(',', f);
            cim__report_text(f, w->tokenizer, CIM_ESC_CSV);
            fprintf(f, ",%llu,%llu,%llu,%llu,", w->files, w->errors, w->raw_bytes, w->tokens);
            double v[] = {w->C, w->C_lo, w->C_hi, w->C_file, w->tokens_per_unit};
            for (int k = 0; k < 5; k++) { num(f, v[k]); fputc(',', f); }
            cim__report_text(f, w->per_unit, CIM_ESC_CSV);
            double s[] = {w->C_median, w->C_p10, w->C_p90};
            for (int k = 0; k < 3; k++) { fputc(',', f); num(f, s[k]); }
            double c[] = {w->info_bits, w->capacity_bits, cim__report_info_per_capacity(w)};
            for (int k = 0; r->has_info && k < 3; k++) { fputc(',', f); num(f, c[k]); }
            fputc('\n', f);
        }
    }
    if (r->has_fit) {
        if (r->nrows) fputc('\n', f);
        fputs("parameter,estimate,lo,hi\n", f);
        for (size_t i = 0; i < r->nparams; i++) {
            const CimReportParam *p = &r->params[i];
            cim__report_text(f, p->name, CIM_ESC_CSV);
            fputc(',', f); num(f, p->est);
            fputc(',', f); num(f, p->lo);
            fputc(',', f); num(f, p->hi);
            fputc('\n', f);
        }
        for (size_t i = 0; i < r->nfit_kv; i++) {
            cim__report_text(f, r->fit_kv[i].key, CIM_ESC_CSV);
            fputc(',', f);
            cim__report_text(f, r->fit_kv[i].value, CIM_ESC_CSV);
            fputs(",,\n", f);
        }
    }
    return ferror(f) ? -1 : 0;
}

const CimReportWriter cim_out_report_csv = {
    .name = "csv", .extension = "csv", .help = "CSV for programs (full precision)", .write = csv_write,
};
