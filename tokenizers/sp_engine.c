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
 * The memo maps a word's bytes (44 at most) to its count. BPE's count of a word does
 * not depend on its neighbours. Unigram's does only through floating point: Encode
 * adds scores along the line in float, so a tie in a word can fall differently after
 * a long prefix than alone. A word's memo entry holds the smallest difference between
 * two scores its Viterbi compared alone, the largest score it reached, and its path's
 * score; it is used only when that difference exceeds what the roundings could move
 * (a bound from the line's running score and the word's length). The running score is
 * first followed approximately (the sum of the words' scores and a bound on its error,
 * which the test allows for); a line where a word could decide otherwise is counted
 * again with Encode's own running score, carried exactly through the paths the entries
 * keep (when they fit beside the word), and words that cannot be decided from an
 * entry decoded from it, as Encode does.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "sp_engine.h"

#define MEMO_LOG2 17
#define MEMO_AREA 44        /* a word's bytes, then (Unigram) its path's steps from the end */
#define MEMO_KEY  MEMO_AREA
#define WORD_BATCH 16

/* One cache line. A Unigram entry also keeps the score of the word's path decoded alone
 * (delta) and, when it fits beside the word, the path itself as the float each piece adds
 * to the running score (step k at area + MEMO_AREA - 4 (k + 1)); a user piece's step is
 * (float)(length * max_score), from which 0.1 is taken in double. */
typedef struct MemoEntry {
    uint32_t hash;          /* the word hash's high half, odd; 0: empty */
    float    gap, mag;      /* Unigram: see the top of this file */
    float    delta;         /* Unigram: the path's score from 0 */
    uint16_t path;          /* Unigram: steps << 12 | bit k set when step k is a user piece;
                               0: the path is not kept */
    uint8_t  len;
    uint8_t  tok;           /* tokens | starts with an unknown << 6 | ends with one << 7 */
    char     area[MEMO_AREA];
} MemoEntry;
_Static_assert(sizeof(MemoEntry) == 64, "a memo entry is one cache line");
#define MEMO_STEPS 11       /* steps that fit in area beside a one-byte word... */
_Static_assert(MEMO_STEPS * 4 <= MEMO_AREA && MEMO_STEPS < 16, "...and in path's four bits");

struct CimSpMemo {
    unsigned   model_id;    /* 0: unused */
    MemoEntry *e;           /* raw, aligned to a huge page */
    void      *raw;
    CimSpBuf   norm, work;
    uint64_t   hits, lookups;
};

static uint64_t load8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* The low n (< 8) bytes of the 8 at p, which may run past the text (see SLACK). */
static uint64_t load_tail(const char *p, size_t n)
{
    return load8(p) & ((1ull << (8 * n)) - 1);
}

/* Bytes readable past a word's end: the normalized line and an entry's area keep them. */
#define SLACK 8

static uint64_t word_hash(const char *s, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        h = (h ^ load8(s + i)) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    if (i < n) h = (h ^ load_tail(s + i, n - i)) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    return h;
}

static int key_equal(const char *key, const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        if (load8(key + i) != load8(s + i)) return 0;
    return i == n || !((load8(key + i) ^ load8(s + i)) & ((1ull << (8 * (n - i))) - 1));
}

static uint32_t hash_tag(uint64_t h)
{
    return (uint32_t)(h >> 32) | 1;
}

/* Entries, the slack that an area's last read runs past the last one, and a huge page
 * to align them to. */
#define MEMO_BYTES (((size_t)1 << MEMO_LOG2) * sizeof(MemoEntry) + 64)
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
    madvise(t->e, MEMO_BYTES, MADV_HUGEPAGE);   /* a hint: without it, 4 KiB pages */
    t->model_id = m->id;
    return t;
}

void cim_sp_memo_stats(const CimSpMemo *memo, uint64_t *hits, uint64_t *lookups)
{
    *hits = memo->hits;
    *lookups = memo->lookups;
}

/* Unigram: whether a word whose Viterbi alone compared no two scores closer than gap, and
 * reached no score larger than mag, decides the same from a running score of magnitude
 * up to gabs (each float addition along the path rounds by at most half an ulp). */
static int unigram_safe(float gap, float mag, size_t len, double gabs)
{
    double tol = (2.0 * (double)len + 8.0) * (gabs + mag + 1.0) * FLT_EPSILON;
    return gap > tol;
}

/* The running score g carried through the path kept in e, as Encode adds it. */
static float unigram_carry(const MemoEntry *e, float g)
{
    unsigned steps = e->path >> 12;
    for (unsigned k = 0; k < steps; k++) {
        float f;
        memcpy(&f, e->area + MEMO_AREA - 4 * (k + 1), sizeof f);
        double d = (double)f;
        if (e->path >> k & 1) d -= 0.1;
        g = (float)(d + (double)g);
    }
    return g;
}

static void memo_store(MemoEntry *e, uint32_t tag, const char *s, size_t n, const CimSpCount *c)
{
    e->hash = tag;
    e->len = (uint8_t)n;
    memcpy(e->area, s, n);
    e->tok = (uint8_t)(c->tokens | (uint64_t)c->first_unk << 6 | (uint64_t)c->last_unk << 7);
}

/* Unigram: keeps path ids[0..nids) in e as steps, when they fit beside the word. */
static void memo_store_path(const CimSpModel *m, MemoEntry *e, size_t n, const int32_t *ids,
                            int nids)
{
    e->path = 0;
    if (nids > MEMO_STEPS || n + 4 * (size_t)nids > MEMO_AREA) return;
    const CimSpVocab *v = &m->vocab;
    unsigned path = (unsigned)nids << 12;
    for (int k = 0; k < nids; k++) {
        int32_t id = ids[k];
        float f = v->score[id];
        if (id == v->unk_id) {
            f = m->unk_score;   /* a float sum, which the double sum rounds to exactly */
        } else if (v->type[id] == CIM_SP_USER) {
            f = (float)v->piece_len[id] * m->max_score;
            path |= 1u << k;
        }
        memcpy(e->area + MEMO_AREA - 4 * (k + 1), &f, sizeof f);
    }
    e->path = (uint16_t)path;
}

/* Unigram's running score along a line. Exact: g is the score Encode has at the word's
 * start. Otherwise ga is the sum (in double) of the words' scores alone, and err bounds
 * its distance from Encode's score: a word of len bytes has at most len pieces, each
 * addition of which rounds Encode's sum and the word's own by at most an ulp. */
typedef struct Run {
    int    exact;
    float  g;
    double ga, err;
} Run;

/* Carries an approximate run past a word decided as alone; 0 if it may decide otherwise
 * there (the line is then counted again, exactly). At the line's start (err still 0)
 * the word is decoded from 0, as alone. */
static inline int run_add(Run *r, float gap, float mag, float delta, size_t len)
{
    double unit = (fabs(r->ga) + r->err + (double)mag + 1.0) * FLT_EPSILON;
    if (r->err != 0.0 && !((double)gap > (2.0 * (double)len + 8.0) * unit)) return 0;
    r->err += ((double)len + 1.0) * unit;
    r->ga += delta;
    return 1;
}

enum { WORD_OK = 0, WORD_NOMEM = -1, WORD_AGAIN = 1 };

/* Counts word s[0..n) into *c, carrying Unigram's running score *r past it. */
static int count_word(const CimSpModel *m, CimSpMemo *memo, const char *s, size_t n, uint64_t h,
                      Run *r, CimSpCount *c)
{
    MemoEntry *e = NULL;
    uint32_t tag = hash_tag(h);
    if (n <= MEMO_KEY) {
        /* two ways: the newer entry first; a miss moves it second and takes its place */
        size_t slot = h & (((size_t)1 << MEMO_LOG2) - 2);
        memo->lookups++;
        MemoEntry *way = &memo->e[slot];
        int hit = way[0].hash == tag && way[0].len == n && key_equal(way[0].area, s, n);
        if (!hit && way[1].hash == tag && way[1].len == n && key_equal(way[1].area, s, n)) {
            hit = 1;
            slot++;
        } else if (!hit && way[0].hash) {
            way[1] = way[0];
        }
        e = &memo->e[slot];
        if (hit && m->type == CIM_SP_BPE) {
            memo->hits++;
            *c = (CimSpCount){e->tok & 63, e->tok >> 6 & 1, e->tok >> 7};
            return WORD_OK;
        }
        if (hit && !r->exact) {
            if (!run_add(r, e->gap, e->mag, e->delta, n)) return WORD_AGAIN;
            memo->hits++;
            *c = (CimSpCount){e->tok & 63, e->tok >> 6 & 1, e->tok >> 7};
            return WORD_OK;
        }
        if (hit && (r->g == 0.0f || (e->path && unigram_safe(e->gap, e->mag, n, fabsf(r->g))))) {
            memo->hits++;
            *c = (CimSpCount){e->tok & 63, e->tok >> 6 & 1, e->tok >> 7};
            r->g = r->g == 0.0f ? e->delta : unigram_carry(e, r->g);
            return WORD_OK;
        }
        if (hit) e = NULL;   /* a near tie after a long prefix: decode from the score below */
    }
    if (m->type == CIM_SP_BPE) {
        if (cim_sp_bpe_word(m, &memo->work, s, n, c) < 0) return WORD_NOMEM;
        if (e) memo_store(e, tag, s, n, c);
        return WORD_OK;
    }
    float g_end;
    if (e || !r->exact) {   /* the word alone, with what a memo entry needs */
        float gap, mag;
        int32_t ids[MEMO_STEPS];
        int nids;
        if (cim_sp_unigram_word(m, &memo->work, s, n, 0.0f, &g_end, c, &gap, &mag, ids,
                                MEMO_STEPS, &nids) < 0)
            return WORD_NOMEM;
        if (e) {
            memo_store(e, tag, s, n, c);
            memo_store_path(m, e, n, ids, nids);
            e->gap = gap;
            e->mag = mag;
            e->delta = g_end;
        }
        if (!r->exact) return run_add(r, gap, mag, g_end, n) ? WORD_OK : WORD_AGAIN;
        if (r->g == 0.0f) {
            r->g = g_end;
            return WORD_OK;
        }
        if (e && e->path && unigram_safe(gap, mag, n, fabsf(r->g))) {
            r->g = unigram_carry(e, r->g);
            return WORD_OK;
        }
    }
    if (cim_sp_unigram_word(m, &memo->work, s, n, r->g, &g_end, c, NULL, NULL, NULL, 0, NULL) < 0)
        return WORD_NOMEM;
    r->g = g_end;
    return WORD_OK;
}

/* The first 0xE2 byte (U+2581's first) of s[i..len), or len; reads up to SLACK bytes past. */
static size_t find_e2(const char *s, size_t i, size_t len)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; i < len; i += 8) {
        uint64_t x = load8(s + i) ^ 0xE2E2E2E2E2E2E2E2ull;
        uint64_t z = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
        if (z) {   /* the lowest flagged byte is a match (the ones above it may not be) */
            size_t k = i + (size_t)(__builtin_ctzll(z) >> 3);
            return k < len ? k : len;
        }
    }
    return len;
#else
    const char *p = i < len ? memchr(s + i, 0xE2, len - i) : NULL;
    return p ? (size_t)(p - s) : len;
#endif
}

/* The end of the word at start: before the next U+2581 after start (split 1), or after
 * the next one from start (split 2); len if none. */
static size_t next_cut(const char *s, size_t len, size_t start, int split)
{
    size_t i = split == 1 ? start + 1 : start;
    while ((i = find_e2(s, i, len)) + 3 <= len) {
        if (s[i + 1] == '\x96' && s[i + 2] == '\x81') return split == 1 ? i : i + 3;
        i++;
    }
    return len;
}

/* The common case, inlined: a hit in the first way for BPE, or for Unigram's approximate
 * run; else 0 (count_word looks again). */
static inline int count_word_hit(const CimSpModel *m, CimSpMemo *memo, const char *s, size_t n,
                                 uint64_t h, Run *r, CimSpCount *c)
{
    if (n > MEMO_KEY || r->exact) return 0;
    const MemoEntry *e = &memo->e[h & (((size_t)1 << MEMO_LOG2) - 2)];
    if (e->hash != hash_tag(h) || e->len != n || !key_equal(e->area, s, n)) return 0;
    if (m->type == CIM_SP_UNIGRAM && !run_add(r, e->gap, e->mag, e->delta, n)) return 0;
    memo->lookups++;
    memo->hits++;
    *c = (CimSpCount){e->tok & 63, e->tok >> 6 & 1, e->tok >> 7};
    return 1;
}

/* The words of s[0..len) through the memo: their tokens in *total, or WORD_AGAIN when
 * Unigram's approximate running score could not decide a word. */
static int count_words(const CimSpModel *m, CimSpMemo *memo, const char *s, size_t len, Run *r,
                       int64_t *total)
{
    CimSpCount c = {0};
    int prev_unk = 0;
    size_t start = 0;
    *total = 0;
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
            size_t n = cut[k + 1] - cut[k];
            if (!count_word_hit(m, memo, s + cut[k], n, hash[k], r, &c)) {
                int rc = count_word(m, memo, s + cut[k], n, hash[k], r, &c);
                if (rc != WORD_OK) return rc;
            }
            *total += (int64_t)c.tokens - (prev_unk && c.first_unk);
            prev_unk = c.last_unk;
        }
    }
    return WORD_OK;
}

int64_t cim_sp_count_line(const CimSpModel *m, CimSpMemo *memo, const char *line, size_t n)
{
    if (cim_sp_normalize(&m->norm, &m->vocab, line, n, &memo->norm) < 0) return -1;
    if (cim_sp_buf_reserve(&memo->norm, SLACK) < 0) return -1;
    memset(memo->norm.p + memo->norm.len, 0, SLACK);   /* read, never counted */
    const char *s = memo->norm.p;
    size_t len = memo->norm.len;
    if (!len) return 0;
    if (!m->split) {
        CimSpCount c = {0};
        float g;
        if (m->type == CIM_SP_BPE) {
            if (cim_sp_bpe_word(m, &memo->work, s, len, &c) < 0) return -1;
        } else if (cim_sp_unigram_word(m, &memo->work, s, len, 0.0f, &g, &c, NULL, NULL, NULL, 0,
                                       NULL) < 0) {
            return -1;
        }
        return (int64_t)c.tokens;
    }
    int64_t total;
    Run r = {0};
    int rc = count_words(m, memo, s, len, &r, &total);
    if (rc == WORD_AGAIN) {   /* Unigram: again with Encode's running score */
        r = (Run){.exact = 1};
        rc = count_words(m, memo, s, len, &r, &total);
    }
    return rc == WORD_NOMEM ? -1 : total;
}
