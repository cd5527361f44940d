/*
 * spm.c — text:spm:MODEL, SentencePiece through libsentencepiece (doc/tokenizers.md).
 *
 * Counts equal `spm_encode --output_format=id` on the same file: the file is
 * split at '\n'; each line (a '\r' kept, a last line without '\n' included,
 * empty lines giving nothing) is one Encode call. The text decoder delivers
 * chunks that end after a '\n', so lines arrive whole.
 *
 * Bounded memory: SentencePiece needs ~230 bytes per input byte during one
 * Encode (an 8 MB line took 1.8 GB, a 100 MB one would take ~23 GB), so a
 * line longer than CIM_SPM_MAX_LINE is encoded in pieces of at most that
 * size, each cut at a UTF-8 boundary. Only such pathological lines (minified
 * files, binary-ish text) differ from spm_encode, by a few tokens per cut.
 *
 * Engines: by default lines are counted by cimeter's own engine (sp_engine.h, the
 * rules in doc/spm-engine.md), which reproduces Encode's count from the model that
 * libsentencepiece loaded; engine=lib counts with libsentencepiece's Encode itself
 * (the reference), and so do models the engine does not take (word and char models,
 * BPE with unused pieces).
 *
 * Threads: lines are independent, so when threads of the run are idle
 * (CimChunk.spare: one large file) a chunk is cut after newlines into segments
 * that OpenMP tasks encode side by side (Encode is const on a loaded model); the
 * sum is the same for any -j.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include "common/err.h"
#include "sp_engine.h"
#include "segment.h"
#include "spm_shim.h"
#include "tokenizer.h"

#define CIM_SPM_MAX_LINE (1u << 20)

typedef struct SpmConf {
    char      *model;    /* option: path of the .model file */
    char      *engine;   /* option: native (default) or lib */
    CimSpm    *spm;
    CimSpModel native;
    int        use_native;
} SpmConf;

/* Memo statistics of the native engine, printed at exit with CIMETER_SPM_STATS set. */
static atomic_uint_fast64_t memo_hits, memo_lookups;

typedef struct SpmState {
    uint64_t tokens;
} SpmState;

static const CimOption spm_options[] = {
    {"model", "SentencePiece .model file", offsetof(SpmConf, model), CIM_OPT_STRING, 0, 0, 0, NULL, 0, NULL},
    {"engine", "native (cimeter's counter) or lib (libsentencepiece's Encode)",
     offsetof(SpmConf, engine), CIM_OPT_STRING, 0, 0, 0, "native", 0, NULL},
    {0}
};
static const char *const spm_shorthand[] = {"model", NULL};

static int spm_init(void *conf, char *canon, size_t canon_n, char *model_path,
                    size_t model_path_n, CimErr *e)
{
    SpmConf *c = conf;
    char msg[400] = "";
    CIM_RETURN_IF(!c->model || !*c->model, e, CIM_ERR_USAGE, "spm needs a model: text:spm:PATH.model");
    CIM_RETURN_IF(cim_spm_load(c->model, &c->spm, msg, sizeof msg) < 0, e, CIM_ERR_MODEL,
                  "cannot load SentencePiece model %s: %s", c->model, msg);
    int lib = !strcmp(c->engine, "lib");
    CIM_RETURN_IF(!lib && strcmp(c->engine, "native"), e, CIM_ERR_USAGE,
                  "spm engine must be native or lib, not '%s'", c->engine);
    if (!lib) {
        uint8_t *proto = NULL;
        size_t n = 0;
        CIM_RETURN_IF(cim_spm_serialized(c->spm, &proto, &n) < 0, e, CIM_ERR_NOMEM,
                      "cannot serialize SentencePiece model %s", c->model);
        /* a model the engine does not take is counted by libsentencepiece */
        c->use_native = cim_sp_model_init(&c->native, proto, n, msg, sizeof msg) == 0;
        free(proto);
    }
    CIM_RETURN_IF(cim_opt_quote(c->model, canon, canon_n) < 0, e, CIM_ERR_USAGE, "spm: model path too long");
    if (lib) {
        size_t used = strlen(canon);
        CIM_RETURN_IF(used + sizeof ",engine=lib" > canon_n, e, CIM_ERR_USAGE, "spm: model path too long");
        memcpy(canon + used, ",engine=lib", sizeof ",engine=lib");
    }
    snprintf(model_path, model_path_n, "%s", c->model);
    return 0;
}

/* Tokens of the lines in [p, end), or -1 if an Encode failed. */
static int64_t count_lines(const SpmConf *c, const char *p, const char *end)
{
    int64_t tokens = 0;
    CimSpMemo *memo = NULL;
    uint64_t hits0 = 0, lookups0 = 0;
    if (c->use_native) {
        memo = cim_sp_thread_memo(&c->native);
        if (!memo) return -1;
        cim_sp_memo_stats(memo, &hits0, &lookups0);
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *line_end = p + len;
        while (p < line_end) {
            size_t piece = (size_t)(line_end - p);
            if (piece > CIM_SPM_MAX_LINE) {   /* cut before a lead byte, if one is near */
                piece = CIM_SPM_MAX_LINE;
                for (size_t k = 0; k < 4 && ((unsigned char)p[piece] & 0xC0) == 0x80; k++) piece--;
            }
            int64_t n = memo ? cim_sp_count_line(&c->native, memo, p, piece)
                             : cim_spm_count(c->spm, p, piece);
            if (n < 0) return -1;
            tokens += n;
            p += piece;
        }
        p = line_end + (nl != NULL);
    }
    if (memo) {
        uint64_t hits, lookups;
        cim_sp_memo_stats(memo, &hits, &lookups);
        atomic_fetch_add(&memo_hits, hits - hits0);
        atomic_fetch_add(&memo_lookups, lookups - lookups0);
    }
    return tokens;
}

/* Segments end after a newline: lines are encoded alone. */
static size_t after_newline(const uint8_t *s, size_t from, size_t n)
{
    const uint8_t *nl = memchr(s + from, '\n', n - from);
    return nl ? (size_t)(nl - s) + 1 : n;
}

static int spm_feed(const void *conf, void *state, const CimChunk *chunk, CimErr *e)
{
    const SpmConf *c = conf;
    SpmState *s = state;
    const char *p = (const char *)chunk->data;
    size_t cut[CIM_SEG_MAX + 1];
    int nseg = cim_segments(chunk->data, chunk->len, chunk->spare, after_newline, cut);
    int64_t tok[CIM_SEG_MAX];
    #pragma omp taskgroup
    for (int k = 0; k < nseg; k++) {
        #pragma omp task default(none) firstprivate(k) shared(c, p, cut, tok) if(nseg > 1)
        tok[k] = count_lines(c, p + cut[k], p + cut[k + 1]);
    }
    for (int k = 0; k < nseg; k++) {
        CIM_RETURN_IF(tok[k] < 0, e, c->use_native ? CIM_ERR_NOMEM : CIM_ERR_INTERNAL,
                      c->use_native ? "out of memory" : "SentencePiece Encode failed");
        s->tokens += (uint64_t)tok[k];
    }
    return 0;
}

static int spm_finish(const void *conf, void *state, const CimGeometry *g, uint64_t *tokens, CimErr *e)
{
    *tokens = ((SpmState *)state)->tokens;
    return 0;
}

/* V = the model's piece count (ids 0..V-1, control and unknown pieces included). */
static uint64_t spm_vocab(const void *conf)
{
    int n = cim_spm_piece_size(((const SpmConf *)conf)->spm);
    return n > 0 ? (uint64_t)n : 0;
}

static void spm_uninit(void *conf)
{
    SpmConf *c = conf;
    if (c->use_native && getenv("CIMETER_SPM_STATS")) {
        uint64_t hits = atomic_load(&memo_hits), lookups = atomic_load(&memo_lookups);
        fprintf(stderr, "spm memo: %llu of %llu word lookups hit (%.1f%%)\n",
                (unsigned long long)hits, (unsigned long long)lookups,
                lookups ? 100.0 * (double)hits / (double)lookups : 0.0);
    }
    if (c->use_native) cim_sp_model_free(&c->native);
    c->use_native = 0;
    cim_spm_free(c->spm);
    c->spm = NULL;
}

const CimTokenizer cim_tok_spm = {
    .name       = "spm",
    .modality   = CIM_MOD_TEXT,
    .help       = "SentencePiece model (counts equal spm_encode, line by line)",
    .options    = spm_options,
    .shorthand  = spm_shorthand,
    .conf_size  = sizeof(SpmConf),
    .state_size = sizeof(SpmState),
    .caps       = CIM_NEED_TEXT,
    .init       = spm_init,
    .feed       = spm_feed,
    .finish     = spm_finish,
    .uninit     = spm_uninit,
    .vocab_size = spm_vocab,
};

int cim_train_text(const char *const *inputs, size_t ninputs, int vocab, const char *type,
                   int byte_fallback, const char *model_out, CimErr *e)
{
    CIM_RETURN_IF(!ninputs, e, CIM_ERR_USAGE, "train-text needs at least one input file");
    CIM_RETURN_IF(vocab < 16, e, CIM_ERR_USAGE, "--vocab must be at least 16");
    CIM_RETURN_IF(strcmp(type, "bpe") && strcmp(type, "unigram"), e, CIM_ERR_USAGE,
                  "--type must be bpe or unigram");
    size_t len = strlen(model_out);
    size_t cap = 512 + len;
    for (size_t i = 0; i < ninputs; i++) {
        CIM_RETURN_IF(strchr(inputs[i], ',') || strchr(inputs[i], ' '), e, CIM_ERR_USAGE,
                      "input path %s: commas and spaces are not supported by SentencePiece's flag parser",
                      inputs[i]);
        cap += strlen(inputs[i]) + 1;
    }
    char *flags = malloc(cap), *p = flags;
    CIM_RETURN_IF(!flags, e, CIM_ERR_NOMEM, "out of memory");
    p += sprintf(p, "--input=");
    for (size_t i = 0; i < ninputs; i++)
        p += sprintf(p, "%s%s", i ? "," : "", inputs[i]);
    /* model_prefix gets ".model" appended by SentencePiece. */
    int strip = len > 6 && !strcmp(model_out + len - 6, ".model");
    p += sprintf(p, " --model_prefix=%.*s --vocab_size=%d --model_type=%s --byte_fallback=%s"
                 " --character_coverage=1.0 --num_threads=1 --minloglevel=1",
                 (int)(strip ? len - 6 : len), model_out, vocab, type, byte_fallback ? "true" : "false");
    char msg[400] = "";
    int rc = cim_spm_train(flags, msg, sizeof msg);
    free(flags);
    CIM_RETURN_IF(rc < 0, e, CIM_ERR_USAGE, "SentencePiece training failed: %s", msg);
    return 0;
}
