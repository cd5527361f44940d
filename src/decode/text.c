/*
 * text.c — the text "decoder" (SPEC §2): raw bytes are the file's bytes.
 *
 * Sniff: the first 64 KiB hold no NUL and at most 1% invalid UTF-8 bytes.
 * Decode streams the file in 1 MiB reads and hands tokenizers chunks that end
 * just after a '\n', so line-based tokenizers (spm_encode semantics) never see
 * a line cut in two. A line longer than CIM_TEXT_MAX_LINE is delivered in
 * pieces cut at a UTF-8 boundary, which keeps memory bounded on pathological
 * files (documented in README: spm then encodes such a line piecewise).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "common/utf8.h"
#include "decode/decoder.h"

#define CIM_TEXT_READ     (1u << 20)
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

static int text_decode(const char *path, const CimLimits *lim, CimSink *sink,
                       CimFileMeasure *m, CimErr *e)
{
    FILE *f = fopen(path, "rb");
    CIM_RETURN_IF(!f, e, CIM_ERR_IO, "cannot open: %s", strerror(errno));
    size_t cap = 2 * CIM_TEXT_READ, have = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) { fclose(f); return cim_err(e, CIM_ERR_NOMEM, "out of memory"); }
    int rc = 0, eof = 0;
    uint64_t bytes = 0, chars = 0;
    CimGeometry g = {.modality = CIM_MOD_TEXT};
    if (sink->begin && (rc = sink->begin(sink, &g, e)) < 0) goto done;
    while (!eof) {
        if (cap - have < CIM_TEXT_READ) {
            size_t ncap = cap * 2;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) { rc = cim_err(e, CIM_ERR_NOMEM, "out of memory"); goto done; }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + have, 1, CIM_TEXT_READ, f);
        if (got < CIM_TEXT_READ) {
            if (ferror(f)) { rc = cim_err(e, CIM_ERR_IO, "read error: %s", strerror(errno)); goto done; }
            eof = 1;
        }
        have += got;
        bytes += got;
        if (lim->max_decoded_bytes && bytes > lim->max_decoded_bytes) {
            rc = cim_err(e, CIM_ERR_LIMIT, "file exceeds the decoded-bytes limit (%llu)",
                         (unsigned long long)lim->max_decoded_bytes);
            goto done;
        }
        size_t cut = have;
        if (!eof) {
            /* Cut after the last newline; failing that, at a UTF-8 boundary once the
             * line is too long to keep growing. */
            uint8_t *nl = memrchr(buf, '\n', have);
            if (nl)
                cut = (size_t)(nl - buf) + 1;
            else if (have >= CIM_TEXT_MAX_LINE) {
                cut = have;
                while (cut > have - 4 && (buf[cut - 1] & 0xC0) == 0x80) cut--;
                if (buf[cut - 1] >= 0xC0) cut--;
                if (cut == 0) cut = have;
            } else
                continue;
        }
        chars += cim_utf8_count(buf, cut, NULL);
        CimChunk c = {.kind = CIM_CHUNK_TEXT, .data = buf, .len = cut, .last = eof};
        if (cut || eof)
            if ((rc = sink->chunk(sink, &c, e)) < 0) goto done;
        memmove(buf, buf + cut, have - cut);
        have -= cut;
    }
    if (!bytes) { rc = cim_err(e, CIM_ERR_EMPTY, "empty file"); goto done; }
    g.bytes = bytes;
    g.chars = chars;
    m->file_bytes = bytes;
    m->raw_bytes = bytes;
    m->units = chars;
    m->geom = g;
done:
    free(buf);
    fclose(f);
    return rc;
}

const CimDecoder cim_dec_text = {
    .name     = "text",
    .modality = CIM_MOD_TEXT,
    .probe    = text_probe,
    .decode   = text_decode,
};
