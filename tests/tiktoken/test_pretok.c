/*
 * test_pretok.c — the hand-written tiktoken pre-tokenizer against PCRE2 running the
 * patterns themselves (tiktoken_pretok.h), on random strings over an alphabet that
 * hits every class boundary: letters of each category, marks, digits of each kind,
 * Unicode and ASCII whitespace, CR/LF, apostrophe contractions (with long s), '/',
 * emoji, ZWJ, BOM. Also checks streaming: a piece the matcher gives on a prefix
 * (not final) must be the piece it gives on the whole string.
 * PCRE2 is the oracle only where it agrees with tiktoken's regex engine: the alphabet
 * leaves out U+180E (PCRE2's \s has it, Rust's does not) and code points that are new
 * since Unicode 14 (PCRE2 10.42's tables). Seeded: the same strings every run.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "tiktoken_pretok.h"

static const char *const pats[3] = {
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
    "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+"
    "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*"
    "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};

static const char *const alphabet[] = {
    "a", "b", "Z", "Q", "\xc3\xa9", "\xc3\x89", "\xc7\x85", "\xca\xb0", "\xe4\xb8\xad", "\xd7\x90",
    "\xcc\x81", "\xe0\xa4\x83", "\xe2\x83\x9d", "5", "0", "\xd9\xa3", "\xc2\xbd", "\xe2\x85\xab",
    " ", " ", " ", "\t", "\n", "\n", "\r", "\x0b", "\x0c", "\xc2\xa0", "\xe3\x80\x80", "\xc2\x85", "\xe2\x80\xa8",
    "'", "'", "s", "t", "S", "T", "\xc5\xbf", "l", "L", "r", "R", "e", "E", "v", "m", "d", "D",
    ".", "/", "!", "-", "\xf0\x9f\x98\x80", "\xe2\x80\x8d", "\xef\xbb\xbf", "\xef\xbf\xbd",
};
#define NALPHA (sizeof alphabet / sizeof *alphabet)

static uint64_t rng = 20240906;
static uint32_t next_rand(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

int main(void)
{
    int fails = 0;
    long compared = 0;
    for (int pat = 0; pat < 3; pat++) {
        int err;
        PCRE2_SIZE eoff;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)pats[pat], PCRE2_ZERO_TERMINATED,
                                       PCRE2_UTF | PCRE2_UCP, &err, &eoff, NULL);
        if (!re) { printf("pattern %d does not compile\n", pat); return 1; }
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
        for (int iter = 0; iter < 60000 && fails < 10; iter++) {
            uint8_t s[512];
            size_t n = 0, want[256], nw = 0;
            int len = (int)(next_rand() % 24);
            for (int k = 0; k < len; k++) {
                const char *a = alphabet[next_rand() % NALPHA];
                memcpy(s + n, a, strlen(a));
                n += strlen(a);
            }
            memset(s + n, 0, 16);
            for (size_t pos = 0; pos < n;) {
                int rc = pcre2_match(re, s, n, pos, PCRE2_NO_UTF_CHECK, md, NULL);
                PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
                if (rc < 0 || ov[0] != pos) { printf("pcre2: no match at %zu (pattern %d)\n", pos, pat); return 1; }
                want[nw++] = ov[1];
                pos = ov[1];
            }
            size_t got = 0, k = 0;
            for (size_t pos = 0; pos < n; pos = got, k++) {
                got = cim_tt_next_piece((CimTtPattern)pat, s, pos, n, 1);
                if (k >= nw || got != want[k]) break;
            }
            int ok = k == nw;
            /* Streaming: on a prefix, every piece given is the whole string's piece. */
            size_t cut = n ? next_rand() % (n + 1) : 0;
            while (cut > 0 && cut < n && (s[cut] & 0xC0) == 0x80) cut--;
            size_t pos = 0;
            for (k = 0; ok && pos < cut; k++) {
                size_t e = cim_tt_next_piece((CimTtPattern)pat, s, pos, cut, 0);
                if (!e) break;
                if (k >= nw || e != want[k]) ok = 0;
                pos = e;
            }
            compared++;
            if (!ok) {
                fails++;
                printf("MISMATCH pattern %d, string (%zu bytes, cut %zu):", pat, n, cut);
                for (size_t i = 0; i < n; i++) printf(" %02x", s[i]);
                printf("\n  pcre2 ends:");
                for (size_t i = 0; i < nw; i++) printf(" %zu", want[i]);
                printf("\n");
            }
        }
        pcre2_match_data_free(md);
        pcre2_code_free(re);
    }
    printf("%ld strings compared, %d mismatches\n", compared, fails);
    return fails != 0;
}
