/*
 * tiktoken_pretok.h — the pre-tokenizer regexes of OpenAI's tiktoken, hand-compiled.
 *
 * tiktoken splits text with a regex (fancy-regex, leftmost-first backtracking, Unicode
 * classes of regex-syntax) and runs BPE inside each piece. The three patterns in use:
 *   R50K   (r50k_base, p50k_base, GPT-2):
 *          's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *   CL100K (cl100k_base, Llama 3):
 *          (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}
 *          | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *   O200K  (o200k_base):
 *          [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|...)?
 *          |[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|...)?
 *          |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *
 * Why hand-compiled rather than PCRE2: measured on kjv.txt and Go sources, PCRE2 10.42 JIT
 * runs the cl100k pattern at 63-73 MB/s for the split alone, which would leave too little
 * room for BPE to reach 2x gpt-tokenizer (27 MB/s warm on kjv.txt); the matcher below
 * does one forward pass per piece with an ASCII table and a two-stage Unicode table and
 * splits the same 17 MB of Go + KJV at ~300 MB/s (cl100k), ~230 MB/s (o200k) of CPU time. It also pins the Unicode version (16.0, tiktoken_ucd.h) to the reference's:
 * PCRE2 10.42 has 14.0, and its \s also matches U+180E, which Rust's does not.
 *
 * Streaming: cim_tt_next_piece() returns 0 instead of a piece when the match it would
 * return depends on bytes at or past n (a run reaching n, a lookahead at n) and the text
 * is not final; the caller keeps the unconsumed tail and calls again with more text.
 */
#ifndef CIM_TIKTOKEN_PRETOK_H
#define CIM_TIKTOKEN_PRETOK_H
#include <stddef.h>
#include <stdint.h>

typedef enum CimTtPattern {
    CIM_TT_PAT_R50K,
    CIM_TT_PAT_CL100K,
    CIM_TT_PAT_O200K,
} CimTtPattern;

/* Code point classes (values fixed by tiktoken_ucd.h), plus CR, LF and end of text. */
enum {
    CIM_TT_C_OTHER, CIM_TT_C_LU, CIM_TT_C_LL, CIM_TT_C_LT, CIM_TT_C_LM, CIM_TT_C_LO,
    CIM_TT_C_M, CIM_TT_C_N, CIM_TT_C_WS, CIM_TT_C_CR, CIM_TT_C_LF, CIM_TT_C_END
};

/* The end of the piece that starts at s[i] (i < n); s[0..n) is valid UTF-8. Returns 0
 * when !final and the answer depends on what follows s[n-1]. */
size_t cim_tt_next_piece(CimTtPattern pat, const uint8_t *s, size_t i, size_t n, int final);

#endif
