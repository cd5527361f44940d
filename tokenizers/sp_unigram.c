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
        uint64_t h = CIM_SP_HASH_INIT;
        for (size_t k = at; k < n; k++) {
            h = cim_sp_hash_step(h, (uint8_t)s[k]);
            const CimSpEntry *e = cim_sp_vocab_find(v, h, s + at, k + 1 - at);
            if (!e || !(e->flags & CIM_SP_PREFIX)) break;
            int id = e->normal_id;
            if (id < 0 || v->type[id] == CIM_SP_UNUSED) continue;
            size_t len = k + 1 - at;
            double score = v->type[id] == CIM_SP_USER ? (double)((float)len * m->max_score) - 0.1
                                                      : (double)v->score[id];
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
