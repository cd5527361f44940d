/*
 * vad.c — audio:vad:hop=H,thr=DB (doc/tokenizers.md, audio): energy voice-activity
 * tokens, content-aware (fed PCM).
 *
 * Frames of L = ⌈H·R/1000⌉ samples per channel (the last may be short, m < L).
 * A frame is a token unless, for every channel, Σs²/m < 32768²·10^(DB/10):
 * it is a token iff some channel has
 *
 *     S = Σ s²  ≥  T(m) = m · 2^30 · 10^(DB/10).
 *
 * Exactness. S is an integer (≤ m·2^30 < 2^57 for hop ≤ 10 s at ≤ 1 MHz), so
 * S ≥ T(m) ⟺ S ≥ K(m) = ⌈T(m)⌉ and the hot loop is one integer compare per
 * channel and frame. K(m) is computed once per file for full frames (and once
 * for the short last frame):
 *  - DB is parsed from its decimal text as an exact rational, so
 *    DB/10 = a/b in lowest terms (b divides 1000: at most two decimals);
 *  - a > 0: T(m) > m·2^30 ≥ every possible S, no frame is a token (K = m·2^30+1);
 *    a = 0: T(m) = m·2^30 exactly;
 *  - a < 0: T(m) is estimated in long double (64-bit mantissa; powl is
 *    within a few ulp). When it lies clearly between two integers (margin
 *    2^-56 relative, 2^7 times any plausible error), K is the upper one.
 *    Otherwise K is settled around the nearest integer with the exact test
 *    "k ≥ T(m)" ⟺ k^b · 10^(-a) ≥ (m·2^30)^b on a small bignum. The exact
 *    path is taken whenever T(m) is an integer (DB a multiple of 10 and m
 *    suitably divisible: thr=-10, m=10 gives T = 2^30), which the tests use.
 *    So two implementations that follow doc/tokenizers.md agree to the token whatever
 *    DB is (tests/ref/sf_audio.py does the same test with Python integers).
 */
#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "tokenizer.h"

typedef struct VadConf {
    int64_t hop;       /* ms */
    CimRational thr;   /* DB, exact, at most 2 decimals */
    int64_t a, b;      /* DB/10 = a/b, b > 0, lowest terms */
} VadConf;

typedef struct VadState {
    uint64_t  L;        /* samples per channel per frame */
    uint64_t  K;        /* integer threshold for a full frame */
    uint64_t  pos;      /* samples of the current frame seen */
    uint32_t  ch;
    uint64_t *sum;      /* [ch] Σ s² of the current frame */
    uint64_t  tokens;
} VadState;

#define OFFSET(field) offsetof(VadConf, field)
static const CimOption vad_opts[] = {
    {"hop", "frame hop in ms", OFFSET(hop), CIM_OPT_INT, 20, 1, 10000, NULL, 0, NULL},
    {"thr", "energy threshold in dB relative to full scale (decimal, at most 2 decimals)",
     OFFSET(thr), CIM_OPT_DECIMAL, 0, -1000, 1000, "-40", 2, NULL},
    {0}
};

static int vad_init(void *conf, char *canon, size_t canon_n, char *model_path,
                    size_t model_path_n, CimErr *e)
{
    VadConf *c = conf;
    char thr[48];
    cim_decimal_format(c->thr, thr, sizeof thr);
    int w = snprintf(canon, canon_n, "hop=%lld,thr=%s", (long long)c->hop, thr);
    CIM_RETURN_IF(w < 0 || (size_t)w >= canon_n, e, CIM_ERR_USAGE, "spec too long");
    /* DB/10 in lowest terms; |DB| <= 1000 with den | 100, so 10·den cannot overflow. */
    int64_t den = 10 * c->thr.den;
    int64_t g = (int64_t)cim_gcd((uint64_t)llabs(c->thr.num), (uint64_t)den);
    c->a = c->thr.num / g;
    c->b = den / g;
    return 0;
}

/* ---- exact threshold ------------------------------------------------------ */

/* Minimal unsigned bignum: little-endian 32-bit limbs. Used only when T(m)
 * falls within 2^-40 (relative) of an integer. */
typedef struct Big { uint32_t *d; size_t n; } Big;

static int big_set(Big *x, uint64_t v)
{
    x->d = malloc(2 * sizeof *x->d);
    if (!x->d) return -1;
    x->d[0] = (uint32_t)v;
    x->d[1] = (uint32_t)(v >> 32);
    x->n = x->d[1] ? 2 : 1;
    return 0;
}

static int big_mul(Big *r, const Big *x, const Big *y)
{
    size_t n = x->n + y->n;
    uint32_t *d = calloc(n, sizeof *d);
    if (!d) return -1;
    for (size_t i = 0; i < x->n; i++) {
        uint64_t carry = 0;
        for (size_t j = 0; j < y->n; j++) {
            uint64_t t = (uint64_t)x->d[i] * y->d[j] + d[i + j] + carry;
            d[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        d[i + y->n] = (uint32_t)carry;
    }
    while (n > 1 && !d[n - 1]) n--;
    free(r->d);
    r->d = d;
    r->n = n;
    return 0;
}

/* r = v^k */
static int big_pow(Big *r, uint64_t v, uint64_t k)
{
    Big base = {0}, acc = {0};
    int rc = big_set(&base, v) || big_set(&acc, 1) ? -1 : 0;
    for (; !rc && k; k >>= 1) {
        if (k & 1) rc = big_mul(&acc, &acc, &base);
        if (!rc && k > 1) rc = big_mul(&base, &base, &base);
    }
    free(base.d);
    if (rc) { free(acc.d); return -1; }
    *r = acc;
    return 0;
}

static int big_cmp(const Big *x, const Big *y)
{
    if (x->n != y->n) return x->n < y->n ? -1 : 1;
    for (size_t i = x->n; i-- > 0;)
        if (x->d[i] != y->d[i]) return x->d[i] < y->d[i] ? -1 : 1;
    return 0;
}

/* Is I ≥ M·10^(a/b) (a < 0)?  ⟺  I^b · 10^(-a) ≥ M^b. Returns 1/0, or -1 on OOM. */
static int ge_exact(uint64_t I, uint64_t M, int64_t a, int64_t b)
{
    Big l = {0}, t = {0}, r = {0};
    int rc = -1;
    if (!big_pow(&l, I, (uint64_t)b) && !big_pow(&t, 10, (uint64_t)-a) && !big_mul(&l, &l, &t) &&
        !big_pow(&r, M, (uint64_t)b))
        rc = big_cmp(&l, &r) >= 0;
    free(l.d);
    free(t.d);
    free(r.d);
    return rc;
}

/* K(m) = ⌈m·2^30·10^(a/b)⌉, exactly; see the file comment. */
static int threshold(const VadConf *c, uint64_t m, uint64_t *K, CimErr *e)
{
    uint64_t M = m << 30;
    if (c->a > 0) { *K = M + 1; return 0; }
    if (c->a == 0) { *K = M; return 0; }
    long double T = (long double)M * powl(10.0L, (long double)c->a / (long double)c->b);
    long double I = roundl(T), margin = T * 0x1p-56L + 0x1p-56L;
    if (fabsl(T - I) > margin) {
        *K = (uint64_t)floorl(T) + 1;
        return 0;
    }
    /* Within the margin of an integer: settle K exactly, stepping from I
     * (a step or two at most: the margin is below 2 for any T < 2^57). */
    uint64_t k = (uint64_t)I;
    int ge;
    while (k > 0 && (ge = ge_exact(k - 1, M, c->a, c->b)) != 0) {
        CIM_RETURN_IF(ge < 0, e, CIM_ERR_NOMEM, "out of memory");
        k--;
    }
    while ((ge = ge_exact(k, M, c->a, c->b)) != 1) {
        CIM_RETURN_IF(ge < 0, e, CIM_ERR_NOMEM, "out of memory");
        k++;
    }
    *K = k ? k : 1;   /* T > 0: a frame of zeros is never a token */
    return 0;
}

/* ---- per file ----------------------------------------------------------- */

static int vad_begin(const void *conf, void *state, const CimGeometry *g, CimErr *e)
{
    const VadConf *c = conf;
    VadState *s = state;
    CIM_RETURN_IF(!g->sample_rate || !g->audio_channels, e, CIM_ERR_CORRUPT, "audio without rate or channels");
    s->L = ((uint64_t)c->hop * g->sample_rate + 999) / 1000;
    /* Keeps m·2^30 and Σs² below 2^57 (a bogus multi-GHz header rate). */
    CIM_RETURN_IF(s->L > (1u << 26), e, CIM_ERR_LIMIT,
                  "vad: frames of %llu samples are too long (sample rate %u Hz)",
                  (unsigned long long)s->L, g->sample_rate);
    s->ch = g->audio_channels;
    s->sum = calloc(s->ch, sizeof *s->sum);
    CIM_RETURN_IF(!s->sum, e, CIM_ERR_NOMEM, "out of memory");
    return threshold(c, s->L, &s->K, e);
}

static int vad_feed(const void *conf, void *state, const CimChunk *c, CimErr *e)
{
    VadState *s = state;
    CIM_RETURN_IF(!s->L, e, CIM_ERR_INTERNAL, "vad: PCM before begin()");
    CIM_RETURN_IF(c->channels != s->ch, e, CIM_ERR_INTERNAL, "channel count changed mid-stream");
    const int16_t *p = (const int16_t *)c->data;
    size_t left = c->len;
    uint32_t ch = s->ch;
    while (left) {
        size_t take = s->L - s->pos < left ? (size_t)(s->L - s->pos) : left;
        if (ch == 1) {
            uint64_t acc = s->sum[0];
            for (size_t i = 0; i < take; i++) acc += (uint64_t)((int32_t)p[i] * p[i]);
            s->sum[0] = acc;
        } else {
            for (size_t i = 0; i < take; i++)
                for (uint32_t k = 0; k < ch; k++) {
                    int32_t v = p[i * ch + k];
                    s->sum[k] += (uint64_t)(v * v);
                }
        }
        p += take * ch;
        left -= take;
        s->pos += take;
        if (s->pos == s->L) {
            int tok = 0;
            for (uint32_t k = 0; k < ch; k++) {
                tok |= s->sum[k] >= s->K;
                s->sum[k] = 0;
            }
            s->tokens += (uint64_t)tok;
            s->pos = 0;
        }
    }
    return 0;
}

static int vad_finish(const void *conf, void *state, const CimGeometry *g, uint64_t *tokens, CimErr *e)
{
    VadState *s = state;
    if (s->pos) {
        uint64_t K;
        CIM_CHECK(threshold(conf, s->pos, &K, e));
        int tok = 0;
        for (uint32_t k = 0; k < s->ch; k++) tok |= s->sum[k] >= K;
        s->tokens += (uint64_t)tok;
        s->pos = 0;
    }
    *tokens = s->tokens;
    return 0;
}

static void vad_release(const void *conf, void *state)
{
    VadState *s = state;
    free(s->sum);
    s->sum = NULL;
}

const CimTokenizer cim_tok_vad = {
    .name       = "vad",
    .modality   = CIM_MOD_AUDIO,
    .help       = "energy VAD: frames of hop ms whose energy reaches thr dBFS in some channel",
    .options    = vad_opts,
    .conf_size  = sizeof(VadConf),
    .state_size = sizeof(VadState),
    .caps       = CIM_NEED_PCM,
    .init       = vad_init,
    .begin      = vad_begin,
    .feed       = vad_feed,
    .finish     = vad_finish,
    .release    = vad_release,
};
