/*
 * fuzz_sources.c — the archive and compressed-stream path, and JSON Lines.
 *
 * Each input is written to a file and measured as `cimeter measure` would: an
 * input with a compressed-stream or archive signature goes through libarchive,
 * the member records and the spools (src/run/sources.c); with CIM_FUZZ_JSONL,
 * text goes through --json-field text (src/run/jsonl.c), the field also read
 * from a dotted path. Invariants: an error has a message and no counts; a
 * measured record has a count for every tokenizer of its modality; an
 * archive's own record (skipped, no modality) carries its counts.
 * Seeds: tests/fuzz/seeds/sources (made by make_seeds.py there).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "run/record.h"

static CimRun *run;
static char path[64];

static void setup(void)
{
    static const char *const all[] = {"text:bytes", "text:chars", "text:tiktoken:cl100k_base",
                                      "image:patch:p=16", "image:adaptive:min=4,max=32,thr=16",
                                      "video:tubelet:t=2,p=16", "audio:vad:hop=20,thr=-40"};
    const char *ok[sizeof all / sizeof all[0]];
    size_t n = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        CimTokInstance ti;
        CimErr e;
        if (cim_tok_instance_init(&ti, all[i], &e) == 0) {
            ok[n++] = all[i];
            cim_tok_instance_free(&ti);
        }
    }
    CimMeasureParams p = cim_measure_default_params();
    p.specs = ok;
    p.nspecs = n;
    p.threads = 1;
    p.limits.max_pixels = 1u << 24;
    p.limits.max_frames = 2000;
    p.limits.max_seconds = 600;
    p.limits.max_decoded_bytes = 1u << 28;
    p.limits.time_budget_s = 10;
#ifdef CIM_FUZZ_JSONL
    p.json_field = "meta.text";
#endif
    CimErr e = {0};
    if (!n || cim_run_create(&run, &p, &e) < 0) {
        fprintf(stderr, "fuzz: cannot set up: %s\n", e.msg);
        exit(77);
    }
    snprintf(path, sizeof path, "/tmp/cim-fuzz-src-%ld", (long)getpid());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!run) setup();
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);
    CimRecord r;
    CimErr e = {0};
    if (cim__measure_path(run, path, &r, &e) < 0) abort();
    if (r.status == CIM_REC_ERROR && (!r.error || !r.error[0])) abort();
    if (r.status == CIM_REC_OK)
        for (size_t t = 0; t < run->ntok; t++)
            if (run->toks[t].tok->modality == r.modality && r.tokens[t] == CIM_TOKENS_NA) abort();
    uint64_t c[4];
    if (r.status == CIM_REC_SKIPPED && r.modality == CIM_MOD_NONE && !cim__archive_counts(&r, c)) abort();
    if (r.documents && (r.status != CIM_REC_OK || r.modality != CIM_MOD_TEXT)) abort();
    cim__record_clear(&r);
    unlink(path);
    return 0;
}
