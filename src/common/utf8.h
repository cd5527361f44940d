/* utf8.h — strict UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
#ifndef CIM_UTF8_H
#define CIM_UTF8_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length (1-4) of the valid sequence starting at p, or 0 if p[0] does not
 * start one within n bytes (an invalid byte). */
static inline size_t cim_utf8_valid(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) return (n >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0;          /* overlong */
        if (c == 0xED && p[1] >= 0xA0) return 0;         /* surrogate */
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0;          /* overlong */
        if (c == 0xF4 && p[1] >= 0x90) return 0;         /* > U+10FFFF */
        return 4;
    }
    return 0;
}

/* The code point at p (valid UTF-8, within n bytes) and its length in *len. */
static inline uint32_t cim_utf8_cp(const uint8_t *p, size_t n, size_t *len)
{
    if (p[0] < 0x80 || n < 2) {
        *len = 1;
        return p[0];
    }
    if (p[0] < 0xE0 || n < 3) {
        *len = 2;
        return (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
    }
    if (p[0] < 0xF0 || n < 4) {
        *len = 3;
        return (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    }
    *len = 4;
    return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 | (uint32_t)(p[2] & 0x3F) << 6
         | (p[3] & 0x3F);
}

/* The largest cut <= n of p[0..n) that splits no UTF-8 sequence, from the bytes
 * before it only (n where they are not UTF-8). */
static inline size_t cim_utf8_floor(const uint8_t *p, size_t n)
{
    for (size_t k = 1; k <= 3 && k <= n; k++) {
        uint8_t b = p[n - k];
        if ((b & 0xC0) == 0x80) continue;
        return (b >= 0xF0 ? 4u : b >= 0xE0 ? 3u : b >= 0xC0 ? 2u : 1u) > k ? n - k : n;
    }
    return n;
}

/* Code points in [p, p+n), an invalid byte counting as one; *invalid gets the
 * number of invalid bytes (may be NULL). */
static inline uint64_t cim_utf8_count(const uint8_t *p, size_t n, uint64_t *invalid)
{
    uint64_t chars = 0, bad = 0;
    size_t i = 0;
    while (i < n) {
        /* ASCII runs 8 bytes at a time: the text decoder's share of a serial pass. */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ull) break;
            i += 8;
            chars += 8;
        }
        if (i >= n) break;
        if (p[i] < 0x80) { i++; chars++; continue; }
        size_t l = cim_utf8_valid(p + i, n - i);
        if (!l) { l = 1; bad++; }
        i += l;
        chars++;
    }
    if (invalid) *invalid = bad;
    return chars;
}
/* WHATWG UTF-8 decode of in[0..n), re-encoded into out (>= 3n bytes free): each
 * maximal invalid subpart becomes U+FFFD (EF BF BD). Returns the bytes consumed: an
 * incomplete sequence at the end stays unconsumed unless final. */
static inline size_t cim_utf8_repair(const uint8_t *in, size_t n, int final, uint8_t *out, size_t *olen)
{
    size_t i = 0, o = *olen;
    while (i < n) {
        size_t a = i;
        for (uint64_t w; i + 8 <= n && (memcpy(&w, in + i, 8), !(w & 0x8080808080808080ull));) i += 8;
        while (i < n && in[i] < 0x80) i++;
        memcpy(out + o, in + a, i - a);
        o += i - a;
        while (i < n && in[i] >= 0x80) {
            uint8_t b = in[i];
            int need;
            uint8_t lo = 0x80, hi = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) need = 1;
            else if (b >= 0xE0 && b <= 0xEF) { need = 2; if (b == 0xE0) lo = 0xA0; if (b == 0xED) hi = 0x9F; }
            else if (b >= 0xF0 && b <= 0xF4) { need = 3; if (b == 0xF0) lo = 0x90; if (b == 0xF4) hi = 0x8F; }
            else need = 0;
            size_t j = i + 1;
            int k = 0, bad = need == 0;
            while (!bad && k < need) {
                if (j >= n) {
                    if (!final) { *olen = o; return i; }
                    bad = 1;
                    break;
                }
                if (in[j] < lo || in[j] > hi) { bad = 1; break; }
                lo = 0x80; hi = 0xBF;
                j++; k++;
            }
            if (bad) {
                out[o++] = 0xEF; out[o++] = 0xBF; out[o++] = 0xBD;
            } else {
                memcpy(out + o, in + i, j - i);
                o += j - i;
            }
            i = j;   /* on a bad continuation, j is that byte: not consumed */
        }
    }
    *olen = o;
    return n;
}

/* Makes *p hold at least need bytes (doubling from 64 KiB; *p may be NULL with *cap 0).
 * -1 if out of memory, *p then unchanged. */
static inline int cim_bytes_reserve(uint8_t **p, size_t *cap, size_t need)
{
    if (need <= *cap) return 0;
    size_t ncap = *cap ? *cap : 1 << 16;
    while (ncap < need) ncap *= 2;
    uint8_t *np = realloc(*p, ncap);
    if (!np) return -1;
    *p = np;
    *cap = ncap;
    return 0;
}

/* A text decoded chunk by chunk: the incomplete UTF-8 sequence that ends a chunk is held
 * back and decoded with the next one, so a chunk boundary never splits a character. */
typedef struct CimUtf8Carry {
    uint8_t  pend[4];     /* the held-back bytes (at most 3) */
    size_t   npend;
    uint8_t *joined;      /* scratch: the held-back bytes, then the chunk */
    size_t   cap;
} CimUtf8Carry;

/* Puts the held-back bytes before the chunk *in[0..*n): *in and *n then name the joined
 * bytes (in the carry's scratch; nothing changes when none were held back). -1 if out of
 * memory. */
static inline int cim_utf8_carry_join(CimUtf8Carry *c, const uint8_t **in, size_t *n)
{
    if (!c->npend) return 0;
    if (cim_bytes_reserve(&c->joined, &c->cap, c->npend + *n) < 0) return -1;
    memcpy(c->joined, c->pend, c->npend);
    if (*n) memcpy(c->joined + c->npend, *in, *n);
    *in = c->joined;
    *n += c->npend;
    c->npend = 0;
    return 0;
}

/* Holds back in[used..n), what cim_utf8_repair left unconsumed (at most 3 bytes). */
static inline void cim_utf8_carry_keep(CimUtf8Carry *c, const uint8_t *in, size_t used, size_t n)
{
    memcpy(c->pend, in + used, n - used);
    c->npend = n - used;
}

/* Decodes in[0..n) (already joined) the WHATWG way onto out[0..*len) (grown as needed),
 * holding back an incomplete sequence at its end unless final. -1 if out of memory. */
static inline int cim_utf8_carry_decode(CimUtf8Carry *c, const uint8_t *in, size_t n, int final,
                                        uint8_t **out, size_t *cap, size_t *len)
{
    if (cim_bytes_reserve(out, cap, *len + 3 * n + 16) < 0) return -1;
    size_t used = n ? cim_utf8_repair(in, n, final, *out, len) : 0;
    cim_utf8_carry_keep(c, in, used, n);
    return 0;
}

static inline void cim_utf8_carry_free(CimUtf8Carry *c)
{
    free(c->joined);
    memset(c, 0, sizeof *c);
}

#endif
