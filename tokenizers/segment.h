/* segment.h — cutting one text chunk into segments that idle threads count side by
 * side (CimChunk.spare), for tokenizers whose count is a sum over such segments. */
#ifndef CIM_SEGMENT_H
#define CIM_SEGMENT_H
#include <stddef.h>
#include <stdint.h>

#define CIM_SEG_MAX 128                /* segments of one chunk, at most */
#define CIM_SEG_MIN_BYTES (256u << 10) /* a smaller chunk is counted in one piece */

/* A boundary at or after `from` in s[0..n) where the tokenizer's count splits
 * exactly, or n when there is none. */
typedef size_t (*CimSegBoundary)(const uint8_t *s, size_t from, size_t n);

/* Cuts s[0..n) at boundaries near 32 equal shares per thread (the caller and `spare`
 * idle ones): many small segments, so a thread the OS preempts holds the others up
 * for little at the end of the chunk. Each byte is scanned once. Returns the number of
 * segments k, with cut[0] = 0 < cut[1] < ... < cut[k] = n; 1 without idle threads or
 * for less than CIM_SEG_MIN_BYTES. */
static inline int cim_segments(const uint8_t *s, size_t n, unsigned spare, CimSegBoundary boundary,
                               size_t cut[CIM_SEG_MAX + 1])
{
    size_t want = spare && n >= CIM_SEG_MIN_BYTES ? 32 * ((size_t)spare + 1) : 1;
    if (want > CIM_SEG_MAX) want = CIM_SEG_MAX;
    int nseg = 0;
    cut[0] = 0;
    for (size_t k = 1; k < want; k++) {
        size_t from = n / want * k;
        if (from <= cut[nseg]) continue;
        size_t p = boundary(s, from, n);
        if (p >= n) break;
        cut[++nseg] = p;
    }
    cut[++nseg] = n;
    return nseg;
}
#endif
