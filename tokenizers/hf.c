/*
 * hf.c — text:hf:FILE|NAME, a Hugging Face tokenizer.json counted as the Rust `tokenizers`
 * library's encode(text, add_special_tokens=false) counts it (doc/tokenizers.md, hf.h).
 *
 *   NAME   llama3, qwen3, deepseek-v3, gpt-oss, gemma3: DATA/hf/NAME.json, checked against
 *          the SHA-256 that scripts/fetch-tokenizers.sh pins
 *   FILE   any tokenizer.json (a path: contains '/' or ends in .json)
 *
 * The text is the whole file decoded as for tiktoken (each invalid UTF-8 sequence becomes
 * U+FFFD the WHATWG way, a BOM stays U+FEFF). The pipeline is the library's: the added
 * tokens that are not normalized are found in the raw text (leftmost-longest, each with
 * its single_word, lstrip and rstrip rules), each remaining part is normalized and its
 * normalized added tokens found, each part left is pre-tokenized into words, and the
 * model counts each word; an added token is one token. Each thread keeps a memo of word
 * counts (bounded), so a word is merged once per thread.
 *
 * Cutting: the library takes the file in one call, and so does cimeter unless the
 * pipeline provably splits the text at a position; then the text may be counted in
 * pieces cut there and the sum is the same. That position is before a space that stands
 * between two ASCII letters, and the pipeline splits there when: the normalizer is none
 * or Unicode normalization or Lowercase (or a Sequence of these); no added token holds a
 * space or strips spaces on its right (rstrip); and every pre-tokenizer stage is
 * ByteLevel or a Split (Isolated, not inverted) whose regex is one of those known to end
 * every piece holding a letter before a following space and to start a piece at a space
 * before a letter without looking behind (tiktoken's r50k, cl100k, o200k; Qwen's;
 * DeepSeek-V3's three). Such a file is counted as it streams, up to the last cut of what
 * has come so far, and a large piece is cut into segments (segment.h) that idle threads
 * count side by side as tiktoken.c does, so counts never depend on -j.
 *
 * Wall cuts (Gemma 3's pipeline: its whole text is one word): a wall is an ASCII
 * character whose normalized form is one character that is a BPE token taking part in no
 * merge (hf_bpe.h), so it stays one symbol and nothing merges across either side of it.
 * The text splits before and after a wall where no added token occurrence in the text
 * starts before that position and ends after it, since then the leftmost-longest search
 * reaches the position in the whole text as in the piece before it, and starts afresh
 * there. That holds when nothing else looks across it: the model
 * is BPE with cuts (no ByteLevel, prefix, suffix, ignore_merges); the normalizer rewrites
 * each character alone (none, Replace of a one-character String, Sequence of these); the
 * pre-tokenizer is none or a Split on a one-character String, not inverted (which splits
 * only at that character, and a wall never normalizes to it), so a cut splits at most the
 * word it falls in, at the wall; no added token is single_word, lstrip or rstrip; with a
 * normalizer, none is normalized (without one, normalized ones are sought in the raw text
 * too, and checked there). Such a file streams, counted up to its last wall cut whose
 * bytes are all there (an added token spanning it could still be coming), in segments on
 * idle threads. Any other pipeline holds the whole file and counts it in one piece at
 * the end, on one thread.
 */
#include <omp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cim_config.h"
#include "common/err.h"
#include "common/utf8.h"
#include "hf.h"
#include "hf_bpe.h"
#include "hf_unicode.h"
#include "segment.h"
#include "tiktoken_pretok.h"
#include "tokenizer.h"

/* ---- the registries ------------------------------------------------------- */

extern const CimHfNormalizerOps cim_hf_norm_nfc, cim_hf_norm_nfd, cim_hf_norm_nfkc, cim_hf_norm_nfkd,
    cim_hf_norm_lowercase, cim_hf_norm_strip, cim_hf_norm_strip_accents, cim_hf_norm_prepend,
    cim_hf_norm_replace, cim_hf_norm_bert, cim_hf_norm_precompiled, cim_hf_norm_sequence;
extern const CimHfPretokOps cim_hf_pretok_bytelevel, cim_hf_pretok_split, cim_hf_pretok_sequence,
    cim_hf_pre_whitespace_split, cim_hf_pre_bert, cim_hf_pre_whitespace, cim_hf_pre_digits,
    cim_hf_pre_punctuation, cim_hf_pre_metaspace;
extern const CimHfModelOps cim_hf_model_bpe, cim_hf_model_unigram, cim_hf_model_wordpiece,
    cim_hf_model_wordlevel;

const CimHfNormalizerOps *const cim_hf_normalizers[] = {
    &cim_hf_norm_nfc,
    &cim_hf_norm_nfd,
    &cim_hf_norm_nfkc,
    &cim_hf_norm_nfkd,
    &cim_hf_norm_lowercase,
    &cim_hf_norm_strip,
    &cim_hf_norm_strip_accents,
    &cim_hf_norm_prepend,
    &cim_hf_norm_replace,
    &cim_hf_norm_bert,
    &cim_hf_norm_precompiled,
    &cim_hf_norm_sequence,
    NULL
};
const CimHfPretokOps *const cim_hf_pretoks[] = {
    &cim_hf_pretok_bytelevel,
    &cim_hf_pretok_split,
    &cim_hf_pretok_sequence,
    &cim_hf_pre_whitespace_split,
    &cim_hf_pre_bert,
    &cim_hf_pre_whitespace,
    &cim_hf_pre_digits,
    &cim_hf_pre_punctuation,
    &cim_hf_pre_metaspace,
    NULL
};
const CimHfModelOps *const cim_hf_models[] = {
    &cim_hf_model_bpe,
    &cim_hf_model_unigram,
    &cim_hf_model_wordpiece,
    &cim_hf_model_wordlevel,
    NULL
};

/* hf_pretok.c */
int    cim_hf_tt_pattern(const char *regex);
size_t cim_hf_pretok_seq_stages(const void *self, const CimHfPretok **stages);

/* Finds cfg's "type" in a registry (an array of pointers to ops whose first member is
 * the type name). */
static const void *find_type(const void *const *reg, const json_t *cfg, const char *stage,
                             char *err, size_t errn)
{
    const char *type = json_string_value(json_object_get(cfg, "type"));
    if (!type) {
        snprintf(err, errn, "%s without a \"type\"", stage);
        return NULL;
    }
    for (; *reg; reg++)
        if (!strcmp(*(const char *const *)*reg, type)) return *reg;
    snprintf(err, errn, "unsupported %s '%s'", stage, type);
    return NULL;
}

int cim_hf_normalizer_build(CimHfNormalizer *n, const json_t *cfg, char *err, size_t errn)
{
    memset(n, 0, sizeof *n);
    if (!cfg || json_is_null(cfg)) return 0;
    n->ops = find_type((const void *const *)cim_hf_normalizers, cfg, "normalizer", err, errn);
    if (!n->ops) return -1;
    if (n->ops->init(&n->self, cfg, err, errn) < 0) {
        n->ops = NULL;
        return -1;
    }
    return 0;
}

int cim_hf_pretok_build(CimHfPretok *p, const json_t *cfg, char *err, size_t errn)
{
    memset(p, 0, sizeof *p);
    if (!cfg || json_is_null(cfg)) return 0;
    p->ops = find_type((const void *const *)cim_hf_pretoks, cfg, "pre-tokenizer", err, errn);
    if (!p->ops) return -1;
    if (p->ops->init(&p->self, cfg, err, errn) < 0) {
        p->ops = NULL;
        return -1;
    }
    return 0;
}

int cim_hf_model_build(CimHfModel *m, const json_t *cfg, const CimHfModelLists *lists, char *err,
                       size_t errn)
{
    memset(m, 0, sizeof *m);
    if (!cfg || json_is_null(cfg)) {
        snprintf(err, errn, "tokenizer.json without a \"model\"");
        return -1;
    }
    m->ops = find_type((const void *const *)cim_hf_models, cfg, "model", err, errn);
    if (!m->ops) return -1;
    if (m->ops->init(&m->self, cfg, lists, err, errn) < 0) {
        m->ops = NULL;
        return -1;
    }
    return 0;
}

void cim_hf_normalizer_drop(CimHfNormalizer *n)
{
    if (n && n->ops) n->ops->free(n->self);
    if (n) memset(n, 0, sizeof *n);
}

void cim_hf_pretok_drop(CimHfPretok *p)
{
    if (p && p->ops) p->ops->free(p->self);
    if (p) memset(p, 0, sizeof *p);
}

void cim_hf_model_drop(CimHfModel *m)
{
    if (m && m->ops) m->ops->free(m->self);
    if (m) memset(m, 0, sizeof *m);
}

/* ---- words ---------------------------------------------------------------- */

int cim_hf_words_push(CimHfWords *ws, const char *w, size_t len)
{
    if (ws->n == ws->cap) {
        size_t cap = ws->cap ? 2 * ws->cap : 1024;
        size_t *e = realloc(ws->end, cap * sizeof *e);
        if (!e) return -1;
        ws->end = e;
        ws->cap = cap;
    }
    if (ws->text.len + len > ws->text.cap) {
        size_t cap = ws->text.cap ? ws->text.cap : 4096;
        while (cap < ws->text.len + len) cap *= 2;
        char *p = realloc(ws->text.p, cap);
        if (!p) return -1;
        ws->text.p = p;
        ws->text.cap = cap;
    }
    if (len) memcpy(ws->text.p + ws->text.len, w, len);
    ws->text.len += len;
    ws->end[ws->n++] = ws->text.len;
    return 0;
}

void cim_hf_words_clear(CimHfWords *ws)
{
    ws->n = 0;
    ws->text.len = 0;
}

void cim_hf_words_free(CimHfWords *ws)
{
    free(ws->end);
    free(ws->text.p);
    memset(ws, 0, sizeof *ws);
}

/* ---- added tokens ----------------------------------------------------------- */

/* A byte trie of the added tokens of one kind (raw or normalized). */
typedef struct TNode {
    uint32_t child, sibling;       /* 0 = none (node 0 is the root) */
    int32_t  token;                /* index into the token flags, -1 if no token ends here */
    uint8_t  byte;
} TNode;

typedef struct AddedTok {
    uint8_t single_word, lstrip, rstrip;
} AddedTok;

typedef struct Trie {
    TNode   *node;
    size_t   n, cap;
    uint8_t  first[256];           /* bytes that start a token */
    size_t   ntok;
} Trie;

static int trie_add(Trie *t, const char *s, size_t len, int32_t tok)
{
    if (!t->node) {
        t->cap = 64;
        t->node = calloc(t->cap, sizeof *t->node);
        if (!t->node) return -1;
        t->n = 1;
        t->node[0].token = -1;
    }
    if (!len) return 0;                        /* the library never matches an empty token */
    uint32_t cur = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = (uint8_t)s[i];
        uint32_t c = t->node[cur].child;
        while (c && t->node[c].byte != b) c = t->node[c].sibling;
        if (!c) {
            if (t->n == t->cap) {
                TNode *nn = realloc(t->node, 2 * t->cap * sizeof *nn);
                if (!nn) return -1;
                t->node = nn;
                t->cap *= 2;
            }
            c = (uint32_t)t->n++;
            t->node[c] = (TNode){0, t->node[cur].child, -1, b};
            t->node[cur].child = c;
        }
        cur = c;
    }
    if (t->node[cur].token < 0) t->node[cur].token = tok;   /* the first of equal contents */
    t->first[(uint8_t)s[0]] = 1;
    t->ntok++;
    return 0;
}

/* The longest token starting at s[i]: its end, and *tok; 0 if none. */
static size_t trie_longest(const Trie *t, const char *s, size_t i, size_t n, int32_t *tok)
{
    uint32_t cur = 0;
    size_t best = 0;
    for (size_t j = i; j < n; j++) {
        uint32_t c = t->node[cur].child;
        while (c && t->node[c].byte != (uint8_t)s[j]) c = t->node[c].sibling;
        if (!c) break;
        cur = c;
        if (t->node[c].token >= 0) {
            best = j + 1;
            *tok = t->node[c].token;
        }
    }
    return best;
}

/* ---- Unicode classes for single_word and the strips -------------------------- */

/* The code point at s[i] (valid UTF-8). */
static uint32_t cp_at(const char *s, size_t i, size_t *len)
{
    return cim_utf8_cp((const uint8_t *)s + i, 4, len);
}

/* Start of the code point that ends at s[i] (i > 0). */
static size_t cp_start_before(const char *s, size_t i)
{
    size_t k = i - 1;
    while (k > 0 && ((uint8_t)s[k] & 0xC0) == 0x80) k--;
    return k;
}

/* The library finds the spaces that lstrip and rstrip take with the regex crate's \s, and
 * the word characters that single_word looks at with its \w (added_vocabulary.rs). */
static int is_ws(uint32_t c)
{
    return (cim_hf_u_flags(c) & CIM_HF_U_RE_SPACE) != 0;
}

static int is_word(uint32_t c)
{
    return (cim_hf_u_flags(c) & CIM_HF_U_RE_WORD) != 0;
}

/* ---- configuration ------------------------------------------------------------ */

typedef struct HfConf {
    char           *file;            /* option: preset name or path */
    CimHfNormalizer norm;
    CimHfPretok     pretok;
    CimHfModel      model;
    Trie            raw, normd;      /* added tokens matched before / after normalization */
    AddedTok       *tok;             /* flags per added token */
    size_t          ntok;
    int             cuttable;        /* the pipeline splits at safe_cut positions */
    int             wall_cuts;       /* else it may be cut next to a wall (wall_cut_at) */
    uint8_t         wall[256];       /* bytes (ASCII) whose character is a wall there */
    size_t          added_max;       /* the longest added token, in bytes */
    int             added_strips;    /* some added token is single_word, lstrip or rstrip */
    int             bpe_cuts;        /* long words are counted in BPE-independent pieces */
    int             direct_tt;       /* the pre-tokenizer is one tiktoken pattern's pieces, as
                                      * bytes: this CimTtPattern, else -1 */
    uint64_t        vocab;           /* V: the largest id, of the model or an added token, + 1 */
    unsigned        id;              /* process-unique, keys the thread-local state */
} HfConf;

static const struct {
    const char *name, *sha256;
} presets[] = {
    {"llama3",      "c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78"},
    {"qwen3",       "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4"},
    {"deepseek-v3", "621ac2e32d0dba658404412318818aaa8ce8cda492e59830109d8da6b517fb41"},
    {"gpt-oss",     "0614fe83cadab421296e664e1f48f4261fa8fef6e03e63bb75c20f38e37d07d3"},
    {"gemma3",      "4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795"},
    {"bert-base-uncased", "bf9d6cd67130062198ed7cb5da23235adb2a326a0745e25dd34e47e3a44a9fb8"},
};

/* Split regexes known to split before a space between two ASCII letters (the top of
 * this file): tiktoken's three (cim_hf_tt_pattern), Qwen 2/3's, DeepSeek-V3's. */
static const char *const cut_safe_regex[] = {
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
    "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    "\\p{N}{1,3}",
    "[\xe4\xb8\x80-\xe9\xbe\xa5\xe3\x81\x80-\xe3\x82\x9f\xe3\x82\xa0-\xe3\x83\xbf]+",
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
    "| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
    NULL
};

static const CimOption hf_options[] = {
    {"file", "tokenizer.json path, or llama3, qwen3, deepseek-v3, gpt-oss, gemma3",
     offsetof(HfConf, file), CIM_OPT_STRING, 0, 0, 0, NULL, 0, NULL},
    {NULL}
};
static const char *const hf_shorthand[] = {"file", NULL};

/* Whether a normalizer is none, one that `ok` accepts, or a Sequence of such. */
static int norm_each(const json_t *cfg, int (*ok)(const char *type, const json_t *cfg))
{
    if (!cfg || json_is_null(cfg)) return 1;
    const char *type = json_string_value(json_object_get(cfg, "type"));
    if (!type) return 0;
    if (!strcmp(type, "Sequence")) {
        const json_t *list = json_object_get(cfg, "normalizers");
        for (size_t k = 0; k < json_array_size(list); k++)
            if (!norm_each(json_array_get(list, k), ok)) return 0;
        return json_is_array(list);
    }
    return ok(type, cfg);
}

/* Whether a normalizer keeps the cut (see the top of this file). */
static int keeps_cut(const char *type, const json_t *cfg)
{
    (void)cfg;
    return !strcmp(type, "NFC") || !strcmp(type, "NFD") || !strcmp(type, "NFKC") || !strcmp(type, "NFKD")
        || !strcmp(type, "Lowercase");
}

/* Whether a pre-tokenizer keeps the cut; *bytelevel counts ByteLevel stages and *last
 * says whether the last stage seen was one. */
static int pretok_cut_safe(const json_t *cfg, int *bytelevel, int *last)
{
    if (!cfg || json_is_null(cfg)) return 0;   /* the whole part is one word */
    const char *type = json_string_value(json_object_get(cfg, "type"));
    if (!type) return 0;
    if (!strcmp(type, "Sequence")) {
        const json_t *list = json_object_get(cfg, "pretokenizers");
        int ok = json_array_size(list) > 0;
        for (size_t k = 0; k < json_array_size(list); k++)
            ok &= pretok_cut_safe(json_array_get(list, k), bytelevel, last);
        return ok;
    }
    *last = !strcmp(type, "ByteLevel");
    if (*last) {
        (*bytelevel)++;
        return 1;
    }
    if (strcmp(type, "Split")) return 0;
    const char *bh = json_string_value(json_object_get(cfg, "behavior"));
    const char *re = json_string_value(json_object_get(json_object_get(cfg, "pattern"), "Regex"));
    if (!bh || strcmp(bh, "Isolated") || json_is_true(json_object_get(cfg, "invert")) || !re) return 0;
    if (cim_hf_tt_pattern(re) >= 0) return 1;
    for (int k = 0; cut_safe_regex[k]; k++)
        if (!strcmp(re, cut_safe_regex[k])) return 1;
    return 0;
}

/* The tiktoken pattern whose pieces are the words, when the pre-tokenizer is just that:
 * Split(Regex = the pattern, Isolated) then ByteLevel without prefix space or regex, or
 * ByteLevel with GPT-2's regex and no prefix space alone. -1 otherwise. */
static int direct_pattern(const json_t *p)
{
    const char *type = json_string_value(json_object_get(p, "type"));
    if (!type) return -1;
    const json_t *aps = json_object_get(p, "add_prefix_space"), *ur = json_object_get(p, "use_regex");
    if (!strcmp(type, "ByteLevel"))
        return aps && !json_is_true(aps) && (!ur || json_is_true(ur)) ? CIM_TT_PAT_R50K : -1;
    if (strcmp(type, "Sequence")) return -1;
    const json_t *list = json_object_get(p, "pretokenizers");
    if (json_array_size(list) != 2) return -1;
    const json_t *sp = json_array_get(list, 0), *bl = json_array_get(list, 1);
    const char *t0 = json_string_value(json_object_get(sp, "type"));
    const char *t1 = json_string_value(json_object_get(bl, "type"));
    const char *bh = json_string_value(json_object_get(sp, "behavior"));
    const char *re = json_string_value(json_object_get(json_object_get(sp, "pattern"), "Regex"));
    aps = json_object_get(bl, "add_prefix_space");
    ur = json_object_get(bl, "use_regex");
    if (!t0 || !t1 || strcmp(t0, "Split") || strcmp(t1, "ByteLevel") || !bh || strcmp(bh, "Isolated")
        || json_is_true(json_object_get(sp, "invert")) || !re)
        return -1;
    if (!aps || json_is_true(aps) || !ur || json_is_true(ur)) return -1;
    return cim_hf_tt_pattern(re);
}

/* The one character that string v holds, with its length in *len; NULL when v is not a
 * string of exactly one character. */
static const char *one_char(const json_t *v, size_t *len)
{
    const char *s = json_string_value(v);
    if (!s || !json_string_length(v)) return NULL;
    cim_utf8_cp((const uint8_t *)s, json_string_length(v), len);
    return *len == json_string_length(v) ? s : NULL;
}

/* Whether a normalizer rewrites each character alone, whatever its neighbours (wall cuts,
 * the top of this file): a Replace whose pattern is a one-character String. */
static int char_local(const char *type, const json_t *cfg)
{
    size_t len;
    return !strcmp(type, "Replace")
        && one_char(json_object_get(json_object_get(cfg, "pattern"), "String"), &len);
}

/* Whether a pre-tokenizer splits only at one character, by itself (a Split on a
 * one-character String, not inverted), or not at all; that character goes to split[]
 * ("" for none). */
static int pretok_one_char(const json_t *cfg, char split[5])
{
    split[0] = 0;
    if (!cfg || json_is_null(cfg)) return 1;
    const char *type = json_string_value(json_object_get(cfg, "type"));
    if (!type || strcmp(type, "Split") || json_is_true(json_object_get(cfg, "invert"))) return 0;
    size_t len;
    const char *ch = one_char(json_object_get(json_object_get(cfg, "pattern"), "String"), &len);
    if (!ch) return 0;
    memcpy(split, ch, len);
    split[len] = 0;
    return 1;
}

/* The walls of a pipeline that may be cut next to one (the top of this file): each ASCII
 * character whose normalized form is one character, not the pre-tokenizer's split
 * character, that the BPE model never merges. -1 if out of memory. */
static int walls_init(HfConf *c, const json_t *ncfg, const json_t *pcfg)
{
    char split[5];
    if (c->cuttable || !c->bpe_cuts || c->added_strips || (c->norm.ops && c->normd.ntok)
        || !norm_each(ncfg, char_local) || !pretok_one_char(pcfg, split))
        return 0;
    CimSpBuf image = {0};
    for (int b = 0; b < 0x80; b++) {
        char ch = (char)b;
        const char *w = &ch;
        size_t wl = 1, l;
        if (c->norm.ops) {
            image.len = 0;
            if (c->norm.ops->apply(c->norm.self, &ch, 1, &image) < 0) {
                free(image.p);
                return -1;
            }
            w = image.p;
            wl = image.len;
        }
        if (!wl) continue;
        cim_utf8_cp((const uint8_t *)w, wl, &l);
        if (l != wl || (wl == strlen(split) && !memcmp(w, split, wl))) continue;
        c->wall[b] = (uint8_t)cim_hf_bpe_lone(c->model.self, w, wl);
        c->wall_cuts |= c->wall[b];
    }
    free(image.p);
    return 0;
}

static void hf_uninit(void *conf)
{
    HfConf *c = conf;
    cim_hf_normalizer_drop(&c->norm);
    cim_hf_pretok_drop(&c->pretok);
    cim_hf_model_drop(&c->model);
    free(c->raw.node);
    free(c->normd.node);
    free(c->tok);
    c->raw.node = c->normd.node = NULL;
    c->tok = NULL;
}

static int load_added(HfConf *c, const json_t *list, char *err, size_t errn)
{
    size_t n = json_array_size(list);
    c->tok = calloc(n + 1, sizeof *c->tok);
    if (!c->tok || trie_add(&c->raw, "", 0, -1) < 0 || trie_add(&c->normd, "", 0, -1) < 0) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    CimSpBuf nb = {0};
    int space = 0, rstrip = 0;
    for (size_t k = 0; k < n; k++) {
        const json_t *t = json_array_get(list, k);
        const json_t *content = json_object_get(t, "content");
        if (!json_is_string(content)) {
            snprintf(err, errn, "added token %zu without a \"content\" string", k);
            free(nb.p);
            return -1;
        }
        const json_t *id = json_object_get(t, "id");
        if (json_is_integer(id) && json_integer_value(id) >= 0 &&
            (uint64_t)json_integer_value(id) + 1 > c->vocab)
            c->vocab = (uint64_t)json_integer_value(id) + 1;
        AddedTok *a = &c->tok[k];
        a->single_word = json_is_true(json_object_get(t, "single_word"));
        a->lstrip = json_is_true(json_object_get(t, "lstrip"));
        a->rstrip = json_is_true(json_object_get(t, "rstrip"));
        const char *s = json_string_value(content);
        size_t len = json_string_length(content);
        int normalized = json_is_true(json_object_get(t, "normalized"));
        int rc;
        if (normalized && c->norm.ops) {
            /* the library matches a normalized token by its normalized content */
            nb.len = 0;
            if (c->norm.ops->apply(c->norm.self, s, len, &nb) < 0) {
                snprintf(err, errn, "out of memory");
                free(nb.p);
                return -1;
            }
            rc = trie_add(&c->normd, nb.p ? nb.p : "", nb.len, (int32_t)k);
            space |= nb.len && memchr(nb.p, ' ', nb.len) != NULL;
        } else {
            rc = trie_add(normalized ? &c->normd : &c->raw, s, len, (int32_t)k);
        }
        space |= memchr(s, ' ', len) != NULL;
        rstrip |= a->rstrip;
        c->added_strips |= a->single_word || a->lstrip || a->rstrip;
        if (len > c->added_max) c->added_max = len;
        if (normalized && c->norm.ops && nb.len > c->added_max) c->added_max = nb.len;
        if (rc < 0) {
            snprintf(err, errn, "out of memory");
            free(nb.p);
            return -1;
        }
    }
    free(nb.p);
    c->ntok = n;
    if (space || rstrip) c->cuttable = 0;
    return 0;
}

static int hf_init(void *conf, char *canon, size_t canon_n, char *model_path, size_t model_path_n,
                   CimErr *e)
{
    static atomic_uint next_id = 1;
    HfConf *c = conf;
    char path[4096], err[512] = "";
    CIM_RETURN_IF(!c->file || !*c->file, e, CIM_ERR_USAGE,
                  "hf needs a tokenizer: text:hf:llama3 (or qwen3, deepseek-v3, gpt-oss, gemma3, "
                  "or a tokenizer.json path)");
    size_t len = strlen(c->file);
    int is_file = strchr(c->file, '/') || (len > 5 && !strcmp(c->file + len - 5, ".json"));
    if (is_file) {
        CIM_RETURN_IF(!cim_tok_file_exists(c->file), e, CIM_ERR_MODEL, "tokenizer file %s not found", c->file);
        snprintf(path, sizeof path, "%s", c->file);
        CIM_RETURN_IF(cim_opt_quote(c->file, canon, canon_n) < 0, e, CIM_ERR_USAGE,
                      "tokenizer path too long");
    } else {
        size_t k = 0;
        while (k < sizeof presets / sizeof *presets && strcmp(presets[k].name, c->file)) k++;
        CIM_RETURN_IF(k == sizeof presets / sizeof *presets, e, CIM_ERR_USAGE,
                      "unknown hf tokenizer '%s' (llama3, qwen3, deepseek-v3, gpt-oss, gemma3, or a "
                      "path to a tokenizer.json)", c->file);
        char rel[256];
        snprintf(rel, sizeof rel, "hf/%s.json", presets[k].name);
        CIM_CHECK(cim_tok_data_file(rel, presets[k].sha256, "tokenizer", path, sizeof path, e));
        snprintf(canon, canon_n, "%s", presets[k].name);
    }
    CimHfJson *doc = NULL;
    json_t *root = cim_hf_json_load(path, &doc, err, sizeof err);
    if (!root)
        return cim_err(e, CIM_ERR_MODEL, "%s: %s", path, err);
    int rc = -1;
    const json_t *trunc = json_object_get(root, "truncation"), *pad = json_object_get(root, "padding");
    if (!json_is_object(root) || !json_is_object(json_object_get(root, "model"))) {
        snprintf(err, sizeof err, "not a tokenizer.json (no \"model\" object)");
        goto done;
    }
    if ((trunc && !json_is_null(trunc)) || (pad && !json_is_null(pad))) {
        snprintf(err, sizeof err, "unsupported %s (it would change the number of tokens)",
                 trunc && !json_is_null(trunc) ? "truncation" : "padding");
        goto done;
    }
    const json_t *ncfg = json_object_get(root, "normalizer"), *pcfg = json_object_get(root, "pre_tokenizer");
    if (cim_hf_normalizer_build(&c->norm, ncfg, err, sizeof err) < 0) goto done;
    if (cim_hf_pretok_build(&c->pretok, pcfg, err, sizeof err) < 0) goto done;
    if (cim_hf_model_build(&c->model, json_object_get(root, "model"), cim_hf_json_lists(doc), err,
                           sizeof err) < 0)
        goto done;
    int bytelevel = 0, last = 0;
    int pre_safe = pretok_cut_safe(pcfg, &bytelevel, &last);
    if (bytelevel > 1 || (bytelevel && !last)) {
        snprintf(err, sizeof err, "unsupported pre-tokenizer ByteLevel before other pre-tokenizers");
        goto done;
    }
    if (bytelevel) {
        if (c->model.ops != &cim_hf_model_bpe) {
            snprintf(err, sizeof err, "unsupported pre-tokenizer ByteLevel with model '%s'",
                     c->model.ops->type);
            goto done;
        }
        if (cim_hf_bpe_byte_level(c->model.self, err, sizeof err) < 0) goto done;
    }
    if (c->model.ops == &cim_hf_model_bpe) {
        int r = cim_hf_bpe_cuts_init(c->model.self);
        if (r < 0) {
            snprintf(err, sizeof err, "out of memory");
            goto done;
        }
        c->bpe_cuts = r == 0;
    }
    c->cuttable = pre_safe && norm_each(ncfg, keeps_cut);
    c->direct_tt = direct_pattern(pcfg);
    const json_t *added = json_object_get(root, "added_tokens");
    if (added && !json_is_array(added)) {
        snprintf(err, sizeof err, "\"added_tokens\" is not a list");
        goto done;
    }
    c->vocab = c->model.ops->vocab_size(c->model.self);
    if (load_added(c, added, err, sizeof err) < 0) goto done;
    if (walls_init(c, ncfg, pcfg) < 0) {
        snprintf(err, sizeof err, "out of memory");
        goto done;
    }
    rc = 0;
done:
    json_decref(root);
    cim_hf_json_free(doc);
    if (rc < 0) {
        hf_uninit(c);
        return cim_err(e, CIM_ERR_MODEL, "%s: %s", path, err);
    }
    snprintf(model_path, model_path_n, "%s", path);
    c->id = atomic_fetch_add(&next_id, 1);
    return 0;
}

/* ---- per-thread state: buffers and the word memo ----------------------------- */

#define MEMO_KEY 48
#define MEMO_LOG2 16

typedef struct MemoSlot {
    uint64_t hash;                 /* 0 = empty */
    uint32_t count;
    uint32_t len;
    char     key[MEMO_KEY];
} MemoSlot;

typedef struct Tls {
    unsigned   id;                 /* HfConf.id, 0 = unused */
    MemoSlot  *memo;
    size_t     used;
    CimHfWords w0, w1;
    CimSpBuf   norm, scratch;
} Tls;

static _Thread_local Tls tls_state[4];

static void tls_drop(Tls *t)
{
    free(t->memo);
    cim_hf_words_free(&t->w0);
    cim_hf_words_free(&t->w1);
    free(t->norm.p);
    free(t->scratch.p);
    memset(t, 0, sizeof *t);
}

static Tls *thread_state(const HfConf *c)
{
    static _Thread_local unsigned evict;
    for (int i = 0; i < 4; i++)
        if (tls_state[i].id == c->id) return &tls_state[i];
    Tls *t = NULL;
    for (int i = 0; i < 4 && !t; i++)
        if (!tls_state[i].id) t = &tls_state[i];
    if (!t) {
        t = &tls_state[evict++ % 4];
        tls_drop(t);
    }
    t->memo = calloc((size_t)1 << MEMO_LOG2, sizeof *t->memo);
    if (!t->memo) return NULL;
    t->id = c->id;
    return t;
}

/* Tokens of one word through the memo; -1 if out of memory. */
static int64_t count_word(const HfConf *c, Tls *t, const char *w, size_t n);

/* A long word, in BPE-independent pieces (hf_bpe.h) when the model has them. */
static int64_t count_long(const HfConf *c, Tls *t, const char *w, size_t n)
{
    if (!c->bpe_cuts) return c->model.ops->count(c->model.self, &t->scratch, w, n);
    int64_t total = 0;
    for (size_t i = 0; i < n;) {
        size_t e = cim_hf_bpe_next_cut(c->model.self, w, i, n);
        int64_t x = e - i > MEMO_KEY ? c->model.ops->count(c->model.self, &t->scratch, w + i, e - i)
                                     : count_word(c, t, w + i, e - i);
        if (x < 0) return -1;
        total += x;
        i = e;
    }
    return total;
}

static int64_t count_word(const HfConf *c, Tls *t, const char *w, size_t n)
{
    if (n > MEMO_KEY) return count_long(c, t, w, n);
    uint64_t h = cim_hf_hash(w, n) | 1;   /* 0 marks an empty slot */
    size_t mask = ((size_t)1 << MEMO_LOG2) - 1, i = (size_t)(h >> 20) & mask;
    for (;; i = (i + 1) & mask) {
        MemoSlot *s = &t->memo[i];
        if (!s->hash) break;
        if (s->hash == h && s->len == n && !memcmp(s->key, w, n)) return s->count;
    }
    int64_t k = c->model.ops->count(c->model.self, &t->scratch, w, n);
    if (k < 0) return k;
    if (t->used * 4 >= (mask + 1) * 3) {       /* 75% full: start over (rare) */
        memset(t->memo, 0, (mask + 1) * sizeof *t->memo);
        t->used = 0;
        i = (size_t)(h >> 20) & mask;
        while (t->memo[i].hash) i = (i + 1) & mask;
    }
    MemoSlot *s = &t->memo[i];
    s->hash = h;
    s->len = (uint32_t)n;
    s->count = (uint32_t)k;
    memcpy(s->key, w, n);
    t->used++;
    return k;
}

/* ---- the pipeline ------------------------------------------------------------- */

/* Pre-tokenizes and counts one part (no added token in it); at_start: the part begins
 * the text (Metaspace's prepend_scheme "first"). */
static int64_t count_part(const HfConf *c, Tls *t, const char *s, size_t n, int at_start)
{
    if (!n) return 0;
    cim_hf_pretok_set_at_start(at_start);
    if (!c->pretok.ops) return count_word(c, t, s, n);
    if (c->direct_tt >= 0) {   /* the same words without copying them */
        int64_t total = 0;
        for (size_t i = 0; i < n;) {
            size_t e = cim_tt_next_piece((CimTtPattern)c->direct_tt, (const uint8_t *)s, i, n, 1);
            int64_t x = count_word(c, t, s + i, e - i);
            if (x < 0) return -1;
            total += x;
            i = e;
        }
        return total;
    }
    cim_hf_words_clear(&t->w0);
    cim_hf_words_clear(&t->w1);
    if (cim_hf_words_push(&t->w0, s, n) < 0) return -1;
    if (c->pretok.ops->split(c->pretok.self, &t->w0, &t->w1) < 0) return -1;
    int64_t total = 0;
    for (size_t k = 0; k < t->w1.n; k++) {
        size_t a = k ? t->w1.end[k - 1] : 0;
        int64_t x = count_word(c, t, t->w1.text.p + a, t->w1.end[k] - a);
        if (x < 0) return -1;
        total += x;
    }
    return total;
}

static int64_t count_normalized(const HfConf *c, Tls *t, const char *s, size_t n, int at_start);

/* The library's find_matches: added tokens of trie tr in s[0..n), leftmost-longest, each
 * kept only when its single_word rule holds, widened by lstrip/rstrip; the parts between
 * them go to `rest` (count_normalized for raw parts, count_part for normalized ones).
 * Returns the tokens, -1 if out of memory. */
static int64_t split_added(const HfConf *c, Tls *t, const Trie *tr, const char *s, size_t n, int raw,
                           int at_start)
{
    int64_t total = 0;
    size_t start_off = 0;
    if (tr->ntok) {
        for (size_t i = 0; i < n;) {
            if (!tr->first[(uint8_t)s[i]]) { i++; continue; }
            int32_t tok = -1;
            size_t end = trie_longest(tr, s, i, n, &tok);
            if (!end) { i++; continue; }
            size_t start = i, stop = end;
            const AddedTok *a = &c->tok[tok];
            i = end;                   /* the iterator goes on after the match, kept or not */
            if (a->single_word) {
                size_t l;
                int before = start > 0 && is_word(cp_at(s, cp_start_before(s, start), &l));
                int after = stop < n && is_word(cp_at(s, stop, &l));
                if (before || after) continue;
            }
            if (a->lstrip) {
                size_t ns = start;
                while (ns > 0) {
                    size_t p = cp_start_before(s, ns), l;
                    if (!is_ws(cp_at(s, p, &l))) break;
                    ns = p;
                }
                start = ns > start_off ? ns : start_off;
            }
            if (a->rstrip) {
                size_t l;
                while (stop < n && is_ws(cp_at(s, stop, &l))) stop += l;
            }
            if (start > start_off) {
                int first = at_start && start_off == 0;
                int64_t x = raw ? count_normalized(c, t, s + start_off, start - start_off, first)
                                : count_part(c, t, s + start_off, start - start_off, first);
                if (x < 0) return -1;
                total += x;
            }
            total++;
            start_off = stop;
        }
    }
    if (start_off < n) {
        int first = at_start && start_off == 0;
        int64_t x = raw ? count_normalized(c, t, s + start_off, n - start_off, first)
                        : count_part(c, t, s + start_off, n - start_off, first);
        if (x < 0) return -1;
        total += x;
    }
    return total;
}

/* A raw part: normalize it, then split it at the normalized added tokens. */
static int64_t count_normalized(const HfConf *c, Tls *t, const char *s, size_t n, int at_start)
{
    if (!c->norm.ops) return split_added(c, t, &c->normd, s, n, 0, at_start);
    /* the normalized text outlives the nested calls, which reuse t->norm: own a copy */
    CimSpBuf nb = {0};
    if (c->norm.ops->apply(c->norm.self, s, n, &nb) < 0) {
        free(nb.p);
        return -1;
    }
    int64_t x = split_added(c, t, &c->normd, nb.p ? nb.p : "", nb.len, 0, at_start);
    free(nb.p);
    return x;
}

/* Tokens of text s[0..n) (valid UTF-8); at_start: s begins the file. */
static int64_t count_text(const HfConf *c, Tls *t, const char *s, size_t n, int at_start)
{
    return split_added(c, t, &c->raw, s, n, 1, at_start);
}

/* ---- streaming, cutting and threads ------------------------------------------- */

typedef struct HfState {
    uint8_t  *buf;                 /* decoded text not yet counted */
    size_t    len, cap;
    CimUtf8Carry carry;            /* an incomplete UTF-8 sequence ending the last chunk */
    uint64_t  tokens;
    int       started;             /* some text was counted: the next does not begin the file */
    size_t    no_wall_cut;         /* wall cuts: buf[0..this) holds no cut (an earlier search) */
} HfState;

#define HF_BATCH (1u << 20)        /* a cuttable text is counted each time this much has come */

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

/* The last cut in s[0..n), or 0. */
static size_t last_cut(const uint8_t *s, size_t n)
{
    for (size_t p = n >= 2 ? n - 2 : 0; p >= 1; p--)
        if (s[p] == ' ' && ascii_letter(s[p - 1]) && ascii_letter(s[p + 1])) return p;
    return 0;
}

/* Whether an added token starting in (p - added_max, p) of trie tr ends after p. */
static int added_spans(const HfConf *c, const Trie *tr, const uint8_t *s, size_t n, size_t p)
{
    if (!tr->ntok) return 0;
    for (size_t i = p >= c->added_max ? p - c->added_max + 1 : 0; i < p; i++) {
        int32_t tok;
        if (tr->first[s[i]] && trie_longest(tr, (const char *)s, i, n, &tok) > p) return 1;
    }
    return 0;
}

/* Whether s[0..n) may be cut at p (0 < p < n): the character before or after p is a wall
 * and no added token found in s spans p. s must hold every byte up to p + added_max - 1
 * that the text has. */
static int wall_cut_at(const HfConf *c, const uint8_t *s, size_t n, size_t p)
{
    if (!c->wall[s[p - 1]] && !c->wall[s[p]]) return 0;
    return !added_spans(c, &c->raw, s, n, p) && !(!c->norm.ops && added_spans(c, &c->normd, s, n, p));
}

/* The conf that wall_next_cut serves: cim_segments' boundaries take no context, and it
 * calls them on the thread that calls it (count_span). */
static _Thread_local const HfConf *wall_conf;

/* A wall cut at or after `from`, or n. */
static size_t wall_next_cut(const uint8_t *s, size_t from, size_t n)
{
    for (size_t p = from ? from : 1; p < n; p++)
        if (wall_cut_at(wall_conf, s, n, p)) return p;
    return n;
}

/* The last wall cut p in s[lo..n) with p + added_max <= n (the bytes after it that an
 * added token spanning it would need have come), or 0. */
static size_t last_wall_cut(const HfConf *c, const uint8_t *s, size_t lo, size_t n)
{
    if (n <= c->added_max + 1) return 0;
    for (size_t p = n - c->added_max - 1; p >= lo && p >= 1; p--)
        if (wall_cut_at(c, s, n, p)) return p;
    return 0;
}

/* Counts s[0..n), in segments on idle threads when there are some. */
static int count_span(const HfConf *c, const uint8_t *s, size_t n, int at_start, unsigned spare,
                      uint64_t *tokens, CimErr *e)
{
    size_t cut[CIM_SEG_MAX + 1];
    int nseg = 1;
    if (c->cuttable) {
        nseg = cim_segments(s, n, spare, safe_cut, cut);
    } else if (c->wall_cuts) {
        wall_conf = c;
        nseg = cim_segments(s, n, spare, wall_next_cut, cut);
    }
    if (nseg <= 1) {
        Tls *t = thread_state(c);
        CIM_RETURN_IF(!t, e, CIM_ERR_NOMEM, "out of memory");
        int64_t k = count_text(c, t, (const char *)s, n, at_start);
        CIM_RETURN_IF(k < 0, e, CIM_ERR_NOMEM, "out of memory");
        *tokens += (uint64_t)k;
        return 0;
    }
    int64_t tok[CIM_SEG_MAX] = {0};
    #pragma omp taskgroup
    for (int k = 0; k < nseg; k++) {
        #pragma omp task default(none) firstprivate(k) shared(c, s, cut, tok, at_start)
        {
            Tls *t = thread_state(c);
            tok[k] = !t ? -1 : count_text(c, t, (const char *)s + cut[k], cut[k + 1] - cut[k],
                                          at_start && k == 0);
        }
    }
    for (int k = 0; k < nseg; k++) {
        CIM_RETURN_IF(tok[k] < 0, e, CIM_ERR_NOMEM, "out of memory");
        *tokens += (uint64_t)tok[k];
    }
    return 0;
}

static int hf_feed(const void *conf, void *state, const CimChunk *chunk, CimErr *e)
{
    const HfConf *c = conf;
    HfState *st = state;
    const uint8_t *in = chunk->data;
    size_t n = chunk->len;
    /* finish the sequence the last chunk cut */
    CIM_RETURN_IF(cim_utf8_carry_join(&st->carry, &in, &n) < 0, e, CIM_ERR_NOMEM, "out of memory");
    CIM_RETURN_IF(cim_utf8_carry_decode(&st->carry, in, n, chunk->last, &st->buf, &st->cap, &st->len) < 0,
                  e, CIM_ERR_NOMEM, "out of memory");
    if (chunk->last) {
        CIM_CHECK(count_span(c, st->buf, st->len, !st->started, chunk->spare, &st->tokens, e));
        st->len = 0;
        return 0;
    }
    if ((c->cuttable || c->wall_cuts) && st->len >= HF_BATCH) {
        size_t cut = c->cuttable ? last_cut(st->buf, st->len)
                                 : last_wall_cut(c, st->buf, st->no_wall_cut, st->len);
        /* positions up to the last one searched with its bytes all there are no cut */
        size_t searched = st->len > c->added_max + 1 ? st->len - c->added_max : 0;
        st->no_wall_cut = cut ? searched - cut : searched;
        if (cut) {
            CIM_CHECK(count_span(c, st->buf, cut, !st->started, chunk->spare, &st->tokens, e));
            st->started = 1;
            memmove(st->buf, st->buf + cut, st->len - cut);
            st->len -= cut;
        }
    }
    return 0;
}

static int hf_finish(const void *conf, void *state, const CimGeometry *g, uint64_t *tokens, CimErr *e)
{
    (void)g;
    HfState *st = state;
    if (st->carry.npend || st->len) {  /* no chunk said last: flush */
        CimChunk end = {.kind = CIM_CHUNK_TEXT, .data = (const uint8_t *)"", .len = 0, .last = 1};
        CIM_CHECK(hf_feed(conf, state, &end, e));
    }
    *tokens = st->tokens;
    return 0;
}

static void hf_release(const void *conf, void *state)
{
    (void)conf;
    HfState *st = state;
    free(st->buf);
    cim_utf8_carry_free(&st->carry);
    memset(st, 0, sizeof *st);
}

/* As the library's get_vocab_size(with_added_tokens): every id the model can emit. */
static uint64_t hf_vocab(const void *conf)
{
    return ((const HfConf *)conf)->vocab;
}

const CimTokenizer cim_tok_hf = {
    .name       = "hf",
    .modality   = CIM_MOD_TEXT,
    .help       = "Hugging Face tokenizer.json (llama3, qwen3, deepseek-v3, gpt-oss, gemma3, bert-base-uncased or a file)",
    .options    = hf_options,
    .shorthand  = hf_shorthand,
    .conf_size  = sizeof(HfConf),
    .state_size = sizeof(HfState),
    .caps       = CIM_NEED_TEXT,
    .init       = hf_init,
    .feed       = hf_feed,
    .finish     = hf_finish,
    .release    = hf_release,
    .uninit     = hf_uninit,
    .vocab_size = hf_vocab,
};
