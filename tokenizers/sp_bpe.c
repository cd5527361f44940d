/*
 * sp_bpe.c — SentencePiece's BPE (bpe_model.cc) on one normalized word: the word is
 * cut into characters (a user-defined piece stays whole and is never merged), then the
 * adjacent pair whose concatenation is the piece of highest score is merged, the
 * leftmost on a tie, until no pair is a piece. A final piece that is no piece of the
 * vocabulary is unknown: one token, or its bytes with byte fallback; a run of unknown
 * pieces is one token (Encode merges them).
 */
#include <stdlib.h>
#include <string.h>
#include "sp_engine.h"

typedef struct Sym {
    int32_t  prev, next;
    uint32_t off, len;      /* len 0: merged into its left neighbour */
    int32_t  freeze;
    int32_t  id;            /* its piece (normal, user or unused), -1 if none */
} Sym;

typedef struct Pair {
    float    score;
    int32_t  left, right;
    uint32_t size;          /* bytes of the merged piece when it was queued */
    int32_t  id;            /* the merged piece */
} Pair;

static uint64_t pair_key(int32_t a, int32_t b)
{
    return ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) + 1;
}

static size_t pair_slot(uint64_t key, size_t mask)
{
    key *= 0x9E3779B97F4A7C15ull;
    return (size_t)(key >> 29) & mask;
}

static inline int32_t pairs_find(const CimSpPairs *p, int32_t a, int32_t b)
{
    uint64_t key = pair_key(a, b);
    for (size_t i = pair_slot(key, p->mask);; i = (i + 1) & p->mask) {
        if (p->slot[i].key == key) return p->slot[i].id;
        if (!p->slot[i].key) return -1;
    }
}

static int32_t normal_id_of(const CimSpVocab *v, const char *s, size_t n);

/* The 2- or 3-byte UTF-8 encoding of cp (U+0080..U+FFFF, surrogates included). */
static size_t utf8_of(uint32_t cp, char *u)
{
    if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    u[0] = (char)(0xE0 | cp >> 12);
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* The piece of the character s[0..len) (a symbol of the word), -1 if none. */
static int32_t char_id(const CimSpModel *m, const char *s, size_t len)
{
    const uint8_t *b = (const uint8_t *)s;
    if (len == 1 && b[0] < 0x80) return m->pairs.ascii_id[b[0]];
    if (len == 2 && (b[0] & 0xE0) == 0xC0 && (b[1] & 0xC0) == 0x80 && b[0] >= 0xC2)
        return m->pairs.bmp_id[(uint32_t)(b[0] & 0x1F) << 6 | (b[1] & 0x3F)];
    if (len == 3 && (b[0] & 0xF0) == 0xE0 && (b[1] & 0xC0) == 0x80 && (b[2] & 0xC0) == 0x80 &&
        (b[0] > 0xE0 || b[1] >= 0xA0))   /* not overlong: the table holds each cp's own bytes */
        return m->pairs.bmp_id[(uint32_t)(b[0] & 0x0F) << 12 | (uint32_t)(b[1] & 0x3F) << 6 |
                               (b[2] & 0x3F)];
    return normal_id_of(&m->vocab, s, len);
}

int cim_sp_pairs_init(CimSpPairs *p, const CimSpVocab *v)
{
    memset(p, 0, sizeof *p);
    size_t splits = 0;   /* the merges: splits of a piece at a character into two pieces */
    for (int pass = 0; pass < 2; pass++) {
        for (int id = 0; id < v->npieces; id++) {
            const char *s = cim_sp_piece_bytes(v, id);
            size_t n = v->piece_len[id];
            int t = v->type[id];
            if (t != CIM_SP_NORMAL && t != CIM_SP_USER && t != CIM_SP_UNUSED) continue;
            if (normal_id_of(v, s, n) != id) continue;   /* a later twin of a piece */
            for (size_t k = 1; k < n; k++) {
                if (((uint8_t)s[k] & 0xC0) == 0x80) continue;   /* symbols are whole characters */
                int32_t a = normal_id_of(v, s, k);
                int32_t b = a < 0 ? -1 : normal_id_of(v, s + k, n - k);
                if (b < 0) continue;
                if (!pass) {
                    splits++;
                    continue;
                }
                uint64_t key = pair_key(a, b);
                size_t i = pair_slot(key, p->mask);
                while (p->slot[i].key && p->slot[i].key != key) i = (i + 1) & p->mask;
                p->slot[i] = (CimSpPairSlot){key, id};
            }
        }
        if (pass) break;
        size_t cap = 64;
        while (cap < splits + splits / 2) cap *= 2;
        p->slot = calloc(cap, sizeof *p->slot);
        p->final_id = malloc(((size_t)v->npieces + 1) * sizeof *p->final_id);
        if (!p->slot || !p->final_id) return -1;
        p->mask = cap - 1;
    }
    for (int c = 0; c < 128; c++) {
        char ch = (char)c;
        p->ascii_id[c] = normal_id_of(v, &ch, 1);
    }
    p->bmp_id = malloc(0x10000 * sizeof *p->bmp_id);
    if (!p->bmp_id) return -1;
    for (uint32_t cp = 0x80; cp < 0x10000; cp++) {
        char u[3];
        size_t len = utf8_of(cp, u);
        p->bmp_id[cp] = normal_id_of(v, u, len);
    }
    for (int id = 0; id < v->npieces; id++)
        p->final_id[id] = cim_sp_piece_to_id(v, cim_sp_piece_bytes(v, id), v->piece_len[id]);
    return 0;
}

void cim_sp_pairs_free(CimSpPairs *p)
{
    free(p->bmp_id);
    free(p->slot);
    free(p->final_id);
    memset(p, 0, sizeof *p);
}

static int pair_before(const Pair *a, const Pair *b)
{
    return a->score > b->score || (a->score == b->score && a->left < b->left);
}

static void heap_push(Pair *h, size_t *n, Pair p)
{
    size_t i = (*n)++;
    while (i) {
        size_t up = (i - 1) / 2;
        if (!pair_before(&p, &h[up])) break;
        h[i] = h[up];
        i = up;
    }
    h[i] = p;
}

static Pair heap_pop(Pair *h, size_t *n)
{
    Pair top = h[0];
    Pair last = h[--*n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && pair_before(&h[c + 1], &h[c])) c++;
        if (!pair_before(&h[c], &last)) break;
        h[i] = h[c];
        i = c;
    }
    if (*n) h[i] = last;
    return top;
}

static uint64_t hash_of(const char *s, size_t n)
{
    uint64_t h = CIM_SP_HASH_INIT;
    for (size_t i = 0; i < n; i++) h = cim_sp_hash_step(h, (uint8_t)s[i]);
    return h;
}

static int32_t normal_id_of(const CimSpVocab *v, const char *s, size_t n)
{
    const CimSpEntry *e = cim_sp_vocab_find(v, hash_of(s, n), s, n);
    return e ? e->normal_id : -1;
}

/* Queues the pair (l, r) when their concatenation is a piece (normal, user or unused). */
static inline void maybe_push(const CimSpModel *m, const char *s, const Sym *sym, int32_t l, int32_t r,
                       Pair *heap, size_t *nheap)
{
    if (l < 0 || r < 0 || sym[l].freeze || sym[r].freeze) return;
    size_t size = sym[l].len + sym[r].len;
    int32_t id = sym[l].id >= 0 && sym[r].id >= 0 ? pairs_find(&m->pairs, sym[l].id, sym[r].id)
                                                   : normal_id_of(&m->vocab, s + sym[l].off, size);
    if (id < 0) return;
    heap_push(heap, nheap, (Pair){m->vocab.score[id], l, r, (uint32_t)size, id});
}

int cim_sp_bpe_word(const CimSpModel *m, CimSpBuf *work, const char *s, size_t n, CimSpCount *out)
{
    const CimSpVocab *v = &m->vocab;
    *out = (CimSpCount){0};
    if (!n) return 0;
    /* n symbols at most, and at most one live pair per symbol plus one per merge */
    size_t need = n * sizeof(Sym) + 3 * n * sizeof(Pair) + 16;
    work->len = 0;
    if (cim_sp_buf_reserve(work, need) < 0) return -1;
    Sym *sym = (Sym *)(void *)work->p;
    Pair *heap = (Pair *)(void *)(work->p + ((n * sizeof(Sym) + 15) & ~(size_t)15));
    size_t nsym = 0, nheap = 0;
    for (size_t i = 0; i < n;) {
        size_t len = 0;
        int freeze = 0;
        if (v->has_user && v->user_first[(uint8_t)s[i]]) {
            uint64_t h = CIM_SP_HASH_INIT;
            for (size_t k = i; k < n && (int)(k - i) < v->max_user_len; k++) {
                h = cim_sp_hash_step(h, (uint8_t)s[k]);
                const CimSpEntry *e = cim_sp_vocab_find(v, h, s + i, k + 1 - i);
                if (!e || !(e->flags & CIM_SP_USER_PREFIX)) break;
                if (e->normal_id >= 0 && v->type[e->normal_id] == CIM_SP_USER) len = k + 1 - i;
            }
            freeze = len > 0;
        }
        if (!len) {
            len = "\1\1\1\1\1\1\1\1\1\1\1\1\2\2\3\4"[(uint8_t)s[i] >> 4];
            if (len > n - i) len = n - i;
        }
        int32_t id = char_id(m, s + i, len);
        sym[nsym] = (Sym){(int32_t)nsym - 1, i + len < n ? (int32_t)nsym + 1 : -1, (uint32_t)i,
                          (uint32_t)len, freeze, id};
        nsym++;
        i += len;
    }
    for (size_t i = 1; i < nsym; i++) maybe_push(m, s, sym, (int32_t)i - 1, (int32_t)i, heap, &nheap);
    while (nheap) {
        Pair top = heap_pop(heap, &nheap);
        Sym *l = &sym[top.left], *r = &sym[top.right];
        if (!l->len || !r->len || l->len + r->len != top.size) continue;   /* stale */
        l->len += r->len;
        l->id = top.id;
        l->next = r->next;
        if (r->next >= 0) sym[r->next].prev = top.left;
        r->len = 0;
        maybe_push(m, s, sym, l->prev, top.left, heap, &nheap);
        maybe_push(m, s, sym, top.left, l->next, heap, &nheap);
    }
    int prev_unk = 0;
    for (int32_t i = 0; i >= 0; i = sym[i].next) {
        int id = sym[i].id >= 0 ? m->pairs.final_id[sym[i].id]
                                : cim_sp_piece_to_id(v, s + sym[i].off, sym[i].len);
        int unk = v->type[id] == CIM_SP_UNKNOWN;
        if (unk && m->byte_fallback) out->tokens += sym[i].len;
        else if (!(unk && prev_unk)) out->tokens++;
        if (i == 0) out->first_unk = unk && !m->byte_fallback;
        out->last_unk = unk && !m->byte_fallback;
        prev_unk = unk;
    }
    return 0;
}
