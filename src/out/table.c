/* table.c — the human-readable compression table `measure` prints without -o.
 *
 * Each tokenizer is named as the user gave it (`cosmos-dv8x16x16`, or the spec
 * typed), never cut: a preset's expanded spec is long and its distinguishing
 * part is at the end, so any cut would hide which tokenizer a row is. Presets
 * and defaults are expanded in a legend under the table (and in the JSON).
 * The name column is as wide as the longest name; when that would overflow
 * the terminal (COLUMNS, else the tty's width; no limit when not a terminal),
 * a name longer than the room left goes whole on a line of its own and its
 * figures follow on the next line.
 *
 * With --info, three columns come before tokens per unit: the information bits
 * (zstd), the capacity bits (tokens x log2 V; "-" when the tokenizer has no V)
 * and their ratio, the share of the token stream's capacity the data uses. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "common/utf8.h"
#include "run/run.h"

/* Width of the columns after the name: " %6s %5s %10s %12s %9s %21s %9s  " plus
 * about 22 for the tokens per unit ("33515 per second", "10042 per megapixel"). */
enum {
    MODALITY_COL = 6,
    FIGURES_COL = 1 + 6 + 1 + 5 + 1 + 10 + 1 + 12 + 1 + 9 + 1 + 21 + 1 + 9 + 2 + 22,
    INFO_COL = 10 + 1 + 10 + 1 + 7 + 1,   /* " %10s %10s %7s" before tokens per unit */
};

/* A name holds a model path, i.e. arbitrary bytes: controls (C0, DEL, C1) and
 * bytes that are not UTF-8 are shown as '?', so the table stays one line per
 * aggregate and valid UTF-8. Returns a malloc'd copy; *chars gets its width in
 * code points. */
static char *plain_name(const char *name, size_t *chars)
{
    size_t n = strlen(name), o = 0;
    char *buf = malloc(n + 1);
    *chars = 0;
    if (!buf) return NULL;
    for (size_t i = 0; i < n;) {
        const uint8_t *p = (const uint8_t *)name + i;
        size_t l = cim_utf8_valid(p, n - i);
        int ctl = l == 0 || p[0] < 0x20 || p[0] == 0x7f || (l == 2 && p[0] == 0xC2 && p[1] < 0xA0);
        if (ctl) { buf[o++] = '?'; i += l ? l : 1; }
        else { memcpy(buf + o, p, l); o += l; i += l; }
        (*chars)++;
    }
    buf[o] = '\0';
    return buf;
}

/* Columns available to the table: COLUMNS when set, else the terminal's width
 * when f is one, else 0 (no limit: a file or pipe gets every row on one line). */
static size_t table_columns(FILE *f)
{
    const char *env = getenv("COLUMNS");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (!*end && v > 0) return (size_t)v;
    }
    struct winsize ws;
    int fd = fileno(f);
    if (fd >= 0 && isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}

static const char *name_of(const CimTokInstance *ti)
{
    return ti->requested && ti->requested[0] ? ti->requested : ti->spec;
}

/* The width of the name column: the longest name, or what the terminal leaves. */
static size_t name_column(const CimRun *run, size_t columns)
{
    size_t figures = FIGURES_COL + (run->p.info ? INFO_COL : 0);
    size_t widest = strlen("tokenizer");
    for (size_t i = 0; i < run->nagg; i++) {
        size_t chars;
        char *shown = plain_name(name_of(&run->toks[run->agg[i].tok]), &chars);
        free(shown);
        if (chars > widest) widest = chars;
    }
    if (!columns || MODALITY_COL + 1 + widest + figures <= columns) return widest;
    size_t fixed = MODALITY_COL + 1 + figures;
    size_t room = columns > fixed ? columns - fixed : 0;
    return room > strlen("tokenizer") ? room : strlen("tokenizer");
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

/* Pads a UTF-8 name to `width` code points (printf pads bytes). */
static void put_padded(FILE *f, const char *s, size_t chars, size_t width)
{
    fputs(s, f);
    for (size_t k = chars; k < width; k++) fputc(' ', f);
}

/* Bits: four significant digits ("1.234e+09"), "-" when unknown. */
static void fmt_bits(char *buf, size_t n, double v)
{
    if (!isfinite(v)) snprintf(buf, n, "-");
    else if (v < 1e6) snprintf(buf, n, "%.0f", v);
    else snprintf(buf, n, "%.4g", v);
}

static void print_row(FILE *f, const CimAggregate *a, const char *name, size_t chars, size_t namew,
                      int info)
{
    char raw[32], c[32], lo[32], hi[32], cf[32], tpu[32], ci[80];
    human_bytes(raw, sizeof raw, (double)a->raw_bytes);
    fmt(c, sizeof c, a->C);
    fmt(lo, sizeof lo, a->C_lo);
    fmt(hi, sizeof hi, a->C_hi);
    fmt(cf, sizeof cf, a->C_file);
    fmt(tpu, sizeof tpu, a->tokens_per_unit);
    snprintf(ci, sizeof ci, "[%s, %s]", lo, hi);
    fprintf(f, "%-6s ", cim_modality_name(a->modality));
    if (chars > namew) {   /* wrapped: the whole name alone, the figures under it */
        fprintf(f, "%s\n%-6s ", name, "");
        put_padded(f, "", 0, namew);
    } else {
        put_padded(f, name, chars, namew);
    }
    fprintf(f, " %6llu %5llu %10s %12llu %9s %21s %9s  ", (unsigned long long)a->files,
            (unsigned long long)a->errors, raw, (unsigned long long)a->tokens, c, ci, cf);
    if (info) {
        char ib[32], cb[32], used[32];
        fmt_bits(ib, sizeof ib, (double)a->info_bits);
        fmt_bits(cb, sizeof cb, a->capacity_bits);
        double share = a->capacity_bits > 0 ? (double)a->info_bits / a->capacity_bits : NAN;
        fmt(used, sizeof used, share);
        fprintf(f, "%10s %10s %7s ", ib, cb, used);
    }
    fprintf(f, "%s %s\n", tpu, cim__per_unit_name(a->modality) + strlen("tokens "));
}

/* Names that are not their own spec (presets, defaults), with what they expand to. */
static void print_legend(const CimRun *run, FILE *f)
{
    int header = 0;
    for (size_t i = 0; i < run->nagg; i++) {
        const CimTokInstance *ti = &run->toks[run->agg[i].tok];
        if (!ti->requested || !strcmp(name_of(ti), ti->spec)) continue;
        if (!header) fputs("expanded (as recorded in the JSON):\n", f);
        header = 1;
        size_t chars;
        char *name = plain_name(name_of(ti), &chars), *spec = plain_name(ti->spec, &chars);
        if (name && spec) fprintf(f, "  %s = %s\n", name, spec);
        free(name);
        free(spec);
    }
}

int cim_run_print_table(CimRun *run, FILE *f)
{
    size_t namew = name_column(run, table_columns(f));
    fprintf(f, "%-6s ", "modal.");
    put_padded(f, "tokenizer", strlen("tokenizer"), namew);
    fprintf(f, " %6s %5s %10s %12s %9s %21s %9s  ", "files", "err", "raw", "tokens",
            "C (B/tok)", "95% CI", "C_file");
    if (run->p.info)
        fprintf(f, "%10s %10s %7s ", "info bits", "capacity", "info/c");
    fprintf(f, "%s\n", "tokens/unit");
    for (size_t i = 0; i < run->nagg; i++) {
        const CimAggregate *a = &run->agg[i];
        size_t chars;
        char *name = plain_name(name_of(&run->toks[a->tok]), &chars);
        if (!name) return -1;
        print_row(f, a, name, chars, namew, run->p.info);
        free(name);
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
    print_legend(run, f);
    return 0;
}
