/*
 * jpeg.c — JPEG decoder over libjpeg-turbo's libjpeg API (doc/records.md, doc/image.md).
 *
 * Canonical samples (doc/records.md): grayscale gives 1 channel; YCbCr and RGB give
 * 3 (RGB, libjpeg's conversion with its defaults: islow IDCT, fancy
 * upsampling, the same as PIL uses); CMYK and YCCK give 4 channels of CMYK
 * as libjpeg outputs them (Adobe files store inverted CMYK and are not
 * re-inverted: the channel count and the per-channel ranges the adaptive
 * tokenizer uses do not depend on it). Baseline, extended, progressive and
 * arithmetic-coded files are read; 12-bit files are refused by this 8-bit
 * libjpeg build (corrupt/unsupported error). Other component counts are
 * unsupported. EXIF orientation is ignored (markers are not even saved).
 *
 * Strictness: libjpeg reports data damage as warnings and goes on with grey
 * blocks; doc/records.md wants an error instead. Every warning is an error except the
 * ones that leave the samples intact: JWRN_EXTRANEOUS_DATA (bytes skipped
 * between segments), JWRN_ADOBE_XFORM, JWRN_JFIF_MAJOR and JWRN_BOGUS_ICC.
 * "Premature end of JPEG file" (JWRN_JPEG_EOF) is "truncated"; "premature
 * end of data segment", bad Huffman/arithmetic codes, resync and progression
 * errors are "corrupt". jpeg_finish_decompress is called, so a file cut after
 * the last scan (no EOI) is truncated too.
 *
 * Streaming: baseline files go out in bands of at most CIM_BAND_BYTES (at
 * least one row); libjpeg itself keeps one MCU row. Progressive files make
 * libjpeg keep the whole coefficient image (2 bytes per sample before
 * subsampling): inherent to the format, bounded by --max-pixels; documented.
 * When no consumer needs pixels, the file is decoded at scale 1/8: the whole
 * entropy-coded stream is still parsed (which is what finds truncation and
 * corruption) but the IDCT, upsampling and colour conversion work on 1/64 of
 * the samples, into one small row buffer.
 *
 * Fast path (header): jpeg_read_header reads the markers up to the first SOS
 * (SOF gives W, H and the components). The file must end with EOI (FF D9);
 * otherwise CIM_ERR_NEED_DECODE, so truncated files get the decode's error.
 *
 * Error handling: error_exit and emit_message longjmp to a setjmp in a small
 * function (jpeg_guarded) that only calls the body; allocations live in the
 * JpegCtx (in memory, reached from the error manager) and are freed on both
 * paths.
 */
#include "cim_config.h"
#if CIM_HAVE_JPEG
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jpeglib.h>
#include <jerror.h>
#include "common/err.h"
#include "decode/decoder.h"


typedef struct JpegCtx {
    struct jpeg_error_mgr         jerr;   /* first: cinfo.err points here */
    struct jpeg_decompress_struct ci;
    jmp_buf     jb;
    FILE       *f;
    int         created;     /* jpeg_create_decompress done: destroy owed */
    uint8_t    *band;        /* rows of one band */
    int         code;        /* CIM_ERR_* of the first error */
    char        msg[JMSG_LENGTH_MAX];
} JpegCtx;

static void jpeg_fail(j_common_ptr ci, int code)
{
    JpegCtx *c = (JpegCtx *)ci->err;
    if (!c->code) {
        c->code = code;
        ci->err->format_message(ci, c->msg);
    }
    longjmp(c->jb, 1);
}

static void jpeg_cb_error_exit(j_common_ptr ci)
{
    jpeg_fail(ci, ci->err->msg_code == JERR_INPUT_EMPTY ? CIM_ERR_TRUNCATED : CIM_ERR_CORRUPT);
}

static void jpeg_cb_emit(j_common_ptr ci, int level)
{
    if (level >= 0)
        return;   /* trace messages */
    switch (ci->err->msg_code) {
    case JWRN_EXTRANEOUS_DATA:
    case JWRN_ADOBE_XFORM:
    case JWRN_JFIF_MAJOR:
    case JWRN_BOGUS_ICC:
        ci->err->num_warnings++;
        return;
    case JWRN_JPEG_EOF:
        jpeg_fail(ci, CIM_ERR_TRUNCATED);
        return;
    default:
        jpeg_fail(ci, CIM_ERR_CORRUPT);
        return;
    }
}

static void jpeg_cb_output(j_common_ptr ci) { (void)ci; }   /* the library never prints */

static void jpeg_ctx_free(JpegCtx *c)
{
    if (c->created) jpeg_destroy_decompress(&c->ci);
    if (c->f) fclose(c->f);
    free(c->band);
    c->created = 0;
    c->f = NULL;
    c->band = NULL;
}

/* The error handling of a context reading c->f (nothing read yet). */
static void jpeg_ctx_setup(JpegCtx *c)
{
    c->ci.err = jpeg_std_error(&c->jerr);
    c->jerr.error_exit = jpeg_cb_error_exit;
    c->jerr.emit_message = jpeg_cb_emit;
    c->jerr.output_message = jpeg_cb_output;
}

static int jpeg_ctx_open(JpegCtx *c, const char *path, uint64_t *file_bytes, CimErr *e)
{
    memset(c, 0, sizeof *c);
    c->f = fopen(path, "rb");
    CIM_RETURN_IF(!c->f, e, CIM_ERR_IO, "cannot open: %s", strerror(errno));
    struct stat st;
    CIM_RETURN_IF(fstat(fileno(c->f), &st) < 0, e, CIM_ERR_IO, "cannot stat: %s", strerror(errno));
    *file_bytes = (uint64_t)st.st_size;
    jpeg_ctx_setup(c);
    return 0;
}

/* doc/records.md channels for the stream's colour space, and the output space that
 * gives them; 0 when unsupported. */
static uint32_t jpeg_canon_channels(const struct jpeg_decompress_struct *ci, J_COLOR_SPACE *out)
{
    switch (ci->jpeg_color_space) {
    case JCS_GRAYSCALE: *out = JCS_GRAYSCALE; return ci->num_components == 1 ? 1 : 0;
    case JCS_YCbCr:
    case JCS_RGB:       *out = JCS_RGB; return ci->num_components == 3 ? 3 : 0;
    case JCS_CMYK:
    case JCS_YCCK:      *out = JCS_CMYK; return ci->num_components == 4 ? 4 : 0;
    default:            *out = JCS_UNKNOWN; return 0;
    }
}

static int jpeg_check_limits(const CimLimits *lim, const struct jpeg_decompress_struct *ci,
                             uint32_t ch, CimErr *e)
{
    uint32_t w = ci->image_width, h = ci->image_height;
    uint64_t px = (uint64_t)w * h;
    CIM_RETURN_IF(!w || !h, e, CIM_ERR_CORRUPT, "jpeg: zero width or height");
    CIM_RETURN_IF(!ch, e, CIM_ERR_UNSUPPORTED, "jpeg: unsupported colour space (%d components)",
                  ci->num_components);
    CIM_RETURN_IF(lim->max_pixels && px > lim->max_pixels, e, CIM_ERR_LIMIT,
                  "jpeg: %ux%u is %llu pixels, over the limit of %llu", w, h,
                  (unsigned long long)px, (unsigned long long)lim->max_pixels);
    CIM_RETURN_IF(lim->max_decoded_bytes && px * ch > lim->max_decoded_bytes, e, CIM_ERR_LIMIT,
                  "jpeg: decoded size %llu exceeds the limit %llu",
                  (unsigned long long)(px * ch), (unsigned long long)lim->max_decoded_bytes);
    return 0;
}

static void jpeg_fill_measure(CimFileMeasure *m, uint32_t w, uint32_t h, uint32_t ch)
{
    uint64_t fb = m->file_bytes;
    memset(&m->geom, 0, sizeof m->geom);
    m->modality = CIM_MOD_IMAGE;
    m->file_bytes = fb;
    m->units = (uint64_t)w * h;
    m->raw_bytes = m->units * ch;
    m->geom.modality = CIM_MOD_IMAGE;
    m->geom.width = w;
    m->geom.height = h;
    m->geom.channels = ch;
}

/* Reads the markers up to the first scan and checks the geometry. */
static int jpeg_head(JpegCtx *c, const CimLimits *lim, CimFileMeasure *m, J_COLOR_SPACE *out, CimErr *e)
{
    jpeg_create_decompress(&c->ci);
    c->created = 1;
    jpeg_stdio_src(&c->ci, c->f);
    jpeg_read_header(&c->ci, TRUE);   /* tables-only streams fail (JERR_NO_IMAGE) */
    uint32_t ch = jpeg_canon_channels(&c->ci, out);
    CIM_CHECK(jpeg_check_limits(lim, &c->ci, ch, e));
    jpeg_fill_measure(m, c->ci.image_width, c->ci.image_height, ch);
    return 0;
}

__attribute__((noinline))
static int jpeg_body(JpegCtx *c, const CimLimits *lim, CimSink *sink, CimFileMeasure *m, CimErr *e)
{
    J_COLOR_SPACE out;
    CIM_CHECK(jpeg_head(c, lim, m, &out, e));
    struct jpeg_decompress_struct *ci = &c->ci;
    int pixels = (sink->needs & CIM_NEED_PIXELS) != 0;
    uint32_t w = m->geom.width, h = m->geom.height, ch = m->geom.channels;
    ci->out_color_space = out;
    if (!pixels) {   /* validate only: full entropy decode, 1/64 of the IDCT work */
        ci->scale_num = 1;
        ci->scale_denom = 8;
    }
    if (sink->begin) CIM_CHECK(sink->begin(sink, &m->geom, e));
    jpeg_start_decompress(ci);
    size_t rowbytes = (size_t)ci->output_width * (size_t)ci->output_components;
    if (pixels)
        CIM_RETURN_IF(ci->output_width != w || ci->output_height != h ||
                      (uint32_t)ci->output_components != ch, e, CIM_ERR_INTERNAL,
                      "jpeg: output %ux%ux%d is not the canonical %ux%ux%u",
                      ci->output_width, ci->output_height, ci->output_components, w, h, ch);
    uint32_t band = cim_band_rows(rowbytes, h, pixels);
    c->band = malloc(rowbytes * band);
    CIM_RETURN_IF(!c->band, e, CIM_ERR_NOMEM, "jpeg: out of memory for %u rows of %zu bytes", band, rowbytes);
    JSAMPROW rows[CIM_BAND_MAX];
    for (uint32_t i = 0; i < band; i++) rows[i] = c->band + (size_t)i * rowbytes;
    while (ci->output_scanline < ci->output_height) {
        uint32_t y0 = ci->output_scanline, have = 0;
        uint32_t want = ci->output_height - y0 < band ? ci->output_height - y0 : band;
        while (have < want) {
            JDIMENSION got = jpeg_read_scanlines(ci, pixels ? rows + have : rows, pixels ? want - have : 1);
            CIM_RETURN_IF(got == 0, e, CIM_ERR_CORRUPT, "jpeg: decoder stalled at row %u", y0 + have);
            have += got;
        }
        if (pixels) {
            CimChunk k = {.kind = CIM_CHUNK_ROWS, .data = c->band, .stride = rowbytes,
                          .width = w, .height = have, .y = y0, .channels = ch};
            CIM_CHECK(sink->chunk(sink, &k, e));
        }
    }
    jpeg_finish_decompress(ci);
    return 0;
}

static int jpeg_guarded(JpegCtx *c, const CimLimits *lim, CimSink *sink, CimFileMeasure *m, CimErr *e)
{
    if (setjmp(c->jb))
        return cim_err(e, c->code ? c->code : CIM_ERR_CORRUPT, "jpeg: %s", c->msg);
    return jpeg_body(c, lim, sink, m, e);
}

static int jpeg_decode(const char *path, const CimLimits *lim, CimSink *sink, CimFileMeasure *m, CimErr *e)
{
    JpegCtx *c = malloc(sizeof *c);   /* jmp_buf and libjpeg structs: keep them off the stack */
    CIM_RETURN_IF(!c, e, CIM_ERR_NOMEM, "out of memory");
    uint64_t fb = 0;
    int rc = jpeg_ctx_open(c, path, &fb, e);
    if (rc == 0) {
        m->file_bytes = fb;
        rc = jpeg_guarded(c, lim, sink, m, e);
    }
    jpeg_ctx_free(c);
    free(c);
    return rc;
}

__attribute__((noinline))
static int jpeg_head_body(JpegCtx *c, const CimLimits *lim, CimFileMeasure *m, CimErr *e)
{
    J_COLOR_SPACE out;
    return jpeg_head(c, lim, m, &out, e);
}

static int jpeg_head_guarded(JpegCtx *c, const CimLimits *lim, CimFileMeasure *m, CimErr *e)
{
    if (setjmp(c->jb))
        return cim_err(e, c->code ? c->code : CIM_ERR_CORRUPT, "jpeg: %s", c->msg);
    return jpeg_head_body(c, lim, m, e);
}

/* header() over an open, seekable file of size bytes (left open). */
static int jpeg_header_stream(FILE *f, uint64_t size, const CimLimits *lim, CimFileMeasure *m,
                              CimErr *e)
{
    JpegCtx *c = calloc(1, sizeof *c);
    CIM_RETURN_IF(!c, e, CIM_ERR_NOMEM, "out of memory");
    c->f = f;
    jpeg_ctx_setup(c);
    m->file_bytes = size;
    int rc = jpeg_head_guarded(c, lim, m, e);
    /* What libjpeg's stdio source took (its buffer's look-ahead included), before
     * the tail is looked at. */
    off_t head = ftello(f);
    m->head_read = head > 0 ? (uint64_t)head : 0;
    /* Not ending with EOI: decode, which reports truncation exactly as
     * --no-fast-path does (or accepts trailing bytes after EOI). */
    if (rc == 0) {
        uint8_t tail[2];
        m->tail_read = 2;
        if (fseeko(f, -2, SEEK_END) != 0 || fread(tail, 1, 2, f) != 2 ||
            tail[0] != 0xFF || tail[1] != 0xD9)
            rc = CIM_ERR_NEED_DECODE;
    }
    c->f = NULL;   /* the caller's */
    jpeg_ctx_free(c);
    free(c);
    return rc;
}

static int jpeg_header(const char *path, const CimLimits *lim, CimFileMeasure *m, CimErr *e)
{
    return cim_decoder_header_by_path(jpeg_header_stream, path, lim, m, e);
}

static int jpeg_probe(const char *path, const uint8_t *buf, size_t n)
{
    return n >= 3 && buf[0] == 0xFF && buf[1] == 0xD8 && buf[2] == 0xFF ? CIM_PROBE_MAX : 0;
}

const CimDecoder cim_dec_jpeg = {
    .name     = "jpeg",
    .modality = CIM_MOD_IMAGE,
    .probe    = jpeg_probe,
    .header   = jpeg_header,
    .header_ends = 1,
    .header_stream = jpeg_header_stream,
    .decode   = jpeg_decode,
};
#endif /* CIM_HAVE_JPEG */
