/*
 * sp_model.c — the counting engine's model: a serialized ModelProto (from
 * libsentencepiece, which loaded and checked it) parsed with protobuf-c into the
 * vocabulary, the normalizer's settings and the trainer's flags that Encode obeys.
 */
#include <float.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sp_engine.h"
#include "sp_model.pb-c.h"

uint64_t cim_sp_hash_step(uint64_t h, uint8_t b)
{
    return (h ^ b) * 0x100000001b3ull;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = CIM_SP_HASH_INIT;
    for (size_t i = 0; i < n; i++) h = cim_sp_hash_step(h, (uint8_t)s[i]);
    return h;
}

const CimSpEntry *cim_sp_vocab_find(const CimSpVocab *v, uint64_t h, const char *s, size_t n)
{
    for (size_t i = (size_t)h & v->mask;; i = (i + 1) & v->mask) {
        const CimSpEntry *e = &v->slot[i];
        if (!e->len) return NULL;
        if (e->hash == h && e->len == n && !memcmp(v->bytes + e->off, s, n)) return e;
    }
}

int cim_sp_piece_to_id(const CimSpVocab *v, const char *s, size_t n)
{
    const CimSpEntry *e = cim_sp_vocab_find(v, hash_bytes(s, n), s, n);
    if (e && e->reserved_id >= 0) return e->reserved_id;
    if (e && e->normal_id >= 0) return e->normal_id;
    return v->unk_id;
}

static int vocab_grow(CimSpVocab *v)
{
    size_t cap = v->mask ? 2 * (v->mask + 1) : 1024;
    CimSpEntry *slot = calloc(cap, sizeof *slot);
    if (!slot) return -1;
    for (size_t i = 0; v->mask && i <= v->mask; i++) {
        const CimSpEntry *e = &v->slot[i];
        if (!e->len) continue;
        size_t k = (size_t)e->hash & (cap - 1);
        while (slot[k].len) k = (k + 1) & (cap - 1);
        slot[k] = *e;
    }
    free(v->slot);
    v->slot = slot;
    v->mask = cap - 1;
    return 0;
}

/* The entry of bytes[off..off+n), created (no ids, no flags) when absent. */
static CimSpEntry *vocab_entry(CimSpVocab *v, uint32_t off, uint32_t n)
{
    if (2 * (v->used + 1) > v->mask + 1 && vocab_grow(v) < 0) return NULL;
    const char *s = v->bytes + off;
    uint64_t h = hash_bytes(s, n);
    size_t i = (size_t)h & v->mask;
    for (;; i = (i + 1) & v->mask) {
        CimSpEntry *e = &v->slot[i];
        if (!e->len) break;
        if (e->hash == h && e->len == n && !memcmp(v->bytes + e->off, s, n)) return e;
    }
    CimSpEntry *e = &v->slot[i];
    *e = (CimSpEntry){.hash = h, .off = off, .len = n, .normal_id = -1, .reserved_id = -1};
    v->used++;
    return e;
}

int cim_sp_vocab_init(CimSpVocab *v, int npieces)
{
    memset(v, 0, sizeof *v);
    v->npieces = npieces;
    v->unk_id = -1;
    v->score = calloc((size_t)npieces + 1, sizeof *v->score);
    v->type = calloc((size_t)npieces + 1, sizeof *v->type);
    v->piece_len = calloc((size_t)npieces + 1, sizeof *v->piece_len);
    v->piece_off = calloc((size_t)npieces + 1, sizeof *v->piece_off);
    if (!v->score || !v->type || !v->piece_len || !v->piece_off || vocab_grow(v) < 0) return -1;
    return 0;
}

/* Adds piece `id`. The first piece of a string wins in each of SentencePiece's two maps
 * (normal/user/unused, and unknown/control/byte), as its loader requires. */
int cim_sp_vocab_add(CimSpVocab *v, int id, const char *piece, size_t n, float score, int type)
{
    if (id < 0 || id >= v->npieces || !n || n > UINT32_MAX / 2) return -1;
    if (v->bytes_len + n > v->bytes_cap) {
        size_t cap = v->bytes_cap ? 2 * v->bytes_cap : 1 << 16;
        while (cap < v->bytes_len + n) cap *= 2;
        char *b = realloc(v->bytes, cap);
        if (!b) return -1;
        v->bytes = b;
        v->bytes_cap = cap;
    }
    uint32_t off = (uint32_t)v->bytes_len;
    memcpy(v->bytes + off, piece, n);
    v->bytes_len += n;
    v->score[id] = score;
    v->type[id] = (uint8_t)type;
    v->piece_len[id] = (uint32_t)n;
    v->piece_off[id] = off;
    int normal = type == CIM_SP_NORMAL || type == CIM_SP_USER || type == CIM_SP_UNUSED;
    CimSpEntry *e = vocab_entry(v, off, (uint32_t)n);
    if (!e) return -1;
    if (normal && e->normal_id < 0) e->normal_id = id;
    if (!normal && e->reserved_id < 0) e->reserved_id = id;
    if (type == CIM_SP_UNKNOWN && v->unk_id < 0) v->unk_id = id;
    if (type == CIM_SP_USER) {
        v->has_user = 1;
        v->user_first[(uint8_t)piece[0]] = 1;
        if ((int)n > v->max_user_len) v->max_user_len = (int)n;
    }
    if (type == CIM_SP_UNUSED) v->has_unused = 1;
    if (type != CIM_SP_USER) return 0;
    for (uint32_t k = 1; k <= n; k++) {   /* prefixes: where a user piece's match may grow */
        e = vocab_entry(v, off, k);
        if (!e) return -1;
        e->flags |= CIM_SP_USER_PREFIX;
    }
    return 0;
}

void cim_sp_vocab_free(CimSpVocab *v)
{
    free(v->score);
    free(v->type);
    free(v->piece_len);
    free(v->piece_off);
    free(v->bytes);
    free(v->slot);
    memset(v, 0, sizeof *v);
}

/* Whether the root of the character map's double array has a transition on b. */
static int trie_root_has(const CimSpNorm *nm, uint8_t b)
{
    if (!nm->trie_units) return 0;
    size_t pos = (size_t)(nm->trie[0] >> 10) << ((nm->trie[0] & (1u << 9)) >> 6);
    pos ^= b;
    return pos < nm->trie_units && (nm->trie[pos] & ((1u << 31) | 0xFF)) == b;
}

/* Whether no rule of the character map can match at a character encoded as s[0..n):
 * the double array has no path through all its bytes, and no rule ends inside it. */
static int trie_misses(const CimSpNorm *nm, const uint8_t *s, size_t n)
{
    if (!nm->trie_units) return 1;
    size_t pos = (size_t)(nm->trie[0] >> 10) << ((nm->trie[0] & (1u << 9)) >> 6);
    for (size_t k = 0; k < n; k++) {
        pos ^= s[k];
        if (pos >= nm->trie_units) return 1;
        uint32_t unit = nm->trie[pos];
        if ((unit & ((1u << 31) | 0xFF)) != s[k]) return 1;
        if ((unit >> 8) & 1) return 0;
        pos ^= (size_t)(unit >> 10) << ((unit & (1u << 9)) >> 6);
    }
    return 0;
}

/* ASCII bytes with no rule of their own after which only rules that go on with a
 * non-ASCII byte start (letters that begin a base + combining mark sequence). */
static void ascii_pass(CimSpNorm *nm, const CimSpVocab *v)
{
    for (int b = 0; b < 128; b++) {
        nm->ascii_pass[b] = nm->plain[b];
        if (nm->plain[b] || v->user_first[b]) continue;
        size_t pos = (size_t)(nm->trie[0] >> 10) << ((nm->trie[0] & (1u << 9)) >> 6);
        pos ^= (size_t)b;
        uint32_t unit = nm->trie[pos];
        if ((unit >> 8) & 1) continue;   /* a rule ends here */
        pos ^= (size_t)(unit >> 10) << ((unit & (1u << 9)) >> 6);
        int ascii_next = 0;
        for (size_t c = 1; c < 128 && !ascii_next; c++)
            ascii_next = (pos ^ c) < nm->trie_units && (nm->trie[pos ^ c] & ((1u << 31) | 0xFF)) == c;
        nm->ascii_pass[b] = !ascii_next;
    }
}

/* For each ASCII byte: the replacement offset of a rule that is that byte alone and that
 * no longer rule extends, else -1. */
static void ascii_rules(CimSpNorm *nm, const CimSpVocab *v)
{
    for (int b = 0; b < 128; b++) {
        nm->ascii_rule[b] = -1;
        if (!nm->trie_units || nm->plain[b] || v->user_first[b]) continue;
        size_t pos = (size_t)(nm->trie[0] >> 10) << ((nm->trie[0] & (1u << 9)) >> 6);
        pos ^= (size_t)b;
        uint32_t unit = nm->trie[pos];
        if (!((unit >> 8) & 1)) continue;
        pos ^= (size_t)(unit >> 10) << ((unit & (1u << 9)) >> 6);
        int longer = 0;
        for (size_t c = 1; c < 256 && !longer; c++)
            longer = (pos ^ c) < nm->trie_units && (nm->trie[pos ^ c] & ((1u << 31) | 0xFF)) == c;
        uint32_t value = pos < nm->trie_units ? nm->trie[pos] & ((1u << 31) - 1) : UINT32_MAX;
        if (!longer && value < nm->repl_len && memchr(nm->repl + value, 0, nm->repl_len - value))
            nm->ascii_rule[b] = (int32_t)value;
    }
}

static int bmp_init(CimSpNorm *nm, const CimSpVocab *v)
{
    nm->bmp_plain = calloc(0x10000 / 8, 1);
    if (!nm->bmp_plain) return -1;
    for (uint32_t cp = 0x80; cp < 0x10000; cp++) {
        if (cp >= 0xD800 && cp < 0xE000) continue;
        uint8_t u[3];
        size_t n;
        if (cp < 0x800) {
            u[0] = (uint8_t)(0xC0 | cp >> 6);
            u[1] = (uint8_t)(0x80 | (cp & 0x3F));
            n = 2;
        } else {
            u[0] = (uint8_t)(0xE0 | cp >> 12);
            u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
            u[2] = (uint8_t)(0x80 | (cp & 0x3F));
            n = 3;
        }
        if (!v->user_first[u[0]] && trie_misses(nm, u, n))
            nm->bmp_plain[cp >> 3] |= (uint8_t)(1u << (cp & 7));
    }
    return 0;
}

/* Where words may be cut without changing the count: 1 before each U+2581, 2 after,
 * 0 never (some piece holds one inside). */
static int word_split(const CimSpVocab *v, int escape_ws, int ws_suffix)
{
    if (!escape_ws) return 0;
    int before = 1, after = 1;
    for (int id = 0; id < v->npieces; id++) {
        int t = v->type[id];
        if (t != CIM_SP_NORMAL && t != CIM_SP_USER && t != CIM_SP_UNUSED) continue;
        const char *p = cim_sp_piece_bytes(v, id);
        size_t n = v->piece_len[id];
        for (size_t k = 0; k + 3 <= n; k++) {
            if (memcmp(p + k, "\xe2\x96\x81", 3)) continue;
            if (k > 0) before = 0;
            if (k + 3 < n) after = 0;
        }
    }
    if (ws_suffix) return after ? 2 : before ? 1 : 0;
    return before ? 1 : after ? 2 : 0;
}

int cim_sp_model_init(CimSpModel *m, const uint8_t *proto, size_t n, char *err, size_t errn)
{
    static atomic_uint next_id = 1;
    memset(m, 0, sizeof *m);
    Cimsp__ModelProto *mp = cimsp__model_proto__unpack(NULL, n, proto);
    if (!mp) {
        snprintf(err, errn, "the model's ModelProto does not parse");
        return -1;
    }
    m->proto = mp;
    Cimsp__TrainerSpec tdef = CIMSP__TRAINER_SPEC__INIT;
    Cimsp__NormalizerSpec ndef = CIMSP__NORMALIZER_SPEC__INIT;
    const Cimsp__TrainerSpec *ts = mp->trainer_spec ? mp->trainer_spec : &tdef;
    const Cimsp__NormalizerSpec *ns = mp->normalizer_spec ? mp->normalizer_spec : &ndef;
    m->type = ts->model_type;
    if (m->type != CIM_SP_UNIGRAM && m->type != CIM_SP_BPE) {
        snprintf(err, errn, "model type %d (word or char) is counted by libsentencepiece only",
                 m->type);
        goto fail;
    }
    m->byte_fallback = ts->byte_fallback;
    CimSpVocab *v = &m->vocab;
    if (cim_sp_vocab_init(v, (int)mp->n_pieces) < 0) goto nomem;
    m->min_score = FLT_MAX;
    m->max_score = FLT_MIN;   /* as unigram_model.cc starts it: the smallest positive float */
    for (size_t i = 0; i < mp->n_pieces; i++) {
        const Cimsp__ModelProto__SentencePiece *sp = mp->pieces[i];
        if (!sp->piece.len) {
            snprintf(err, errn, "piece %zu is empty", i);
            goto fail;
        }
        if (cim_sp_vocab_add(v, (int)i, (const char *)sp->piece.data, sp->piece.len, sp->score,
                             sp->type) < 0)
            goto nomem;
        if (sp->type == CIM_SP_NORMAL) {
            if (sp->score < m->min_score) m->min_score = sp->score;
            if (sp->score > m->max_score) m->max_score = sp->score;
        }
    }
    if (v->unk_id < 0) {
        snprintf(err, errn, "the model has no unknown piece");
        goto fail;
    }
    m->unk_score = m->min_score - 10.0f;
    if (m->type == CIM_SP_BPE && v->has_unused) {
        snprintf(err, errn, "BPE with unused pieces is counted by libsentencepiece only");
        goto fail;
    }
    CimSpNorm *nm = &m->norm;
    nm->add_dummy_prefix = ns->add_dummy_prefix;
    nm->remove_extra_ws = ns->remove_extra_whitespaces;
    nm->escape_ws = ns->escape_whitespaces;
    nm->ws_suffix = ts->treat_whitespace_as_suffix;
    if (ns->has_precompiled_charsmap && ns->precompiled_charsmap.len) {
        const uint8_t *blob = ns->precompiled_charsmap.data;
        size_t len = ns->precompiled_charsmap.len;
        uint32_t trie_size = 0;
        if (len > 4) memcpy(&trie_size, blob, 4);
        if (len <= 4 || trie_size >= len || trie_size % 4 || ((uintptr_t)(blob + 4) & 3)) {
            snprintf(err, errn, "the normalization rules are broken");
            goto fail;
        }
        nm->trie = (const uint32_t *)(const void *)(blob + 4);
        nm->trie_units = trie_size / 4;
        nm->repl = (const char *)blob + 4 + trie_size;
        nm->repl_len = len - 4 - trie_size;
    }
    for (int b = 0; b < 0x80; b++)
        nm->plain[b] = !trie_root_has(nm, (uint8_t)b) && !v->user_first[b];
    ascii_rules(nm, v);
    ascii_pass(nm, v);
    for (int b = 0; b < 0x80; b++)
        nm->copy[b] = b == ' ' ? 0 : nm->plain[b] ? 1 : nm->ascii_pass[b] ? 2 : 0;
    nm->ascii_block = 1;
    for (int b = 0x21; b < 0x7F; b++) nm->ascii_block &= nm->copy[b] != 0;
    if (bmp_init(nm, v) < 0) goto nomem;
    m->split = word_split(v, nm->escape_ws, nm->ws_suffix);
    if (m->type == CIM_SP_BPE && cim_sp_pairs_init(&m->pairs, v) < 0) goto nomem;
    if (m->type == CIM_SP_UNIGRAM && cim_sp_trie_init(&m->trie, v) < 0) goto nomem;
    m->id = atomic_fetch_add(&next_id, 1);
    return 0;
nomem:
    snprintf(err, errn, "out of memory");
fail:
    cim_sp_model_free(m);
    return -1;
}

void cim_sp_model_free(CimSpModel *m)
{
    cim_sp_vocab_free(&m->vocab);
    cim_sp_pairs_free(&m->pairs);
    cim_sp_trie_free(&m->trie);
    free(m->norm.bmp_plain);
    if (m->proto) cimsp__model_proto__free_unpacked(m->proto, NULL);
    memset(m, 0, sizeof *m);
}
