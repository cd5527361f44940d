/* chars.c — text:chars, one token per code point; an invalid UTF-8 byte counts as one. */
#include "tokenizer.h"

static int chars_count(const void *conf, const CimGeometry *g, uint64_t *tokens, CimErr *e)
{
    *tokens = g->chars;   /* the text decoder counts code points strictly (common/utf8.h) */
    return 0;
}

/* What the baseline can emit: every Unicode scalar value (U+0000..U+10FFFF less the
 * 2048 surrogates) plus the 128 bytes 0x80..0xFF, each of which is a token of its own
 * when it is not part of a valid sequence (doc/tokenizers.md). */
#define CIM_UNICODE_SCALARS (0x110000u - 0x800u)
#define CIM_INVALID_BYTES   128u

static uint64_t chars_vocab(const void *conf)
{
    return (uint64_t)CIM_UNICODE_SCALARS + CIM_INVALID_BYTES;
}

const CimTokenizer cim_tok_chars = {
    .name           = "chars",
    .modality       = CIM_MOD_TEXT,
    .help           = "one token per code point; an invalid UTF-8 byte counts as one (baseline)",
    .count_geometry = chars_count,
    .vocab_size     = chars_vocab,
};
