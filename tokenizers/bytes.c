/* bytes.c — text:bytes, one token per byte (baseline, doc/tokenizers.md). */
#include "tokenizer.h"

static int bytes_count(const void *conf, const CimGeometry *g, uint64_t *tokens, CimErr *e)
{
    *tokens = g->bytes;
    return 0;
}

/* Every byte value is a token. */
static uint64_t bytes_vocab(const void *conf)
{
    return 256;
}

const CimTokenizer cim_tok_bytes = {
    .name           = "bytes",
    .modality       = CIM_MOD_TEXT,
    .help           = "one token per byte (baseline)",
    .count_geometry = bytes_count,
    .vocab_size     = bytes_vocab,
};
