/*
 * tiktoken_bpe.c — rank table, BPE merge and the piece cache (see tiktoken_bpe.h).
 *
 * The rank table is open addressing over (32-bit hash, index) slots, with the token
 * bytes in one blob; a separate 64K table answers two-byte lookups, which are most of
 * the first merge round. The merge mirrors tiktoken's byte_pair_merge: boundaries in
 * an array, the lowest-ranked adjacent pair (leftmost on ties) merged until none is a
 * token. Pieces longer than CIM_TT_SMALL use a heap keyed (rank, start) with lazy
 * deletion over a linked list, which picks the same pair at every step.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "bpe_heap.h"
#include "tiktoken_bpe.h"

#define NONE UINT32_MAX

/* The word of p[0..n), n in 1..8, little-endian, bytes past n zeroed (reads 8). */
static inline uint64_t tail_word(const uint8_t *p, size_t n)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return n >= 8 ? w : w & ((1ull << (8 * n)) - 1);
}

static inline uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xff51afd7ed558ccdull);
    while (n > 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    h = (h ^ (n ? tail_word(p, n) : 0)) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

/* a[0..n) == b[0..n), both with CIM_TT_PAD readable bytes after. */
static inline int eq_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (; n > 8; a += 8, b += 8, n -= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y) return 0;
    }
    return tail_word(a, n) == tail_word(b, n);
}

static inline uint32_t hash32(uint64_t h) { return (uint32_t)h ? (uint32_t)h : 1; }

static inline int bloom_has(const CimTtRanks *r, uint64_t h)
{
    size_t a = (size_t)(h >> 7) & r->bloom_mask, b = (size_t)(h >> 40) & r->bloom_mask;
    return (r->bloom[a >> 6] >> (a & 63) & 1) && (r->bloom[b >> 6] >> (b & 63) & 1);
}

static inline void bloom_add(CimTtRanks *r, uint64_t h)
{
    size_t a = (size_t)(h >> 7) & r->bloom_mask, b = (size_t)(h >> 40) & r->bloom_mask;
    r->bloom[a >> 6] |= 1ull << (a & 63);
    r->bloom[b >> 6] |= 1ull << (b & 63);
}

static uint32_t lookup(const CimTtRanks *r, const uint8_t *p, size_t n, uint64_t h)
{
    if (!bloom_has(r, h)) return NONE;
    uint32_t h32 = hash32(h);
    for (size_t i = (size_t)(h >> 32) & r->mask;; i = (i + 1) & r->mask) {
        const CimTtSlot *s = &r->slots[i];
        if (!s->hash) return NONE;
        if (s->hash == h32 && s->len == n && eq_bytes(r->blob + s->off, p, n)) return s->rank;
    }
}

uint32_t cim_tt_rank(const CimTtRanks *r, const uint8_t *p, size_t n)
{
    if (n == 2) return r->pair[p[0] << 8 | p[1]];
    return lookup(r, p, n, hash_bytes(p, n));
}

/* 1 + the value of each base64 character, 0 for any other byte. */
static const uint8_t b64val[256] = {
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
     0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, 63,  0,  0,  0, 64,
    53, 54, 55, 56, 57, 58, 59, 60, 61, 62,  0,  0,  0,  0,  0,  0,
     0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15,
    16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,  0,  0,  0,  0,  0,
     0, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41,
    42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52,  0,  0,  0,  0,  0,
};

/* Decodes standard base64 (with '=' padding) into out; returns bytes or -1. */
static long b64dec(const char *s, size_t n, uint8_t *out)
{
    if (n == 0 || n % 4) return -1;
    const uint8_t *u = (const uint8_t *)s;
    int pad = (u[n - 1] == '=') + (u[n - 1] == '=' && u[n - 2] == '=');
    long o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int last = i + 4 == n;
        uint32_t v0 = b64val[u[i]], v1 = b64val[u[i + 1]];
        uint32_t v2 = last && pad == 2 ? 1 : b64val[u[i + 2]], v3 = last && pad ? 1 : b64val[u[i + 3]];
        if (!v0 || !v1 || !v2 || !v3) return -1;
        uint32_t w = (v0 - 1) << 18 | (v1 - 1) << 12 | (v2 - 1) << 6 | (v3 - 1);
        out[o++] = (uint8_t)(w >> 16);
        if (!last || pad < 2) out[o++] = (uint8_t)(w >> 8);
        if (!last || pad < 1) out[o++] = (uint8_t)w;
    }
    return o;
}

void cim_tt_ranks_free(CimTtRanks *r)
{
    if (!r) return;
    free(r->blob);
    free(r->slots);
    free(r->pair);
    free(r->bloom);
    memset(r, 0, sizeof *r);
}

/* One line of a rank file, decoded: its token is blob[off..off+len). */
typedef struct Entry {
    uint64_t h;
    uint32_t pos;            /* where the line starts in the file (for error messages) */
    uint32_t off, len, rank;
    int      bad;            /* not "BASE64 RANK": reported when its turn comes */
} Entry;

typedef struct Lines {
    Entry *e;
    size_t n, cap;
    int    nomem;
} Lines;

/* Decodes the lines of text[0..len) into pt->e, stopping after a bad one. A line at
 * byte pos writes its token at blob + pos / 4 * 3: base64 takes 4 bytes for every 3,
 * so tokens never overlap there. */
static void parse_lines(CimTtRanks *r, const char *text, size_t len, Lines *pt)
{
    const char *p = text;
    while (p < text + len) {
        const char *nl = memchr(p, '\n', (size_t)(text + len - p));
        const char *end = nl ? nl : text + len;
        const char *next = nl ? nl + 1 : text + len;
        if (end > p && end[-1] == '\r') end--;
        if (end == p) { p = next; continue; }     /* blank line */
        if (pt->n == pt->cap) {
            Entry *ne = realloc(pt->e, (pt->cap = pt->cap ? 2 * pt->cap : 4096) * sizeof *ne);
            if (!ne) { pt->nomem = 1; return; }
            pt->e = ne;
        }
        Entry *en = &pt->e[pt->n++];
        size_t pos = (size_t)(p - text);
        *en = (Entry){.pos = (uint32_t)pos, .off = (uint32_t)(pos / 4 * 3)};
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        uint64_t rank = 0;
        const char *d = sp ? sp + 1 : end;
        for (; d < end && *d >= '0' && *d <= '9' && rank < NONE; d++) rank = rank * 10 + (uint64_t)(*d - '0');
        long blen = sp ? b64dec(p, (size_t)(sp - p), r->blob + en->off) : -1;
        if (!sp || blen <= 0 || d != end || d == sp + 1 || rank >= NONE) { en->bad = 1; return; }
        en->len = (uint32_t)blen;
        en->rank = (uint32_t)rank;
        en->h = hash_bytes(r->blob + en->off, (size_t)blen);
        p = next;
    }
}

int cim_tt_ranks_load(CimTtRanks *r, const char *path, CimErr *e)
{
    memset(r, 0, sizeof *r);
    FILE *f = fopen(path, "rb");
    CIM_RETURN_IF(!f, e, CIM_ERR_MODEL, "cannot open rank file %s: %s", path, strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 65536) {
            char *t = realloc(text, cap = cap ? 2 * cap : 1 << 22);
            if (!t) { free(text); fclose(f); return cim_err(e, CIM_ERR_NOMEM, "out of memory"); }
            text = t;
        }
        size_t got = fread(text + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0) break;
    }
    int rerr = ferror(f);
    fclose(f);
    if (rerr) { free(text); return cim_err(e, CIM_ERR_MODEL, "cannot read rank file %s", path); }
    text[len] = 0;
    if (len >= (1u << 31)) { free(text); return cim_err(e, CIM_ERR_MODEL, "rank file %s is too large", path); }
    size_t lines = 0;
    for (const char *q = text; (q = memchr(q, '\n', (size_t)(text + len - q))); q++) lines++;
    lines++;
    r->blob = calloc(1, len / 4 * 3 + 16);
    r->pair = malloc(65536 * sizeof *r->pair);
    size_t nslots = 1;
    while (nslots < 2 * lines) nslots <<= 1;
    r->slots = calloc(nslots, sizeof *r->slots);
    r->mask = nslots - 1;
    size_t bits = 1 << 16;
    while (bits < 10 * lines) bits <<= 1;   /* ~10 bits per token, 2 set: ~3% false positives */
    r->bloom = calloc(bits / 64, sizeof *r->bloom);
    r->bloom_mask = bits - 1;
    Lines parsed = {.e = malloc(lines * sizeof(Entry)), .cap = lines};
    int rc = 0;
    if (!r->blob || !r->pair || !r->slots || !r->bloom || !parsed.e) {
        rc = cim_err(e, CIM_ERR_NOMEM, "out of memory");
        goto done;
    }
    memset(r->pair, 0xFF, 65536 * sizeof *r->pair);
    /* Two passes: decode every line, then fill the table in file order (which finds
     * duplicates), with the slot of a later insert prefetched: cl100k loads in ~11 ms
     * (o200k ~19) where one loop took ~20 (~38). Decoding in parallel did not pay
     * here: two threads took longer than one. */
    parse_lines(r, text, len, &parsed);
    if (parsed.nomem) {
        rc = cim_err(e, CIM_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < parsed.n; j++) {
        const Entry *en = &parsed.e[j];
        if (j + 16 < parsed.n)   /* the table is MBs: start the miss of a later insert now */
            __builtin_prefetch(&r->slots[(size_t)(parsed.e[j + 16].h >> 32) & r->mask], 1);
        const uint8_t *tok = r->blob + en->off;
        if (en->bad || lookup(r, tok, en->len, en->h) != NONE) {
            size_t lineno = 1;
            for (const char *q = text; (q = memchr(q, '\n', (size_t)(text + en->pos - q))); q++) lineno++;
            rc = cim_err(e, CIM_ERR_MODEL, en->bad ? "%s:%zu: not a .tiktoken line (\"BASE64 RANK\")"
                                                   : "%s:%zu: token listed twice", path, lineno);
            goto done;
        }
        size_t i = (size_t)(en->h >> 32) & r->mask;
        while (r->slots[i].hash) i = (i + 1) & r->mask;
        bloom_add(r, en->h);
        r->slots[i] = (CimTtSlot){.hash = hash32(en->h), .len = en->len, .off = en->off, .rank = en->rank};
        if (en->len == 2) r->pair[tok[0] << 8 | tok[1]] = en->rank;
        r->n++;
    }
    for (int b = 0; b < 256; b++) {
        uint8_t c[1 + CIM_TT_PAD] = {(uint8_t)b};
        if (lookup(r, c, 1, hash_bytes(c, 1)) == NONE) {
            rc = cim_err(e, CIM_ERR_MODEL, "%s: byte 0x%02x is not a token (not a byte-level BPE file)", path, b);
            goto done;
        }
    }
done:
    free(parsed.e);
    free(text);
    if (rc < 0) cim_tt_ranks_free(r);
    return rc;
}

/* ---- merging ------------------------------------------------------------ */

static uint64_t merge_small(const CimTtRanks *r, const uint8_t *p, size_t n)
{
    uint32_t pos[CIM_TT_SMALL + 1], rk[CIM_TT_SMALL + 1];
    size_t m = n + 1;                       /* boundaries; parts = m - 1, pairs = m - 2 */
    for (size_t j = 0; j <= n; j++) pos[j] = (uint32_t)j;
    for (size_t j = 0; j + 1 < n; j++) rk[j] = r->pair[p[j] << 8 | p[j + 1]];
    for (;;) {
        uint32_t best = NONE;
        size_t bj = 0;
        for (size_t j = 0; j + 2 < m; j++)
            if (rk[j] < best) { best = rk[j]; bj = j; }
        if (best == NONE) break;
        /* merge parts bj and bj+1: drop boundary bj+1 */
        memmove(pos + bj + 1, pos + bj + 2, (m - bj - 2) * sizeof *pos);
        if (m - bj > 4) memmove(rk + bj + 1, rk + bj + 2, (m - bj - 4) * sizeof *rk);
        m--;
        if (bj + 2 < m) rk[bj] = cim_tt_rank(r, p + pos[bj], pos[bj + 2] - pos[bj]);
        if (bj > 0) rk[bj - 1] = cim_tt_rank(r, p + pos[bj - 1], pos[bj + 1] - pos[bj - 1]);
    }
    return m - 1;
}

static uint64_t merge_large(const CimTtRanks *r, const uint8_t *p, size_t n)
{
    /* nxt[a]: start of the part after the one starting at a (n at the end);
     * prv[a]: start of the part before; alive[a]: a part starts at a. */
    uint32_t *nxt = malloc((n + 1) * sizeof *nxt), *prv = malloc((n + 1) * sizeof *prv);
    uint8_t *alive = malloc(n + 1);
    size_t hcap = 3 * n + 8, hn = 0;
    CimBpeHeapItem *h = malloc(hcap * sizeof *h);
    uint64_t parts = n;
    if (!nxt || !prv || !alive || !h) { parts = UINT64_MAX; goto done; }
    for (size_t j = 0; j <= n; j++) { nxt[j] = (uint32_t)j + 1; prv[j] = (uint32_t)j - 1; alive[j] = 1; }
    for (size_t j = 0; j + 1 < n; j++) {
        uint32_t rk = r->pair[p[j] << 8 | p[j + 1]];
        if (rk != NONE) cim_bpe_heap_push(h, &hn, (CimBpeHeapItem){rk, (uint32_t)j, (uint32_t)j + 2});
    }
    while (hn) {
        CimBpeHeapItem it = cim_bpe_heap_pop(h, &hn);
        uint32_t a = it.pos;
        if (!alive[a] || nxt[a] >= n || nxt[nxt[a]] != it.aux) continue;   /* stale */
        uint32_t b = nxt[a];
        alive[b] = 0;
        nxt[a] = nxt[b];
        if (nxt[b] < n) prv[nxt[b]] = a;
        parts--;
        if (hn + 2 > hcap) {
            CimBpeHeapItem *nh = realloc(h, (hcap *= 2) * sizeof *h);
            if (!nh) { parts = UINT64_MAX; goto done; }
            h = nh;
        }
        if (nxt[a] < n) {
            uint32_t e2 = nxt[nxt[a]], rk = cim_tt_rank(r, p + a, e2 - a);
            if (rk != NONE) cim_bpe_heap_push(h, &hn, (CimBpeHeapItem){rk, a, e2});
        }
        if (a > 0) {
            uint32_t s0 = prv[a], rk = cim_tt_rank(r, p + s0, nxt[a] - s0);
            if (rk != NONE) cim_bpe_heap_push(h, &hn, (CimBpeHeapItem){rk, s0, nxt[a]});
        }
    }
done:
    free(nxt); free(prv); free(alive); free(h);
    return parts;
}

static uint64_t count_hashed(const CimTtRanks *r, const uint8_t *p, size_t n, uint64_t h)
{
    if (n <= 1) return n;
    if (n == 2 ? r->pair[p[0] << 8 | p[1]] != NONE : lookup(r, p, n, h) != NONE) return 1;
    return n <= CIM_TT_SMALL ? merge_small(r, p, n) : merge_large(r, p, n);
}

uint64_t cim_tt_bpe_count(const CimTtRanks *r, const uint8_t *p, size_t n)
{
    return count_hashed(r, p, n, n > 2 ? hash_bytes(p, n) : 0);
}

/* ---- cache -------------------------------------------------------------- */

#define FRONT_LOG2 12   /* 4096 x 48 B = 192 KiB */

int cim_tt_cache_init(CimTtCache *c, unsigned log2_entries)
{
    memset(c, 0, sizeof *c);
    c->e = calloc((size_t)1 << log2_entries, sizeof *c->e);
    c->front = calloc((size_t)1 << FRONT_LOG2, sizeof *c->front);
    if (!c->e || !c->front) { cim_tt_cache_free(c); return -1; }
    c->mask = ((size_t)1 << log2_entries) - 1;
    c->fmask = ((size_t)1 << FRONT_LOG2) - 1;
    return 0;
}

void cim_tt_cache_free(CimTtCache *c)
{
    if (!c) return;
    free(c->e);
    free(c->front);
    memset(c, 0, sizeof *c);
}

static inline int entry_eq(const CimTtCacheEntry *en, uint32_t h32, size_t n, const uint64_t *key, size_t nw)
{
    if (en->hash != h32 || en->len != n) return 0;
    for (size_t k = 0; k < nw; k++)
        if (en->key[k] != key[k]) return 0;
    return 1;
}

static inline void entry_set(CimTtCacheEntry *en, uint32_t h32, size_t n, const uint64_t *key, uint64_t cnt)
{
    memcpy(en->key, key, sizeof en->key);
    en->hash = h32;
    en->count = (uint32_t)cnt;
    en->len = (uint16_t)n;
}

uint64_t cim_tt_count_piece(const CimTtRanks *r, CimTtCache *c, const uint8_t *p, size_t n)
{
    if (n == 1) return 1;
    if (n == 2) return r->pair[p[0] << 8 | p[1]] != NONE ? 1 : 2;
    uint64_t h = hash_bytes(p, n);
    if (n > CIM_TT_CACHE_KEY)
        return lookup(r, p, n, h) != NONE ? 1 : n <= CIM_TT_SMALL ? merge_small(r, p, n) : merge_large(r, p, n);
    uint64_t key[CIM_TT_CACHE_KEY / 8] = {0};
    size_t nw = (n + 7) / 8;
    for (size_t k = 0; k < nw; k++)
        key[k] = tail_word(p + 8 * k, n - 8 * k);
    uint32_t h32 = hash32(h);
    CimTtCacheEntry *fe = &c->front[(size_t)h & c->fmask];
    if (entry_eq(fe, h32, n, key, nw)) {
        c->hits++;
        return fe->count;
    }
    uint64_t cnt = 0;
    if (lookup(r, p, n, h) != NONE) {
        cnt = 1;
    } else {
        size_t i = (size_t)(h >> 32) & c->mask;
        for (;; i = (i + 1) & c->mask) {
            CimTtCacheEntry *en = &c->e[i];
            if (!en->hash) break;
            if (entry_eq(en, h32, n, key, nw)) { cnt = en->count; break; }
        }
        if (!cnt) {
            c->misses++;
            cnt = merge_small(r, p, n);
            if (c->used * 4 >= (c->mask + 1) * 3) {   /* 75% full: start over (cheap, rare) */
                memset(c->e, 0, (c->mask + 1) * sizeof *c->e);
                c->used = 0;
                i = (size_t)(h >> 32) & c->mask;
            }
            entry_set(&c->e[i], h32, n, key, cnt);
            c->used++;
        }
    }
    entry_set(fe, h32, n, key, cnt);
    return cnt;
}
