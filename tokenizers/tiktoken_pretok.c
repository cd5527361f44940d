/*
 * tiktoken_pretok.c — tiktoken's pre-tokenizer regexes as hand-written matchers.
 *
 * Each matcher tries the pattern's alternatives in order at position i, as a
 * leftmost-first backtracking engine does, and returns where the first one that
 * matches ends. Backtracking is resolved analytically:
 *  - \s+(?!\S): the whitespace run minus its last character when a non-space
 *    follows and the run is longer than one; the whole run at end of text.
 *  - \s*[\r\n]+: up to and including the last CR/LF of the whitespace run.
 *  - o200k's U*W+ (U = Lu Lt Lm Lo M, W = Ll Lm Lo M): greedy U* then W+; if the
 *    character after the U run is not in W, U* gives back to the last W character
 *    of the run (Lm, Lo and M are in both classes) and W+ is that one character.
 * Any decision that looks at s[n] (a run or lookahead reaching the end of what we
 * have) sets `hit`; without `final` the piece is then withheld (returns 0).
 * See tiktoken_pretok.h for the patterns and the choice against PCRE2.
 */
#include "tiktoken_pretok.h"
#include "tiktoken_ucd.h"

#define C(x) CIM_TT_C_##x
#define B(x) (1u << CIM_TT_C_##x)
#define M_L     (B(LU) | B(LL) | B(LT) | B(LM) | B(LO))
#define M_U     (B(LU) | B(LT) | B(LM) | B(LO) | B(M))     /* o200k first letter class */
#define M_W     (B(LL) | B(LM) | B(LO) | B(M))             /* o200k second letter class */
#define M_N     B(N)
#define M_WS    (B(WS) | B(CR) | B(LF))                    /* \s */
#define M_PRE   (B(OTHER) | B(M) | B(WS))                  /* [^\r\n\p{L}\p{N}] */
#define M_PUNCT (B(OTHER) | B(M))                          /* [^\s\p{L}\p{N}] */
#define IS(c, m) ((1u << (c)) & (m))

/* ASCII classes: \t \v \f and space are White_Space (Rust's \s), CR and LF apart. */
static const uint8_t ascii_class[128] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, C(WS), C(LF), C(WS), C(WS), C(CR), 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    C(WS), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    C(N), C(N), C(N), C(N), C(N), C(N), C(N), C(N), C(N), C(N), 0, 0, 0, 0, 0, 0,
    0, C(LU), C(LU), C(LU), C(LU), C(LU), C(LU), C(LU), C(LU), C(LU), C(LU), C(LU), C(LU), C(LU), C(LU), C(LU),
    C(LU), C(LU), C(LU), C(LU), C(LU), C(LU), C(LU), C(LU), C(LU), C(LU), C(LU), 0, 0, 0, 0, 0,
    0, C(LL), C(LL), C(LL), C(LL), C(LL), C(LL), C(LL), C(LL), C(LL), C(LL), C(LL), C(LL), C(LL), C(LL), C(LL),
    C(LL), C(LL), C(LL), C(LL), C(LL), C(LL), C(LL), C(LL), C(LL), C(LL), C(LL), 0, 0, 0, 0, 0,
};

typedef struct Ctx {
    const uint8_t *s;
    size_t n;
    int final;
    int hit;       /* a decision looked at s[n] */
} Ctx;

/* Class of the character at p; *q = the position after it. */
static inline int cls(Ctx *x, size_t p, size_t *q)
{
    if (p >= x->n) {
        x->hit = 1;
        *q = p;
        return C(END);
    }
    const uint8_t *s = x->s;
    uint32_t b = s[p], cp;
    if (b < 0x80) {
        *q = p + 1;
        return ascii_class[b];
    }
    if (b < 0xE0) {
        cp = ((b & 0x1F) << 6) | (s[p + 1] & 0x3F);
        *q = p + 2;
    } else if (b < 0xF0) {
        cp = ((b & 0x0F) << 12) | ((s[p + 1] & 0x3F) << 6) | (s[p + 2] & 0x3F);
        *q = p + 3;
    } else {
        cp = ((b & 0x07) << 18) | ((s[p + 1] & 0x3F) << 12) | ((s[p + 2] & 0x3F) << 6) | (s[p + 3] & 0x3F);
        *q = p + 4;
    }
    if (cp > 0x10FFFF) return C(OTHER);   /* not reached for valid UTF-8 */
    return cim_tt_ucd_blocks[cim_tt_ucd_index[cp >> 8]][cp & 255];
}

/* Advances over characters whose class is in mask; returns the first position not. */
static inline size_t scan(Ctx *x, size_t p, unsigned mask)
{
    for (;;) {
        if (p < x->n && x->s[p] < 0x80) {          /* ASCII fast path */
            if (!IS(ascii_class[x->s[p]], mask)) return p;
            p++;
            continue;
        }
        size_t q;
        int c = cls(x, p, &q);
        if (!IS(c, mask)) return p;
        p = q;
    }
}

/* ASCII bytes of a small set ([\r\n]* or [\r\n/]*). */
static inline size_t scan_bytes(Ctx *x, size_t p, int slash)
{
    for (;; p++) {
        if (p >= x->n) { x->hit = 1; return p; }
        uint8_t b = x->s[p];
        if (!(b == '\r' || b == '\n' || (slash && b == '/'))) return p;
    }
}

/* Byte at p, or -1 at the end (noting the look). */
static inline int byte_at(Ctx *x, size_t p)
{
    if (p >= x->n) { x->hit = 1; return -1; }
    return x->s[p];
}

/* 's|'t|'re|'ve|'m|'ll|'d at p (s[p] == '\''): the end, or 0. With icase, (?i:...)
 * under simple case folding: ASCII case, and U+017F (long s) for s. */
static size_t contraction(Ctx *x, size_t p, int icase)
{
    int a = byte_at(x, p + 1);
    if (a < 0) return 0;
    if (icase && a >= 'A' && a <= 'Z') a += 32;
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return p + 2;
    if (icase && a == 0xC5) {
        int b = byte_at(x, p + 2);
        return b == 0xBF ? p + 3 : 0;
    }
    if (a == 'r' || a == 'v' || a == 'l') {
        int b = byte_at(x, p + 2);
        if (b < 0) return 0;
        if (icase && b >= 'A' && b <= 'Z') b += 32;
        if ((a == 'l' && b == 'l') || (a != 'l' && b == 'e')) return p + 3;
    }
    return 0;
}

/* \s+(?!\S)|\s+ , preceded (cl100k, o200k) by \s*[\r\n]+, at a whitespace char. */
static size_t whitespace(Ctx *x, size_t i, int crlf_alt)
{
    size_t p = i, last = i, nl_end = 0, q;
    for (;;) {
        int c = cls(x, p, &q);
        if (!IS(c, M_WS)) break;
        if (c == C(CR) || c == C(LF)) nl_end = q;
        last = p;
        p = q;
    }
    if (x->hit && !x->final) return 0;
    if (crlf_alt && nl_end) return nl_end;
    if (p >= x->n) return p;              /* (?!\S) holds at the end of text */
    return last > i ? last : p;           /* give back the last char before a non-space */
}

/* ASCII fast path for " ?\p{L}+" (r50k, prefix ' ') and "[^\r\n\p{L}\p{N}]?\p{L}+" (cl100k,
 * prefix any ASCII non-letter non-digit but CR/LF): ASCII letters from k stopped by an
 * ASCII byte end the piece. 0 when the general path must decide. */
static inline size_t ascii_word(Ctx *x, size_t k)
{
    const uint8_t *s = x->s;
    size_t p = k;
    while (p < x->n && (uint8_t)((s[p] | 0x20) - 'a') < 26) p++;
    return p > k && p < x->n && s[p] < 0x80 ? p : 0;
}

static size_t r50k(Ctx *x, size_t i)
{
    size_t w;
    if (x->s[i] != '\'' && (w = ascii_word(x, i + (x->s[i] == ' ')))) return w;
    size_t i1, k, kn;
    int c = cls(x, i, &i1);
    if (x->s[i] == '\'') {
        size_t end = contraction(x, i, 0);
        if (end) return end;
    }
    int ck = c;
    kn = i1;
    if (x->s[i] == ' ') {
        k = i1;
        ck = cls(x, k, &kn);
    }
    if (IS(ck, M_L)) return scan(x, kn, M_L);
    if (ck == C(N)) return scan(x, kn, M_N);
    if (IS(ck, M_PUNCT)) return scan(x, kn, M_PUNCT);
    return whitespace(x, i, 0);
}

/* The alternatives after the letters, the same in cl100k and o200k: \p{N}{1,3}, then
 * " ?[^\s\p{L}\p{N}]+[\r\n]*" (o200k also takes '/' into the run: slash), then
 * whitespace. c is the class of the char at i, which ends at i1. */
static size_t digits_punct_space(Ctx *x, size_t i, int c, size_t i1, int slash)
{
    if (c == C(N)) {
        size_t p = i1;
        for (int k = 1; k < 3; k++) {
            size_t q;
            if (cls(x, p, &q) != C(N))
                break;
            p = q;
        }
        return p;
    }
    int ck = c;
    size_t kn = i1;
    if (x->s[i] == ' ')
        ck = cls(x, i1, &kn);
    if (IS(ck, M_PUNCT))
        return scan_bytes(x, scan(x, kn, M_PUNCT), slash);
    return whitespace(x, i, 1);
}

static size_t cl100k(Ctx *x, size_t i)
{
    size_t w;
    if (x->s[i] != '\'' &&
        (w = ascii_word(x, i + (x->s[i] < 0x80 && IS(ascii_class[x->s[i]], B(OTHER) | B(WS)))))) return w;
    size_t i1, i2;
    int c = cls(x, i, &i1);
    if (x->s[i] == '\'') {
        size_t end = contraction(x, i, 1);
        if (end) return end;
    }
    if (IS(c, M_PRE)) {
        if (IS(cls(x, i1, &i2), M_L)) return scan(x, i2, M_L);
    } else if (IS(c, M_L))
        return scan(x, i1, M_L);
    return digits_punct_space(x, i, c, i1, 0);
}

/* o200k [U]*[W]+ from k: the end, or 0. */
static size_t o200k_alt1(Ctx *x, size_t k)
{
    size_t p = k, q, last_w = 0;
    int c;
    while (IS(c = cls(x, p, &q), M_U)) {
        if (IS(c, M_W)) last_w = q;
        p = q;
    }
    if (IS(c, M_W)) return scan(x, q, M_W);
    return last_w;
}

/* o200k [U]+[W]* from k: the end, or 0. */
static size_t o200k_alt2(Ctx *x, size_t k)
{
    size_t p = scan(x, k, M_U);
    return p == k ? 0 : scan(x, p, M_W);
}

static size_t o200k(Ctx *x, size_t i)
{
    /* ASCII fast path (most pieces): an optional ASCII prefix, [A-Z]*[a-z]* with at least
     * one letter, stopped by an ASCII byte that is neither a lowercase letter nor '\''
     * (nor, after uppercase only, an uppercase one). Then alt 1 matched [A-Z]*[a-z]+, or
     * alt 1 failed (no W) and alt 2 matched [A-Z]+; otherwise the general path decides. */
    const uint8_t *s = x->s;
    size_t k = i + (s[i] < 0x80 && IS(ascii_class[s[i]], B(OTHER) | B(WS))), p = k, u;
    while (p < x->n && (uint8_t)(s[p] - 'A') < 26) p++;
    u = p;
    while (p < x->n && (uint8_t)(s[p] - 'a') < 26) p++;
    if (p > k && p < x->n && s[p] < 0x80 && s[p] != '\'' && (p > u || (uint8_t)(s[p] - 'A') >= 26))
        return p;

    size_t i1, e = 0;
    int c = cls(x, i, &i1);
    int pre = IS(c, M_PRE) != 0;
    if ((pre && (e = o200k_alt1(x, i1))) || (e = o200k_alt1(x, i)) ||
        (pre && (e = o200k_alt2(x, i1))) || (e = o200k_alt2(x, i))) {
        if (byte_at(x, e) == '\'') {
            size_t ce = contraction(x, e, 1);
            if (ce) e = ce;
        }
        return e;
    }
    return digits_punct_space(x, i, c, i1, 1);
}

size_t cim_tt_next_piece(CimTtPattern pat, const uint8_t *s, size_t i, size_t n, int final)
{
    Ctx x = {s, n, final, 0};
    size_t end = pat == CIM_TT_PAT_O200K ? o200k(&x, i)
               : pat == CIM_TT_PAT_CL100K ? cl100k(&x, i)
               : r50k(&x, i);
    if (x.hit && !final)
        return 0;
    return end;
}
