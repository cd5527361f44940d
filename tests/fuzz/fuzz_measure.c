/*
 * fuzz_measure.c — one libFuzzer target per decode-and-tokenize path.
 *
 * Built once per modality with CIM_FUZZ_SPECS naming the tokenizers to run
 * (content-aware ones included, so every decoded byte reaches a tokenizer).
 * Each input is written to a file and measured exactly as `cimeter measure`
 * would (sniff → decode → tokenizers); the harness checks invariants a good
 * record must hold. Specs whose front-end is not built are left out.
 *
 * The geometry-only specs (no feed: patch, fixed, tubelet, frame, codec) are
 * also run on their own, where the header fast path (doc/tokenizers.md) answers: its
 * parsers read the same hostile bytes. When both runs measure a file, the
 * fast path's counts, raw bytes and units must equal the full decode's
 * ("the fast path must equal the full decode's answer"). For audio that
 * covers every header reader: WAV, FLAC, Ogg Vorbis, Ogg Opus and MP3
 * (tests/fuzz/seeds/audio holds small Ogg and MP3 seeds).
 * Without libFuzzer, standalone_main.c runs the same entry point over files.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fuzz_harness.h"

#ifndef CIM_FUZZ_SPECS
#error "define CIM_FUZZ_SPECS"
#endif

static CimRun *run, *fast;   /* every spec (decodes); geometry-only specs (fast path) */
static char path[64];

static void setup(void)
{
    static const char *const all[] = {CIM_FUZZ_SPECS};
    const char *ok[sizeof all / sizeof all[0]];
    size_t n = fuzz_usable_specs(all, sizeof all / sizeof all[0], 0, ok);
    const char *geo[sizeof all / sizeof all[0]];
    size_t ngeo = fuzz_usable_specs(ok, n, 1, geo);
    CimMeasureParams p = fuzz_params(ok, n);
    CimErr e = {0};
    if (!n || cim_run_create(&run, &p, &e) < 0) {
        /* 77: meson's "skipped" — the front-ends of this modality are not built. */
        fprintf(stderr, "fuzz: none of this target's tokenizers is built: %s\n", e.msg);
        exit(77);
    }
    if (ngeo) {
        p.specs = geo;
        p.nspecs = ngeo;
        if (cim_run_create(&fast, &p, &e) < 0) { fprintf(stderr, "fuzz: %s\n", e.msg); exit(1); }
    }
    snprintf(path, sizeof path, "/tmp/cim-fuzz-%ld", (long)getpid());
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
    if (fast) {
        CimRecord q;
        if (cim__measure_path(fast, path, &q, &e) < 0) abort();
        fuzz_check_record(fast, &q);
        /* A decode that skipped packets (doc/records.md video) met damage inside a
         * sample, which no header reader can see (src/decode/av_video.c:
         * "the fast path assumes well-formed data"): not compared. */
        if (q.status == CIM_REC_OK && r.status == CIM_REC_OK && q.modality == r.modality && !r.skipped_packets) {
            if (q.raw_bytes != r.raw_bytes || q.units != r.units) abort();
            for (size_t t = 0; t < fast->ntok; t++)
                for (size_t u = 0; u < run->ntok; u++)
                    if (!strcmp(fast->toks[t].spec, run->toks[u].spec) && q.tokens[t] != r.tokens[u]) abort();
        }
        cim__record_clear(&q);
    }
    cim__record_clear(&r);
    unlink(path);
    return 0;
}
