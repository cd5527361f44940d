/*
 * codec.c — audio:codec:rate=F,codebooks=K (doc/tokenizers.md, audio): neural codecs.
 *
 *   tokens = ⌈N·F / R⌉ · K
 * F (frames per second) is kept as an exact reduced fraction p/q: "75",
 * "25/2" (Mimi), "44100/512" (DAC) or a decimal such as "12.5" (= 125/10 =
 * 25/2) are all exact. Numerator and denominator must fit 32 bits once
 * reduced, so N·p (N < 2^64) fits the 128-bit product. The canonical spec
 * prints the reduced fraction ("rate=11025/128" for DAC), so equal rates
 * written differently are one tokenizer.
 */
#include <ctype.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "tokenizer.h"

typedef struct CodecConf {
    char    *rate;       /* option string; parsed into num/den by init */
    int64_t  codebooks;
    uint64_t num, den;   /* F = num/den, reduced */
} CodecConf;

static const CimOption codec_opts[] = {
    {"rate", "codec frame rate in Hz: integer, a/b or decimal (exact)", offsetof(CodecConf, rate),
     CIM_OPT_STRING, 0, 0, 0, "75"},
    {"codebooks", "codebooks (tokens per frame)", offsetof(CodecConf, codebooks), CIM_OPT_INT, 8, 1, 1024, NULL},
    {0}
};

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) { uint64_t t = a % b; a = b; b = t; }
    return a;
}

/* "a", "a/b" or "a.ddd" → reduced num/den; 0 on success. */
static int parse_rational(const char *s, uint64_t *num, uint64_t *den)
{
    uint64_t p = 0, q = 1;
    const char *c = s;
    int digits = 0;
    for (; isdigit((unsigned char)*c); c++, digits++) {
        if (p > (UINT64_MAX - 9) / 10) return -1;
        p = p * 10 + (uint64_t)(*c - '0');
    }
    if (!digits) return -1;
    if (*c == '.') {
        c++;
        int frac = 0;
        for (; isdigit((unsigned char)*c); c++, frac++) {
            if (frac >= 12 || p > (UINT64_MAX - 9) / 10) return -1;
            p = p * 10 + (uint64_t)(*c - '0');
            q *= 10;
        }
        if (!frac) return -1;
    } else if (*c == '/') {
        c++;
        uint64_t d = 0;
        digits = 0;
        for (; isdigit((unsigned char)*c); c++, digits++) {
            if (d > (UINT64_MAX - 9) / 10) return -1;
            d = d * 10 + (uint64_t)(*c - '0');
        }
        if (!digits || !d) return -1;
        q = d;
    }
    if (*c || !p) return -1;
    uint64_t g = gcd64(p, q);
    p /= g;
    q /= g;
    if (p > UINT32_MAX || q > UINT32_MAX) return -1;
    *num = p;
    *den = q;
    return 0;
}

static int codec_init(void *conf, const char *args, char *canon, size_t canon_n,
                      char *model, size_t model_n, CimErr *e)
{
    CodecConf *c = conf;
    CIM_RETURN_IF(!c->rate || parse_rational(c->rate, &c->num, &c->den), e, CIM_ERR_USAGE,
                  "rate '%s' is not a positive integer, a/b fraction or decimal (within 32 bits)",
                  c->rate ? c->rate : "");
    int w = c->den == 1
        ? snprintf(canon, canon_n, "rate=%llu,codebooks=%lld", (unsigned long long)c->num, (long long)c->codebooks)
        : snprintf(canon, canon_n, "rate=%llu/%llu,codebooks=%lld", (unsigned long long)c->num,
                   (unsigned long long)c->den, (long long)c->codebooks);
    CIM_RETURN_IF(w < 0 || (size_t)w >= canon_n, e, CIM_ERR_USAGE, "spec too long");
    return 0;
}

__extension__ typedef unsigned __int128 u128;

static int codec_count(const void *conf, const CimGeometry *g, uint64_t *tokens, CimErr *e)
{
    const CodecConf *c = conf;
    CIM_RETURN_IF(!g->sample_rate, e, CIM_ERR_CORRUPT, "audio with a sample rate of 0");
    u128 a = (u128)g->samples * c->num, b = (u128)g->sample_rate * c->den;
    u128 frames = (a + b - 1) / b;
    *tokens = (uint64_t)(frames * (u128)c->codebooks);
    return 0;
}

const CimTokenizer cim_tok_codec = {
    .name           = "codec",
    .modality       = CIM_MOD_AUDIO,
    .help           = "neural codec: ceil(N*rate/R)*codebooks, rate exact (a/b or decimal)",
    .options        = codec_opts,
    .conf_size      = sizeof(CodecConf),
    .caps           = CIM_TOK_GEOMETRY_ONLY,
    .init           = codec_init,
    .count_geometry = codec_count,
};
