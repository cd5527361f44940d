/*
 * tokenizer.h — the front-end interface (doc/tokenizers.md).
 *
 * A tokenizer is a const CimTokenizer (FFmpeg's FFCodec style) listed by one
 * extern line in tokenizers/registry.c. The framework allocates `conf_size`
 * bytes (zeroed) per spec and `state_size` bytes (zeroed) per file per worker
 * thread, so workers share a read-only conf and never lock.
 *
 * Two ways to count, a tokenizer implements one or both:
 *  - count_geometry(): fixed-grid tokenizers whose count depends only on the
 *    file's geometry/duration (patch, tubelet, frame, codec, bytes). When every
 *    requested tokenizer of a modality has it and --info is off, the pipeline
 *    may read headers only (decoder->header) and never decode: the fast path.
 *  - begin()/feed()/finish(): content-aware tokenizers (BPE, adaptive, RLT,
 *    VAD). The decoder streams chunks (text spans, image row bands, video
 *    frames, PCM blocks); the tokenizer keeps only what it needs.
 *
 * Lifetime per file: begin (optional) → feed* → finish; if the decoder fails
 * midway, finish is not called but release() (optional) is, so per-file
 * allocations never leak.
 */
#ifndef CIM_TOKENIZER_H
#define CIM_TOKENIZER_H
#include <stddef.h>
#include <stdint.h>
#include "cimeter.h"
#include "common/opt.h"

/* Geometry and duration of one file: what fixed-grid counts need. Filled by a
 * decoder's header() (fast path) or by its decode pass (exact, after draining). */
typedef struct CimGeometry {
    CimModality modality;
    uint32_t width, height;      /* image; video: the first decoded frame */
    uint32_t channels;           /* image: canonical 8-bit channels (doc/records.md) */
    uint64_t frames;             /* video: frames actually decoded */
    int64_t  rate_num, rate_den; /* video: frame rate (average, else nominal) */
    uint64_t samples;            /* audio: samples per channel actually decoded */
    uint32_t sample_rate;        /* audio: native rate R (Hz) */
    uint32_t audio_channels;     /* audio */
    uint64_t bytes;              /* text: file bytes */
    uint64_t chars;              /* text: code points (invalid byte = 1) */
} CimGeometry;

typedef enum CimChunkKind {
    CIM_CHUNK_TEXT,   /* data/len: file bytes in order; chunks end after a '\n' when possible */
    CIM_CHUNK_ROWS,   /* a band of image rows: 8-bit, `channels` interleaved, rows y..y+height-1 */
    CIM_CHUNK_FRAME,  /* one decoded video frame: data = luma (8-bit), aux = RGB24 when asked */
    CIM_CHUNK_PCM,    /* audio block: data = int16 interleaved, len = samples per channel */
} CimChunkKind;

typedef struct CimChunk {
    CimChunkKind   kind;
    const uint8_t *data;
    size_t         len;       /* TEXT: bytes; PCM: samples per channel; else unused */
    size_t         stride;    /* ROWS/FRAME: bytes between rows of data */
    uint32_t       width;     /* ROWS/FRAME: width in pixels */
    uint32_t       height;    /* ROWS: rows in band; FRAME: frame height */
    uint32_t       y;         /* ROWS: index of the band's first row */
    uint32_t       channels;  /* ROWS: samples per pixel; PCM: channels */
    uint64_t       index;     /* FRAME: frame number (0-based, decode order) */
    const uint8_t *aux;       /* FRAME: RGB24 frame (only when CIM_NEED_RGB) */
    size_t         aux_stride;
    int            last;      /* TEXT: final chunk of the file */
    unsigned       spare;     /* TEXT: idle threads of the run, free to take OpenMP tasks */
} CimChunk;

/* What a content-aware tokenizer needs from the decoder (caps bits). */
enum {
    CIM_NEED_LUMA         = 1 << 1, /* video: luma plane per frame */
    CIM_NEED_RGB          = 1 << 2, /* video: RGB24 per frame (--info) */
    CIM_NEED_PIXELS       = 1 << 3, /* image: row bands */
    CIM_NEED_PCM          = 1 << 4, /* audio: sample blocks */
    CIM_NEED_TEXT         = 1 << 5, /* text: byte spans */
};

typedef struct CimTokenizer {
    const char        *name;        /* "patch": the second field of "image:patch:..." */
    CimModality        modality;
    const char        *help;        /* one line */
    const CimOption   *options;     /* k=v table, may be NULL */
    const char *const *shorthand;   /* positional keys, e.g. {"model", NULL} (optional) */
    size_t             conf_size;   /* per spec; holds the parsed options first */
    size_t             state_size;  /* per file per thread */
    unsigned           caps;        /* CIM_NEED_* bits (feed only) */

    /* (optional) Runs once conf holds the parsed options: checks them, loads models.
     * Writes a canonical spec suffix into canon (optional: defaults to the
     * option table's canonical form) and, for a model file, its path in
     * model_path so the framework records its SHA-256. conf is read-only
     * after this. */
    int  (*init)(void *conf, char *canon, size_t canon_n, char *model_path,
                 size_t model_path_n, CimErr *e);

    /* The counting mode: a tokenizer sets exactly one of count_geometry and feed
     * (tests/core/test_registry.c checks it). With count_geometry the decoder
     * only reads the header; with feed it hands over content (caps says which). */
    int  (*count_geometry)(const void *conf, const CimGeometry *g, uint64_t *tokens, CimErr *e);
    /* (feed only, optional) per file, before the first chunk; g has what is known
     * up front. */
    int  (*begin)(const void *conf, void *state, const CimGeometry *g, CimErr *e);
    int  (*feed)(const void *conf, void *state, const CimChunk *c, CimErr *e);
    /* (feed only) g is the final geometry (frames/samples decoded). */
    int  (*finish)(const void *conf, void *state, const CimGeometry *g, uint64_t *tokens, CimErr *e);
    /* (optional) frees per-file allocations held in state; called after finish or on error. */
    void (*release)(const void *conf, void *state);
    /* (optional) frees what init allocated besides STRING options (freed by the framework). */
    void (*uninit)(void *conf);
    /* (optional) V, the number of distinct tokens it can emit (a text vocabulary, a media
     * codebook), read after init; 0 = none (continuous features, or not given). A record's
     * capacity_bits is tokens x log2 V (doc/records.md). */
    uint64_t (*vocab_size)(const void *conf);
} CimTokenizer;

/* A configured tokenizer: one per -t spec. */
typedef struct CimTokInstance {
    const CimTokenizer *tok;
    void   *conf;
    char   *spec;            /* canonical spec string recorded in the output */
    char   *requested;       /* what the user typed (preset name or spec) */
    char    sha256[65];      /* of the model/vocabulary file, "" if none */
    uint64_t vocab;          /* V (tokenizer's vocab_size, else the preset's codebook); 0 = none */
} CimTokInstance;

/* registry.c */
const CimTokenizer *cim_tokenizer_find(CimModality m, const char *name);
const CimTokenizer *const *cim_tokenizer_list(void);
/* Parses "modality:name[:args]" or a preset ("vit-b16", "image:vit-b16"). */
int  cim_tok_instance_init(CimTokInstance *ti, const char *spec, CimErr *e);
void cim_tok_instance_free(CimTokInstance *ti);
/* The default spec per modality (measure without -t). */
const char *cim_tokenizer_default(CimModality m);

/* data.c — data fetched at set-up (rank files, tokenizer.json presets): REL (e.g.
 * "cl100k_base.tiktoken", "hf/llama3.json") in $CIMETER_DATA_DIR, else the source tree's
 * data dir, else the installed one, written to out and checked against its pinned
 * SHA-256; `what` names it in errors ("rank file"). */
int cim_tok_file_exists(const char *path);
int cim_tok_data_file(const char *rel, const char *sha256, const char *what, char *out, size_t n,
                      CimErr *e);

/* presets.c */
typedef struct CimPreset {
    const char *name;      /* "vit-b16" */
    CimModality modality;
    const char *spec;      /* "image:patch:p=16,resize=224x224" */
    const char *help;
    uint64_t    codebook;  /* codes per token of the real system (doc/tokenizers.md); 0 = none */
} CimPreset;
const CimPreset *cim_preset_find(const char *name);
/* The preset a spec names ("vit-b16", "image:vit-b16"), or NULL for a plain spec. */
const CimPreset *cim_preset_of_spec(const char *spec);
/* Capacity of a token stream: tokens x log2 V in bits, NaN when V is 0 (doc/records.md). */
double cim_capacity_bits(uint64_t tokens, uint64_t vocab);
const CimPreset *cim_preset_list(void);

/* geometry.c — doc/tokenizers.md "Geometry rules", shared by image and video. */
typedef struct CimResize {
    int      mode;           /* 0 native, 1 short side = s, 2 exact w x h, 3 max long side = s */
    uint32_t s, w, h;
    uint32_t max;            /* max=S: cap the longer side (0 = none); never upscales */
} CimResize;
int  cim_resize_parse(const char *str, CimResize *r, CimErr *e);  /* "native", "224", "224x224" */
void cim_resize_apply(const CimResize *r, uint32_t w, uint32_t h, uint32_t *ow, uint32_t *oh);
void cim_resize_canon(const CimResize *r, char *buf, size_t n);
/* ceil (pad=ceil) or floor (pad=crop) division of a side into patches. */
static inline uint64_t cim_grid(uint64_t side, uint64_t p, int crop)
{
    return crop ? side / p : (side + p - 1) / p;
}

#endif
