/*
 * fixed.c — image:fixed:n=N (doc/tokenizers.md): N tokens per image whatever its size
 * (TiTok-style 1D tokenizers; preset titok-l32 = n=32). Geometry only.
 * The canonical spec is "n=N", with ",codebook=K" only when a codebook is given.
 */
#include <stdio.h>
#include "common/err.h"
#include "tokenizer.h"

typedef struct FixedConf {
    int64_t n;          /* option: tokens per image */
    int64_t codebook;   /* option: codebook size, 0 = none */
} FixedConf;

#define OFFSET(field) offsetof(FixedConf, field)
static const CimOption fixed_options[] = {
    {"n", "tokens per image", OFFSET(n), CIM_OPT_INT, 32, 1, 1e12, NULL, 0, NULL},
    {"codebook", "codebook size: codes a token is drawn from, for capacity_bits (0 = none)", OFFSET(codebook),
     CIM_OPT_INT, 0, 0, 1e15, NULL, 0, NULL},
    {NULL}
};
static const char *const fixed_shorthand[] = {"n", NULL};

static int fixed_init(void *conf, char *canon, size_t canon_n, char *model_path,
                      size_t model_path_n, CimErr *e)
{
    const FixedConf *c = conf;
    int w = snprintf(canon, canon_n, "n=%lld", (long long)c->n);
    if (c->codebook && w >= 0 && (size_t)w < canon_n)
        w += snprintf(canon + w, canon_n - (size_t)w, ",codebook=%lld", (long long)c->codebook);
    CIM_RETURN_IF(w < 0 || (size_t)w >= canon_n, e, CIM_ERR_USAGE, "spec too long");
    return 0;
}

static uint64_t fixed_vocab(const void *conf)
{
    return (uint64_t)((const FixedConf *)conf)->codebook;
}

static int fixed_count(const void *conf, const CimGeometry *g, uint64_t *tokens, CimErr *e)
{
    *tokens = (uint64_t)((const FixedConf *)conf)->n;
    return 0;
}

const CimTokenizer cim_tok_fixed = {
    .name           = "fixed",
    .modality       = CIM_MOD_IMAGE,
    .help           = "N tokens per image whatever its size (TiTok)",
    .options        = fixed_options,
    .shorthand      = fixed_shorthand,
    .conf_size      = sizeof(FixedConf),
    .init           = fixed_init,
    .count_geometry = fixed_count,
    .vocab_size     = fixed_vocab,
};
