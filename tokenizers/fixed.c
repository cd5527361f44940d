/*
 * fixed.c — image:fixed:n=N (doc/tokenizers.md): N tokens per image whatever its size
 * (TiTok-style 1D tokenizers; preset titok-l32 = n=32). Geometry only.
 */
#include "tokenizer.h"

typedef struct FixedConf {
    int64_t n;   /* option: tokens per image */
} FixedConf;

#define OFFSET(field) offsetof(FixedConf, field)
static const CimOption fixed_options[] = {
    {"n", "tokens per image", OFFSET(n), CIM_OPT_INT, 32, 1, 1e12, NULL, 0, NULL},
    {NULL}
};
static const char *const fixed_shorthand[] = {"n", NULL};

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
    .count_geometry = fixed_count,
};
