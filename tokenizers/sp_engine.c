/*
 * sp_engine.c — one line through the counting engine: normalize, cut into words,
 * count each word through the thread's memo, add up.
 *
 * Words: when no piece holds U+2581 anywhere but at its start (or, for models that
 * treat whitespace as a suffix, at its end), no piece can cross the point before (after)
 * a U+2581, so BPE merges and Unigram paths never do either, and the line's count is
 * the sum of its words' (less one where a run of unknown pieces spans two words, as
 * Encode makes one piece of such a run). Other models count the whole line at once.
 *
 * The memo maps a word's bytes (32 at most) to its count. BPE's count of a word does
 * not depend on its neighbours. Unigram's does only through floating point: Encode
 * adds scores along the line in float, so a tie in a word can fall differently after
 * a long prefix than alone. A word's memo entry holds the smallest difference between
 * two scores its Viterbi compared and the ids of its path; it is used only when that
 * difference exceeds what the roundings could move (a bound from the line's running
 * score and the word's length), and the line's running score is then carried exactly
 * through the stored path. Otherwise the word is decoded from the running score, as
 * Encode does.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "sp_engine.h"

#define MEMO_LOG2 17
#define MEMO_KEY  40
#define MEMO_IDS  8
#define WORD_BATCH 16

/* One cache line; a Unigram entry's path ids are in CimSpMemo.ids, same index. */
typedef struct MemoEntry {
    uint64_t hash;
    uint32_t tokens;
    uint8_t  len;           /* 0: empty */
    uint8_t  first_unk, last_unk;
    uint8_t  nids;
    float    gap, mag;      /* Unigram: see the top of this file */
    char     key[MEMO_KEY];
} MemoEntry;
_Static_assert(sizeof(MemoEntry) == 64, "a memo entry is one cache line");

struct CimSpMemo {
    unsigned   model_id;    /* 0: unused */
    MemoEntry *e;           /* raw, aligned to a cache line */
    void      *raw;
    int32_t  (*ids)[MEMO_IDS];
    CimSpBuf   norm, work;
    uint64_t   hits, lookups;
};

static uint64_t word_hash(const char *s, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    if (i < n) {
        uint64_t w = 0;
        memcpy(&w, s + i, n - i);
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    }
    h ^= h >> 29;
    return h | 1;
}

#define MEMO_BYTES (((size_t)1 << MEMO_LOG2) * (sizeof(MemoEntry) + MEMO_IDS * sizeof(int32_t)))
#define HUGE_PAGE  ((size_t)2 << 20)

static void memo_free(CimSpMemo *memo)
{
    if (memo->raw) munmap(memo->raw, MEMO_BYTES + HUGE_PAGE);
    free(memo->norm.p);
    free(memo->work.p);
    memset(memo, 0, sizeof *memo);
}

static _Thread_local CimSpMemo tls_memos[4];

CimSpMemo *cim_sp_thread_memo(const CimSpModel *m)
{
    static _Thread_local unsigned evict;
    for (int i = 0; i < 4; i++)
        if (tls_memos[i].model_id == m->id) return &tls_memos[i];
    CimSpMemo *t = NULL;
    for (int i = 0; i < 4 && !t; i++)
        if (!tls_memos[i].model_id) t = &tls_memos[i];
    if (!t) {
        t = &tls_memos[evict++ % 4];
        memo_free(t);
    }
    /* Fresh zero pages, touched only as entries fill; huge pages where the system gives
     * them on request, since words land on random entries (one TLB entry per 2 MiB). */
    void *raw = mmap(NULL, MEMO_BYTES + HUGE_PAGE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return NULL;
    t->raw = raw;
    t->e = (MemoEntry *)(((uintptr_t)t->raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (m->type == CIM_SP_UNIGRAM) t->ids = (int32_t(*)[MEMO_IDS])(t->e + ((size_t)1 << MEMO_LOG2));
    madvise(t->e, MEMO_BYTES, MADV_HUGEPAGE);   /* a hint: without it, 4 KiB pages */
    t->model_id = m->id;
    return t;
}

void cim_sp_memo_stats(const CimSpMemo *memo, uint64_t *hits, uint64_t *lookups)
{
    *hits = memo->hits;
    *lookups = memo->lookups;
}

/* Unigram: a word whose decisions no rounding can flip from running score g. */
static int unigram_safe(const MemoEntry *e, float g)
{
    double tol = (2.0 * e->len + 8.0) * ((double)fabsf(g) + e->mag + 1.0) * FLT_EPSILON;
    return e->gap > tol;
}

static void memo_store(MemoEntry *e, uint64_t h, const char *s, size_t n, const CimSpCount *c)
{
    e->hash = h;
    e->len = (uint8_t)n;
    memcpy(e->key, s, n);
    e->tokens = (uint32_t)c->tokens;
    e->first_unk = (uint8_t)c->first_unk;
    e->last_unk = (uint8_t)c->last_unk;
}

/* Counts word s[0..n); *g is Unigram's running path score, carried past the word. */
static int count_word(const CimSpModel *m, CimSpMemo *memo, const char *s, size_t n, uint64_t h,
                      float *g, CimSpCount *c)
{
    MemoEntry *e = NULL;
    int32_t *ids_of_e = NULL;
    if (n <= MEMO_KEY) {
        /* two ways: the newer entry first; a miss moves it second and takes its place */
        size_t slot = h & (((size_t)1 << MEMO_LOG2) - 2);
        memo->lookups++;
        MemoEntry *way = &memo->e[slot];
        int hit = way[0].hash == h && way[0].len == n && !memcmp(way[0].key, s, n);
        if (!hit && way[1].hash == h && way[1].len == n && !memcmp(way[1].key, s, n)) {
            hit = 1;
            slot++;
        } else if (!hit && way[0].hash) {
            way[1] = way[0];
            if (memo->ids) memcpy(memo->ids[slot + 1], memo->ids[slot], sizeof memo->ids[slot]);
        }
        e = &memo->e[slot];
        if (memo->ids) ids_of_e = memo->ids[slot];
        if (hit && (m->type == CIM_SP_BPE || unigram_safe(e, *g))) {
            memo->hits++;
            *c = (CimSpCount){e->tokens, e->first_unk, e->last_unk};
            for (int k = 0; m->type == CIM_SP_UNIGRAM && k < e->nids; k++)
                *g = cim_sp_unigram_step(m, *g, ids_of_e[k], m->vocab.piece_len[ids_of_e[k]]);
            return 0;
        }
        if (hit) e = NULL;   /* a near tie after a long prefix: decode from *g below */
    }
    if (m->type == CIM_SP_BPE) {
        if (cim_sp_bpe_word(m, &memo->work, s, n, c) < 0) return -1;
        if (e) memo_store(e, h, s, n, c);
        return 0;
    }
    float g_end;
    if (e) {   /* the word alone, with what a memo entry needs */
        float gap, mag;
        int32_t ids[MEMO_IDS];
        int nids;
        if (cim_sp_unigram_word(m, &memo->work, s, n, 0.0f, &g_end, c, &gap, &mag, ids, MEMO_IDS,
                                &nids) < 0)
            return -1;
        if (nids <= MEMO_IDS) {
            memo_store(e, h, s, n, c);
            e->gap = gap;
            e->mag = mag;
            e->nids = (uint8_t)nids;
            memcpy(ids_of_e, ids, (size_t)nids * sizeof *ids);
            if (*g == 0.0f) {
                *g = g_end;
                return 0;
            }
            if (unigram_safe(e, *g)) {
                for (int k = 0; k < nids; k++)
                    *g = cim_sp_unigram_step(m, *g, ids[k], m->vocab.piece_len[ids[k]]);
                return 0;
            }
        }
    }
    if (cim_sp_unigram_word(m, &memo->work, s, n, *g, &g_end, c, NULL, NULL, NULL, 0, NULL) < 0)
        return -1;
    *g = g_end;
    return 0;
}

/* The end of the word at start: before the next U+2581 after start (split 1), or after
 * the next one from start (split 2); len if none. */
static size_t next_cut(const char *s, size_t len, size_t start, int split)
{
    size_t i = split == 1 ? start + 1 : start;
    while (i + 3 <= len) {
        const char *p = memchr(s + i, 0xE2, len - i);
        if (!p) break;
        i = (size_t)(p - s);
        if (i + 3 > len) break;
        if (p[1] == '\x96' && p[2] == '\x81') return split == 1 ? i : i + 3;
        i++;
    }
    return len;
}

int64_t cim_sp_count_line(const CimSpModel *m, CimSpMemo *memo, const char *line, size_t n)
{
    if (cim_sp_normalize(&m->norm, &m->vocab, line, n, &memo->norm) < 0) return -1;
    const char *s = memo->norm.p;
    size_t len = memo->norm.len;
    if (!len) return 0;
    CimSpCount c = {0};
    float g = 0;
    if (!m->split) {
        if (m->type == CIM_SP_BPE) {
            if (cim_sp_bpe_word(m, &memo->work, s, len, &c) < 0) return -1;
        } else if (cim_sp_unigram_word(m, &memo->work, s, len, 0.0f, &g, &c, NULL, NULL, NULL, 0,
                                       NULL) < 0) {
            return -1;
        }
        return (int64_t)c.tokens;
    }
    int64_t total = 0;
    int prev_unk = 0;
    size_t start = 0;
    while (start < len) {
        /* A batch of words, their memo entries fetched ahead of their use. */
        size_t cut[WORD_BATCH + 1];
        uint64_t hash[WORD_BATCH];
        int nw = 0;
        cut[0] = start;
        while (nw < WORD_BATCH && start < len) {
            size_t end = next_cut(s, len, start, m->split);
            size_t n = end - start;
            hash[nw] = n <= MEMO_KEY ? word_hash(s + start, n) : 0;
            if (n <= MEMO_KEY) {
                const MemoEntry *way = &memo->e[hash[nw] & (((size_t)1 << MEMO_LOG2) - 2)];
                __builtin_prefetch(way);
                __builtin_prefetch(way + 1);
            }
            cut[++nw] = end;
            start = end;
        }
        for (int k = 0; k < nw; k++) {
            if (count_word(m, memo, s + cut[k], cut[k + 1] - cut[k], hash[k], &g, &c) < 0) return -1;
            total += (int64_t)c.tokens - (prev_unk && c.first_unk);
            prev_unk = c.last_unk;
        }
    }
    return total;
}
