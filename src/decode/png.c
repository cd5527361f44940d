/*
 * png.c — PNG decoder over libpng (doc/records.md image rules; doc/tokenizers.md fast path).
 *
 * Canonical samples (doc/records.md): 8 bits per sample, 16-bit input keeps its high
 * byte (png_set_strip_16, not the rounding png_set_scale_16); gray below 8
 * bits is scaled by bit replication (0..1 → 0,255; 0..15 → 0,17,...,255); a
 * palette expands to RGB, or RGBA when a tRNS chunk is present; gray and RGB
 * with tRNS keep 1 and 3 channels (tRNS is not turned into alpha). No gamma,
 * no background: the samples are what the file stores.
 *
 * Streaming: rows go to the sink in bands of at most CIM_BAND_BYTES (and
 * at least one row), so memory is a band whatever the height. When no consumer
 * needs pixels (sink->needs lacks CIM_NEED_PIXELS) the rows are still inflated
 * and unfiltered, which is what validates the file, but into one raw row
 * buffer and without any transformation.
 *
 * Interlaced (Adam7) files cannot be emitted in row order before the last
 * pass: passes 1–6 touch only even rows and pass 7 only odd rows, so the even
 * rows are kept (⌈H/2⌉ canonical rows, half the image) and pass 7 then
 * streams out odd rows interleaved with them. This is the one case where
 * memory grows with the image (bounded by --max-pixels); documented.
 *
 * Strictness: a read that hits end of file is "truncated"; any libpng error
 * (bad CRC on a critical chunk, zlib error, zero or oversized dimensions,
 * missing image data) is "corrupt"; png_read_end is called, so a file cut
 * after its last IDAT (no IEND) is truncated too. libpng warnings (e.g. a bad
 * ancillary CRC, "known incorrect sRGB profile") are ignored. APNG: this
 * libpng has no APNG support, so the default image (IDAT) is what counts: the
 * first frame, as doc/records.md asks, and fcTL/fdAT chunks are skipped.
 *
 * Fast path (header): the same libpng set-up reads the chunks before the first
 * IDAT (IHDR, PLTE, tRNS: what the channel count needs) and ancillary chunks
 * are ignored unread. It then checks that the file ends with an IEND chunk;
 * when it does not (truncated, or trailing bytes), it answers
 * CIM_ERR_NEED_DECODE, so the common corruption, truncation, still gives the
 * decode's error. Damage inside IDAT with an intact tail is seen only by a
 * decode (--no-fast-path, --info or a content-aware tokenizer).
 *
 * Error handling: libpng reports errors by longjmp. setjmp lives in a small
 * function (png_guarded) that only calls the body, so no local that changes
 * after setjmp is read after longjmp; every allocation is recorded in the
 * PngCtx (whose address libpng holds, so it is in memory) and freed by the
 * caller on both paths.
 */
#include "cim_config.h"
#if CIM_HAVE_PNG
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "common/err.h"
#include "decode/decoder.h"


typedef struct PngCtx {
    FILE       *f;
    png_structp png;
    png_infop   info;
    uint8_t    *band;        /* canonical rows of one band (or the one raw row) */
    uint8_t    *even;        /* interlaced: the even rows (⌈H/2⌉ canonical rows) */
    int         truncated;   /* the read callback hit end of file */
    int         code;        /* CIM_ERR_* of the first error */
    char        msg[256];    /* libpng's message */
} PngCtx;

static void png_cb_error(png_structp png, png_const_charp msg)
{
    PngCtx *c = png_get_error_ptr(png);
    if (!c->code) {
        c->code = c->truncated ? CIM_ERR_TRUNCATED : CIM_ERR_CORRUPT;
        snprintf(c->msg, sizeof c->msg, "%s", msg);
    }
    png_longjmp(png, 1);
}

static void png_cb_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

static void png_cb_read(png_structp png, png_bytep out, size_t n)
{
    PngCtx *c = png_get_io_ptr(png);
    size_t got = fread(out, 1, n, c->f);
    if (got < n) {
        if (ferror(c->f))
            png_error(png, "read error");
        c->truncated = 1;
        png_error(png, "unexpected end of file");
    }
}

static void png_ctx_free(PngCtx *c)
{
    if (c->png) png_destroy_read_struct(&c->png, c->info ? &c->info : NULL, NULL);
    if (c->f) fclose(c->f);
    free(c->band);
    free(c->even);
    memset(c, 0, sizeof *c);
}

/* doc/records.md channel count from the colour type and tRNS presence. */
static uint32_t png_canon_channels(png_structp png, png_infop info)
{
    switch (png_get_color_type(png, info)) {
    case PNG_COLOR_TYPE_GRAY:       return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB:        return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA:  return 4;
    case PNG_COLOR_TYPE_PALETTE:    return png_get_valid(png, info, PNG_INFO_tRNS) ? 4 : 3;
    }
    return 0;
}

/* The geometry checks shared by header() and decode(), before any allocation. */
static int png_check_limits(const CimLimits *lim, uint32_t w, uint32_t h, uint32_t ch, CimErr *e)
{
    uint64_t px = (uint64_t)w * h;
    CIM_RETURN_IF(!w || !h, e, CIM_ERR_CORRUPT, "png: zero width or height");
    CIM_RETURN_IF(!ch, e, CIM_ERR_CORRUPT, "png: unknown colour type");
    CIM_RETURN_IF(lim->max_pixels && px > lim->max_pixels, e, CIM_ERR_LIMIT,
                  "png: %ux%u is %llu pixels, over the limit of %llu", w, h,
                  (unsigned long long)px, (unsigned long long)lim->max_pixels);
    CIM_RETURN_IF(lim->max_decoded_bytes && px * ch > lim->max_decoded_bytes, e, CIM_ERR_LIMIT,
                  "png: decoded size %llu exceeds the limit %llu",
                  (unsigned long long)(px * ch), (unsigned long long)lim->max_decoded_bytes);
    return 0;
}

static void png_fill_measure(CimFileMeasure *m, uint64_t file_bytes, uint32_t w, uint32_t h, uint32_t ch)
{
    m->modality = CIM_MOD_IMAGE;
    m->file_bytes = file_bytes;
    m->units = (uint64_t)w * h;
    m->raw_bytes = m->units * ch;
    memset(&m->geom, 0, sizeof m->geom);
    m->geom.modality = CIM_MOD_IMAGE;
    m->geom.width = w;
    m->geom.height = h;
    m->geom.channels = ch;
}

/* Creates the libpng structs reading from c->f (no reads yet). */
static int png_ctx_setup(PngCtx *c, CimErr *e)
{
    c->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, png_cb_error, png_cb_warning);
    CIM_RETURN_IF(!c->png, e, CIM_ERR_NOMEM, "png: out of memory");
    c->info = png_create_info_struct(c->png);
    CIM_RETURN_IF(!c->info, e, CIM_ERR_NOMEM, "png: out of memory");
    png_set_read_fn(c->png, c, png_cb_read);
    /* Ancillary chunks do not change the samples; tRNS changes the channel
     * count. A negative count ignores every chunk but IHDR, PLTE, tRNS, IDAT
     * and IEND, unread (no iCCP/zTXt inflation, no text copies). */
    png_set_keep_unknown_chunks(c->png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
    /* Dimensions are checked against CimLimits by us, not libpng's 1e6 cap. */
    png_set_user_limits(c->png, 0x7fffffffu, 0x7fffffffu);
    return 0;
}

/* Opens the file and creates the libpng structs (no reads yet). */
static int png_ctx_open(PngCtx *c, const char *path, uint64_t *file_bytes, CimErr *e)
{
    memset(c, 0, sizeof *c);
    c->f = fopen(path, "rb");
    CIM_RETURN_IF(!c->f, e, CIM_ERR_IO, "cannot open: %s", strerror(errno));
    struct stat st;
    CIM_RETURN_IF(fstat(fileno(c->f), &st) < 0, e, CIM_ERR_IO, "cannot stat: %s", strerror(errno));
    *file_bytes = (uint64_t)st.st_size;
    return png_ctx_setup(c, e);
}

/* Reads the chunks up to the first IDAT. Called under setjmp. */
static void png_read_head(PngCtx *c)
{
    png_read_info(c->png, c->info);
}

/* The band of rows being filled in c->band; a full band, or the image's last row,
 * goes to the sink as one chunk. */
typedef struct RowBand {
    uint32_t y0;        /* image row of the band's first row */
    uint32_t have;      /* rows in the band so far */
    uint32_t rows;      /* rows a full band holds */
    uint32_t width, height, channels;
    size_t   rowbytes;
} RowBand;

/* Row y has just been placed at band row b->have: count it, and emit the band when it
 * is full or y is the last row. */
static int band_row_done(PngCtx *c, RowBand *b, uint32_t y, CimSink *sink, CimErr *e)
{
    b->have++;
    if (b->have < b->rows && y + 1 < b->height)
        return 0;
    CimChunk k = {.kind = CIM_CHUNK_ROWS, .data = c->band, .stride = b->rowbytes,
                  .width = b->width, .height = b->have, .y = b->y0, .channels = b->channels};
    CIM_CHECK(sink->chunk(sink, &k, e));
    b->y0 += b->have;
    b->have = 0;
    return 0;
}

/* Decodes every row; called under setjmp (see the file comment). Returns 0 or
 * a CimErr code of its own (a sink error); libpng errors longjmp out. */
__attribute__((noinline))
static int png_body(PngCtx *c, const CimLimits *lim, CimSink *sink, CimFileMeasure *m, CimErr *e)
{
    png_structp png = c->png;
    png_infop info = c->info;
    png_read_head(c);
    uint32_t w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    uint32_t ch = png_canon_channels(png, info);
    CIM_CHECK(png_check_limits(lim, w, h, ch, e));
    int pixels = (sink->needs & CIM_NEED_PIXELS) != 0;
    int interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    if (pixels) {
        int ct = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
        if (depth == 16) png_set_strip_16(png);
        if (ct == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
        if (ct == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    }
    int passes = interlaced ? png_set_interlace_handling(png) : 1;
    png_read_update_info(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (pixels)
        CIM_RETURN_IF(png_get_channels(png, info) != ch || png_get_bit_depth(png, info) != 8 ||
                      rowbytes != (size_t)w * ch, e, CIM_ERR_INTERNAL,
                      "png: transformed layout (%u channels, %u bits) is not canonical",
                      png_get_channels(png, info), png_get_bit_depth(png, info));
    uint64_t fb = m->file_bytes;
    png_fill_measure(m, fb, w, h, ch);
    if (sink->begin) CIM_CHECK(sink->begin(sink, &m->geom, e));

    uint32_t band = cim_band_rows(rowbytes, h, pixels);
    c->band = malloc(rowbytes * band);
    CIM_RETURN_IF(!c->band, e, CIM_ERR_NOMEM, "png: out of memory for %u rows of %zu bytes", band, rowbytes);
    RowBand rows = {.rows = band, .width = w, .height = h, .channels = ch, .rowbytes = rowbytes};

    if (!interlaced || !pixels) {
        /* Sequential (or validation only: every pass row lands in one buffer). */
        for (int pass = 0; pass < passes; pass++)
            for (uint32_t y = 0; y < h; y++) {
                png_read_row(png, c->band + (size_t)rows.have * rowbytes, NULL);
                if (pixels)
                    CIM_CHECK(band_row_done(c, &rows, y, sink, e));
            }
    } else {
        /* Adam7: passes 1–6 fill the even rows, pass 7 is the odd rows. */
        size_t neven = (h + 1) / 2;
        c->even = calloc(neven, rowbytes);
        CIM_RETURN_IF(!c->even, e, CIM_ERR_NOMEM, "png: out of memory for an interlaced image");
        for (int pass = 0; pass < passes - 1; pass++)
            for (uint32_t y = 0; y < h; y++)
                png_read_row(png, (y & 1) ? c->band : c->even + (size_t)(y / 2) * rowbytes, NULL);
        /* Emit in row order: row 2i from c->even, row 2i+1 read now. A band
         * is copied together so consumers get contiguous rows. */
        for (uint32_t y = 0; y < h; y++) {
            uint8_t *dst = c->band + (size_t)rows.have * rowbytes;
            if (y & 1)
                png_read_row(png, dst, NULL);
            else {
                memcpy(dst, c->even + (size_t)(y / 2) * rowbytes, rowbytes);
                png_read_row(png, NULL, NULL);   /* pass 7 call for an even row: no data */
            }
            CIM_CHECK(band_row_done(c, &rows, y, sink, e));
        }
    }
    png_read_end(png, NULL);
    return 0;
}

static int png_guarded(PngCtx *c, const CimLimits *lim, CimSink *sink, CimFileMeasure *m, CimErr *e)
{
    if (setjmp(png_jmpbuf(c->png)))
        return cim_err(e, c->code ? c->code : CIM_ERR_CORRUPT, "png: %s", c->msg);
    return png_body(c, lim, sink, m, e);
}

static int png_decode(const char *path, const CimLimits *lim, CimSink *sink, CimFileMeasure *m, CimErr *e)
{
    PngCtx c;
    uint64_t fb = 0;
    int rc = png_ctx_open(&c, path, &fb, e);
    if (rc == 0) {
        m->file_bytes = fb;
        rc = png_guarded(&c, lim, sink, m, e);
    }
    png_ctx_free(&c);
    return rc;
}

__attribute__((noinline))
static int png_head_body(PngCtx *c, const CimLimits *lim, CimFileMeasure *m, CimErr *e)
{
    png_read_head(c);
    uint32_t w = png_get_image_width(c->png, c->info), h = png_get_image_height(c->png, c->info);
    uint32_t ch = png_canon_channels(c->png, c->info);
    CIM_CHECK(png_check_limits(lim, w, h, ch, e));
    png_fill_measure(m, m->file_bytes, w, h, ch);
    return 0;
}

static int png_head_guarded(PngCtx *c, const CimLimits *lim, CimFileMeasure *m, CimErr *e)
{
    if (setjmp(png_jmpbuf(c->png)))
        return cim_err(e, c->code ? c->code : CIM_ERR_CORRUPT, "png: %s", c->msg);
    return png_head_body(c, lim, m, e);
}

/* header() over an open, seekable file of size bytes (left open). */
static int png_header_stream(FILE *f, uint64_t size, const CimLimits *lim, CimFileMeasure *m,
                             CimErr *e)
{
    static const uint8_t iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    PngCtx c;
    memset(&c, 0, sizeof c);
    c.f = f;
    int rc = png_ctx_setup(&c, e);
    if (rc == 0) {
        m->file_bytes = size;
        rc = png_head_guarded(&c, lim, m, e);
        off_t head = ftello(f);   /* what libpng took, before the tail is looked at */
        m->head_read = head > 0 ? (uint64_t)head : 0;
    }
    /* A file that does not end with IEND is decoded: that decode reports
     * truncation (or accepts trailing bytes) exactly as --no-fast-path does. */
    if (rc == 0) {
        uint8_t tail[12];
        if (size >= 12 + 8)
            m->tail_read = 12;
        if (size < 12 + 8 || fseeko(f, -12, SEEK_END) != 0 || fread(tail, 1, 12, f) != 12 ||
            memcmp(tail, iend, 12))
            rc = CIM_ERR_NEED_DECODE;
    }
    c.f = NULL;   /* the caller's */
    png_ctx_free(&c);
    return rc;
}

static int png_header(const char *path, const CimLimits *lim, CimFileMeasure *m, CimErr *e)
{
    return cim_decoder_header_by_path(png_header_stream, path, lim, m, e);
}

static int png_probe(const char *path, const uint8_t *buf, size_t n)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    return n >= 8 && !memcmp(buf, sig, 8) ? CIM_PROBE_MAX : 0;
}

const CimDecoder cim_dec_png = {
    .name     = "png",
    .modality = CIM_MOD_IMAGE,
    .probe    = png_probe,
    .header   = png_header,
    .header_ends = 1,
    .header_stream = png_header_stream,
    .decode   = png_decode,
};
#endif /* CIM_HAVE_PNG */
