/*
 * frame.c — audio:frame:hop=H[,sr=S][,window=W] (doc/tokenizers.md, audio).
 *
 * A duration-based count, so geometry alone decides it (fast path):
 *   tokens = ⌈N·1000 / (R·H)⌉                      (H ms hop, N samples/channel, R Hz)
 *   window=W (seconds, Whisper's padding to fixed windows):
 *   tokens = ⌈W·1000/H⌉ · ⌈N / (W·R)⌉               (whisper: 1500·⌈N/(30·R)⌉)
 * W·1000/H is whole for every preset; when it is not, a window's last partial
 * hop counts as a frame (the ceiling), as the un-windowed rule does.
 * Resampling to S does not change a duration-based count: S is only recorded.
 * All arithmetic is in 128-bit integers (N·1000 overflows 64 bits for
 * nothing real, but cheaply ruled out).
 */
#include <stdio.h>
#include <stddef.h>
#include "common/err.h"
#include "tokenizer.h"

typedef struct FrameConf {
    int64_t hop;      /* ms */
    int64_t sr;       /* Hz the model resamples to; 0 = native (recorded only) */
    int64_t window;   /* s; 0 = no windowing */
    int64_t codebook; /* codes per frame token (discrete units), 0 = none */
} FrameConf;

#define OFFSET(field) offsetof(FrameConf, field)
static const CimOption frame_opts[] = {
    {"hop", "hop length in ms", OFFSET(hop), CIM_OPT_INT, 20, 1, 1e6, NULL, 0, NULL},
    {"sr", "model sample rate in Hz (recorded; does not change the count)", OFFSET(sr),
     CIM_OPT_INT, 0, 0, 1e7, NULL, 0, NULL},
    {"window", "pad to windows of W seconds (Whisper: 30); 0 = none", OFFSET(window),
     CIM_OPT_INT, 0, 0, 1e6, NULL, 0, NULL},
    {"codebook", "codebook size: codes a token is drawn from, for capacity_bits (0 = none)", OFFSET(codebook),
     CIM_OPT_INT, 0, 0, 1e15, NULL, 0, NULL},
    {0}
};

static const char *const frame_short[] = {"hop", NULL};

static int frame_init(void *conf, char *canon, size_t canon_n, char *model_path,
                      size_t model_path_n, CimErr *e)
{
    const FrameConf *c = conf;
    int w = snprintf(canon, canon_n, "hop=%lld", (long long)c->hop);
    if (c->sr && w >= 0 && (size_t)w < canon_n)
        w += snprintf(canon + w, canon_n - (size_t)w, ",sr=%lld", (long long)c->sr);
    if (c->window && w >= 0 && (size_t)w < canon_n)
        w += snprintf(canon + w, canon_n - (size_t)w, ",window=%lld", (long long)c->window);
    if (c->codebook && w >= 0 && (size_t)w < canon_n)
        w += snprintf(canon + w, canon_n - (size_t)w, ",codebook=%lld", (long long)c->codebook);
    CIM_RETURN_IF(w < 0 || (size_t)w >= canon_n, e, CIM_ERR_USAGE, "spec too long");
    return 0;
}

__extension__ typedef unsigned __int128 u128;

static uint64_t ceil_div(u128 a, u128 b) { return (uint64_t)((a + b - 1) / b); }

static uint64_t frame_vocab(const void *conf)
{
    return (uint64_t)((const FrameConf *)conf)->codebook;
}

static int frame_count(const void *conf, const CimGeometry *g, uint64_t *tokens, CimErr *e)
{
    const FrameConf *c = conf;
    CIM_RETURN_IF(!g->sample_rate, e, CIM_ERR_CORRUPT, "audio with a sample rate of 0");
    u128 n = g->samples, r = g->sample_rate, h = (u128)c->hop;
    if (c->window) {
        u128 w = (u128)c->window;
        *tokens = ceil_div(w * 1000, h) * ceil_div(n, w * r);
    } else
        *tokens = ceil_div(n * 1000, r * h);
    return 0;
}

const CimTokenizer cim_tok_frame = {
    .name           = "frame",
    .modality       = CIM_MOD_AUDIO,
    .help           = "fixed hop frames: ceil(N*1000/(R*hop)); window=W pads to W-second windows",
    .options        = frame_opts,
    .shorthand      = frame_short,
    .conf_size      = sizeof(FrameConf),
    .init           = frame_init,
    .count_geometry = frame_count,
    .vocab_size     = frame_vocab,
};
