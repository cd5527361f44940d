/*
 * hf_bpe.c — model "BPE" of a tokenizer.json, counted as the library's BPE model counts.
 *
 * A word becomes one symbol per character (per byte for ByteLevel words, hf_bpe.h),
 * each the vocabulary id of the character with the continuing-subword prefix before
 * every one but the first and the end-of-word suffix after the last; a character that
 * is no token becomes its <0xNN> byte tokens (byte_fallback), else the unknown token
 * (consecutive ones fused into one with fuse_unk), else nothing. Then the pair of
 * adjacent symbols with the lowest merge rank (its line in "merges"; the leftmost on a
 * tie) is merged into the token it names, until no adjacent pair is a merge. With
 * ignore_merges a word that is itself a token is that one token.
 *
 * The merges are pairs of ids, so the rank of a pair is not the rank of the token it
 * makes (several pairs make the same token, at different ranks): that is why this is not
 * tiktoken_bpe.c's merge, which ranks a pair by the bytes it makes. The loop is the same
 * shape: a linear scan of the pair ranks for short words, a heap keyed (rank, position)
 * over a linked list of symbols for long ones (both pick the same pair at every step:
 * a stale heap entry can never name a live pair, as a changed pair spells a longer
 * string and so another token).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hf.h"
#include "bpe_heap.h"
#include "hf_bpe.h"
#include "common/utf8.h"

#define NONE UINT32_MAX
#define SCAN_MAX 64      /* words with at most this many symbols merge by a linear scan */

typedef struct VSlot {
    uint32_t hash, len, off, id;   /* hash 0 = empty */
} VSlot;

/* A string -> id table: open addressing over slots, the keys in one blob. */
typedef struct Vocab {
    VSlot  *slot;
    size_t  mask, n;
    char   *blob;
    size_t  blen, bcap;
} Vocab;

typedef struct MSlot {
    uint64_t key;                  /* left << 32 | right, + 1; 0 = empty */
    uint32_t rank, id;
} MSlot;

typedef struct Bpe {
    Vocab    vocab;
    MSlot   *merge;
    size_t   mmask;
    int      byte_level;           /* words are raw bytes (hf_bpe.h) */
    int32_t  byte_id[256];         /* byte_level, no prefix/suffix: the id of each byte */
    int32_t  fallback[256];        /* byte_fallback: the id of <0xNN>, -1 if none */
    int      ignore_merges, byte_fallback, fuse_unk;
    int64_t  unk_id;               /* -1: no unknown token */
    char    *prefix, *suffix;      /* continuing_subword_prefix, end_of_word_suffix */
    size_t   plen, slen;
    int      has_prefix, has_suffix;
    uint64_t vsize;
    uint64_t *bigram;              /* cim_hf_bpe_cuts_init: code point pairs inside tokens */
    size_t   bmask;
    uint8_t  *merge_part;          /* cim_hf_bpe_cuts_init: bit per id, set if a merge takes it */
} Bpe;

/* ---- the ByteLevel alphabet ---------------------------------------------- */

uint32_t cim_hf_byte_char(uint8_t b)
{
    /* bytes_to_unicode: printable Latin-1 bytes stand for themselves, the 68 others
     * take 256, 257, ... in byte order. */
    if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE))
        return b;
    uint32_t n = 0;
    for (unsigned k = 0; k < b; k++)
        if (!((k >= '!' && k <= '~') || (k >= 0xA1 && k <= 0xAC) || (k >= 0xAE))) n++;
    return 256 + n;
}

/* The byte that code point c stands for in the ByteLevel alphabet, or -1. */
static int byte_of_char(uint32_t c)
{
    static int16_t inv[324];
    static int ready;
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
        int16_t t[324];
        for (int i = 0; i < 324; i++) t[i] = -1;
        for (int b = 0; b < 256; b++) t[cim_hf_byte_char((uint8_t)b)] = (int16_t)b;
        memcpy(inv, t, sizeof t);
        __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    }
    return c < 324 ? inv[c] : -1;
}

/* ---- the vocabulary table ------------------------------------------------- */

static inline uint32_t h32(uint64_t h) { return (uint32_t)h ? (uint32_t)h : 1; }

static int vocab_init(Vocab *v, size_t n)
{
    memset(v, 0, sizeof *v);
    size_t slots = 16;
    while (slots < 2 * n + 2) slots <<= 1;
    v->slot = calloc(slots, sizeof *v->slot);
    v->mask = slots - 1;
    return v->slot ? 0 : -1;
}

static void vocab_free(Vocab *v)
{
    free(v->slot);
    free(v->blob);
    memset(v, 0, sizeof *v);
}

/* The id of p[0..n), whose cim_hf_hash is h, or -1. */
static int64_t vocab_find(const Vocab *v, const char *p, size_t n, uint64_t h)
{
    uint32_t hh = h32(h);
    for (size_t i = (size_t)(h >> 32) & v->mask;; i = (i + 1) & v->mask) {
        const VSlot *s = &v->slot[i];
        if (!s->hash) return -1;
        if (s->hash == hh && s->len == n && !memcmp(v->blob + s->off, p, n)) return s->id;
    }
}

static int64_t vocab_get(const Vocab *v, const char *p, size_t n)
{
    return vocab_find(v, p, n, cim_hf_hash(p, n));
}

/* Where hash h starts probing: fetched ahead of a batch of lookups (see Build). */
static inline void vocab_prefetch(const Vocab *v, uint64_t h)
{
    __builtin_prefetch(&v->slot[(size_t)(h >> 32) & v->mask]);
}

/* Adds p[0..n) (hash h) -> id. A key already there keeps its first id, or takes the new
 * one with replace. -1 if out of memory. */
static int vocab_insert(Vocab *v, const char *p, size_t n, uint64_t h, uint32_t id, int replace)
{
    uint32_t hh = h32(h);
    size_t i = (size_t)(h >> 32) & v->mask;
    for (; v->slot[i].hash; i = (i + 1) & v->mask) {
        VSlot *s = &v->slot[i];
        if (s->hash == hh && s->len == n && !memcmp(v->blob + s->off, p, n)) {
            if (replace) s->id = id;
            return 0;
        }
    }
    if (v->blen + n + 1 > v->bcap) {
        size_t cap = v->bcap ? 2 * v->bcap : 1 << 20;
        while (cap < v->blen + n + 1) cap *= 2;
        char *b = realloc(v->blob, cap);
        if (!b) return -1;
        v->blob = b;
        v->bcap = cap;
    }
    memcpy(v->blob + v->blen, p, n);
    v->slot[i] = (VSlot){hh, (uint32_t)n, (uint32_t)v->blen, id};
    v->blen += n;
    v->n++;
    return 0;
}

/* ---- merges -------------------------------------------------------------- */

static inline uint64_t mhash(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return k;
}

static inline const MSlot *merge_get(const Bpe *b, uint32_t l, uint32_t r)
{
    uint64_t key = ((uint64_t)l << 32 | r) + 1;
    for (size_t i = (size_t)mhash(key) & b->mmask;; i = (i + 1) & b->mmask) {
        const MSlot *s = &b->merge[i];
        if (s->key == key) return s;
        if (!s->key) return NULL;
    }
}

static inline void merge_prefetch(const Bpe *b, uint32_t l, uint32_t r)
{
    __builtin_prefetch(&b->merge[(size_t)mhash(((uint64_t)l << 32 | r) + 1) & b->mmask]);
}

/* A later line with the same pair replaces the earlier (the library builds a map). */
static void merge_put(Bpe *b, uint32_t l, uint32_t r, uint32_t rank, uint32_t id)
{
    uint64_t key = ((uint64_t)l << 32 | r) + 1;
    size_t i = (size_t)mhash(key) & b->mmask;
    while (b->merge[i].key && b->merge[i].key != key) i = (i + 1) & b->mmask;
    b->merge[i] = (MSlot){key, rank, id};
}

/* ---- building ------------------------------------------------------------- */

static void bpe_free(void *self)
{
    Bpe *b = self;
    if (!b) return;
    vocab_free(&b->vocab);
    free(b->merge);
    free(b->bigram);
    free(b->merge_part);
    free(b->prefix);
    free(b->suffix);
    free(b);
}

static int opt_string(const json_t *cfg, const char *key, char **out, size_t *len, int *has)
{
    const json_t *v = json_object_get(cfg, key);
    *has = v && json_is_string(v);
    if (!*has) return v && !json_is_null(v) ? -1 : 0;
    *len = json_string_length(v);
    *out = malloc(*len + 1);
    if (!*out) return -1;
    memcpy(*out, json_string_value(v), *len + 1);
    return 0;
}

/* One merge line: "a b" (split at its one space) or ["a", "b"]. */
static int merge_parts(const CimHfEntry *m, const char **a, size_t *al, const char **bb, size_t *bl)
{
    if (m->v.type == JSON_STRING) {
        const char *s = m->v.s;
        size_t n = m->v.n;
        const char *sp = memchr(s, ' ', n);
        if (!sp || memchr(sp + 1, ' ', n - (size_t)(sp + 1 - s))) return -1;
        *a = s;
        *al = (size_t)(sp - s);
        *bb = sp + 1;
        *bl = n - *al - 1;
        return 0;
    }
    if (m->v.type == JSON_ARRAY && m->items == 2 && m->item[0].type == JSON_STRING
        && m->item[1].type == JSON_STRING) {
        *a = m->item[0].s;
        *al = m->item[0].n;
        *bb = m->item[1].s;
        *bl = m->item[1].n;
        return 0;
    }
    return -1;
}

/* The state of bpe_init's walks over the vocabulary and the merges. Entries wait in a
 * batch of BATCH whose table slots are fetched ahead: each lookup of a 200K vocabulary
 * is a cache miss, and a batch overlaps them (start-up of gpt-oss: -0.1 s). */
#define BATCH 32

typedef struct Pending {
    const char *key[3];        /* a token; or a merge's parts and the token they make */
    size_t      len[3];
    uint64_t    hash[3];
    int64_t     id[3];
    size_t      index;         /* the merge's line */
    size_t      joined_at;     /* the merged token's offset in Build.joined, which may move */
    uint32_t    value;         /* the token's id */
} Pending;

typedef struct Build {
    Bpe    *b;
    char   *err;
    size_t  errn;
    Pending pending[BATCH];
    size_t  npending;
    char   *joined;            /* the batch's merged tokens, one after another */
    size_t  jlen, jcap;
} Build;

enum { WALK_FAIL = 1, WALK_NOMEM = 2 };

static int flush_tokens(Build *w)
{
    for (size_t k = 0; k < w->npending; k++) {
        const Pending *t = &w->pending[k];
        /* A token given twice takes its last id, as the library's map does. */
        if (vocab_insert(&w->b->vocab, t->key[0], t->len[0], t->hash[0], t->value, 1) < 0)
            return WALK_NOMEM;
    }
    w->npending = 0;
    return 0;
}

static int add_token(void *ctx, const CimHfEntry *e)
{
    Build *w = ctx;
    if (e->v.type != JSON_INTEGER || e->v.i < 0 || e->v.i > INT32_MAX) {
        snprintf(w->err, w->errn, "BPE vocab entry \"%.*s\" has no valid id",
                 (int)(e->key_len < 40 ? e->key_len : 40), e->key);
        return WALK_FAIL;
    }
    Pending *t = &w->pending[w->npending++];
    t->key[0] = e->key;
    t->len[0] = e->key_len;
    t->hash[0] = cim_hf_hash(e->key, e->key_len);
    t->value = (uint32_t)e->v.i;
    vocab_prefetch(&w->b->vocab, t->hash[0]);
    return w->npending == BATCH ? flush_tokens(w) : 0;
}

static int flush_merges(Build *w)
{
    Bpe *b = w->b;
    const Vocab *v = &b->vocab;
    /* The slots are in cache by now: fetch the bytes of the keys they hold. */
    for (size_t k = 0; k < w->npending; k++) {
        for (int j = 0; j < 3; j++) {
            const VSlot *s = &v->slot[(size_t)(w->pending[k].hash[j] >> 32) & v->mask];
            if (s->hash) __builtin_prefetch(v->blob + s->off);
        }
    }
    for (size_t k = 0; k < w->npending; k++) {
        Pending *m = &w->pending[k];
        m->key[2] = w->joined + m->joined_at;
        for (int j = 0; j < 3; j++)
            m->id[j] = vocab_find(v, m->key[j], m->len[j], m->hash[j]);
        const char *a = m->key[0], *bb = m->key[1];
        int al = (int)(m->len[0] < 40 ? m->len[0] : 40), bl = (int)(m->len[1] < 40 ? m->len[1] : 40);
        if (m->id[0] < 0 || m->id[1] < 0) {
            snprintf(w->err, w->errn, "BPE merge %zu (%.*s %.*s): a part is not in the vocabulary",
                     m->index, al, a, bl, bb);
            return WALK_FAIL;
        }
        if (m->id[2] < 0) {
            snprintf(w->err, w->errn, "BPE merge %zu (%.*s %.*s) makes a token not in the vocabulary",
                     m->index, al, a, bl, bb);
            return WALK_FAIL;
        }
        merge_prefetch(b, (uint32_t)m->id[0], (uint32_t)m->id[1]);
    }
    for (size_t k = 0; k < w->npending; k++) {
        const Pending *m = &w->pending[k];
        merge_put(b, (uint32_t)m->id[0], (uint32_t)m->id[1], (uint32_t)m->index, (uint32_t)m->id[2]);
    }
    w->npending = 0;
    w->jlen = 0;
    return 0;
}

static int add_merge(void *ctx, const CimHfEntry *e)
{
    Build *w = ctx;
    Bpe *b = w->b;
    const char *a, *bb;
    size_t al, bl;
    if (merge_parts(e, &a, &al, &bb, &bl) < 0) {
        snprintf(w->err, w->errn, "BPE merge %zu is neither \"a b\" nor [\"a\", \"b\"]", e->index);
        return WALK_FAIL;
    }
    size_t cut = b->has_prefix ? b->plen : 0;
    if (cut > bl) {
        snprintf(w->err, w->errn, "BPE merge %zu (%.*s %.*s): a part is not in the vocabulary",
                 e->index, (int)(al < 40 ? al : 40), a, (int)(bl < 40 ? bl : 40), bb);
        return WALK_FAIL;
    }
    size_t jn = al + bl - cut;
    if (w->jlen + jn + 1 > w->jcap) {
        size_t cap = 2 * (w->jlen + jn + 1);
        char *nj = realloc(w->joined, cap);
        if (!nj) return WALK_NOMEM;
        w->joined = nj;
        w->jcap = cap;
    }
    char *joined = w->joined + w->jlen;
    memcpy(joined, a, al);
    memcpy(joined + al, bb + cut, bl - cut);
    Pending *m = &w->pending[w->npending++];
    m->index = e->index;
    m->key[0] = a;
    m->len[0] = al;
    m->key[1] = bb;
    m->len[1] = bl;
    m->key[2] = joined;
    m->len[2] = jn;
    m->joined_at = w->jlen;
    w->jlen += jn;
    for (int j = 0; j < 3; j++) {
        m->hash[j] = cim_hf_hash(m->key[j], m->len[j]);
        vocab_prefetch(&b->vocab, m->hash[j]);
    }
    return w->npending == BATCH ? flush_merges(w) : 0;
}

static int bpe_init(void **self, const json_t *cfg, const CimHfModelLists *lists, char *err,
                    size_t errn)
{
    Bpe *b = calloc(1, sizeof *b);
    Build w = {.b = b, .err = err, .errn = errn};
    int rc = 0;
    if (!b) { snprintf(err, errn, "out of memory"); return -1; }
    b->unk_id = -1;
    const json_t *drop = json_object_get(cfg, "dropout");
    if (drop && !json_is_null(drop) && json_number_value(drop) > 0) {
        snprintf(err, errn, "unsupported BPE option dropout=%g (counts would be random)",
                 json_number_value(drop));
        goto fail;
    }
    const CimHfList *vocab = &lists->vocab, *merges = &lists->merges;
    if (!vocab->present || vocab->type != JSON_OBJECT || (merges->present && merges->type != JSON_ARRAY)) {
        snprintf(err, errn, "BPE model without a \"vocab\" object and \"merges\" list");
        goto fail;
    }
    b->ignore_merges = json_is_true(json_object_get(cfg, "ignore_merges"));
    b->byte_fallback = json_is_true(json_object_get(cfg, "byte_fallback"));
    b->fuse_unk = json_is_true(json_object_get(cfg, "fuse_unk"));
    if (opt_string(cfg, "continuing_subword_prefix", &b->prefix, &b->plen, &b->has_prefix) < 0
        || opt_string(cfg, "end_of_word_suffix", &b->suffix, &b->slen, &b->has_suffix) < 0) {
        snprintf(err, errn, "BPE: bad continuing_subword_prefix or end_of_word_suffix");
        goto fail;
    }
    if (vocab_init(&b->vocab, vocab->size) < 0) goto nomem;
    rc = cim_hf_list_each(vocab, add_token, &w);
    if (!rc) rc = flush_tokens(&w);
    if (rc) goto walk_failed;
    for (size_t i = 0; i <= b->vocab.mask; i++)
        if (b->vocab.slot[i].hash && (uint64_t)b->vocab.slot[i].id + 1 > b->vsize)
            b->vsize = (uint64_t)b->vocab.slot[i].id + 1;
    const json_t *unk = json_object_get(cfg, "unk_token");
    if (unk && json_is_string(unk)) {
        b->unk_id = vocab_get(&b->vocab, json_string_value(unk), json_string_length(unk));
        if (b->unk_id < 0) {
            snprintf(err, errn, "BPE unk_token \"%.40s\" is not in the vocabulary", json_string_value(unk));
            goto fail;
        }
    }
    for (int i = 0; i < 256; i++) {
        char code[8];
        snprintf(code, sizeof code, "<0x%02X>", i);
        b->fallback[i] = (int32_t)vocab_get(&b->vocab, code, 6);
    }
    size_t slots = 16;
    while (slots < 2 * merges->size + 2) slots <<= 1;
    b->merge = calloc(slots, sizeof *b->merge);
    b->mmask = slots - 1;
    if (!b->merge) goto nomem;
    rc = cim_hf_list_each(merges, add_merge, &w);
    if (!rc) rc = flush_merges(&w);
    if (rc) goto walk_failed;
    free(w.joined);
    *self = b;
    return 0;
walk_failed:
    if (rc == WALK_FAIL) goto fail;
nomem:
    snprintf(err, errn, "out of memory");
fail:
    free(w.joined);
    bpe_free(b);
    return -1;
}

/* Decodes s[0..n) (UTF-8 in the ByteLevel alphabet) into out; -1 if any code point is
 * outside it. out has room for n bytes. */
static long decode_alphabet(const char *s, size_t n, char *out)
{
    const uint8_t *u = (const uint8_t *)s;
    long o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        if (u[i] < 0x80) c = u[i++];
        else if ((u[i] & 0xE0) == 0xC0 && i + 1 < n) { c = (uint32_t)(u[i] & 0x1F) << 6 | (u[i + 1] & 0x3F); i += 2; }
        else return -1;
        int byte = byte_of_char(c);
        if (byte < 0) return -1;
        out[o++] = (char)byte;
    }
    return o;
}

int cim_hf_bpe_byte_level(void *self, char *err, size_t errn)
{
    Bpe *b = self;
    Vocab nv;
    size_t n = 0;
    char *tmp = malloc(b->vocab.blen + 1);
    struct { uint64_t hash; uint32_t at, len, id; } *keys = malloc((b->vocab.n + 1) * sizeof *keys);
    if (!tmp || !keys || vocab_init(&nv, b->vocab.n) < 0) {
        free(tmp);
        free(keys);
        snprintf(err, errn, "out of memory");
        return -1;
    }
    /* Every token's bytes first, then the inserts, each fetching the slot of the one
     * BATCH places ahead. */
    for (size_t i = 0, at = 0; i <= b->vocab.mask; i++) {
        const VSlot *s = &b->vocab.slot[i];
        if (!s->hash) continue;
        long len = decode_alphabet(b->vocab.blob + s->off, s->len, tmp + at);
        if (len < 0) continue;   /* no ByteLevel word spells it */
        keys[n].hash = cim_hf_hash(tmp + at, (size_t)len);
        keys[n].at = (uint32_t)at;
        keys[n].len = (uint32_t)len;
        keys[n].id = s->id;
        at += (size_t)len;
        n++;
    }
    for (size_t k = 0; k < n; k++) {
        if (k + BATCH < n) vocab_prefetch(&nv, keys[k + BATCH].hash);
        if (vocab_insert(&nv, tmp + keys[k].at, keys[k].len, keys[k].hash, keys[k].id, 0) < 0) {
            vocab_free(&nv);
            free(tmp);
            free(keys);
            snprintf(err, errn, "out of memory");
            return -1;
        }
    }
    free(tmp);
    free(keys);
    char **fix[2] = {&b->prefix, &b->suffix};
    size_t *fixlen[2] = {&b->plen, &b->slen};
    int has[2] = {b->has_prefix, b->has_suffix};
    for (int k = 0; k < 2; k++) {
        if (!has[k]) continue;
        long len = decode_alphabet(*fix[k], *fixlen[k], *fix[k]);
        if (len < 0) {
            vocab_free(&nv);
            snprintf(err, errn, "BPE %s \"%s\" is not in the ByteLevel alphabet",
                     k ? "end_of_word_suffix" : "continuing_subword_prefix", *fix[k]);
            return -1;
        }
        *fixlen[k] = (size_t)len;
    }
    vocab_free(&b->vocab);
    b->vocab = nv;
    b->byte_level = 1;
    for (int i = 0; i < 256; i++) {
        char c = (char)i;
        b->byte_id[i] = (int32_t)vocab_get(&b->vocab, &c, 1);
    }
    return 0;
}

/* ---- independent pieces ---------------------------------------------------- */

static int bigram_has(const Bpe *b, uint64_t key)
{
    key++;
    for (size_t i = (size_t)mhash(key) & b->bmask;; i = (i + 1) & b->bmask) {
        if (b->bigram[i] == key) return 1;
        if (!b->bigram[i]) return 0;
    }
}

int cim_hf_bpe_cuts_init(void *self)
{
    Bpe *b = self;
    if (b->byte_level || b->has_prefix || b->has_suffix || b->ignore_merges) return 1;
    size_t total = 0;
    for (size_t i = 0; i <= b->vocab.mask; i++) total += b->vocab.slot[i].len;
    size_t slots = 16;
    while (slots < 2 * total + 2) slots <<= 1;
    b->bigram = calloc(slots, sizeof *b->bigram);
    if (!b->bigram) return -1;
    b->bmask = slots - 1;
    for (size_t i = 0; i <= b->vocab.mask; i++) {
        const VSlot *s = &b->vocab.slot[i];
        if (!s->hash) continue;
        const uint8_t *u = (const uint8_t *)b->vocab.blob + s->off;
        size_t l, k = 0;
        uint32_t prev = s->len ? cim_utf8_cp(u, s->len, &l) : 0;
        for (k = s->len ? l : 0; k < s->len; k += l) {
            uint32_t c = cim_utf8_cp(u + k, s->len - k, &l);
            uint64_t key = ((uint64_t)prev << 32 | c) + 1;
            size_t j = (size_t)mhash(key) & b->bmask;
            while (b->bigram[j] && b->bigram[j] != key) j = (j + 1) & b->bmask;
            b->bigram[j] = key;
            prev = c;
        }
    }
    b->merge_part = calloc(b->vsize / 8 + 1, 1);
    if (!b->merge_part) return -1;
    for (size_t i = 0; i <= b->mmask; i++) {
        uint64_t key = b->merge[i].key;
        if (!key) continue;
        uint32_t left = (uint32_t)((key - 1) >> 32), right = (uint32_t)(key - 1);
        b->merge_part[left / 8] |= (uint8_t)(1u << (left % 8));
        b->merge_part[right / 8] |= (uint8_t)(1u << (right % 8));
    }
    return 0;
}

int cim_hf_bpe_lone(const void *self, const char *ch, size_t len)
{
    const Bpe *b = self;
    if (!b->merge_part) return 0;
    int64_t id = vocab_get(&b->vocab, ch, len);
    return id >= 0 && !(b->merge_part[id / 8] >> (id % 8) & 1);
}

size_t cim_hf_bpe_next_cut(const void *self, const char *w, size_t i, size_t n)
{
    const Bpe *b = self;
    const uint8_t *u = (const uint8_t *)w;
    size_t l1, l2;
    if (i >= n) return n;
    uint32_t c1 = cim_utf8_cp(u + i, n - i, &l1);
    int in1 = vocab_get(&b->vocab, w + i, l1) >= 0;
    for (size_t j = i + l1; j < n; j += l2) {
        uint32_t c2 = cim_utf8_cp(u + j, n - j, &l2);
        int in2 = vocab_get(&b->vocab, w + j, l2) >= 0;
        if (in1 && in2 && !bigram_has(b, (uint64_t)c1 << 32 | c2)) return j;
        c1 = c2;
        in1 = in2;
    }
    return n;
}

/* ---- counting ------------------------------------------------------------- */

static int reserve(CimSpBuf *s, size_t bytes)
{
    if (bytes <= s->cap) return 0;
    size_t cap = s->cap ? s->cap : 4096;
    while (cap < bytes) cap *= 2;
    char *p = realloc(s->p, cap);
    if (!p) return -1;
    s->p = p;
    s->cap = cap;
    return 0;
}

/* Initial symbols of w[0..n) into ids (the caller sizes it: one per byte at most, with
 * prefix and suffix); key has room for a character with prefix and suffix. Returns the
 * number of symbols. */
static size_t initial_symbols(const Bpe *b, const char *w, size_t n, uint32_t *ids, char *key)
{
    size_t m = 0;
    int64_t unk = -1;          /* a pending unknown symbol (fuse_unk) */
    int plain = !b->has_prefix && !b->has_suffix;
    for (size_t i = 0; i < n;) {
        size_t len = 1;
        if (!b->byte_level) {
            uint8_t c = (uint8_t)w[i];
            len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            if (i + len > n) len = n - i;
        }
        int first = i == 0, last = i + len == n;
        int64_t id;
        const char *s = w + i;
        size_t sl = len;
        if (plain && b->byte_level) {
            id = b->byte_id[(uint8_t)w[i]];
        } else if (plain) {
            id = vocab_get(&b->vocab, s, sl);
        } else {
            sl = 0;
            if (!first && b->has_prefix) { memcpy(key, b->prefix, b->plen); sl = b->plen; }
            memcpy(key + sl, w + i, len);
            sl += len;
            if (last && b->has_suffix) { memcpy(key + sl, b->suffix, b->slen); sl += b->slen; }
            s = key;
            id = vocab_get(&b->vocab, s, sl);
        }
        i += len;
        if (id >= 0) {
            if (unk >= 0) { ids[m++] = (uint32_t)unk; unk = -1; }
            ids[m++] = (uint32_t)id;
            continue;
        }
        if (b->byte_fallback) {
            int all = 1;
            for (size_t k = 0; k < sl; k++)
                if (b->fallback[(uint8_t)s[k]] < 0) all = 0;
            if (all) {
                /* the library adds them without flushing a pending unknown first */
                for (size_t k = 0; k < sl; k++) ids[m++] = (uint32_t)b->fallback[(uint8_t)s[k]];
                continue;
            }
        }
        if (b->unk_id >= 0) {
            if (unk >= 0 && !b->fuse_unk) ids[m++] = (uint32_t)unk;
            unk = b->unk_id;
        }
    }
    if (unk >= 0) ids[m++] = (uint32_t)unk;
    return m;
}

static size_t merge_scan(const Bpe *b, uint32_t *ids, size_t m)
{
    uint32_t rk[SCAN_MAX], nid[SCAN_MAX];
    for (size_t j = 0; j + 1 < m; j++) {
        const MSlot *s = merge_get(b, ids[j], ids[j + 1]);
        rk[j] = s ? s->rank : NONE;
        nid[j] = s ? s->id : 0;
    }
    while (m > 1) {
        uint32_t best = NONE;
        size_t bj = 0;
        for (size_t j = 0; j + 1 < m; j++)
            if (rk[j] < best) { best = rk[j]; bj = j; }
        if (best == NONE) break;
        ids[bj] = nid[bj];
        memmove(ids + bj + 1, ids + bj + 2, (m - bj - 2) * sizeof *ids);
        if (m - bj > 2) {
            memmove(rk + bj + 1, rk + bj + 2, (m - bj - 3) * sizeof *rk);
            memmove(nid + bj + 1, nid + bj + 2, (m - bj - 3) * sizeof *nid);
        }
        m--;
        for (size_t j = bj ? bj - 1 : 0; j <= bj && j + 1 < m; j++) {
            const MSlot *s = merge_get(b, ids[j], ids[j + 1]);
            rk[j] = s ? s->rank : NONE;
            nid[j] = s ? s->id : 0;
        }
    }
    return m;
}

/* The library's merge_all: a heap of (rank, position, new id); an entry whose pair is
 * no longer the one it was made for is skipped. nxt/prv link the live symbols. */
static int64_t merge_heap(const Bpe *b, uint32_t *ids, size_t m, uint32_t *nxt, uint32_t *prv,
                          CimBpeHeapItem *h)
{
    size_t hn = 0;
    int64_t live = (int64_t)m;
    for (size_t j = 0; j < m; j++) {
        nxt[j] = (uint32_t)(j + 1);
        prv[j] = (uint32_t)j - 1;
    }
    for (size_t j = 0; j + 1 < m; j++) {
        const MSlot *s = merge_get(b, ids[j], ids[j + 1]);
        if (s) cim_bpe_heap_push(h, &hn, (CimBpeHeapItem){s->rank, (uint32_t)j, s->id});
    }
    while (hn) {
        CimBpeHeapItem it = cim_bpe_heap_pop(h, &hn);
        uint32_t a = it.pos;
        if (ids[a] == NONE || nxt[a] >= m) continue;
        uint32_t c = nxt[a];
        const MSlot *s = merge_get(b, ids[a], ids[c]);
        if (!s || s->id != it.aux) continue;
        ids[a] = it.aux;
        ids[c] = NONE;
        nxt[a] = nxt[c];
        if (nxt[c] < m) prv[nxt[c]] = a;
        live--;
        if (a > 0 && prv[a] != NONE) {
            const MSlot *p = merge_get(b, ids[prv[a]], ids[a]);
            if (p) cim_bpe_heap_push(h, &hn, (CimBpeHeapItem){p->rank, prv[a], p->id});
        }
        if (nxt[a] < m) {
            const MSlot *q = merge_get(b, ids[a], ids[nxt[a]]);
            if (q) cim_bpe_heap_push(h, &hn, (CimBpeHeapItem){q->rank, a, q->id});
        }
    }
    return live;
}

static int64_t bpe_count(const void *self, CimSpBuf *scratch, const char *w, size_t n)
{
    const Bpe *b = self;
    if (!n) return 0;
    if (b->ignore_merges && vocab_get(&b->vocab, w, n) >= 0) return 1;
    /* symbols: one per byte at most (byte fallback), each with prefix and suffix bytes */
    size_t maxsym = n * (1 + b->plen + b->slen) + 1;
    size_t keyn = 8 + b->plen + b->slen;
    if (reserve(scratch, maxsym * sizeof(uint32_t) + keyn) < 0) return -1;
    size_t m = initial_symbols(b, w, n, (uint32_t *)scratch->p, scratch->p + maxsym * sizeof(uint32_t));
    if (m <= 1) return (int64_t)m;
    if (m <= SCAN_MAX) return (int64_t)merge_scan(b, (uint32_t *)scratch->p, m);
    /* the heap holds at most the first pairs and two per merge: 3m */
    if (reserve(scratch, m * (3 * sizeof(uint32_t) + 3 * sizeof(CimBpeHeapItem))) < 0) return -1;
    uint32_t *ids = (uint32_t *)scratch->p;
    uint32_t *nxt = ids + m, *prv = nxt + m;
    CimBpeHeapItem *h = (CimBpeHeapItem *)(prv + m);
    return merge_heap(b, ids, m, nxt, prv, h);
}

static int64_t bpe_token_id(const void *self, const char *t, size_t n)
{
    const Bpe *b = self;
    if (!b->byte_level) return vocab_get(&b->vocab, t, n);
    /* t is the token's text in the vocabulary's alphabet */
    char *tmp = malloc(n + 1);
    if (!tmp) return -1;
    long len = decode_alphabet(t, n, tmp);
    int64_t id = len < 0 ? -1 : vocab_get(&b->vocab, tmp, (size_t)len);
    free(tmp);
    return id;
}

static uint64_t bpe_vocab_size(const void *self)
{
    return ((const Bpe *)self)->vsize;
}

const CimHfModelOps cim_hf_model_bpe = {
    .type       = "BPE",
    .init       = bpe_init,
    .count      = bpe_count,
    .token_id   = bpe_token_id,
    .vocab_size = bpe_vocab_size,
    .free       = bpe_free,
};
