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
} Sym;

typedef struct Pair {
    float    score;
    int32_t  left, right;
    uint32_t size;          /* bytes of the merged piece when it was queued */
} Pair;

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

/* Queues the pair (l, r) when their concatenation is a piece (normal, user or unused). */
static void maybe_push(const CimSpVocab *v, const char *s, const Sym *sym, int32_t l, int32_t r,
                       Pair *heap, size_t *nheap)
{
    if (l < 0 || r < 0 || sym[l].freeze || sym[r].freeze) return;
    size_t size = sym[l].len + sym[r].len;
    const CimSpEntry *e = cim_sp_vocab_find(v, hash_of(s + sym[l].off, size), s + sym[l].off, size);
    if (!e || e->normal_id < 0) return;
    heap_push(heap, nheap, (Pair){v->score[e->normal_id], l, r, (uint32_t)size});
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
        sym[nsym] = (Sym){(int32_t)nsym - 1, i + len < n ? (int32_t)nsym + 1 : -1, (uint32_t)i,
                          (uint32_t)len, freeze};
        nsym++;
        i += len;
    }
    for (size_t i = 1; i < nsym; i++) maybe_push(v, s, sym, (int32_t)i - 1, (int32_t)i, heap, &nheap);
    while (nheap) {
        Pair top = heap_pop(heap, &nheap);
        Sym *l = &sym[top.left], *r = &sym[top.right];
        if (!l->len || !r->len || l->len + r->len != top.size) continue;   /* stale */
        l->len += r->len;
        l->next = r->next;
        if (r->next >= 0) sym[r->next].prev = top.left;
        r->len = 0;
        maybe_push(v, s, sym, l->prev, top.left, heap, &nheap);
        maybe_push(v, s, sym, top.left, l->next, heap, &nheap);
    }
    int prev_unk = 0;
    for (int32_t i = 0; i >= 0; i = sym[i].next) {
        int id = cim_sp_piece_to_id(v, s + sym[i].off, sym[i].len);
        int unk = v->type[id] == CIM_SP_UNKNOWN;
        if (unk && m->byte_fallback) out->tokens += sym[i].len;
        else if (!(unk && prev_unk)) out->tokens++;
        if (i == 0) out->first_unk = unk && !m->byte_fallback;
        out->last_unk = unk && !m->byte_fallback;
        prev_unk = unk;
    }
    return 0;
}
