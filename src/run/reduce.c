/*
 * reduce.c — aggregates per (modality, tokenizer), doc/aggregates.md.
 *
 * C is the ratio of sums Σraw/Σtokens (the C_i for which Σ T_i/C_i is the
 * token count), computed from exact integer sums in path order. The spread is
 * over per-file C (numpy-default linear quantiles, via GSL), and the 95%
 * interval is a percentile bootstrap over files with a seeded MT19937, so the
 * figures are reproducible bit for bit.
 */
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "run/run.h"

const char *cim__unit_name(CimModality m)
{
    switch (m) {
    case CIM_MOD_TEXT:  return "chars";
    case CIM_MOD_IMAGE: return "pixels";
    case CIM_MOD_VIDEO: return "frames";
    case CIM_MOD_AUDIO: return "seconds";
    default:            return "";
    }
}

const char *cim__per_unit_name(CimModality m)
{
    switch (m) {
    case CIM_MOD_TEXT:  return "tokens per 1000 chars";
    case CIM_MOD_IMAGE: return "tokens per megapixel";
    case CIM_MOD_VIDEO: return "tokens per second";
    case CIM_MOD_AUDIO: return "tokens per second";
    default:            return "";
    }
}

/* Denominator of tokens-per-unit: chars/1000, pixels/1e6, seconds. */
static double per_unit_denominator(const CimAggregate *a)
{
    switch (a->modality) {
    case CIM_MOD_TEXT:  return (double)a->units / 1000.0;
    case CIM_MOD_IMAGE: return (double)a->units / 1e6;
    default:            return a->seconds;
    }
}


static int aggregate(CimRun *run, size_t t, CimAggregate *a, CimErr *e)
{
    CimModality m = run->toks[t].tok->modality;
    memset(a, 0, sizeof *a);
    a->tok = t;
    a->modality = m;
    size_t n = 0;
    for (size_t i = 0; i < run->nrec; i++) {
        const CimRecord *r = &run->rec[i];
        if (r->modality != m) continue;
        if (r->status == CIM_REC_ERROR) { a->errors++; continue; }
        if (r->status != CIM_REC_OK || r->tokens[t] == CIM_TOKENS_NA) continue;
        a->files++;
        a->file_bytes += r->file_bytes;
        a->raw_bytes += r->raw_bytes;
        a->units += r->units;
        a->seconds += r->seconds;
        a->tokens += r->tokens[t];
        a->documents += r->documents;
        a->info_bits += r->info_bits;
        n++;
    }
    double nan = 0.0 / 0.0;
    a->C = a->tokens ? (double)a->raw_bytes / (double)a->tokens : nan;
    a->C_file = a->tokens ? (double)a->file_bytes / (double)a->tokens : nan;
    double den = per_unit_denominator(a);
    a->tokens_per_unit = den > 0 ? (double)a->tokens / den : nan;
    a->info_bits_per_token = (run->p.info && a->tokens) ? (double)a->info_bits / (double)a->tokens : nan;
    a->capacity_bits = cim_capacity_bits(a->tokens, run->toks[t].vocab);
    a->C_median = a->C_p10 = a->C_p90 = a->C_lo = a->C_hi = nan;
    if (!n) return 0;

    /* Per-file raw and token counts, in path order. */
    uint64_t *raw = malloc(n * sizeof *raw), *tok = malloc(n * sizeof *tok);
    double *c = malloc(n * sizeof *c);
    uint32_t B = run->p.bootstrap;
    double *boot = malloc((B ? B : 1) * sizeof *boot);
    if (!raw || !tok || !c || !boot) {
        free(raw); free(tok); free(c); free(boot);
        return cim_err(e, CIM_ERR_NOMEM, "out of memory");
    }
    size_t k = 0, nc = 0;
    for (size_t i = 0; i < run->nrec; i++) {
        const CimRecord *r = &run->rec[i];
        if (r->modality != m || r->status != CIM_REC_OK || r->tokens[t] == CIM_TOKENS_NA) continue;
        raw[k] = r->raw_bytes;
        tok[k] = r->tokens[t];
        if (tok[k]) c[nc++] = (double)raw[k] / (double)tok[k];
        else a->zero_token_files++;
        k++;
    }
    if (nc) {
        gsl_sort(c, 1, nc);
        a->C_median = gsl_stats_quantile_from_sorted_data(c, 1, nc, 0.5);
        a->C_p10 = gsl_stats_quantile_from_sorted_data(c, 1, nc, 0.1);
        a->C_p90 = gsl_stats_quantile_from_sorted_data(c, 1, nc, 0.9);
    }
    if (B) {
        gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
        if (!rng) { free(raw); free(tok); free(c); free(boot); return cim_err(e, CIM_ERR_NOMEM, "out of memory"); }
        gsl_rng_set(rng, (unsigned long)run->p.seed);
        uint32_t nb = 0;
        for (uint32_t b = 0; b < B; b++) {
            uint64_t sr = 0, st = 0;
            for (size_t j = 0; j < n; j++) {
                size_t idx = (size_t)gsl_rng_uniform_int(rng, (unsigned long)n);
                sr += raw[idx];
                st += tok[idx];
            }
            if (st) boot[nb++] = (double)sr / (double)st;
        }
        gsl_rng_free(rng);
        if (nb) {
            gsl_sort(boot, 1, nb);
            a->C_lo = gsl_stats_quantile_from_sorted_data(boot, 1, nb, 0.025);
            a->C_hi = gsl_stats_quantile_from_sorted_data(boot, 1, nb, 0.975);
        }
    }
    free(raw); free(tok); free(c); free(boot);
    return 0;
}

int cim__reduce(CimRun *run, CimErr *e)
{
    free(run->agg);
    run->agg = calloc(run->ntok ? run->ntok : 1, sizeof *run->agg);
    CIM_RETURN_IF(!run->agg, e, CIM_ERR_NOMEM, "out of memory");
    run->nagg = 0;
    /* Aggregates in modality order, then in the order tokenizers were given. */
    for (int m = 0; m < CIM_MOD_COUNT; m++)
        for (size_t k = 0; k < run->nmod_tok[m]; k++)
            CIM_CHECK(aggregate(run, run->mod_tok[m][k], &run->agg[run->nagg++], e));
    return 0;
}

/* SHA-256 over "path\tstatus\tfile_bytes\n" for every record, in path order. */
int cim__manifest_sha256(const CimRun *run, char out[65])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char md[32];
    unsigned len = 0;
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t i = 0; ok && i < run->nrec; i++) {
        char line[64];
        int w = snprintf(line, sizeof line, "\t%d\t%llu\n", (int)run->rec[i].status,
                         (unsigned long long)run->rec[i].file_bytes);
        ok = EVP_DigestUpdate(ctx, run->rec[i].path, strlen(run->rec[i].path)) &&
             EVP_DigestUpdate(ctx, line, (size_t)w);
    }
    ok = ok && EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    if (!ok) return -1;
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}
