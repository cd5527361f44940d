/*
 * sp_normalize.c — SentencePiece's Normalize, step for step: at each position the
 * longest user-defined piece is kept as it is, else the longest rule of the precompiled
 * character map (at most its first 32 matches are looked at, as libsentencepiece does)
 * gives the replacement, else one valid UTF-8 character passes, else one byte becomes
 * U+FFFD. Leading, repeated and trailing spaces are dropped (remove_extra_whitespaces),
 * spaces become U+2581 (escape_whitespaces) and one is put first, or last with
 * treat_whitespace_as_suffix (add_dummy_prefix).
 */
#include <stdlib.h>
#include <string.h>
#include "sp_engine.h"

#define SPACE_SYMBOL "\xe2\x96\x81"

int cim_sp_buf_reserve(CimSpBuf *b, size_t more)
{
    if (b->len + more <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int trail(uint8_t c)
{
    return (c & 0xC0) == 0x80;
}

/* Length of the valid UTF-8 character at s (SentencePiece's DecodeUTF8), 0 if invalid. */
static size_t valid_char(const uint8_t *s, size_t n)
{
    uint32_t cp;
    if (s[0] < 0x80) return 1;
    if (n >= 2 && (s[0] & 0xE0) == 0xC0) {
        cp = (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
        return trail(s[1]) && cp >= 0x80 ? 2 : 0;
    }
    if (n >= 3 && (s[0] & 0xF0) == 0xE0) {
        cp = (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
        return trail(s[1]) && trail(s[2]) && cp >= 0x800 && (cp < 0xD800 || cp >= 0xE000) ? 3 : 0;
    }
    if (n >= 4 && (s[0] & 0xF8) == 0xF0) {
        cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
             (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
        return trail(s[1]) && trail(s[2]) && trail(s[3]) && cp >= 0x10000 && cp <= 0x10FFFF ? 4 : 0;
    }
    return 0;
}

/* Longest user-defined piece at s, 0 if none. */
static size_t user_match(const CimSpVocab *v, const char *s, size_t n)
{
    uint64_t h = CIM_SP_HASH_INIT;
    size_t best = 0;
    size_t max = n < (size_t)v->max_user_len ? n : (size_t)v->max_user_len;
    for (size_t k = 0; k < max; k++) {
        h = cim_sp_hash_step(h, (uint8_t)s[k]);
        const CimSpEntry *e = cim_sp_vocab_find(v, h, s, k + 1);
        if (!e || !(e->flags & CIM_SP_USER_PREFIX)) break;
        if (e->normal_id >= 0 && v->type[e->normal_id] == CIM_SP_USER) best = k + 1;
    }
    return best;
}

static size_t unit_offset(uint32_t u)
{
    return (size_t)(u >> 10) << ((u & (1u << 9)) >> 6);
}

/* The longest rule of the character map at s (within its first 32 matches): bytes
 * consumed, 0 if none; *rep is its NUL-terminated replacement. */
static size_t charsmap_match(const CimSpNorm *nm, const uint8_t *s, size_t n, const char **rep)
{
    size_t pos = unit_offset(nm->trie[0]);
    size_t best = 0, value = 0;
    int found = 0;
    for (size_t k = 0; k < n; k++) {
        pos ^= s[k];
        if (pos >= nm->trie_units) break;
        uint32_t unit = nm->trie[pos];
        if ((unit & ((1u << 31) | 0xFF)) != s[k]) break;
        pos ^= unit_offset(unit);
        if (!((unit >> 8) & 1)) continue;
        if (pos >= nm->trie_units) break;
        if (found++ < 32) {
            best = k + 1;
            value = nm->trie[pos] & ((1u << 31) - 1);
        }
    }
    if (best) *rep = value < nm->repl_len ? nm->repl + value : "";
    return best;
}

/* The shortest rule of the character map that is a prefix of s[0..n) (a NUL byte ends
 * the key): what the Rust tokenizers library's Precompiled normalizer takes (its first
 * common-prefix result). Returns the replacement's length, or -1 if no rule matches. */
long cim_sp_charsmap_first(const CimSpNorm *nm, const char *s, size_t n, const char **rep)
{
    if (!nm->trie_units) return -1;
    size_t pos = unit_offset(nm->trie[0]);
    for (size_t k = 0; k < n && s[k]; k++) {
        uint8_t c = (uint8_t)s[k];
        pos ^= c;
        if (pos >= nm->trie_units) return -1;
        uint32_t unit = nm->trie[pos];
        if ((unit & ((1u << 31) | 0xFF)) != c) return -1;
        pos ^= unit_offset(unit);
        if (!((unit >> 8) & 1)) continue;
        if (pos >= nm->trie_units) return -1;
        size_t value = nm->trie[pos] & ((1u << 31) - 1);
        if (value >= nm->repl_len) {
            *rep = "";
            return 0;
        }
        *rep = nm->repl + value;
        const char *nul = memchr(*rep, 0, nm->repl_len - value);
        return nul ? (long)(nul - *rep) : (long)(nm->repl_len - value);
    }
    return -1;
}

/* SentencePiece's NormalizePrefix: the replacement of the text at s and its length. */
static void norm_prefix(const CimSpNorm *nm, const CimSpVocab *v, const uint8_t *s, size_t n,
                        const char **rep, size_t *rep_len, size_t *consumed)
{
    if (v->has_user && v->user_first[s[0]]) {
        size_t k = user_match(v, (const char *)s, n);
        if (k) {
            *rep = (const char *)s;
            *rep_len = *consumed = k;
            return;
        }
    }
    if (nm->trie_units) {
        size_t k = charsmap_match(nm, s, n, rep);
        if (k) {
            size_t max = nm->repl_len - (size_t)(*rep - nm->repl);
            const char *nul = memchr(*rep, 0, max);
            *rep_len = nul ? (size_t)(nul - *rep) : max;
            *consumed = k;
            return;
        }
    }
    size_t k = valid_char(s, n);
    if (k) {
        *rep = (const char *)s;
        *rep_len = *consumed = k;
    } else {
        *rep = "\xef\xbf\xbd";
        *rep_len = 3;
        *consumed = 1;
    }
}

static void add_ws(const CimSpNorm *nm, CimSpBuf *out)
{
    if (nm->escape_ws) {
        memcpy(out->p + out->len, SPACE_SYMBOL, 3);
        out->len += 3;
    } else {
        out->p[out->len++] = ' ';
    }
}

int cim_sp_normalize(const CimSpNorm *nm, const CimSpVocab *v, const char *input, size_t n,
                     CimSpBuf *out)
{
    const uint8_t *in = (const uint8_t *)input;
    out->len = 0;
    size_t i = 0;
    const char *rep;
    size_t rep_len, consumed;
    if (nm->remove_extra_ws) {   /* leading spaces */
        while (i < n) {
            uint8_t b = in[i];
            if (b < 0x80 && nm->plain[b] && b != ' ') break;   /* (the common case first) */
            if (b < 0x80 && nm->ascii_rule[b] >= 0) {
                rep = nm->repl + nm->ascii_rule[b];
                rep_len = strlen(rep);
                consumed = 1;
            } else if (b == ' ' && nm->plain[b]) {
                rep = " ";
                rep_len = consumed = 1;
            } else {
                norm_prefix(nm, v, in + i, n - i, &rep, &rep_len, &consumed);
            }
            if (rep_len != 1 || rep[0] != ' ') break;
            i += consumed;
        }
    }
    if (i == n) return 0;
    if (cim_sp_buf_reserve(out, 3 * (n - i) + 8) < 0) return -1;
    if (!nm->ws_suffix && nm->add_dummy_prefix) add_ws(nm, out);
    int prev_space = nm->remove_extra_ws;
    while (i < n) {
        /* the common case: a run of ASCII bytes that map to themselves (no space) */
        char *o = out->p;   /* (moves when a long replacement grows the buffer) */
        size_t len = out->len;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* Eight bytes at a time: the printable ASCII bytes that map to themselves before
         * the first other byte are copied (one that may start a rule when a non-ASCII
         * byte follows is left to the paths below), and a plain space is written here.
         * Room: out keeps 3 bytes per input byte left, and 5 more. */
        while (nm->ascii_block && i + 8 <= n) {
            uint64_t w;
            memcpy(&w, in + i, 8);
            uint64_t low = (w - 0x2121212121212121ull) & ~w;         /* a byte < 0x21 */
            uint64_t del = ((w ^ 0x7F7F7F7F7F7F7F7Full) - 0x0101010101010101ull) &
                           ~(w ^ 0x7F7F7F7F7F7F7F7Full);           /* a byte 0x7F */
            uint64_t other = (w | low | del) & 0x8080808080808080ull;
            /* the lowest flagged byte is one (borrows only flag bytes above it) */
            size_t k = other ? (size_t)__builtin_ctzll(other) >> 3 : 8;
            if (k && i + k < n && in[i + k] >= 0x80 && nm->copy[in[i + k - 1]] != 1) k--;
            memcpy(o + len, &w, 8);
            len += k;
            i += k;
            if (k) prev_space = 0;
            if (i == n || in[i] != ' ' || !nm->plain[' ']) {
                if (k == 8) continue;
                break;
            }
            if (!prev_space) {
                if (nm->escape_ws) {
                    memcpy(o + len, SPACE_SYMBOL, 3);
                    len += 3;
                } else {
                    o[len++] = ' ';
                }
            }
            prev_space = nm->remove_extra_ws;
            i++;
        }
        out->len = len;
        if (i == n) break;
#endif
        while (i + 1 < n && nm->copy[in[i]] && (nm->copy[in[i]] == 1 || in[i + 1] < 0x80))
            o[len++] = (char)in[i++];
        if (len != out->len) {
            out->len = len;
            prev_space = 0;
            if (i == n) break;
        }
        uint8_t b = in[i];
        if (b < 0x80 && (nm->plain[b] || (nm->ascii_pass[b] && (i + 1 == n || in[i + 1] < 0x80)))) {
            if (b != ' ') {
                out->p[out->len++] = (char)b;
                prev_space = 0;
            } else {
                if (!prev_space) add_ws(nm, out);
                prev_space = nm->remove_extra_ws;
            }
            i++;
            continue;
        }
        if (b >= 0xC2 && b < 0xF0 && i + 1 < n) {   /* a 2- or 3-byte character with no rule */
            uint32_t cp = 0;
            size_t k = 0;
            if (b < 0xE0 && trail(in[i + 1])) {
                cp = (uint32_t)(b & 0x1F) << 6 | (in[i + 1] & 0x3F);
                k = 2;
            } else if (b >= 0xE0 && i + 2 < n && trail(in[i + 1]) && trail(in[i + 2])) {
                cp = (uint32_t)(b & 0x0F) << 12 | (uint32_t)(in[i + 1] & 0x3F) << 6 | (in[i + 2] & 0x3F);
                k = cp >= 0x800 ? 3 : 0;
            }
            if (k && (nm->bmp_plain[cp >> 3] >> (cp & 7) & 1)) {
                memcpy(out->p + out->len, in + i, k);
                out->len += k;
                prev_space = 0;
                i += k;
                continue;
            }
        }
        if (b < 0x80 && nm->ascii_rule[b] >= 0) {
            rep = nm->repl + nm->ascii_rule[b];
            rep_len = strlen(rep);
            consumed = 1;
        } else {
            norm_prefix(nm, v, in + i, n - i, &rep, &rep_len, &consumed);
        }
        while (prev_space && rep_len && rep[0] == ' ') {
            rep++;
            rep_len--;
        }
        if (rep_len) {
            /* 3 per byte: room for spaces made U+2581, and for the plain path's rest */
            if (cim_sp_buf_reserve(out, 3 * rep_len + 3 * (n - i)) < 0) return -1;
            for (size_t k = 0; k < rep_len; k++) {
                if (nm->escape_ws && rep[k] == ' ') {
                    memcpy(out->p + out->len, SPACE_SYMBOL, 3);
                    out->len += 3;
                } else {
                    out->p[out->len++] = rep[k];
                }
            }
            prev_space = rep[rep_len - 1] == ' ';
        }
        i += consumed;
        if (!nm->remove_extra_ws) prev_space = 0;
    }
    if (nm->remove_extra_ws) {   /* trailing spaces */
        const char *sym = nm->escape_ws ? SPACE_SYMBOL : " ";
        size_t len = nm->escape_ws ? 3 : 1;
        while (out->len >= len && !memcmp(out->p + out->len - len, sym, len)) out->len -= len;
    }
    if (nm->ws_suffix && nm->add_dummy_prefix) {
        if (cim_sp_buf_reserve(out, 3) < 0) return -1;
        add_ws(nm, out);
    }
    return 0;
}
