/*
 * hf_wordpiece.c — the WordPiece and WordLevel models of a tokenizer.json, counted as the
 * Rust tokenizers library tokenizes (models/wordpiece/mod.rs, models/wordlevel/mod.rs).
 *
 * WordPiece: a word longer than max_input_chars_per_word characters is one unknown token;
 * otherwise, from the word's start, the longest vocabulary entry that matches (after the
 * first piece, continuing_subword_prefix + the text) is taken, and if at some point no
 * entry matches at all, the whole word is one unknown token.
 * WordLevel: one token per word (the word's own, or the unknown one).
 * Both need their unk_token in the vocabulary (the library fails on an unknown word
 * otherwise), so a file without it is refused.
 */
#include <stdlib.h>
#include <string.h>
#include "hf.h"

typedef struct Words {
    CimSpVocab vocab;       /* the vocabulary, by bytes */
    uint64_t   size;        /* largest id + 1 */
    char      *prefix;      /* WordPiece's continuing_subword_prefix */
    size_t     prefix_len;
    uint64_t   prefix_hash; /* hash of the prefix bytes, to continue over the text */
    size_t     max_chars;   /* max_input_chars_per_word */
    size_t     max_len;     /* longest entry in bytes */
} Words;

static void words_free(void *self)
{
    Words *w = self;
    if (!w) return;
    cim_sp_vocab_free(&w->vocab);
    free(w->prefix);
    free(w);
}

static uint64_t hash_more(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) h = cim_sp_hash_step(h, (uint8_t)s[i]);
    return h;
}

static int64_t lookup(const Words *w, uint64_t h, const char *s, size_t n)
{
    const CimSpEntry *e = n ? cim_sp_vocab_find(&w->vocab, h, s, n) : NULL;
    return e && e->normal_id >= 0 ? e->normal_id : -1;
}

/* The vocabulary's entries in file order, gathered for words_new. */
typedef struct Entries {
    const char **key;
    size_t      *len;
    int32_t     *id;
    size_t       n;
    const char  *model;
    char        *err;
    size_t       errn;
} Entries;

static int gather(void *ctx, const CimHfEntry *e)
{
    Entries *all = ctx;
    if (e->v.type != JSON_INTEGER || e->v.i < 0 || e->v.i >= INT32_MAX / 2) {
        snprintf(all->err, all->errn, "model '%s': the id of '%.*s' is not a small integer",
                 all->model, (int)(e->key_len < 40 ? e->key_len : 40), e->key);
        return 1;
    }
    all->key[all->n] = e->key;
    all->len[all->n] = e->key_len;
    all->id[all->n] = (int32_t)e->v.i;
    all->n++;
    return 0;
}

/* Reads "vocab" (token -> id) and checks unk_token; shared by both models. */
static Words *words_new(const json_t *cfg, const CimHfList *vocab, const char *model, char *err,
                        size_t errn)
{
    const json_t *unk = json_object_get(cfg, "unk_token");
    if (!vocab->present || vocab->type != JSON_OBJECT) {
        snprintf(err, errn, "model '%s' needs a vocab object", model);
        return NULL;
    }
    size_t cap = vocab->size ? vocab->size : 1;
    Entries all = {malloc(cap * sizeof *all.key), malloc(cap * sizeof *all.len),
                   malloc(cap * sizeof *all.id), 0, model, err, errn};
    Words *w = calloc(1, sizeof *w);
    if (!w || !all.key || !all.len || !all.id) {
        snprintf(err, errn, "out of memory");
        goto fail;
    }
    if (cim_hf_list_each(vocab, gather, &all)) goto fail;
    int32_t max_id = -1;
    for (size_t k = 0; k < all.n; k++)
        if (all.id[k] > max_id) max_id = all.id[k];
    if (cim_sp_vocab_init(&w->vocab, (int)max_id + 1) < 0) {
        snprintf(err, errn, "out of memory");
        goto fail;
    }
    /* Last entry first: a token given twice takes its last id, as the library's map does,
     * and the vocabulary keeps the first it is given. */
    max_id = -1;
    for (size_t k = all.n; k-- > 0;) {
        size_t n = all.len[k];
        if (!n || lookup(w, hash_more(CIM_SP_HASH_INIT, all.key[k], n), all.key[k], n) >= 0)
            continue;
        if (cim_sp_vocab_add(&w->vocab, all.id[k], all.key[k], n, 0.0f, CIM_SP_NORMAL) < 0) {
            snprintf(err, errn, "out of memory");
            goto fail;
        }
        if (all.id[k] > max_id) max_id = all.id[k];
        if (n > w->max_len) w->max_len = n;
    }
    w->size = (uint64_t)(max_id + 1);
    const char *u = json_string_value(unk);
    if (!u || lookup(w, hash_more(CIM_SP_HASH_INIT, u, strlen(u)), u, strlen(u)) < 0) {
        snprintf(err, errn, "model '%s': unk_token '%s' is not in the vocabulary (the library "
                 "fails on unknown words)", model, u ? u : "");
        goto fail;
    }
    free(all.key);
    free(all.len);
    free(all.id);
    return w;
fail:
    free(all.key);
    free(all.len);
    free(all.id);
    words_free(w);
    return NULL;
}

static int wordpiece_init(void **self, const json_t *cfg, const CimHfModelLists *lists, char *err,
                          size_t errn)
{
    Words *w = words_new(cfg, &lists->vocab, "WordPiece", err, errn);
    if (!w) return -1;
    const json_t *prefix = json_object_get(cfg, "continuing_subword_prefix");
    const char *p = json_is_string(prefix) ? json_string_value(prefix) : "##";
    w->prefix_len = strlen(p);
    w->prefix = malloc(w->prefix_len + 1);
    if (!w->prefix) {
        words_free(w);
        snprintf(err, errn, "out of memory");
        return -1;
    }
    memcpy(w->prefix, p, w->prefix_len + 1);
    w->prefix_hash = hash_more(CIM_SP_HASH_INIT, p, w->prefix_len);
    const json_t *max = json_object_get(cfg, "max_input_chars_per_word");
    w->max_chars = json_is_integer(max) && json_integer_value(max) >= 0
                 ? (size_t)json_integer_value(max) : 100;
    *self = w;
    return 0;
}

static int64_t wordpiece_count(const void *self, CimSpBuf *scratch, const char *s, size_t n)
{
    const Words *w = self;
    if (n == 0) return 0;
    size_t chars = 0;
    for (size_t i = 0; i < n; i++) chars += ((uint8_t)s[i] & 0xC0) != 0x80;
    if (chars > w->max_chars) return 1;
    if (cim_sp_buf_reserve(scratch, w->prefix_len + n) < 0) return -1;
    memcpy(scratch->p, w->prefix, w->prefix_len);
    int64_t tokens = 0;
    size_t start = 0;
    while (start < n) {
        size_t extra = start ? w->prefix_len : 0;
        uint64_t h0 = start ? w->prefix_hash : CIM_SP_HASH_INIT;
        if (w->max_len < extra + 1) return 1;
        size_t limit = n - start;
        if (limit > w->max_len - extra) limit = w->max_len - extra;
        /* after the first piece the key is prefix + text, put together in scratch */
        const char *key = s + start;
        if (start) {
            memcpy(scratch->p + w->prefix_len, s + start, limit);
            key = scratch->p;
        }
        /* the hashes of every candidate, then the longest that is an entry */
        size_t found = 0;
        uint64_t h = h0;
        uint64_t hs[256];
        size_t nh = limit < 256 ? limit : 256;
        for (size_t k = 0; k < nh; k++) {
            h = cim_sp_hash_step(h, (uint8_t)s[start + k]);
            hs[k] = h;
        }
        for (size_t len = limit; len > 0; len--) {
            size_t end = start + len;
            if (end < n && ((uint8_t)s[end] & 0xC0) == 0x80) continue;   /* not a char edge */
            uint64_t hk = len <= 256 ? hs[len - 1] : hash_more(h0, s + start, len);
            if (lookup(w, hk, key, extra + len) >= 0) {
                found = len;
                break;
            }
        }
        if (!found) return 1;
        tokens++;
        start += found;
    }
    return tokens;
}

static int64_t words_token_id(const void *self, const char *t, size_t n)
{
    const Words *w = self;
    return lookup(w, hash_more(CIM_SP_HASH_INIT, t, n), t, n);
}

static uint64_t words_vocab_size(const void *self)
{
    return ((const Words *)self)->size;
}

const CimHfModelOps cim_hf_model_wordpiece = {"WordPiece", wordpiece_init, wordpiece_count,
                                              words_token_id, words_vocab_size, words_free};

static int wordlevel_init(void **self, const json_t *cfg, const CimHfModelLists *lists, char *err,
                          size_t errn)
{
    Words *w = words_new(cfg, &lists->vocab, "WordLevel", err, errn);
    *self = w;
    return w ? 0 : -1;
}

static int64_t wordlevel_count(const void *self, CimSpBuf *scratch, const char *s, size_t n)
{
    (void)self;
    (void)scratch;
    (void)s;
    return n ? 1 : 0;
}

const CimHfModelOps cim_hf_model_wordlevel = {"WordLevel", wordlevel_init, wordlevel_count,
                                              words_token_id, words_vocab_size, words_free};
