/* report_md.c — Markdown tables (GitHub / CommonMark pipe tables). */
#include <string.h>
#include "out/report.h"

static void cell(FILE *f, const char *s) { fputs(" ", f); cim__report_text(f, s, CIM_ESC_MD); fputs(" |", f); }

static void numcell(FILE *f, double v)
{
    char b[64];
    cim__report_num(b, sizeof b, v);
    fprintf(f, " %s |", b);
}

static int md_write(const CimReport *r, FILE *f, CimErr *e)
{
    if (r->nrows) {
        fputs("| ", f);
        if (r->multi_run) fputs("run | ", f);
        fputs("modality | tokenizer | files | C (bytes/token) | 95% interval | C_file | tokens per unit |", f);
        if (r->has_info) fputs(" info bits | capacity bits | info / capacity |", f);
        fputs("\n|", f);
        if (r->multi_run) fputs("---|", f);
        fputs("---|---|---:|---:|---:|---:|---:|", f);
        if (r->has_info) fputs("---:|---:|---:|", f);
        fputc('\n', f);
        for (size_t i = 0; i < r->nrows; i++) {
            const CimReportRow *w = &r->rows[i];
            char lo[64], hi[64], tpu[64];
            fputs("|", f);
            if (r->multi_run) cell(f, w->run);
            cell(f, w->modality);
            cell(f, w->tokenizer);
            fprintf(f, " %llu |", w->files);
            numcell(f, w->C);
            cim__report_num(lo, sizeof lo, w->C_lo);
            cim__report_num(hi, sizeof hi, w->C_hi);
            fprintf(f, " [%s, %s] |", lo, hi);
            numcell(f, w->C_file);
            cim__report_num(tpu, sizeof tpu, w->tokens_per_unit);
            fprintf(f, " %s ", tpu);
            cim__report_text(f, strncmp(w->per_unit, "tokens ", 7) ? w->per_unit : w->per_unit + 7, CIM_ESC_MD);
            fputs(" |", f);
            if (r->has_info) {
                numcell(f, w->info_bits);
                numcell(f, w->capacity_bits);
                numcell(f, cim__report_info_per_capacity(w));
            }
            fputc('\n', f);
        }
    }
    if (r->has_fit) {
        if (r->nrows) fputc('\n', f);
        fputs("| fit | value |\n|---|---|\n", f);
        for (size_t i = 0; i < r->nfit_kv; i++) {
            fputs("|", f);
            cell(f, r->fit_kv[i].key);
            cell(f, r->fit_kv[i].value);
            fputc('\n', f);
        }
        fputs("\n| parameter | estimate | 95% interval |\n|---|---:|---:|\n", f);
        for (size_t i = 0; i < r->nparams; i++) {
            const CimReportParam *p = &r->params[i];
            char lo[64], hi[64];
            cim__report_num(lo, sizeof lo, p->lo);
            cim__report_num(hi, sizeof hi, p->hi);
            fputs("|", f);
            cell(f, p->name);
            numcell(f, p->est);
            fprintf(f, " [%s, %s] |\n", lo, hi);
        }
    }
    return ferror(f) ? -1 : 0;
}

const CimReportWriter cim_out_report_md = {
    .name = "md", .extension = "md", .help = "Markdown pipe tables", .write = md_write,
};
