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
    CIM_HF_U_PCRE2_OLD = 32,  /* in a General_Category class of Oniguruma's that PCRE2
                                 10.42's tables (Unicode 14.0) put it out of, or the reverse */
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

/* The Oniguruma pattern re[0..n) for PCRE2 (UTF, UCP), in a new string (*outn its
 * length), with \s and \S as Oniguruma's White_Space (PCRE2's also takes U+180E, which
 * White_Space lost in Unicode 6.3) and, unless own_classes, \p{NAME}, \pN and \P{NAME}
 * of a General_Category spelled out as the ranges of Oniguruma's tables, as PCRE2's own
 * are of an older Unicode (inside a [...], \P and \S as the ranges outside). NULL with a
 * message in err if out of memory or a \p names a property with no table here (a script
 * such as \p{Han}: PCRE2's own would class new characters otherwise than the library). */
char *cim_hf_onig_pattern(const char *re, size_t n, int own_classes, size_t *outn, char *err,
                          size_t errn);

/* Whether PCRE2's own classes are those of the CIM_HF_U_PCRE2_OLD flags (PCRE2's tables
 * are Unicode 14.0): on text with no flagged character they match as Oniguruma's, and
 * much faster than the ranges spelled out. */
int cim_hf_pcre2_own_classes_known(void);

/* Whether s[0..n) (valid UTF-8) has no CIM_HF_U_PCRE2_OLD character. */
static inline int cim_hf_u_pcre2_same(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    for (size_t i = 0; i < n;) {
        uint32_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        c &= k == 4 ? 0x07 : k == 3 ? 0x0F : 0x1F;
        for (size_t j = 1; j < k && i + j < n; j++) c = c << 6 | (p[i + j] & 0x3F);
        if (cim_hf_u_flags(c) & CIM_HF_U_PCRE2_OLD) return 0;
        i += k;
    }
    return 1;
}

#endif
