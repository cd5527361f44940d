/*
 * bpe_heap.h — the binary min-heap of candidate merges that BPE on long pieces uses
 * (tiktoken_bpe.c, hf_bpe.c): lowest rank first, the leftmost of equal ranks first,
 * which is the order both tiktoken and Hugging Face's library merge in.
 */
#ifndef CIM_BPE_HEAP_H
#define CIM_BPE_HEAP_H
#include <stddef.h>
#include <stdint.h>

/* A candidate merge: its rank, the position of its left part, and one more value of
 * the caller's (tiktoken: the pair's end; Hugging Face: the id it makes). */
typedef struct CimBpeHeapItem {
    uint32_t rank, pos, aux;
} CimBpeHeapItem;

static inline int cim_bpe_heap_less(const CimBpeHeapItem *a, const CimBpeHeapItem *b)
{
    return a->rank < b->rank || (a->rank == b->rank && a->pos < b->pos);
}

/* h has room for *n + 1 items. */
static inline void cim_bpe_heap_push(CimBpeHeapItem *h, size_t *n, CimBpeHeapItem it)
{
    size_t i = (*n)++;
    while (i) {
        size_t up = (i - 1) / 2;
        if (!cim_bpe_heap_less(&it, &h[up])) break;
        h[i] = h[up];
        i = up;
    }
    h[i] = it;
}

/* The least item (*n > 0). */
static inline CimBpeHeapItem cim_bpe_heap_pop(CimBpeHeapItem *h, size_t *n)
{
    CimBpeHeapItem top = h[0];
    CimBpeHeapItem last = h[--*n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && cim_bpe_heap_less(&h[c + 1], &h[c])) c++;
        if (!cim_bpe_heap_less(&h[c], &last)) break;
        h[i] = h[c];
        i = c;
    }
    if (*n) h[i] = last;
    return top;
}
#endif
