/*
 * fuzz_harness.h — what the measuring fuzz targets share: the tokenizer list
 * cut down to the front-ends this build has, the cheap limits every input runs
 * under, writing an input where cimeter can open it by path, and the
 * invariants every record must hold.
 */
#ifndef CIM_FUZZ_HARNESS_H
#define CIM_FUZZ_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "run/record.h"

/* Keeps the specs of `all` whose front-end is built (and, with geometry_only,
 * only those without a feed: the header fast path answers them). */
static size_t fuzz_usable_specs(const char *const *all, size_t n, int geometry_only,
                                const char **out)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        CimTokInstance ti;
        CimErr e;
        if (cim_tok_instance_init(&ti, all[i], &e) < 0)
            continue;
        if (!geometry_only || !ti.tok->feed)
            out[kept++] = all[i];
        cim_tok_instance_free(&ti);
    }
    return kept;
}

/* One thread and small limits keep each input cheap. */
static CimMeasureParams fuzz_params(const char **specs, size_t nspecs)
{
    CimMeasureParams p = cim_measure_default_params();
    p.specs = specs;
    p.nspecs = nspecs;
    p.threads = 1;
    p.limits.max_pixels = 1u << 24;
    p.limits.max_frames = 2000;
    p.limits.max_seconds = 600;
    p.limits.max_decoded_bytes = 1u << 28;
    p.limits.time_budget_s = 10;
    return p;
}

static void fuzz_write_input(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
}

/* An error has a message and no counts; a measured record has a count for
 * every tokenizer of its modality. */
static void fuzz_check_record(const CimRun *run, const CimRecord *r)
{
    if (r->status == CIM_REC_ERROR && (!r->error || !r->error[0]))
        abort();
    if (r->status != CIM_REC_OK)
        return;
    for (size_t t = 0; t < run->ntok; t++)
        if (run->toks[t].tok->modality == r->modality && r->tokens[t] == CIM_TOKENS_NA)
            abort();
}

#endif
