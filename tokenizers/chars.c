/* chars.c — text:chars, one token per code point; an invalid UTF-8 byte counts as one. */
#include "tokenizer.h"

static int chars_count(const void *conf, const CimGeometry *g, uint64_t *tokens, CimErr *e)
{
    *tokens = g->chars;   /* the text decoder counts code points strictly (common/utf8.h) */
    return 0;
}

const CimTokenizer cim_tok_chars = {
    .name           = "chars",
    .modality       = CIM_MOD_TEXT,
    .help           = "one token per code point; an invalid UTF-8 byte counts as one (baseline)",
    .count_geometry = chars_count,
};
