/*
 * hf_unicode.h — character classes of the Rust tokenizers library, from the Unicode data
 * of the very parts it is built with (scripts/make-hf-unicode.mjs generated the tables):
 *   - Rust's std, Unicode 17.0: char::is_whitespace, char::is_numeric, char::to_lowercase;
 *   - the regex crate (regex-syntax 0.8.11), Unicode 16.0: \w and \s of the Whitespace
 *     pre-tokenizer's `\w+|[^\w\s]+`;
 *   - Oniguruma 6.9.10, Unicode 16.0: the \p{..} classes and \s of Split's regexes.
 * ICU (Debian 12: Unicode 15.0) and PCRE2 (10.42: Unicode 14.0) are older than all three.
 */
#ifndef CIM_HF_UNICODE_H
#define CIM_HF_UNICODE_H
#include <stddef.h>
#include <stdint.h>

enum {
    CIM_HF_U_SPACE = 1,       /* char::is_whitespace: White_Space */
    CIM_HF_U_NUMERIC = 2,     /* char::is_numeric: General_Category N */
    CIM_HF_U_LOWER = 4,       /* char::to_lowercase changes it */
    CIM_HF_U_RE_WORD = 8,     /* regex \w: Alphabetic, M, Nd, Pc, Join_Control */
    CIM_HF_U_RE_SPACE = 16,   /* regex \s: White_Space */
};

extern const uint16_t cim_hf_u_index[0x110000 >> 8];
extern const uint8_t cim_hf_u_blocks[][256];

/* The CIM_HF_U_* flags of code point c (0 beyond U+10FFFF). */
static inline unsigned cim_hf_u_flags(uint32_t c)
{
    return c < 0x110000 ? cim_hf_u_blocks[cim_hf_u_index[c >> 8]][c & 255] : 0;
}

/* char::to_lowercase of c when it is one character (all but U+0130, "i\u0307"). */
uint32_t cim_hf_u_lower(uint32_t c);

/* Oniguruma's \p{name} (name[0..n): L, Lu, ..., Zp) or White_Space as the ranges of a
 * PCRE2 class ("\x{41}-\x{5a}..."), or NULL for a name not in the table. */
const char *cim_hf_onig_class(const char *name, size_t n);

/* The Oniguruma pattern re[0..n) for PCRE2 (UTF, UCP), with Oniguruma's classes spelled
 * out as ranges, in a new string (NULL if out of memory; *outn its length): PCRE2's own
 * tables are of an older Unicode, and its \s also takes U+180E, which White_Space lost in
 * Unicode 6.3. Rewritten: \s and \S, and \p{NAME}, \pN and \P{NAME} of a
 * General_Category; \S and \P inside a class, and other names, are left to PCRE2 (no
 * pattern in use has them). */
char *cim_hf_onig_pattern(const char *re, size_t n, size_t *outn);

#endif
