/*
 * hf.h — text:hf:FILE|NAME, a Hugging Face tokenizer.json counted as the Rust `tokenizers`
 * library's encode(text, add_special_tokens=false) counts it (doc/tokenizers.md).
 *
 * The library runs a pipeline, and so does cimeter: split the text at added tokens,
 * normalize each remaining part (and split it again at normalized added tokens),
 * pre-tokenize it into words, and count each word with the model. Each stage is a
 * component named by the JSON object's "type"; a component is one file that fills an
 * ops table, plus one line in the stage's registry. A tokenizer.json naming a type that
 * no registry holds is refused with that type in the message, never counted roughly.
 *
 * Components build from their JSON object (jansson; a model's big lists through
 * hf_json.h) and are read-only afterwards, so worker threads share them; anything a
 * thread writes lives in the caller's buffers.
 */
#ifndef CIM_HF_H
#define CIM_HF_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <jansson.h>
#include "sp_engine.h"   /* CimSpBuf: a growable byte buffer */
#include "hf_json.h"     /* CimHfModelLists: the model's vocab and merges */

/* A 64-bit hash of p[0..n) (8 bytes a step), for the vocabulary tables and the word memo. */
static inline uint64_t cim_hf_hash(const char *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xff51afd7ed558ccdull);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    h = (h ^ w) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

/* Words: what pre-tokenizers produce and models count. Word k is
 * text.p[k ? end[k - 1] : 0 .. end[k]). */
typedef struct CimHfWords {
    CimSpBuf text;
    size_t  *end;
    size_t   n, cap;
} CimHfWords;

/* Appends word w[0..len) (-1 if out of memory). */
int  cim_hf_words_push(CimHfWords *ws, const char *w, size_t len);
void cim_hf_words_clear(CimHfWords *ws);
void cim_hf_words_free(CimHfWords *ws);

/* A normalizer rewrites one part of the text (valid UTF-8 in, valid UTF-8 out). */
typedef struct CimHfNormalizerOps {
    const char *type;      /* the JSON "type": "NFC", "Lowercase", "Sequence", ... */
    /* Builds *self from cfg. Returns 0, or -1 with a message in err. */
    int  (*init)(void **self, const json_t *cfg, char *err, size_t errn);
    /* Writes the normalized in[0..n) to out (out->len = 0 on entry). -1 if out of memory. */
    int  (*apply)(const void *self, const char *in, size_t n, CimSpBuf *out);
    void (*free)(void *self);
} CimHfNormalizerOps;

/* A pre-tokenizer cuts each word of `in` into words appended to `out` (out is empty on
 * entry), and may rewrite them (Metaspace, ByteLevel). -1 if out of memory. */
typedef struct CimHfPretokOps {
    const char *type;      /* "ByteLevel", "Split", "Metaspace", "Sequence", ... */
    int  (*init)(void **self, const json_t *cfg, char *err, size_t errn);
    int  (*split)(const void *self, const CimHfWords *in, CimHfWords *out);
    void (*free)(void *self);
} CimHfPretokOps;

/* A model counts the tokens of one pre-tokenized word. */
typedef struct CimHfModelOps {
    const char *type;      /* "BPE", "Unigram", "WordPiece", "WordLevel" */
    /* cfg is the "model" object without its "vocab" and "merges", which are in lists. */
    int     (*init)(void **self, const json_t *cfg, const CimHfModelLists *lists, char *err,
                    size_t errn);
    /* Tokens of word w[0..n), using scratch as working memory (per thread); -1 if out of
     * memory. */
    int64_t (*count)(const void *self, CimSpBuf *scratch, const char *w, size_t n);
    /* The id of token t[0..n) in the model's vocabulary, or -1 (added tokens that name
     * a model token share its id). */
    int64_t (*token_id)(const void *self, const char *t, size_t n);
    /* Size of the model's vocabulary (largest id + 1). */
    uint64_t (*vocab_size)(const void *self);
    void    (*free)(void *self);
} CimHfModelOps;

/* The registries (hf.c): a NULL-terminated list per stage. */
extern const CimHfNormalizerOps *const cim_hf_normalizers[];
extern const CimHfPretokOps     *const cim_hf_pretoks[];
extern const CimHfModelOps      *const cim_hf_models[];

/* A built component of a stage: its ops and its state. */
typedef struct CimHfNormalizer {
    const CimHfNormalizerOps *ops;
    void *self;
} CimHfNormalizer;
typedef struct CimHfPretok {
    const CimHfPretokOps *ops;
    void *self;
} CimHfPretok;
typedef struct CimHfModel {
    const CimHfModelOps *ops;
    void *self;
} CimHfModel;

/* Builds the component that cfg describes through the stage's registry (a JSON null
 * gives ops == NULL: no such stage). -1 with "unsupported normalizer 'X'" and the like. */
int  cim_hf_normalizer_build(CimHfNormalizer *n, const json_t *cfg, char *err, size_t errn);
int  cim_hf_pretok_build(CimHfPretok *p, const json_t *cfg, char *err, size_t errn);
int  cim_hf_model_build(CimHfModel *m, const json_t *cfg, const CimHfModelLists *lists, char *err,
                        size_t errn);
void cim_hf_normalizer_drop(CimHfNormalizer *n);
void cim_hf_pretok_drop(CimHfPretok *p);
void cim_hf_model_drop(CimHfModel *m);

/* Metaspace's prepend_scheme "first" prepends only to a word that begins the text (its
 * offset 0): the pipeline says, per part and thread, whether word 0 of the next
 * pre-tokenizer call begins the text (default: yes). hf_pretok_words.c. */
void cim_hf_pretok_set_at_start(int at_start);

#endif
