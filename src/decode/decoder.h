/*
 * decoder.h — the decoder interface (libvips loaders: is_a / header / load).
 *
 * A decoder is a const CimDecoder listed by one extern line in
 * src/decode/registry.c. probe() scores a file by content (magic bytes, never
 * the extension); the highest score wins. header() is the fast path: exact
 * geometry without decoding, or CIM_ERR_NEED_DECODE when the header cannot be
 * trusted. decode() streams chunks into the sink and fills the measure.
 */
#ifndef CIM_DECODER_H
#define CIM_DECODER_H
#include <stdint.h>
#include <stdio.h>
#include "cimeter.h"
#include "tokenizer.h"

/* The canonical figures of one file (doc/records.md), filled by header() or decode(). */
typedef struct CimFileMeasure {
    uint64_t file_bytes;       /* bytes on disk; video: the measured stream's packet bytes */
    uint64_t raw_bytes;        /* canonical decoded size */
    uint64_t units;            /* text chars, image pixels, video frames, audio samples/channel */
    double   seconds;          /* video and audio duration */
    uint64_t skipped_packets;  /* video: packets that failed to decode */
    CimModality modality;      /* normally the decoder's; an av file with only cover art is audio */
    CimGeometry geom;
    /* header() of a decoder with header_ends: how many bytes it read from the file's
     * start, and from its end (0: none). A caller that holds only those bytes of a file
     * (an archive member spooled sparsely) knows from them whether the answer stands. */
    uint64_t head_read, tail_read;
} CimFileMeasure;

/* Where a decoder sends what it decodes. The pipeline fans each call out to
 * every requested tokenizer of the modality and to the --info compressor. */
typedef struct CimSink {
    unsigned needs;            /* union of CIM_NEED_* of the consumers: skip work nobody needs */
    int (*begin)(struct CimSink *s, const CimGeometry *g, CimErr *e);  /* before the first chunk */
    int (*chunk)(struct CimSink *s, const CimChunk *c, CimErr *e);
    /* (optional) threads of the run with no file at the moment: the room a decoder
     * and its tokenizers have for working inside one file (CimChunk.spare). */
    unsigned (*spare)(const struct CimSink *s);
} CimSink;

#define CIM_PROBE_MAX 100   /* a probe's best score: a signature nothing else can claim */

typedef struct CimDecoder {
    const char *name;          /* "png" */
    CimModality modality;
    /* Score 0..CIM_PROBE_MAX from the first bytes of the file (n <= 64 KiB); path for
     * decoders that must look deeper (containers that may hold video or only audio). */
    int (*probe)(const char *path, const uint8_t *buf, size_t n);
    /* (optional) exact geometry from headers only, or CIM_ERR_NEED_DECODE. */
    int (*header)(const char *path, const CimLimits *lim, CimFileMeasure *m, CimErr *e);
    /* header() reads the file only from its start and at its end, and says how far
     * (CimFileMeasure.head_read, tail_read), on success and on error alike. */
    int header_ends;
    /* (optional, with header_ends) header() over an open, seekable file of size bytes,
     * left open: a caller that holds a file's ends in memory reads them without a file. */
    int (*header_stream)(FILE *f, uint64_t size, const CimLimits *lim, CimFileMeasure *m,
                         CimErr *e);
    int (*decode)(const char *path, const CimLimits *lim, CimSink *sink, CimFileMeasure *m, CimErr *e);
    /* (optional) decode() from an unseekable stream (a compressed file's or an
     * archive member's content): only decoders that never seek have one (text). */
    int (*decode_stream)(FILE *f, const CimLimits *lim, CimSink *sink, CimFileMeasure *m, CimErr *e);
} CimDecoder;

/* Image decoders hand rows on in bands of about CIM_BAND_BYTES, at most
 * CIM_BAND_MAX rows; one row when no consumer needs pixels (validation only). */
#define CIM_BAND_BYTES (1u << 20)
#define CIM_BAND_MAX   64u
static inline uint32_t cim_band_rows(size_t rowbytes, uint32_t h, int pixels)
{
    if (!pixels) return 1;
    size_t band = CIM_BAND_BYTES / (rowbytes ? rowbytes : 1);
    band = band < 1 ? 1 : band > CIM_BAND_MAX ? CIM_BAND_MAX : band;
    return band > h ? h : (uint32_t)band;
}

/* registry.c: the best decoder for a file, or NULL (no known modality). */
const CimDecoder *cim_decoder_sniff(const char *path, const uint8_t *buf, size_t n);
/* The same from the first bytes alone, before a stream is spooled to a file:
 * *need_file is set when a decoder that must open the data (libavformat) may
 * still claim it, so the stream must be spooled and sniffed again by path. */
const CimDecoder *cim_decoder_sniff_prefix(const uint8_t *buf, size_t n, int *need_file);
const CimDecoder *const *cim_decoder_list(void);
/* A header_stream() answered for a file named by path: opened, its size taken,
 * closed again (the header() of a decoder that reads headers from a FILE*). */
typedef int (*CimHeaderStreamFn)(FILE *f, uint64_t size, const CimLimits *lim, CimFileMeasure *m,
                                 CimErr *e);
int cim_decoder_header_by_path(CimHeaderStreamFn header_stream, const char *path,
                               const CimLimits *lim, CimFileMeasure *m, CimErr *e);
#endif
