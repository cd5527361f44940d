/*
 * hf_unigram.c — the Unigram model of a tokenizer.json, counted as the Rust tokenizers
 * library's Unigram encodes (models/unigram/model.rs, encode_optimized), which differs
 * from libsentencepiece's in ways that change counts:
 *   - every vocabulary entry is a candidate piece, control tokens such as "</s>" too
 *     (a string listed twice takes its last id and score);
 *   - scores are doubles, and the unknown node scores min_score - 10;
 *   - a character with no one-character piece becomes an unknown node; consecutive
 *     unknown nodes are fused into one string, which then costs one token (the unknown
 *     id), or with byte_fallback one per byte when every byte has its <0xXX> piece;
 *   - at equal path scores the first candidate to reach a position stays (positions are
 *     visited left to right, pieces from a position shortest first).
 * The pieces are indexed with the SentencePiece engine's vocabulary and double-array
 * trie (sp_engine.h), filled as a tokenizer.json front-end should.
 */
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "hf.h"

typedef struct Unigram {
    CimSpVocab vocab;       /* every piece as a normal one: lookups and the trie */
    CimSpTrie  trie;
    double    *score;       /* per id */
    int        npieces;
    int        unk_id;      /* -1: none */
    double     unk_score;
    int        byte_fallback;
    uint8_t    byte_piece[256];  /* <0xXX> is a piece */
} Unigram;

typedef struct Node {
    double  score;
    int32_t start;          /* -1: no path ends here yet */
    int32_t id;
} Node;

static void unigram_free(void *self)
{
    Unigram *u = self;
    if (!u) return;
    cim_sp_trie_free(&u->trie);
    cim_sp_vocab_free(&u->vocab);
    free(u->score);
    free(u);
}

static int64_t piece_id(const CimSpVocab *v, const char *s, size_t n)
{
    uint64_t h = CIM_SP_HASH_INIT;
    for (size_t i = 0; i < n; i++) h = cim_sp_hash_step(h, (uint8_t)s[i]);
    const CimSpEntry *e = n ? cim_sp_vocab_find(v, h, s, n) : NULL;
    return e && e->normal_id >= 0 ? e->normal_id : -1;
}

/* The pieces in file order, gathered for unigram_init (their scores go to u->score). */
typedef struct Pieces {
    Unigram     *u;
    const char **s;
    size_t      *n;
    char        *err;
    size_t       errn;
} Pieces;

static int gather(void *ctx, const CimHfEntry *e)
{
    Pieces *p = ctx;
    if (e->v.type != JSON_ARRAY || e->items < 2 || e->item[0].type != JSON_STRING
        || (e->item[1].type != JSON_INTEGER && e->item[1].type != JSON_REAL)) {
        snprintf(p->err, p->errn, "model 'Unigram': vocab entry %zu is not [piece, score]", e->index);
        return 1;
    }
    p->s[e->index] = e->item[0].s;
    p->n[e->index] = e->item[0].n;
    p->u->score[e->index] = e->item[1].num;
    return 0;
}

static int unigram_init(void **self, const json_t *cfg, const CimHfModelLists *lists, char *err,
                        size_t errn)
{
    const CimHfList *vocab = &lists->vocab;
    const json_t *unk = json_object_get(cfg, "unk_id");
    size_t n = vocab->size;
    if (!vocab->present || vocab->type != JSON_ARRAY || n == 0 || n > INT32_MAX / 2) {
        snprintf(err, errn, "model 'Unigram' needs a non-empty vocab list");
        return -1;
    }
    if (!json_is_integer(unk)) {
        /* The library stops with an error at the first character it has no piece for. */
        snprintf(err, errn, "model 'Unigram' without unk_id is not supported (the library "
                 "fails on characters it has no piece for)");
        return -1;
    }
    Unigram *u = calloc(1, sizeof *u);
    Pieces all = {u, malloc(n * sizeof *all.s), malloc(n * sizeof *all.n), err, errn};
    if (!u || !all.s || !all.n || cim_sp_vocab_init(&u->vocab, (int)n) < 0 ||
        !(u->score = calloc(n, sizeof *u->score))) {
        snprintf(err, errn, "out of memory");
        goto fail;
    }
    u->npieces = (int)n;
    u->unk_id = (int)json_integer_value(unk);
    if (u->unk_id < 0 || (size_t)u->unk_id >= n) {
        snprintf(err, errn, "model 'Unigram': unk_id %d is not in the vocabulary", u->unk_id);
        goto fail;
    }
    u->byte_fallback = json_is_true(json_object_get(cfg, "byte_fallback"));
    if (cim_hf_list_each(vocab, gather, &all)) goto fail;
    double min_score = INFINITY;
    /* Last id first: the vocabulary keeps the first entry of a string, the library the
     * last one. */
    for (size_t k = n; k-- > 0;) {
        if (u->score[k] < min_score) min_score = u->score[k];
        if (all.n[k] && cim_sp_vocab_add(&u->vocab, (int)k, all.s[k], all.n[k], (float)u->score[k],
                                         CIM_SP_NORMAL) < 0) {
            snprintf(err, errn, "out of memory");
            goto fail;
        }
    }
    free(all.s);
    free(all.n);
    u->unk_score = min_score - 10.0;
    if (cim_sp_trie_init(&u->trie, &u->vocab) < 0) {
        snprintf(err, errn, "out of memory");
        unigram_free(u);
        return -1;
    }
    for (int b = 0; b < 256; b++) {
        char name[8];
        snprintf(name, sizeof name, "<0x%02X>", b);
        u->byte_piece[b] = piece_id(&u->vocab, name, 6) >= 0;
    }
    *self = u;
    return 0;
fail:
    free(all.s);
    free(all.n);
    unigram_free(u);
    return -1;
}

static size_t char_len(uint8_t b)
{
    return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

/* Tokens of a fused run of unknown characters s[0..n). */
static int64_t unknown_tokens(const Unigram *u, const char *s, size_t n)
{
    if (piece_id(&u->vocab, s, n) >= 0) return 1;
    if (!u->byte_fallback) return 1;
    for (size_t i = 0; i < n; i++)
        if (!u->byte_piece[(uint8_t)s[i]]) return 1;
    return (int64_t)n;
}

static int64_t unigram_count(const void *self, CimSpBuf *scratch, const char *s, size_t n)
{
    const Unigram *u = self;
    if (n == 0) return 0;
    scratch->len = 0;
    if (cim_sp_buf_reserve(scratch, (n + 1) * sizeof(Node)) < 0) return -1;
    Node *best = (Node *)(void *)scratch->p;
    for (size_t i = 0; i <= n; i++) best[i] = (Node){0.0, -1, -1};
    best[0].start = 0;
    const CimSpUnit *unit = u->trie.unit;
    size_t nunits = u->trie.nunits;
    for (size_t at = 0; at < n;) {
        double till = best[at].score;
        size_t mblen = char_len((uint8_t)s[at]);
        if (mblen > n - at) mblen = n - at;
        int single = 0;
        size_t node = 0;
        for (size_t k = at; k < n && nunits; k++) {
            size_t c = (size_t)unit[node].base + (uint8_t)s[k];
            if (c >= nunits || (size_t)unit[c].check != node) break;
            node = c;
            int id = unit[node].piece;
            if (id < 0) continue;
            size_t end = k + 1;
            double cand = u->score[id] + till;
            Node *t = &best[end];
            if (t->start < 0 || cand > t->score) {
                t->score = cand;
                t->start = (int32_t)at;
                t->id = id;
            }
            if (end - at == mblen) single = 1;
        }
        if (!single) {
            Node *t = &best[at + mblen];
            double cand = u->unk_score + till;
            if (t->start < 0 || cand > t->score) {
                t->score = cand;
                t->start = (int32_t)at;
                t->id = u->unk_id;
            }
        }
        at += mblen;
    }
    int64_t tokens = 0;
    size_t unk_end = 0;     /* end of the pending run of unknown nodes, 0 if none */
    size_t end = n;
    while (end > 0) {
        const Node *t = &best[end];
        size_t start = (size_t)t->start;
        if (t->id == u->unk_id) {
            if (!unk_end) unk_end = end;
        } else {
            if (unk_end) tokens += unknown_tokens(u, s + end, unk_end - end);
            unk_end = 0;
            tokens++;
        }
        end = start;
    }
    if (unk_end) tokens += unknown_tokens(u, s, unk_end);
    return tokens;
}

static int64_t unigram_token_id(const void *self, const char *t, size_t n)
{
    return piece_id(&((const Unigram *)self)->vocab, t, n);
}

static uint64_t unigram_vocab_size(const void *self)
{
    return (uint64_t)((const Unigram *)self)->npieces;
}

const CimHfModelOps cim_hf_model_unigram = {"Unigram", unigram_init, unigram_count,
                                            unigram_token_id, unigram_vocab_size,
                                            unigram_free};
