/* table.c — the human-readable compression table `measure` prints without -o. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "common/utf8.h"
#include "run/run.h"

/* A spec holds a model path, i.e. arbitrary bytes: controls (C0, DEL, C1)
 * and bytes that are not UTF-8 are shown as '?', so the table stays one line
 * per aggregate and valid UTF-8. Longer than `width` bytes, it keeps the tail
 * after "...", cut at a character boundary. */
static void shown_spec(char *out, size_t width, const char *spec)
{
    size_t n = strlen(spec), o = 0;
    char buf[1024];
    for (size_t i = 0; i < n && o + 4 < sizeof buf;) {
        const uint8_t *p = (const uint8_t *)spec + i;
        size_t l = cim_utf8_valid(p, n - i);
        int ctl = l == 0 || p[0] < 0x20 || p[0] == 0x7f || (l == 2 && p[0] == 0xC2 && p[1] < 0xA0);
        if (ctl) { buf[o++] = '?'; i += l ? l : 1; }
        else { memcpy(buf + o, p, l); o += l; i += l; }
    }
    buf[o] = '\0';
    if (o <= width) { memcpy(out, buf, o + 1); return; }
    size_t start = o - (width - 3);
    while (start < o && ((uint8_t)buf[start] & 0xC0) == 0x80) start++;
    snprintf(out, width + 1, "...%s", buf + start);
}

static void human_bytes(char *buf, size_t n, double b)
{
    const char *u[] = {"B", "KB", "MB", "GB", "TB"};
    int i = 0;
    while (b >= 1000 && i < 4) { b /= 1000; i++; }
    snprintf(buf, n, i ? "%.2f %s" : "%.0f %s", b, u[i]);
}

static void fmt(char *buf, size_t n, double v)
{
    if (!isfinite(v)) snprintf(buf, n, "-");
    else if (fabs(v) >= 1000) snprintf(buf, n, "%.0f", v);
    else if (fabs(v) >= 10) snprintf(buf, n, "%.2f", v);
    else snprintf(buf, n, "%.3f", v);
}

int cim_run_print_table(CimRun *run, FILE *f)
{
    fprintf(f, "%-6s %-46s %6s %5s %10s %12s %9s %21s %9s  %s\n", "modal.", "tokenizer", "files", "err",
            "raw", "tokens", "C (B/tok)", "95% CI", "C_file", "tokens/unit");
    for (size_t i = 0; i < run->nagg; i++) {
        const CimAggregate *a = &run->agg[i];
        char raw[32], c[32], lo[32], hi[32], cf[32], tpu[32], ci[80];
        human_bytes(raw, sizeof raw, (double)a->raw_bytes);
        fmt(c, sizeof c, a->C);
        fmt(lo, sizeof lo, a->C_lo);
        fmt(hi, sizeof hi, a->C_hi);
        fmt(cf, sizeof cf, a->C_file);
        fmt(tpu, sizeof tpu, a->tokens_per_unit);
        snprintf(ci, sizeof ci, "[%s, %s]", lo, hi);
        const char *spec = run->toks[a->tok].spec;
        char shown[47];
        shown_spec(shown, sizeof shown - 1, spec);
        fprintf(f, "%-6s %-46s %6llu %5llu %10s %12llu %9s %21s %9s  %s %s\n",
                cim_modality_name(a->modality), shown, (unsigned long long)a->files,
                (unsigned long long)a->errors, raw, (unsigned long long)a->tokens, c, ci, cf, tpu,
                cim__per_unit_name(a->modality) + strlen("tokens "));
    }
    size_t nerr = 0, nskip = 0, narch = 0;
    uint64_t sum[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < run->nrec; i++) {
        uint64_t c[4];
        nerr += run->rec[i].status == CIM_REC_ERROR;
        if (cim__archive_counts(&run->rec[i], c)) {
            narch++;
            for (int k = 0; k < 4; k++) sum[k] += c[k];
        } else {
            nskip += run->rec[i].status == CIM_REC_SKIPPED;
        }
    }
    size_t nfiles = run->nrec - narch, hints = 0;
    for (size_t i = 0; i < run->nrec; i++) hints += run->rec[i].jsonl_hint;
    fprintf(f, "%zu files: %zu measured, %zu skipped (no tokenizer for their modality), %zu errors\n",
            nfiles, nfiles - nerr - nskip, nskip, nerr);
    if (narch)
        fprintf(f, "%zu archives read in place: %llu members are files above; %llu not regular "
                "files and %llu superseded duplicate names are not; %llu excluded\n", narch,
                (unsigned long long)sum[0], (unsigned long long)sum[1], (unsigned long long)sum[2],
                (unsigned long long)sum[3]);
    if (hints)
        fprintf(f, "%zu text file(s) look like JSON Lines and were measured as plain text: "
                "--json-field NAME measures their documents\n", hints);
    return 0;
}
