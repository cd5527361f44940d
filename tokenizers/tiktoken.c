/*
 * tiktoken.c — text:tiktoken:NAME|FILE, exact tiktoken token counts (doc/tokenizers.md Text).
 *
 * Counts equal tiktoken's encode_ordinary on the whole file decoded as UTF-8 the
 * WHATWG way (each maximal invalid subpart becomes U+FFFD, a BOM stays U+FEFF): what
 * node's tiktoken sees after TextDecoder('utf-8', {ignoreBOM: true}).
 *
 *   NAME    r50k_base, p50k_base, cl100k_base, o200k_base: DATA/NAME.tiktoken, checked
 *           against the SHA-256 that tiktoken publishes (tiktoken_ext/openai_public.py)
 *   FILE    any .tiktoken rank file (a path: contains '/' or ends in .tiktoken), with
 *           pattern=cl100k (default; Llama 3), o200k or r50k
 * DATA is $CIMETER_DATA_DIR, else the source tree's tokenizers/data, else the install
 * data dir; scripts/deps.sh (scripts/fetch-tokenizers.sh) puts the files there. Nothing
 * is fetched at run time.
 *
 * Streaming: the decoder hands chunks that end after a '\n', but the pre-tokenizer
 * joins across newlines (\s*[\r\n]+, \s+(?!\S), punctuation followed by [\r\n]*), so
 * each feed() keeps the unconsumed tail (the piece whose match depends on what comes
 * next) and prepends it to the next chunk; likewise up to 3 bytes of a UTF-8 sequence
 * cut by the chunk end. The tail is normally a few bytes. A piece longer than
 * CIM_TT_MAX_CARRY (a single whitespace, letter or punctuation run of over 1 MiB) is
 * counted as if the text were cut 1 MiB after the piece's start (at a character
 * boundary) and went on from there: the one place where counts may differ from
 * tiktoken, what keeps memory bounded, and a rule of the text alone, so counts do not
 * depend on how the file was cut into chunks (or on -j).
 *
 * Threads: the pipeline gives each file one thread of its OpenMP team. When S threads
 * of the team have no file (CimChunk.spare: one large file, or the last of a corpus),
 * a chunk of 256 KiB or more is cut into up to 32*(S+1) (at most 128) segments
 * (segment.h) at positions "[A-Za-z]|[ ][A-Za-z]" (before a space between two ASCII
 * letters): no pattern lets a piece holding a letter take a following space, none
 * looks behind, and the UTF-8 repair restarts cleanly at an ASCII byte, so each
 * segment can be repaired and counted alone and the sum equals the whole text's count.
 * Segments are OpenMP tasks, not a nested team: a thread of the team that has no file
 * left waits at the file loop's barrier, where it runs other threads' tasks, while a
 * thread busy with a file of its own runs only its own (a taskgroup waits only for its
 * descendants). So one large file gets every idle thread, a corpus of many files is
 * never oversubscribed (with no idle thread a chunk is counted in one piece), and
 * counts never depend on who ran what (tested: -j 1 = -j 2). Each thread counts
 * with its own piece cache, kept in thread-local storage across files (bounded, one
 * per spec).
 */
#include <omp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cim_config.h"
#include "common/err.h"
#include "common/utf8.h"
#include "tiktoken_bpe.h"
#include "tiktoken_pretok.h"
#include "segment.h"
#include "tokenizer.h"

#define CIM_TT_MAX_CARRY   (1u << 20)
#define CIM_TT_CACHE_LOG2  16          /* 64K entries x 48 B = 3 MiB per thread and spec */

typedef struct TtConf {
    char        *encoding;   /* option: name or rank file path */
    char        *pattern;    /* option: cl100k|o200k|r50k, for rank files */
    CimTtRanks   ranks;
    CimTtPattern pat;
    unsigned     id;         /* process-unique, keys the thread-local caches */
    uint64_t     vocab;      /* tiktoken's n_vocab: largest token id (rank or special) + 1 */
} TtConf;

typedef struct TtState {
    uint8_t   *buf;          /* clean UTF-8: the carried tail, then the new text */
    size_t     len, cap;
    CimUtf8Carry carry;      /* an incomplete UTF-8 sequence ending the last chunk */
    uint64_t   tokens;
} TtState;

static const struct {
    const char  *name;
    CimTtPattern pat;
    const char  *sha256;     /* tiktoken_ext/openai_public.py expected_hash */
    uint32_t     last_special;   /* largest special token id of the encoding (same file) */
} known[] = {
    {"r50k_base",   CIM_TT_PAT_R50K,   "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930", 50256},
    {"p50k_base",   CIM_TT_PAT_R50K,   "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069", 50256},
    {"cl100k_base", CIM_TT_PAT_CL100K, "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7", 100276},
    {"o200k_base",  CIM_TT_PAT_O200K,  "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d", 200018},
};
static const char *const pat_names[] = {"r50k", "cl100k", "o200k"};

#define OFFSET(field) offsetof(TtConf, field)
static const CimOption tt_options[] = {
    {"encoding", "r50k_base, p50k_base, cl100k_base, o200k_base, or a .tiktoken file",
     OFFSET(encoding), CIM_OPT_STRING, 0, 0, 0, NULL, 0, NULL},
    {"pattern", "pre-tokenizer for a rank file: cl100k (Llama 3), o200k or r50k",
     OFFSET(pattern), CIM_OPT_STRING, 0, 0, 0, NULL, 0, NULL},
    {NULL}
};
static const char *const tt_shorthand[] = {"encoding", "pattern", NULL};

/* ---- set-up --------------------------------------------------------------- */

static int tt_init(void *conf, char *canon, size_t canon_n, char *model_path,
                   size_t model_path_n, CimErr *e)
{
    static atomic_uint next_id = 1;
    TtConf *c = conf;
    char path[4096];
    CIM_RETURN_IF(!c->encoding || !*c->encoding, e, CIM_ERR_USAGE,
                  "tiktoken needs an encoding: text:tiktoken:cl100k_base (or r50k_base, p50k_base, "
                  "o200k_base, or a .tiktoken file)");
    size_t len = strlen(c->encoding);
    int is_file = strchr(c->encoding, '/') || (len > 9 && !strcmp(c->encoding + len - 9, ".tiktoken"));
    int pat = -1;
    if (c->pattern) {
        for (int i = 0; i < 3; i++)
            if (!strcmp(c->pattern, pat_names[i])) pat = i;
        CIM_RETURN_IF(pat < 0, e, CIM_ERR_USAGE, "pattern must be cl100k, o200k or r50k, not '%s'", c->pattern);
    }
    if (is_file) {
        CIM_RETURN_IF(!cim_tok_file_exists(c->encoding), e, CIM_ERR_MODEL, "rank file %s not found", c->encoding);
        snprintf(path, sizeof path, "%s", c->encoding);
        c->pat = pat < 0 ? CIM_TT_PAT_CL100K : (CimTtPattern)pat;
        char quoted[4096 * 2 + 3];
        CIM_RETURN_IF(cim_opt_quote(c->encoding, quoted, sizeof quoted) < 0, e, CIM_ERR_USAGE,
                      "rank file path too long");
        snprintf(canon, canon_n, "%s,pattern=%s", quoted, pat_names[c->pat]);
    } else {
        size_t k = 0;
        while (k < sizeof known / sizeof *known && strcmp(known[k].name, c->encoding)) k++;
        CIM_RETURN_IF(k == sizeof known / sizeof *known, e, CIM_ERR_USAGE,
                      "unknown tiktoken encoding '%s' (r50k_base, p50k_base, cl100k_base, o200k_base, "
                      "or a path to a .tiktoken file)", c->encoding);
        CIM_RETURN_IF(pat >= 0 && (CimTtPattern)pat != known[k].pat, e, CIM_ERR_USAGE,
                      "%s has the %s pattern; pattern= is for rank files", known[k].name,
                      pat_names[known[k].pat]);
        char rel[256];
        snprintf(rel, sizeof rel, "%s.tiktoken", known[k].name);
        CIM_CHECK(cim_tok_data_file(rel, known[k].sha256, "rank file", path, sizeof path, e));
        c->pat = known[k].pat;
        snprintf(canon, canon_n, "%s", known[k].name);
        c->vocab = (uint64_t)known[k].last_special + 1;
    }
    CIM_CHECK(cim_tt_ranks_load(&c->ranks, path, e));
    /* n_vocab as tiktoken defines it: the largest id, rank or special, plus one (a rank
     * file by path has no specials that cimeter knows of). */
    for (size_t i = 0; i <= c->ranks.mask; i++)
        if (c->ranks.slots[i].hash && (uint64_t)c->ranks.slots[i].rank + 1 > c->vocab)
            c->vocab = (uint64_t)c->ranks.slots[i].rank + 1;
    snprintf(model_path, model_path_n, "%s", path);
    c->id = atomic_fetch_add(&next_id, 1);
    return 0;
}

static uint64_t tt_vocab(const void *conf)
{
    return ((const TtConf *)conf)->vocab;
}

static void tt_uninit(void *conf)
{
    cim_tt_ranks_free(&((TtConf *)conf)->ranks);
}

/* ---- per-thread piece caches ---------------------------------------------- */

typedef struct TlsCache {
    unsigned   id;           /* TtConf.id, 0 = unused */
    CimTtCache cache;
} TlsCache;
static _Thread_local TlsCache tls_caches[4];

/* This thread's cache for conf c (NULL when out of memory). Caches of specs that
 * are gone are reused in turn; each is bounded (CIM_TT_CACHE_LOG2). */
static CimTtCache *thread_cache(const TtConf *c)
{
    static _Thread_local unsigned evict;
    for (int i = 0; i < 4; i++)
        if (tls_caches[i].id == c->id) return &tls_caches[i].cache;
    TlsCache *t = NULL;
    for (int i = 0; i < 4 && !t; i++)
        if (!tls_caches[i].id) t = &tls_caches[i];
    if (!t) {
        t = &tls_caches[evict++ % 4];
        cim_tt_cache_free(&t->cache);
        t->id = 0;
    }
    if (cim_tt_cache_init(&t->cache, CIM_TT_CACHE_LOG2) < 0) return NULL;
    t->id = c->id;
    return &t->cache;
}

/* ---- decoding and counting ----------------------------------------------- */

/* Counts the pieces of s[0..n); *done = where the withheld tail starts. A piece that
 * is, or may grow, longer than CIM_TT_MAX_CARRY ends the text 1 MiB after its start
 * (see the top of this file): that part is counted as a text of its own. */
static int count_text(const TtConf *c, CimTtCache *cache, const uint8_t *s, size_t n, int final,
                      size_t *done, uint64_t *tokens)
{
    size_t i = 0;
    uint64_t t = 0;
    while (i < n) {
        size_t end = cim_tt_next_piece(c->pat, s, i, n, final);
        if ((end ? end : n) - i > CIM_TT_MAX_CARRY) {
            size_t cut = i + cim_utf8_floor(s + i, CIM_TT_MAX_CARRY), rest = 0;
            int rc = count_text(c, cache, s + i, cut - i, 1, &rest, &t);
            if (rc < 0) return rc;
            i = cut;
            continue;
        }
        if (!end) break;
        uint64_t k = cim_tt_count_piece(&c->ranks, cache, s + i, end - i);
        if (k == UINT64_MAX) return CIM_ERR_NOMEM;
        t += k;
        i = end;
    }
    *done = i;
    *tokens += t;
    return 0;
}

static inline int ascii_letter(uint8_t b) { return (uint8_t)((b | 0x20) - 'a') < 26; }

/* A cut at or after `from` (before a space between two ASCII letters), or n. */
static size_t safe_cut(const uint8_t *s, size_t from, size_t n)
{
    for (size_t p = from ? from : 1; p + 1 < n; p++) {
        const uint8_t *sp = memchr(s + p, ' ', n - 1 - p);
        if (!sp) break;
        p = (size_t)(sp - s);
        if (p >= 1 && ascii_letter(s[p - 1]) && ascii_letter(s[p + 1])) return p;
    }
    return n;
}

/* After counting: keep the withheld tail buf[done..end) (at most CIM_TT_MAX_CARRY
 * bytes) as the next carry. */
static void keep_tail(TtState *st, size_t done, size_t end)
{
    memmove(st->buf, st->buf + done, end - done);
    st->len = end - done;
}

/* One thread: repair in[0..n) after the carry, count, keep the tail. */
static int feed_serial(const TtConf *c, TtState *st, CimTtCache *cache, const uint8_t *in, size_t n,
                       int final, CimErr *e)
{
    CIM_RETURN_IF(cim_utf8_carry_decode(&st->carry, in, n, final, &st->buf, &st->cap, &st->len) < 0,
                  e, CIM_ERR_NOMEM, "out of memory");
    size_t done = 0;
    int rc = count_text(c, cache, st->buf, st->len, final, &done, &st->tokens);
    CIM_RETURN_IF(rc < 0, e, rc, "out of memory");
    keep_tail(st, done, st->len);
    return 0;
}

/* Idle threads: in[0..n) is cut at safe positions (see the top of this file; they are
 * ASCII, so the UTF-8 repair restarts cleanly there too) into segments (segment.h);
 * each task repairs one into its own region of buf (segment k at carry + 3 * cut[k] +
 * 16 * k, room for the worst case) and counts it with the running thread's cache.
 * Segment 0 starts with the carry. */
static int feed_parallel(const TtConf *c, TtState *st, const uint8_t *in, size_t n, int final,
                         int nseg, const size_t *cut, CimErr *e)
{
    size_t base = st->len;
    CIM_RETURN_IF(cim_bytes_reserve(&st->buf, &st->cap, base + 3 * n + 16 * (size_t)(nseg + 1)) < 0, e,
                  CIM_ERR_NOMEM, "out of memory");
    uint64_t tok[CIM_SEG_MAX] = {0};
    size_t start[CIM_SEG_MAX], end[CIM_SEG_MAX], done[CIM_SEG_MAX], used_last = 0;
    int rc[CIM_SEG_MAX] = {0};
    uint8_t *buf = st->buf;
    #pragma omp taskgroup
    for (int k = 0; k < nseg; k++) {
        #pragma omp task default(none) firstprivate(k) \
                         shared(c, buf, in, cut, nseg, base, final, start, end, done, tok, rc, used_last)
        {
            int lastseg = k + 1 == nseg;
            size_t off = base + 3 * cut[k] + 16 * (size_t)k, olen = off;
            size_t used = cim_utf8_repair(in + cut[k], cut[k + 1] - cut[k], lastseg ? final : 1, buf, &olen);
            if (lastseg) used_last = used;
            start[k] = k ? off : 0;
            end[k] = olen;
            CimTtCache *cache = thread_cache(c);
            rc[k] = !cache ? CIM_ERR_NOMEM
                           : count_text(c, cache, buf + start[k], end[k] - start[k], lastseg ? final : 1,
                                        &done[k], &tok[k]);
        }
    }
    for (int k = 0; k < nseg; k++) {
        CIM_RETURN_IF(rc[k] < 0, e, rc[k], "out of memory");
        st->tokens += tok[k];
    }
    size_t lastn = n - cut[nseg - 1];
    cim_utf8_carry_keep(&st->carry, in + cut[nseg - 1], used_last, lastn);
    int l = nseg - 1;
    keep_tail(st, start[l] + done[l], end[l]);
    return 0;
}

static int tt_feed(const void *conf, void *state, const CimChunk *chunk, CimErr *e)
{
    const TtConf *c = conf;
    TtState *st = state;
    const uint8_t *in = chunk->data;
    size_t n = chunk->len;
    /* finish the sequence the last chunk cut */
    CIM_RETURN_IF(cim_utf8_carry_join(&st->carry, &in, &n) < 0, e, CIM_ERR_NOMEM, "out of memory");
    size_t cut[CIM_SEG_MAX + 1];
    int nseg = cim_segments(in, n, chunk->spare, safe_cut, cut);
    if (nseg > 1) return feed_parallel(c, st, in, n, chunk->last, nseg, cut, e);
    CimTtCache *cache = thread_cache(c);
    CIM_RETURN_IF(!cache, e, CIM_ERR_NOMEM, "out of memory");
    return feed_serial(c, st, cache, in, n, chunk->last, e);
}

static int tt_finish(const void *conf, void *state, const CimGeometry *g, uint64_t *tokens, CimErr *e)
{
    TtState *st = state;
    if (st->carry.npend || st->len) {  /* no chunk said last: flush */
        CimChunk end = {.kind = CIM_CHUNK_TEXT, .data = (const uint8_t *)"", .len = 0, .last = 1};
        CIM_CHECK(tt_feed(conf, state, &end, e));
    }
    *tokens = st->tokens;
    return 0;
}

static void tt_release(const void *conf, void *state)
{
    TtState *st = state;
    free(st->buf);
    cim_utf8_carry_free(&st->carry);
    memset(st, 0, sizeof *st);
}

const CimTokenizer cim_tok_tiktoken = {
    .name       = "tiktoken",
    .modality   = CIM_MOD_TEXT,
    .help       = "tiktoken BPE (r50k_base, p50k_base, cl100k_base, o200k_base or a .tiktoken file)",
    .options    = tt_options,
    .shorthand  = tt_shorthand,
    .conf_size  = sizeof(TtConf),
    .state_size = sizeof(TtState),
    .caps       = CIM_NEED_TEXT,
    .init       = tt_init,
    .feed       = tt_feed,
    .finish     = tt_finish,
    .release    = tt_release,
    .uninit     = tt_uninit,
    .vocab_size = tt_vocab,
};
