/*
 * sp_engine.h — cimeter's own SentencePiece counter: the normalizer, BPE and Unigram
 * of libsentencepiece's Encode, rebuilt to count (doc/spm-engine.md has the rules).
 *
 * libsentencepiece loads and checks the model; its ModelProto (serialized) is parsed
 * with protobuf-c (sp_model.c). The pieces are indexed in CimSpVocab (a hash by bytes),
 * from which BPE builds its merge table (pairs of piece ids) and Unigram its piece trie;
 * a tokenizer.json front-end can fill the same vocabulary (cim_sp_vocab_add), build
 * those, and call cim_sp_bpe_word / cim_sp_unigram_word.
 *
 * Counting a line: normalize (sp_normalize.c), cut the normalized text into words at
 * each U+2581 when the vocabulary allows (no piece holds one elsewhere than at the
 * word's edge), count each word through a per-thread memo (sp_engine.c).
 */
#ifndef CIM_SP_ENGINE_H
#define CIM_SP_ENGINE_H
#include <stddef.h>
#include <stdint.h>

/* Piece types, as SentencePiece numbers them. */
enum { CIM_SP_NORMAL = 1, CIM_SP_UNKNOWN = 2, CIM_SP_CONTROL = 3, CIM_SP_USER = 4,
       CIM_SP_UNUSED = 5, CIM_SP_BYTE = 6 };
enum { CIM_SP_UNIGRAM = 1, CIM_SP_BPE = 2 };

/* Flags of a vocabulary entry (a piece, or only a prefix of a user-defined one). */
enum {
    CIM_SP_USER_PREFIX = 1 << 1,  /* a prefix (or the whole) of a user-defined piece */
};

typedef struct CimSpEntry {
    uint64_t hash;
    uint32_t off, len;      /* key bytes: CimSpVocab.bytes + off */
    int32_t  normal_id;     /* a normal, user-defined or unused piece, else -1 */
    int32_t  reserved_id;   /* an unknown, control or byte piece, else -1 */
    uint32_t flags;
} CimSpEntry;

typedef struct CimSpVocab {
    int       npieces;
    float    *score;        /* per id */
    uint8_t  *type;         /* per id */
    uint32_t *piece_len;    /* per id */
    uint32_t *piece_off;    /* per id: bytes + piece_off[id] */
    char     *bytes;        /* piece bytes, concatenated */
    size_t    bytes_len, bytes_cap;
    CimSpEntry *slot;       /* open addressing; hash 0 = empty */
    size_t    mask;
    size_t    used;
    int       unk_id;
    int       has_user, has_unused;
    int       max_user_len;
    uint8_t   user_first[256];  /* a user-defined piece starts with this byte */
} CimSpVocab;

uint64_t cim_sp_hash_step(uint64_t h, uint8_t b);
static inline const char *cim_sp_piece_bytes(const CimSpVocab *v, int id)
{
    return v->bytes + v->piece_off[id];
}
#define CIM_SP_HASH_INIT 0xcbf29ce484222325ull
/* The entry of s[0..n) whose hash (cim_sp_hash_step over its bytes) is h, or NULL. */
const CimSpEntry *cim_sp_vocab_find(const CimSpVocab *v, uint64_t h, const char *s, size_t n);
/* normal_id, else reserved_id, else unk: SentencePiece's PieceToId for reserved first. */
int cim_sp_piece_to_id(const CimSpVocab *v, const char *s, size_t n);

/* Normalizer settings and the precompiled character map (a darts-clone double array
 * over the input bytes whose values index NUL-terminated replacements). */
typedef struct CimSpNorm {
    const uint32_t *trie;
    size_t          trie_units;
    const char     *repl;
    size_t          repl_len;
    int add_dummy_prefix, remove_extra_ws, escape_ws, ws_suffix;
    uint8_t plain[256];     /* ASCII byte with no rule and no user piece starting there */
    uint8_t ascii_pass[128];/* no rule at this byte unless a non-ASCII byte follows it */
    uint8_t copy[256];      /* not a space: 1 plain, 2 plain when an ASCII byte follows */
    int32_t ascii_rule[128];/* an ASCII byte whose rule is that byte alone: its replacement */
    uint8_t *bmp_plain;     /* bit per U+0080..U+FFFF: the same for 2- and 3-byte characters */
    int ascii_block;        /* every byte 0x21..0x7E has copy set */
} CimSpNorm;

typedef struct CimSpBuf {
    char  *p;
    size_t len, cap;
} CimSpBuf;

/* BPE's merges by id: (left piece, right piece) -> the piece they make, for every split
 * of every piece into two pieces; a symbol that is no piece goes by its bytes. */
typedef struct CimSpPairSlot {
    uint64_t key;           /* left << 32 | right, + 1; 0 = empty */
    int32_t  id;
} CimSpPairSlot;

typedef struct CimSpPairs {
    CimSpPairSlot *slot;
    size_t         mask;
    int32_t       *final_id;     /* per id: the id Encode reports (a reserved twin first) */
    int32_t        ascii_id[128];/* the piece of each ASCII character, -1 if none */
    int32_t       *bmp_id;       /* the same for U+0080..U+FFFF (their UTF-8 bytes) */
} CimSpPairs;

/* Unigram's piece trie as a double array: the child of unit u on byte b is unit
 * base[u] + b when that unit's check is u. A unit carries the piece that ends there. */
typedef struct CimSpUnit {
    int32_t base;
    int32_t check;          /* the parent unit; -1: free */
    int32_t piece;          /* the normal or user piece ending here, -1 if none (or unused) */
    float   score;          /* its score; -inf: no piece; +inf: a user piece (scored by length) */
} CimSpUnit;

typedef struct CimSpTrie {
    CimSpUnit *unit;
    size_t     nunits;
} CimSpTrie;

typedef struct CimSpModel {
    CimSpVocab vocab;
    CimSpNorm  norm;
    CimSpPairs pairs;          /* BPE */
    CimSpTrie  trie;           /* Unigram */
    void      *proto;          /* the unpacked ModelProto: owns the charsmap bytes */
    int        type;           /* CIM_SP_UNIGRAM or CIM_SP_BPE */
    int        byte_fallback;
    int        split;          /* words: 0 whole line, 1 before each U+2581, 2 after */
    float      min_score, max_score, unk_score;   /* Unigram */
    unsigned   id;             /* process-unique: keys the thread-local memos */
} CimSpModel;

/* What one word (or line) counts, and what joining it to its neighbours needs. */
typedef struct CimSpCount {
    uint64_t tokens;
    int      first_unk, last_unk;   /* starts / ends with an unknown piece (no byte fallback) */
} CimSpCount;

/* sp_model.c: builds the engine from a serialized ModelProto. Returns 0, or -1 with a
 * message (an unsupported model: word/char types, or BPE with unused pieces). */
int  cim_sp_model_init(CimSpModel *m, const uint8_t *proto, size_t n, char *err, size_t errn);
void cim_sp_model_free(CimSpModel *m);
int  cim_sp_vocab_init(CimSpVocab *v, int npieces);
int  cim_sp_vocab_add(CimSpVocab *v, int id, const char *piece, size_t n, float score, int type);
void cim_sp_vocab_free(CimSpVocab *v);

/* sp_normalize.c: SentencePiece's Normalize of in[0..n) into out (replaced). -1 if out
 * of memory. */
int  cim_sp_normalize(const CimSpNorm *nm, const CimSpVocab *v, const char *in, size_t n,
                      CimSpBuf *out);
int  cim_sp_buf_reserve(CimSpBuf *b, size_t more);
/* The shortest character-map rule that is a prefix of s[0..n): its replacement in *rep
 * and its length, or -1 if none (the Rust tokenizers library's Precompiled lookup). */
long cim_sp_charsmap_first(const CimSpNorm *nm, const char *s, size_t n, const char **rep);

/* sp_bpe.c: the merge table of m's vocabulary (0, or -1 if out of memory); BPE of one
 * normalized word (-1 if out of memory). */
int  cim_sp_pairs_init(CimSpPairs *p, const CimSpVocab *v);
void cim_sp_pairs_free(CimSpPairs *p);
int  cim_sp_bpe_word(const CimSpModel *m, CimSpBuf *work, const char *s, size_t n, CimSpCount *out);

/* sp_unigram.c: the piece trie of v (0, or -1 if out of memory); Viterbi of one normalized word from the path score g (float, as
 * libsentencepiece keeps it). Writes the path score at the word's end to *g_end, the
 * count, and, when gap is not NULL, the smallest difference between two scores that
 * a decision compared (*gap), the largest score magnitude (*mag) and the path's ids
 * (up to max_ids, *nids = the path length). -1 if out of memory. */
int  cim_sp_trie_init(CimSpTrie *t, const CimSpVocab *v);
void cim_sp_trie_free(CimSpTrie *t);
int  cim_sp_unigram_word(const CimSpModel *m, CimSpBuf *work, const char *s, size_t n, float g,
                         float *g_end, CimSpCount *out, float *gap, float *mag,
                         int32_t *ids, int max_ids, int *nids);
/* The path score after adding node id (the unknown piece when id == unk_id, of len bytes). */
static inline float cim_sp_unigram_step(const CimSpModel *m, float g, int32_t id, size_t len)
{
    if (id == m->vocab.unk_id) return m->unk_score + g;
    double score = m->vocab.type[id] == CIM_SP_USER ? (double)((float)len * m->max_score) - 0.1
                                                    : (double)m->vocab.score[id];
    return (float)(score + (double)g);
}

/* sp_engine.c: tokens of one line (no '\n') as Encode gives them; -1 if out of memory. */
typedef struct CimSpMemo CimSpMemo;
int64_t    cim_sp_count_line(const CimSpModel *m, CimSpMemo *memo, const char *line, size_t n);
/* This thread's memo for m (NULL if out of memory): kept across files, bounded. */
CimSpMemo *cim_sp_thread_memo(const CimSpModel *m);
/* Memo hits and lookups of this thread (for the memo statistics). */
void       cim_sp_memo_stats(const CimSpMemo *memo, uint64_t *hits, uint64_t *lookups);
#endif
