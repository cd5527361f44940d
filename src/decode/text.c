/*
 * text.c — the text "decoder" (doc/records.md): raw bytes are the file's bytes.
 *
 * Sniff: the first 64 KiB hold no NUL and at most 1% invalid UTF-8 bytes.
 * Decode streams the file in 1 MiB reads and hands tokenizers chunks that end
 * just after a '\n', so line-based tokenizers (spm_encode semantics) never see
 * a line cut in two. A line longer than CIM_TEXT_MAX_LINE is delivered in
 * pieces of that size from its start (stepped back to a UTF-8 boundary), which
 * keeps memory bounded on pathological files (documented in README: spm then
 * encodes such a line piecewise); where they fall does not depend on the read size.
 * The next chunk is read while the tokenizers take this one (text_decode).
 */
#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "common/utf8.h"
#include "decode/decoder.h"

#define CIM_TEXT_READ     (1u << 20)
/* With idle threads (one large file), 4 MiB: fewer hand-overs between the reading
 * thread and its helpers (1 MiB chunks cost -j 2 on one file about 7% of its speed);
 * memory is then per file in flight, and few are. */
#define CIM_TEXT_READ_WIDE (4u << 20)
/* 4 MiB: tokenizers hold O(chunk) working memory (tiktoken ~25 B per byte of a
 * run it merges), so the chunk bounds their memory too (a 100 MB one-line file:
 * 132 MB peak with cl100k, was 1.5 GB with 64 MiB chunks). */
#define CIM_TEXT_MAX_LINE (4u << 20)

static int text_probe(const char *path, const uint8_t *buf, size_t n)
{
    if (!n || memchr(buf, 0, n))
        return 0;
    uint64_t bad;
    size_t check = n;
    /* A multi-byte sequence cut by the 64 KiB window is not an error. */
    if (n == 65536)
        while (check > n - 4 && (buf[check - 1] & 0xC0) == 0x80) check--;
    if (n == 65536 && check > 0 && buf[check - 1] >= 0xC0) check--;
    cim_utf8_count(buf, check, &bad);
    return bad * 100 <= check ? 10 : 0;
}

/* One chunk being filled: buf[0..cut) goes to the tokenizers, buf[cut..have) is the
 * start of a line that continues in the next chunk. */
typedef struct TextChunk {
    uint8_t *buf;
    size_t   cap, have, cut;
    uint64_t bytes, chars;    /* read into this chunk; code points of buf[0..cut) */
    int      eof;             /* the file has ended (a long line may still go on: last) */
    int      last;            /* nothing follows buf[0..cut) */
    int      rc;
    CimErr   err;
} TextChunk;

/* Room for need bytes in t->buf. */
static int reserve(TextChunk *t, size_t need)
{
    if (need <= t->cap) return 0;
    size_t ncap = t->cap * 2;
    while (ncap < need) ncap *= 2;
    uint8_t *nb = realloc(t->buf, ncap);
    if (!nb) return cim_err(&t->err, CIM_ERR_NOMEM, "out of memory");
    t->buf = nb;
    t->cap = ncap;
    return 0;
}

/* Fills t (which starts with tail[0..ntail), the previous chunk's unfinished line,
 * shorter than a read) up to the last '\n' of reads of `step` bytes, reading on while
 * no '\n' came and the line is shorter than CIM_TEXT_MAX_LINE; counts the code points
 * it hands on. */
static void fill(TextChunk *t, FILE *f, const uint8_t *tail, size_t ntail, uint64_t bytes_before,
                 size_t step, const CimLimits *lim)
{
    t->have = t->cut = 0;
    t->bytes = t->chars = 0;
    t->eof = t->last = 0;
    if ((t->rc = reserve(t, ntail + step)) < 0) return;
    if (ntail) memcpy(t->buf, tail, ntail);
    t->have = ntail;
    for (;;) {
        if ((t->rc = reserve(t, t->have + step)) < 0) return;
        size_t got = fread(t->buf + t->have, 1, step, f);
        if (got < step) {
            if (ferror(f)) { t->rc = cim_err(&t->err, CIM_ERR_IO, "read error: %s", strerror(errno)); return; }
            t->eof = 1;
        }
        t->have += got;
        t->bytes += got;
        if (lim->max_decoded_bytes && bytes_before + t->bytes > lim->max_decoded_bytes) {
            t->rc = cim_err(&t->err, CIM_ERR_LIMIT, "file exceeds the decoded-bytes limit (%llu)",
                            (unsigned long long)lim->max_decoded_bytes);
            return;
        }
        /* Lines go on whole, but one longer than CIM_TEXT_MAX_LINE is cut that far from
         * its start (stepped back to a UTF-8 boundary): where depends on the text only,
         * never on the read size, so counts are the same for any -j. Only a line that
         * starts in the carried tail can be that long (one that starts in the new data
         * ends within the last read, or is the first line, still growing), so those are
         * checked; a long one that is not first ends the chunk before it. */
        size_t cut = SIZE_MAX;
        for (size_t s = 0;;) {
            size_t span = t->have - s < CIM_TEXT_MAX_LINE ? t->have - s : CIM_TEXT_MAX_LINE;
            uint8_t *nl = memchr(t->buf + s, '\n', span);
            if (!nl) {
                if (span == CIM_TEXT_MAX_LINE) cut = s ? s : cim_utf8_floor(t->buf, CIM_TEXT_MAX_LINE);
                break;
            }
            s = (size_t)(nl - t->buf) + 1;
            if (s >= ntail) break;
        }
        if (cut != SIZE_MAX) {
            t->cut = cut;
        } else if (t->eof) {
            t->cut = t->have;
        } else {
            uint8_t *nl = memrchr(t->buf, '\n', t->have);   /* after the last newline */
            if (!nl) continue;                                /* a line still growing */
            t->cut = (size_t)(nl - t->buf) + 1;
        }
        t->last = t->eof && t->cut == t->have;
        t->chars = cim_utf8_count(t->buf, t->cut, NULL);
        return;
    }
}

/* Double-buffered when the run has idle threads (sink->spare): while the tokenizers
 * take one chunk, an OpenMP task reads and counts the next, and an idle thread of
 * the file loop's team runs it, which takes reading off the critical path of a large
 * file. Otherwise everything runs in order on this thread. */
static int text_decode_stream(FILE *f, const CimLimits *lim, CimSink *sink,
                              CimFileMeasure *m, CimErr *e)
{
    TextChunk ch[2] = {{.cap = 2 * CIM_TEXT_READ}, {.cap = 2 * CIM_TEXT_READ}};
    ch[0].buf = malloc(ch[0].cap);
    ch[1].buf = malloc(ch[1].cap);
    int rc = 0, cur = 0;
    uint64_t bytes = 0, chars = 0;
    CimGeometry g = {.modality = CIM_MOD_TEXT};
    if (!ch[0].buf || !ch[1].buf) { rc = cim_err(e, CIM_ERR_NOMEM, "out of memory"); goto done; }
    if (sink->begin && (rc = sink->begin(sink, &g, e)) < 0) goto done;
    unsigned spare = sink->spare ? sink->spare(sink) : 0;
    fill(&ch[0], f, NULL, 0, 0, spare ? CIM_TEXT_READ_WIDE : CIM_TEXT_READ, lim);
    for (;;) {
        TextChunk *a = &ch[cur], *next = &ch[!cur];
        if (a->rc < 0) { *e = a->err; rc = a->rc; goto done; }
        bytes += a->bytes;
        chars += a->chars;
        spare = sink->spare ? sink->spare(sink) : 0;
        size_t step = spare ? CIM_TEXT_READ_WIDE : CIM_TEXT_READ;
        if (!a->last) {
            #pragma omp task default(none) shared(next, a, f, lim, bytes, step) if(spare)
            fill(next, f, a->buf + a->cut, a->have - a->cut, bytes, step, lim);
        }
        CimChunk c = {.kind = CIM_CHUNK_TEXT, .data = a->buf, .len = a->cut, .last = a->last,
                      .spare = spare};
        if (a->cut || a->last) rc = sink->chunk(sink, &c, e);
        #pragma omp taskwait
        if (rc < 0 || a->last) break;
        cur = !cur;
    }
    if (rc < 0) goto done;
    if (!bytes) { rc = cim_err(e, CIM_ERR_EMPTY, "empty file"); goto done; }
    g.bytes = bytes;
    g.chars = chars;
    m->file_bytes = bytes;
    m->raw_bytes = bytes;
    m->units = chars;
    m->geom = g;
done:
    free(ch[0].buf);
    free(ch[1].buf);
    return rc;
}

static int text_decode(const char *path, const CimLimits *lim, CimSink *sink,
                       CimFileMeasure *m, CimErr *e)
{
    FILE *f = fopen(path, "rb");
    CIM_RETURN_IF(!f, e, CIM_ERR_IO, "cannot open: %s", strerror(errno));
    int rc = text_decode_stream(f, lim, sink, m, e);
    fclose(f);
    return rc;
}

const CimDecoder cim_dec_text = {
    .name     = "text",
    .modality = CIM_MOD_TEXT,
    .probe    = text_probe,
    .decode   = text_decode,
    .decode_stream = text_decode_stream,
};
