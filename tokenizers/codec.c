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
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "tokenizer.h"

typedef struct CodecConf {
    CimRational rate;       /* F, reduced, each part within 32 bits */
    int64_t     codebooks;
    int64_t     codebook;   /* codes in each codebook, 0 = none */
} CodecConf;

#define OFFSET(field) offsetof(CodecConf, field)
static const CimOption codec_opts[] = {
    {"rate", "codec frame rate in Hz: integer, a/b or decimal (exact)", OFFSET(rate),
     CIM_OPT_RATIONAL, 0, 0, UINT32_MAX, "75", 0, NULL},
    {"codebooks", "codebooks (tokens per frame)", OFFSET(codebooks), CIM_OPT_INT, 8, 1, 1024, NULL, 0, NULL},
    {"codebook", "size of each codebook: codes a token is drawn from, for capacity_bits (0 = none)",
     OFFSET(codebook), CIM_OPT_INT, 0, 0, 1e15, NULL, 0, NULL},
    {0}
};

static int codec_init(void *conf, char *canon, size_t canon_n, char *model_path,
                      size_t model_path_n, CimErr *e)
{
    const CodecConf *c = conf;
    char rate[48];
    cim_rational_format(c->rate, rate, sizeof rate);
    int w = snprintf(canon, canon_n, "rate=%s,codebooks=%lld", rate, (long long)c->codebooks);
    if (c->codebook && w >= 0 && (size_t)w < canon_n)
        w += snprintf(canon + w, canon_n - (size_t)w, ",codebook=%lld", (long long)c->codebook);
    CIM_RETURN_IF(w < 0 || (size_t)w >= canon_n, e, CIM_ERR_USAGE, "spec too long");
    return 0;
}

static uint64_t codec_vocab(const void *conf)
{
    return (uint64_t)((const CodecConf *)conf)->codebook;
}

__extension__ typedef unsigned __int128 u128;

static int codec_count(const void *conf, const CimGeometry *g, uint64_t *tokens, CimErr *e)
{
    const CodecConf *c = conf;
    CIM_RETURN_IF(!g->sample_rate, e, CIM_ERR_CORRUPT, "audio with a sample rate of 0");
    u128 a = (u128)g->samples * (uint64_t)c->rate.num;
    u128 b = (u128)g->sample_rate * (uint64_t)c->rate.den;
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
    .init           = codec_init,
    .count_geometry = codec_count,
    .vocab_size     = codec_vocab,
};
