/*
 * tiktoken_bpe.h — tiktoken's byte-level BPE over a .tiktoken rank file, counting only.
 *
 * A .tiktoken file has one "BASE64 RANK" line per token; ranks are merge priorities
 * (lower merges first) and every single byte is a token. A piece (one pre-tokenizer
 * match) costs 1 token when its bytes are a token (tiktoken's shortcut, which can differ
 * from what merging would reach), else the number of parts left after repeatedly merging
 * the adjacent pair whose concatenation has the lowest rank, leftmost first.
 *
 * Counting is what repeats: CimTtCache maps a piece's bytes to its count, so a piece
 * is merged once per thread. Its small direct-mapped front table answers the frequent
 * pieces without touching the rank table (megabytes, so each probe there is a cache
 * miss: measured, that probe was 37% of the time before the front table). Lookups and the merge loop for pieces up to
 * CIM_TT_SMALL bytes allocate nothing; longer pieces use an O(n log n) heap merge.
 */
#ifndef CIM_TIKTOKEN_BPE_H
#define CIM_TIKTOKEN_BPE_H
#include <stddef.h>
#include <stdint.h>
#include "cimeter.h"

#define CIM_TT_SMALL     256   /* pieces up to this many bytes merge on the stack */
#define CIM_TT_CACHE_KEY 32    /* longest piece the cache keeps */
/* Byte strings passed in must have CIM_TT_PAD readable bytes after their end: keys
 * are read and compared 8 bytes at a time (the tail word masked). */
#define CIM_TT_PAD       8

typedef struct CimTtSlot {
    uint32_t hash;   /* low 32 bits of the key's hash, 0 = empty slot (hashes are made nonzero) */
    uint32_t len;    /* token length */
    uint32_t off;    /* token bytes at blob + off */
    uint32_t rank;
} CimTtSlot;

typedef struct CimTtRanks {
    uint8_t   *blob;      /* every token's bytes, the one of file line at byte pos at pos / 4 * 3 */
    CimTtSlot *slots;     /* open addressing, mask + 1 slots */
    size_t     n, mask;
    uint32_t  *pair;      /* [65536] rank of each two-byte token, UINT32_MAX if none */
    uint64_t  *bloom;     /* 2 bits per token: most failed lookups (merge candidates that are
                           * not tokens) end here, in L2, instead of a miss in the slots */
    size_t     bloom_mask;   /* bits - 1 */
} CimTtRanks;

/* Loads a .tiktoken file. Errors are values (CIM_ERR_MODEL with the line number). */
int  cim_tt_ranks_load(CimTtRanks *r, const char *path, CimErr *e);
void cim_tt_ranks_free(CimTtRanks *r);
/* Rank of the byte string, or UINT32_MAX when it is not a token. */
uint32_t cim_tt_rank(const CimTtRanks *r, const uint8_t *p, size_t n);
/* Tokens of one piece, without a cache. Returns UINT64_MAX only on allocation failure. */
uint64_t cim_tt_bpe_count(const CimTtRanks *r, const uint8_t *p, size_t n);

typedef struct CimTtCacheEntry {
    uint64_t key[CIM_TT_CACHE_KEY / 8];   /* the piece, zero-padded */
    uint32_t hash;                         /* 0 = empty */
    uint16_t len;
    uint16_t pad_;
    uint32_t count;                        /* tokens of the piece */
    uint32_t pad2_;
} CimTtCacheEntry;

typedef struct CimTtCache {
    CimTtCacheEntry *front;          /* direct-mapped, any piece: sized to stay in L2 */
    size_t fmask;
    CimTtCacheEntry *e;              /* open addressing, pieces that are not tokens */
    size_t mask, used;
    uint64_t hits, misses;           /* statistics (benchmarks) */
} CimTtCache;

int  cim_tt_cache_init(CimTtCache *c, unsigned log2_entries);
void cim_tt_cache_free(CimTtCache *c);
/* Tokens of one piece through the cache; UINT64_MAX on allocation failure. A piece
 * that is a token costs one rank-table lookup; the cache holds only the others. */
uint64_t cim_tt_count_piece(const CimTtRanks *r, CimTtCache *c, const uint8_t *p, size_t n);

#endif
