/*
 * sp_unigram.c — SentencePiece's Unigram Encode (unigram_model.cc, EncodeOptimized) on
 * one normalized word: Viterbi over every piece that starts at each character, the best
 * path ending at each byte kept as libsentencepiece keeps it (a float score, replaced
 * only by a strictly better candidate computed as it computes it: double for pieces,
 * float for the unknown character), so ties and roundings fall the same way.
 * A user-defined piece scores length * max_score - 0.1; unused pieces are skipped; a
 * character that starts no one-character piece is also an unknown node.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sp_engine.h"

typedef struct Best {
    float   score;
    int32_t start;   /* -1: no path ends here yet */
    int32_t id;
} Best;

static int by_bytes(const void *a, const void *b, void *vocab)
{
    const CimSpVocab *v = vocab;
    int x = *(const int32_t *)a, y = *(const int32_t *)b;
    size_t nx = v->piece_len[x], ny = v->piece_len[y];
    int c = memcmp(cim_sp_piece_bytes(v, x), cim_sp_piece_bytes(v, y), nx < ny ? nx : ny);
    return c ? c : (nx > ny) - (nx < ny);
}

typedef struct Range {
    uint32_t lo, hi, depth;
} Range;

/* The breadth-first trie the double array is laid out from. */
typedef struct BfsNode {
    int32_t  piece;
    uint32_t first, nchild;
    uint8_t  label;
} BfsNode;

/* Units being laid out: the free ones are linked in order, so that a node's children are
 * placed by trying only the free units. */
typedef struct Layout {
    CimSpTrie *t;
    int32_t   *next, *prev;   /* free list; -1 ends it */
    int32_t    head, tail;
    uint8_t   *used_base;
    uint8_t   *tries;         /* failed placements at a free unit; past 16 it leaves the list */
} Layout;

static int grow_units(Layout *l, size_t need)
{
    CimSpTrie *t = l->t;
    if (need <= t->nunits) return 0;
    size_t old = t->nunits, n = old ? old : 1024;
    while (n < need) n *= 2;
    CimSpUnit *u = realloc(t->unit, n * sizeof *u);
    if (!u) return -1;
    t->unit = u;
    int32_t *next = realloc(l->next, n * sizeof *next);
    if (!next) return -1;
    l->next = next;
    int32_t *prev = realloc(l->prev, n * sizeof *prev);
    if (!prev) return -1;
    l->prev = prev;
    uint8_t *ub = realloc(l->used_base, n);
    if (!ub) return -1;
    l->used_base = ub;
    uint8_t *tries = realloc(l->tries, n);
    if (!tries) return -1;
    l->tries = tries;
    for (size_t i = old; i < n; i++) {
        u[i] = (CimSpUnit){0, -1, -1, -INFINITY};   /* no piece: a candidate that never wins */
        ub[i] = 0;
        tries[i] = 0;
        prev[i] = l->tail;
        next[i] = -1;
        if (l->tail >= 0) next[l->tail] = (int32_t)i;
        else l->head = (int32_t)i;
        l->tail = (int32_t)i;
    }
    t->nunits = n;
    return 0;
}

static void unlink_free(Layout *l, int32_t i)
{
    if (l->tries[i] == 255) return;   /* already out of the list */
    l->tries[i] = 255;
    if (l->prev[i] >= 0) l->next[l->prev[i]] = l->next[i];
    else l->head = l->next[i];
    if (l->next[i] >= 0) l->prev[l->next[i]] = l->prev[i];
    else l->tail = l->prev[i];
}

static void occupy(Layout *l, int32_t i, int32_t parent)
{
    l->t->unit[i].check = parent;
    unlink_free(l, i);
}

int cim_sp_trie_init(CimSpTrie *t, const CimSpVocab *v)
{
    memset(t, 0, sizeof *t);
    int32_t *ids = malloc(((size_t)v->npieces + 1) * sizeof *ids);
    size_t nids = 0, bytes = 0;
    if (!ids) return -1;
    for (int id = 0; id < v->npieces; id++) {
        int type = v->type[id];
        if (type != CIM_SP_NORMAL && type != CIM_SP_USER && type != CIM_SP_UNUSED) continue;
        uint64_t h = CIM_SP_HASH_INIT;
        const char *p = cim_sp_piece_bytes(v, id);
        for (size_t k = 0; k < v->piece_len[id]; k++) h = cim_sp_hash_step(h, (uint8_t)p[k]);
        const CimSpEntry *e = cim_sp_vocab_find(v, h, p, v->piece_len[id]);
        if (!e || e->normal_id != id) continue;   /* a later twin: libsentencepiece keeps the first */
        ids[nids++] = id;
        bytes += v->piece_len[id];
    }
    qsort_r(ids, nids, sizeof *ids, by_bytes, (void *)v);
    Range *q = malloc((bytes + 2) * sizeof *q);
    BfsNode *node = calloc(bytes + 2, sizeof *node);
    int32_t *unit_of = malloc((bytes + 2) * sizeof *unit_of);
    Layout layout = {t, NULL, NULL, -1, -1, NULL, NULL};
    int rc = -1;
    if (!q || !node || !unit_of) goto out;
    size_t nnodes = 1;
    q[0] = (Range){0, (uint32_t)nids, 0};
    for (size_t x = 0; x < nnodes; x++) {
        Range r = q[x];
        BfsNode *nd = &node[x];
        nd->piece = -1;
        uint32_t at = r.lo;
        if (at < r.hi && v->piece_len[ids[at]] == r.depth) nd->piece = ids[at++];
        nd->first = (uint32_t)nnodes;
        while (at < r.hi) {
            uint8_t b = (uint8_t)cim_sp_piece_bytes(v, ids[at])[r.depth];
            uint32_t end = at;
            while (end < r.hi && (uint8_t)cim_sp_piece_bytes(v, ids[end])[r.depth] == b) end++;
            q[nnodes] = (Range){at, end, r.depth + 1};
            node[nnodes].label = b;
            nnodes++;
            nd->nchild++;
            at = end;
        }
    }
    /* Lay the nodes out breadth first: each node's children at the first base where all
     * of their units are free (and no other node has that base). */
    layout = (Layout){t, NULL, NULL, -1, -1, NULL, NULL};
    if (grow_units(&layout, 2 * nnodes + 512) < 0) goto out;
    unit_of[0] = 0;
    occupy(&layout, 0, 0);
    for (size_t x = 0; x < nnodes; x++) {
        const BfsNode *nd = &node[x];
        CimSpUnit *u = &t->unit[unit_of[x]];
        if (nd->piece >= 0 && v->type[nd->piece] != CIM_SP_UNUSED) {   /* Encode skips unused */
            u->piece = nd->piece;
            /* a user piece's score depends on the match's length: marked, worked out there */
            u->score = v->type[nd->piece] == CIM_SP_USER ? INFINITY : v->score[nd->piece];
        }
        if (!nd->nchild) continue;
        uint8_t lo = node[nd->first].label;
        size_t base;
        for (int32_t p = layout.head, next;; p = next) {
            if (p < 0 || (size_t)p + 512 > t->nunits) {   /* room at the end, then go on */
                int32_t last = layout.tail;
                if (grow_units(&layout, t->nunits + 1024) < 0) goto out;
                if (p < 0) p = last >= 0 ? layout.next[last] : layout.head;
            }
            next = layout.next[p];
            base = (size_t)p - lo;
            int ok = (size_t)p >= (size_t)lo + 1 && !layout.used_base[base];
            for (uint32_t c = nd->first + 1; c < nd->first + nd->nchild && ok; c++)
                ok = t->unit[base + node[c].label].check < 0;
            if (ok) break;
            if (++layout.tries[p] > 16) unlink_free(&layout, p);
        }
        t->unit[unit_of[x]].base = (int32_t)base;
        layout.used_base[base] = 1;
        for (uint32_t c = nd->first; c < nd->first + nd->nchild; c++) {
            unit_of[c] = (int32_t)(base + node[c].label);
            occupy(&layout, unit_of[c], unit_of[x]);
        }
    }
    rc = 0;
out:
    free(ids);
    free(q);
    free(node);
    free(unit_of);
    free(layout.next);
    free(layout.prev);
    free(layout.used_base);
    free(layout.tries);
    if (rc < 0) cim_sp_trie_free(t);
    return rc;
}

void cim_sp_trie_free(CimSpTrie *t)
{
    free(t->unit);
    memset(t, 0, sizeof *t);
}


/* The forward pass: best[i] becomes the best path ending at byte i (start == -1 before
 * any); with track, *gap the smallest difference between two scores compared and *top
 * the largest score magnitude. Inlined twice so that the pass without them has none of
 * their work. */
/* The candidate of the piece at unit cu (of len bytes, from at) for the path ending at
 * best[at + len], if a piece ends there. */
static inline __attribute__((always_inline)) void relax(const CimSpUnit *cu, size_t at, size_t len,
                                                        double till, float max_score,
                                                        Best *best, int track, double *min_gap,
                                                        float *max_abs)
{
    if (cu->piece < 0) return;
    double score = (double)cu->score;
    if (__builtin_expect(cu->score == INFINITY, 0))   /* a user piece */
        score = (double)((float)len * max_score) - 0.1;
    double cand = score + till;
    Best *t = &best[at + len];
    if (track) {
        double d = fabs(cand - (double)t->score);   /* infinite before any path */
        *min_gap = d < *min_gap ? d : *min_gap;
    }
    if (cand > (double)t->score) {
        *t = (Best){(float)cand, (int32_t)at, cu->piece};
        if (track) {
            float a = fabsf(t->score);
            *max_abs = a > *max_abs ? a : *max_abs;
        }
    }
}

/* The forward pass: best[i] becomes the best path ending at byte i (its score -infinity
 * before any); with track, *gap the smallest difference between two scores compared and
 * *top the largest score magnitude. Inlined twice so that the pass without them has none
 * of their work. */
static inline __attribute__((always_inline)) void forward(const CimSpModel *m, const char *s,
                                                          size_t n, Best *best, int track,
                                                          double *gap, float *top)
{
    const CimSpUnit *unit = m->trie.unit;
    const int32_t root_base = unit[0].base;
    const float unk_score = m->unk_score, max_score = m->max_score;
    const int32_t unk_id = m->vocab.unk_id;
    double min_gap = INFINITY;
    float max_abs = 0;
    for (size_t at = 0; at < n;) {
        const float till = best[at].score;
        const double till_d = (double)till;
        size_t mblen = "\1\1\1\1\1\1\1\1\1\1\1\1\2\2\3\4"[(uint8_t)s[at] >> 4];
        if (mblen > n - at) mblen = n - at;
        int single = 0;
        /* base + any byte stays inside the units (the layout leaves 512 free at the end) */
        int32_t u = 0;
        int32_t base = root_base;
        size_t k = at;
        for (; k < at + mblen; k++) {   /* the first character: is it a piece? */
            int32_t c = base + (uint8_t)s[k];
            const CimSpUnit *cu = &unit[c];
            if (cu->check != u) {
                single = 0;
                goto unknown;
            }
            u = c;
            base = cu->base;
            relax(cu, at, k + 1 - at, till_d, max_score, best, track, &min_gap, &max_abs);
            single = cu->piece >= 0;
        }
        for (; k < n; k++) {
            int32_t c = base + (uint8_t)s[k];
            const CimSpUnit *cu = &unit[c];
            if (cu->check != u) break;
            u = c;
            base = cu->base;
            relax(cu, at, k + 1 - at, till_d, max_score, best, track, &min_gap, &max_abs);
        }
unknown:
        if (!single) {
            float cand = unk_score + till;
            Best *t = &best[at + mblen];
            if (track) {
                double d = fabs((double)cand - (double)t->score);
                min_gap = d < min_gap ? d : min_gap;
            }
            if (cand > t->score) {
                *t = (Best){cand, (int32_t)at, unk_id};
                if (track) {
                    float a = fabsf(cand);
                    max_abs = a > max_abs ? a : max_abs;
                }
            }
        }
        at += mblen;
    }
    if (track) {
        *gap = min_gap;
        *top = max_abs > *top ? max_abs : *top;
    }
}

int cim_sp_unigram_word(const CimSpModel *m, CimSpBuf *work, const char *s, size_t n, float g,
                        float *g_end, CimSpCount *out, float *gap, float *mag,
                        int32_t *ids, int max_ids, int *nids)
{
    const CimSpVocab *v = &m->vocab;
    *out = (CimSpCount){0};
    *g_end = g;
    if (nids) *nids = 0;
    if (!n) return 0;
    work->len = 0;
    if (cim_sp_buf_reserve(work, (n + 1) * sizeof(Best)) < 0) return -1;
    Best *best = (Best *)(void *)work->p;
    /* -infinity: any candidate beats it, and its distance to one is no near tie */
    for (size_t i = 1; i <= n; i++) best[i].score = -INFINITY;
    best[0] = (Best){g, 0, -1};
    float top = fabsf(g);
    if (gap) {
        double min_gap;
        forward(m, s, n, best, 1, &min_gap, &top);
        *gap = (float)min_gap;
    } else {
        forward(m, s, n, best, 0, NULL, NULL);
    }
    if (mag) *mag = top;
    *g_end = best[n].score;
    /* Walk back; count forwards through the nodes' order reversed. */
    int count = 0;
    for (size_t end = n; end > 0; end = (size_t)best[end].start) count++;
    if (nids) *nids = count;
    int k = count;
    int next_unk = 0;
    for (size_t end = n; end > 0; end = (size_t)best[end].start) {
        k--;
        int32_t id = best[end].id;
        size_t len = end - (size_t)best[end].start;
        int unk = id == v->unk_id;
        if (ids && k < max_ids) ids[k] = id;
        if (unk && m->byte_fallback) out->tokens += len;
        else if (!(unk && next_unk)) out->tokens++;
        if (end == n) out->last_unk = unk && !m->byte_fallback;
        if (best[end].start == 0) out->first_unk = unk && !m->byte_fallback;
        next_unk = unk;
    }
    return 0;
}
