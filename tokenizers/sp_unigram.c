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

static const CimSpVocab *sort_vocab;

static int by_bytes(const void *a, const void *b)
{
    const CimSpVocab *v = sort_vocab;
    int x = *(const int32_t *)a, y = *(const int32_t *)b;
    size_t nx = v->piece_len[x], ny = v->piece_len[y];
    int c = memcmp(cim_sp_piece_bytes(v, x), cim_sp_piece_bytes(v, y), nx < ny ? nx : ny);
    return c ? c : (nx > ny) - (nx < ny);
}

typedef struct Range {
    uint32_t lo, hi, depth;
} Range;

int cim_sp_trie_init(CimSpTrie *t, const CimSpVocab *v)
{
    memset(t, 0, sizeof *t);
    int32_t *ids = malloc(((size_t)v->npieces + 1) * sizeof *ids);
    size_t nids = 0, bytes = 0;
    if (!ids) return -1;
    for (int id = 0; id < v->npieces; id++) {
        int type = v->type[id];
        if (type != CIM_SP_NORMAL && type != CIM_SP_USER && type != CIM_SP_UNUSED) continue;
        const CimSpEntry *e = NULL;
        uint64_t h = CIM_SP_HASH_INIT;
        const char *p = cim_sp_piece_bytes(v, id);
        for (size_t k = 0; k < v->piece_len[id]; k++) h = cim_sp_hash_step(h, (uint8_t)p[k]);
        e = cim_sp_vocab_find(v, h, p, v->piece_len[id]);
        if (!e || e->normal_id != id) continue;   /* a later twin: libsentencepiece keeps the first */
        ids[nids++] = id;
        bytes += v->piece_len[id];
    }
    sort_vocab = v;   /* qsort has no context argument in C11; init runs before any thread */
    qsort(ids, nids, sizeof *ids, by_bytes);
    Range *q = malloc((bytes + 2) * sizeof *q);
    t->node = calloc(bytes + 2, sizeof *t->node);
    if (!q || !t->node) {
        free(ids);
        free(q);
        cim_sp_trie_free(t);
        return -1;
    }
    size_t nnodes = 1;
    q[0] = (Range){0, (uint32_t)nids, 0};
    for (size_t x = 0; x < nnodes; x++) {
        Range r = q[x];
        CimSpTrieNode *nd = &t->node[x];
        nd->piece = -1;
        uint32_t at = r.lo;
        if (at < r.hi && v->piece_len[ids[at]] == r.depth) {
            int32_t id = ids[at++];
            if (v->type[id] != CIM_SP_UNUSED) {   /* Encode skips unused pieces */
                nd->piece = id;
                nd->score = v->score[id];
                nd->user = v->type[id] == CIM_SP_USER;
            }
        }
        nd->first = (uint32_t)nnodes;
        while (at < r.hi) {
            uint8_t b = (uint8_t)cim_sp_piece_bytes(v, ids[at])[r.depth];
            uint32_t end = at;
            while (end < r.hi && (uint8_t)cim_sp_piece_bytes(v, ids[end])[r.depth] == b) end++;
            q[nnodes] = (Range){at, end, r.depth + 1};
            t->node[nnodes].label = b;
            nnodes++;
            nd->nchild++;
            at = end;
        }
    }
    size_t ndense = 0;   /* nodes with many children get a row: one step per byte */
    for (size_t x = 0; x < nnodes; x++) ndense += t->node[x].nchild > 16;
    t->dense_of = calloc(nnodes, sizeof *t->dense_of);
    t->dense = malloc((ndense + 1) * sizeof *t->dense);
    if (!t->dense_of || !t->dense) {
        free(ids);
        free(q);
        cim_sp_trie_free(t);
        return -1;
    }
    ndense = 0;
    for (size_t x = 0; x < nnodes; x++) {
        const CimSpTrieNode *nd = &t->node[x];
        if (nd->nchild <= 16) continue;
        for (int b = 0; b < 256; b++) t->dense[ndense][b] = -1;
        for (uint32_t c = nd->first; c < nd->first + nd->nchild; c++)
            t->dense[ndense][t->node[c].label] = (int32_t)c;
        t->dense_of[x] = (uint32_t)++ndense;
    }
    for (int b = 0; b < 256; b++) t->root[b] = -1;
    for (uint32_t c = t->node[0].first; c < t->node[0].first + t->node[0].nchild; c++)
        t->root[t->node[c].label] = (int32_t)c;
    free(ids);
    free(q);
    return 0;
}

void cim_sp_trie_free(CimSpTrie *t)
{
    free(t->node);
    free(t->dense_of);
    free(t->dense);
    memset(t, 0, sizeof *t);
}

/* The child of node x on byte b, -1 if none. */
static int32_t trie_child(const CimSpTrie *t, int32_t x, uint8_t b)
{
    if (t->dense_of[x]) return t->dense[t->dense_of[x] - 1][b];
    const CimSpTrieNode *nd = &t->node[x];
    uint32_t lo = nd->first, hi = nd->first + nd->nchild;
    for (uint32_t c = lo; c < hi; c++) {
        if (t->node[c].label == b) return (int32_t)c;
        if (t->node[c].label > b) break;
    }
    return -1;
}

float cim_sp_unigram_step(const CimSpModel *m, float g, int32_t id, size_t len)
{
    if (id == m->vocab.unk_id) return m->unk_score + g;
    double score = m->vocab.type[id] == CIM_SP_USER ? (double)((float)len * m->max_score) - 0.1
                                                    : (double)m->vocab.score[id];
    return (float)(score + (double)g);
}

static void note_gap(float *gap, double a, double b)
{
    double d = fabs(a - b);
    if (gap && d < *gap) *gap = (float)d;
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
    for (size_t i = 0; i <= n; i++) best[i] = (Best){0, -1, -1};
    best[0] = (Best){g, 0, -1};
    if (gap) *gap = INFINITY;
    float top = fabsf(g);
    for (size_t at = 0; at < n;) {
        float till = best[at].score;
        size_t mblen = "\1\1\1\1\1\1\1\1\1\1\1\1\2\2\3\4"[(uint8_t)s[at] >> 4];
        if (mblen > n - at) mblen = n - at;
        int single = 0;
        int32_t node = m->trie.root[(uint8_t)s[at]];
        for (size_t k = at; node >= 0; node = ++k < n ? trie_child(&m->trie, node, (uint8_t)s[k]) : -1) {
            const CimSpTrieNode *nd = &m->trie.node[node];
            int id = nd->piece;
            if (id < 0) continue;
            size_t len = k + 1 - at;
            double score = nd->user ? (double)((float)len * m->max_score) - 0.1 : (double)nd->score;
            double cand = score + (double)till;
            Best *t = &best[k + 1];
            if (t->start >= 0) note_gap(gap, cand, t->score);
            if (t->start < 0 || cand > (double)t->score) {
                *t = (Best){(float)cand, (int32_t)at, id};
                if (fabsf(t->score) > top) top = fabsf(t->score);
            }
            if (len == mblen) single = 1;
        }
        if (!single) {
            float cand = m->unk_score + till;
            Best *t = &best[at + mblen];
            if (t->start >= 0) note_gap(gap, cand, t->score);
            if (t->start < 0 || cand > t->score) {
                *t = (Best){cand, (int32_t)at, v->unk_id};
                if (fabsf(cand) > top) top = fabsf(cand);
            }
        }
        at += mblen;
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
