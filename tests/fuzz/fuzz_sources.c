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
#include "fuzz_harness.h"

static CimRun *run;
static char path[64];

static void setup(void)
{
    static const char *const all[] = {"text:bytes", "text:chars", "text:tiktoken:cl100k_base",
                                      "image:patch:p=16", "image:adaptive:min=4,max=32,thr=16",
                                      "video:tubelet:t=2,p=16", "audio:vad:hop=20,thr=-40"};
    const char *ok[sizeof all / sizeof all[0]];
    size_t n = fuzz_usable_specs(all, sizeof all / sizeof all[0], 0, ok);
    CimMeasureParams p = fuzz_params(ok, n);
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
    fuzz_write_input(path, data, size);
    CimRecord r;
    CimErr e = {0};
    if (cim__measure_path(run, path, &r, &e) < 0)
        abort();
    fuzz_check_record(run, &r);
    uint64_t c[4];
    if (r.status == CIM_REC_SKIPPED && r.modality == CIM_MOD_NONE && !cim__archive_counts(&r, c)) abort();
    if (r.documents && (r.status != CIM_REC_OK || r.modality != CIM_MOD_TEXT)) abort();
    cim__record_clear(&r);
    unlink(path);
    return 0;
}
