/*
 * rlt.c — video:rlt:t=T,p=P,thr=X, run-length tokenization (Choudhury et al.
 * 2024, "Don't Look Twice"), exactly as doc/tokenizers.md "Video (frame-patch)" states it:
 *
 *   native resolution and rate, on the luma plane as decoded (the decoder hands
 *   the Y plane of 8-bit YUV byte for byte, other formats as swscale GRAY8);
 *   frames form tubelets of T (the last may be short); every patch (⌈W/P⌉·⌈H/P⌉,
 *   edge patches partial) of tubelet 0 is a token; patch (x,y) of tubelet k ≥ 1
 *   is dropped when S ≤ X·n, S = Σ|Y_a − Y_b| over its n in-image pixels, a the
 *   first frame of tubelet k, b the first frame of tubelet k−1. A tubelet whose
 *   first frame's size differs from the previous tubelet's keeps every patch.
 *
 * X is an exact decimal (thr=25.5 is 255/10): S·10^k ≤ X·10^k·n in integers.
 * The default, 25.5, is the paper's τ = 0.1 on [0,1]-scaled pixels read as a
 * mean absolute difference in 8-bit units; state thr explicitly in papers.
 *
 * Memory: the state keeps only the luma of the last tubelet's first frame (the
 * frame the next comparison needs), W×H bytes, plus a row of patch sums. Frames
 * that are not the first of a tubelet are not looked at.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "common/err.h"
#include "tokenizer.h"

typedef struct RltConf {
    int64_t  t, p;          /* options */
    CimRational thr;        /* X, reduced; at most 9 decimals */
} RltConf;

typedef struct RltState {
    uint8_t  *prev;          /* luma of the previous tubelet's first frame, packed W×H */
    size_t    prev_cap;
    uint32_t  pw, ph;        /* its size */
    uint64_t *sums;          /* per patch column of the current band */
    size_t    sums_cap;
    uint64_t  seen;          /* frames fed */
    uint64_t  tokens;
} RltState;

#define OFFSET(field) offsetof(RltConf, field)
static const CimOption rlt_options[] = {
    {"t",   "frames per tubelet",                          OFFSET(t),   CIM_OPT_INT,    2, 1, 1 << 16, NULL, 0, NULL},
    {"p",   "patch side in pixels",                        OFFSET(p),   CIM_OPT_INT,   16, 1, 1 << 16, NULL, 0, NULL},
    {"thr", "drop a patch when its mean |dY| <= thr (8-bit luma units, decimal)",
     OFFSET(thr), CIM_OPT_DECIMAL, 0, 0, 1000000, "25.5", 9, NULL},
    {0}
};

static int rlt_init(void *conf, char *canon, size_t canon_n, char *model_path,
                    size_t model_path_n, CimErr *e)
{
    const RltConf *c = conf;
    char thr[48];
    cim_decimal_format(c->thr, thr, sizeof thr);
    int w = snprintf(canon, canon_n, "t=%lld,p=%lld,thr=%s", (long long)c->t, (long long)c->p, thr);
    CIM_RETURN_IF(w < 0 || (size_t)w >= canon_n, e, CIM_ERR_USAGE, "rlt: spec too long");
    return 0;
}

/* Σ|a[i] − b[i]| over n bytes (n ≤ 65536, so the sum fits 32 bits). PSADBW
 * does 16 bytes at a time; this loop is most of RLT's cost at 1080p. */
static uint32_t sad(const uint8_t *a, const uint8_t *b, uint32_t n)
{
    uint32_t acc = 0, i = 0;
#ifdef __SSE2__
    __m128i s = _mm_setzero_si128();
    for (; i + 16 <= n; i += 16)
        s = _mm_add_epi64(s, _mm_sad_epu8(_mm_loadu_si128((const __m128i *)(const void *)(a + i)),
                                          _mm_loadu_si128((const __m128i *)(const void *)(b + i))));
    acc = (uint32_t)(_mm_cvtsi128_si32(s) + _mm_cvtsi128_si32(_mm_srli_si128(s, 8)));
#endif
    for (; i < n; i++)
        acc += (uint32_t)abs((int)a[i] - (int)b[i]);
    return acc;
}

/* Patches of cur (stride) that differ from prev (packed) by more than X·n;
 * leaves cur in prev. */
static uint64_t changed_patches(const RltConf *c, RltState *s, const uint8_t *cur, size_t stride,
                                uint32_t w, uint32_t h)
{
    uint32_t p = (uint32_t)c->p;
    uint64_t gw = cim_grid(w, p, 0), kept = 0;
    for (uint32_t y0 = 0; y0 < h; y0 += p) {
        uint32_t y1 = h - y0 < p ? h : y0 + p;
        memset(s->sums, 0, gw * sizeof *s->sums);
        for (uint32_t y = y0; y < y1; y++) {
            const uint8_t *a = cur + (size_t)y * stride, *b = s->prev + (size_t)y * w;
            uint64_t *col = s->sums;
            for (uint32_t x0 = 0; x0 < w; x0 += p, col++) {
                uint32_t x1 = w - x0 < p ? w : x0 + p;
                *col += sad(a + x0, b + x0, x1 - x0);
            }
            /* The row of prev is done with: it becomes the next reference while
             * both rows are still in cache (one pass over memory, not two). */
            memcpy(s->prev + (size_t)y * w, a, w);
        }
        uint64_t ph = y1 - y0;
        for (uint64_t i = 0; i < gw; i++) {
            uint64_t pw = (i + 1) * p <= w ? p : w - i * p;
            /* keep unless S ≤ X·n  ⇔  S·den ≤ num·n */
            kept += s->sums[i] * (uint64_t)c->thr.den > (uint64_t)c->thr.num * pw * ph;
        }
    }
    return kept;
}

static int rlt_feed(const void *conf, void *state, const CimChunk *chunk, CimErr *e)
{
    const RltConf *c = conf;
    RltState *s = state;
    if (chunk->kind != CIM_CHUNK_FRAME) return 0;
    CIM_RETURN_IF(!chunk->data, e, CIM_ERR_INTERNAL, "rlt: decoder gave no luma plane");
    uint64_t idx = s->seen++;
    if (idx % (uint64_t)c->t) return 0;   /* only a tubelet's first frame is compared */
    uint32_t w = chunk->width, h = chunk->height;
    uint64_t gw = cim_grid(w, (uint64_t)c->p, 0), gh = cim_grid(h, (uint64_t)c->p, 0);
    size_t need = (size_t)w * h;
    if (idx > 0 && w == s->pw && h == s->ph) {
        if (gw > s->sums_cap) {
            uint64_t *v = realloc(s->sums, gw * sizeof *v);
            CIM_RETURN_IF(!v, e, CIM_ERR_NOMEM, "out of memory");
            s->sums = v;
            s->sums_cap = gw;
        }
        s->tokens += changed_patches(c, s, chunk->data, chunk->stride, w, h);
        return 0;
    }
    s->tokens += gw * gh;   /* first tubelet, or the frame size changed: every patch */
    if (need > s->prev_cap) {
        free(s->prev);
        s->prev = malloc(need);
        s->prev_cap = s->prev ? need : 0;
        CIM_RETURN_IF(!s->prev, e, CIM_ERR_NOMEM, "out of memory for a %ux%u luma frame", w, h);
    }
    for (uint32_t y = 0; y < h; y++)
        memcpy(s->prev + (size_t)y * w, chunk->data + (size_t)y * chunk->stride, w);
    s->pw = w;
    s->ph = h;
    return 0;
}

static int rlt_finish(const void *conf, void *state, const CimGeometry *g, uint64_t *tokens, CimErr *e)
{
    *tokens = ((RltState *)state)->tokens;
    return 0;
}

static void rlt_release(const void *conf, void *state)
{
    RltState *s = state;
    free(s->prev);
    free(s->sums);
    memset(s, 0, sizeof *s);
}

const CimTokenizer cim_tok_rlt = {
    .name       = "rlt",
    .modality   = CIM_MOD_VIDEO,
    .help       = "run-length tokenization: drop patches unchanged since the last tubelet (luma)",
    .options    = rlt_options,
    .conf_size  = sizeof(RltConf),
    .state_size = sizeof(RltState),
    .caps       = CIM_NEED_LUMA,
    .init       = rlt_init,
    .feed       = rlt_feed,
    .finish     = rlt_finish,
    .release    = rlt_release,
};
