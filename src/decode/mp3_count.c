/*
 * mp3_count.c — exact sample counts of MP3 files without decoding (doc/tokenizers.md:
 * the fast path must equal the full decode).
 *
 * libsndfile 1.2 decodes MPEG audio with libmpg123 (gapless on, float out,
 * no resampling, no "Frankenstein" streams) and cuts what sf_readf_short()
 * returns at sf.frames, which is mpg123_length() right after opening. That
 * length is exact when the first frame carries a Xing/Info tag with a frame
 * count (libmpg123 then also takes the LAME tag's encoder delay and padding
 * off, plus its own decoder delay); without one it is an estimate from the
 * file size and the first frames' bit rate, larger or smaller than what the
 * frames hold (a VBR file without a tag is cut well short of its end by
 * libsndfile). What decoding delivers follows from the first frame:
 *  - no Xing/Info/VBRI tag: no gapless trimming and no announced end, so
 *    every frame is delivered whole: frames x samples per frame; N is the
 *    smaller of that and the length at opening;
 *  - a Xing/Info tag that libmpg123 takes (zero side information before it,
 *    no CRC) whose frame count equals the frames after it: N is the length
 *    at opening, which already has the gapless trimming;
 *  - any other tag (no frame count, a count that is off: libmpg123 stops
 *    early, or its header scan drops gapless mode while decoding does not,
 *    a VBRI tag): decode.
 *
 * This holds for a file libmpg123 reads frame after frame without
 * resynchronising, so the fast path first checks, from the headers alone,
 * that the file is one clean chain: an optional ID3v2 tag at the start, then
 * contiguous MPEG Layer III frames of one version, sample rate and channel
 * count, with a bit rate (no free format), to the end of the file or to an
 * ID3v1 tag in its last 128 bytes. A Xing/Info/VBRI tag anywhere but the
 * first frame (files glued together), an APE or Lyrics tag, junk, a cut last
 * frame, Layer I/II, or anything libmpg123 declines: decode.
 */
#include "cim_config.h"
#include "decode/mp3_count.h"

#include <string.h>

typedef struct L3Header {
    int      mpeg1, sr_index, version, mono, crc;
    uint32_t rate;
    size_t   len;
} L3Header;

/* A Layer III frame header at p; 0 for anything else (free format included). */
static int l3_header(const uint8_t *p, L3Header *h)
{
    static const uint16_t kbps[2][16] = {
        {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},       /* MPEG 2, 2.5 */
        {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0}};  /* MPEG 1 */
    static const uint32_t base[3] = {44100, 48000, 32000};
    if (p[0] != 0xFF || (p[1] & 0xE0) != 0xE0) return 0;
    int version = (p[1] >> 3) & 3, layer = (p[1] >> 1) & 3;
    int bri = p[2] >> 4, sri = (p[2] >> 2) & 3;
    if (version == 1 || layer != 1 || bri == 0 || bri == 15 || sri == 3 || (p[3] & 3) == 2) return 0;
    h->version = version;
    h->mpeg1 = version == 3;
    h->sr_index = sri;
    h->rate = base[sri] >> (version == 3 ? 0 : version == 2 ? 1 : 2);
    h->mono = (p[3] >> 6) == 3;
    h->crc = !(p[1] & 1);
    uint32_t pad = (p[2] >> 1) & 1;
    h->len = (h->mpeg1 ? 144000u : 72000u) * kbps[h->mpeg1][bri] / h->rate + pad;
    return h->len >= 24;
}

/* The end of an ID3v2 tag at the start of b (0 without one, -1 when it is
 * malformed: a size byte with its high bit set). */
static int64_t id3v2_end(const uint8_t *b)
{
    if (memcmp(b, "ID3", 3)) return 0;
    if (b[3] < 2 || b[3] > 4 || (b[6] | b[7] | b[8] | b[9]) & 0x80) return -1;
    return 10 + ((int64_t)b[6] << 21 | (int64_t)b[7] << 14 | (int64_t)b[8] << 7 | b[9]) +
           (b[5] & 0x10 ? 10 : 0);
}

int cim_mp3_stream_prefix(const uint8_t *b, size_t n)
{
    if (n < 10) return 0;
    int64_t tag = id3v2_end(b);
    if (tag < 0 || (uint64_t)tag >= n) return 0;
    size_t pos = (size_t)tag, frames = 0;
    L3Header first = {0}, h;
    while (pos + 4 <= n) {
        if (n - pos == 128 && !memcmp(b + pos, "TAG", 3)) break;   /* ID3v1 at the end */
        if (!l3_header(b + pos, &h)) return 0;
        if (!frames) first = h;
        else if (h.version != first.version || h.sr_index != first.sr_index || h.mono != first.mono)
            return 0;
        frames++;
        pos += h.len;
    }
    return frames >= 4;
}

#if CIM_HAVE_MP3_COUNT
#include <pthread.h>
#include <stdlib.h>
#include <mpg123.h>

#define WINDOW (1u << 18)   /* bytes read at a time while walking the frames */

typedef struct Reader {
    FILE    *f;
    uint64_t size, start;   /* file size; offset of buf[0] */
    size_t   len, cap;      /* valid bytes in buf; its size */
    uint8_t *buf;
} Reader;

/* n bytes at pos (n <= 64), or NULL past the end or on a read error. */
static const uint8_t *at(Reader *r, uint64_t pos, size_t n)
{
    if (pos + n > r->size) return NULL;
    if (pos < r->start || pos + n > r->start + r->len) {
        if (fseeko(r->f, (off_t)pos, SEEK_SET)) return NULL;
        r->start = pos;
        r->len = fread(r->buf, 1, r->cap, r->f);
        if (r->len < n) return NULL;
    }
    return r->buf + (pos - r->start);
}

/* Whether the frame at p (its first 48 bytes) carries a Xing, Info or VBRI tag. */
static int has_tag(const uint8_t *p, const L3Header *h)
{
    size_t side = h->mpeg1 ? (h->mono ? 17 : 32) : (h->mono ? 9 : 17);
    const uint8_t *x = p + 4 + side;
    return !memcmp(x, "Xing", 4) || !memcmp(x, "Info", 4) || !memcmp(p + 36, "VBRI", 4);
}

/* What the first frame says about the stream's length, as libmpg123 1.31's
 * check_lame_tag() reads it: a Xing/Info tag is taken only when the side
 * information before it is all zero (apart from its first two bytes). */
enum { TAG_NONE, TAG_FRAMES, TAG_OTHER };

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

static int first_frame_tag(const uint8_t *p, size_t avail, const L3Header *h, uint32_t *tag_frames)
{
    size_t side = h->mpeg1 ? (h->mono ? 17 : 32) : (h->mono ? 9 : 17);
    if (h->len < 48 || avail < 48) return TAG_OTHER;   /* too small to tell */
    if (!has_tag(p, h)) return TAG_NONE;
    const uint8_t *body = p + 4;
    if (h->crc || (memcmp(body + side, "Xing", 4) && memcmp(body + side, "Info", 4))) return TAG_OTHER;
    for (size_t i = 2; i < side; i++)
        if (body[i]) return TAG_OTHER;
    uint32_t flags = be32(body + side + 4);
    if (!(flags & 1)) return TAG_OTHER;
    *tag_frames = be32(body + side + 8);
    return *tag_frames && *tag_frames < (1u << 24) ? TAG_FRAMES : TAG_OTHER;
}

typedef struct Chain {
    uint64_t frames;       /* every frame, the tag frame included */
    uint32_t spf, rate, channels, tag_frames;
    int      tag;          /* TAG_* of the first frame */
} Chain;

/* The structural check (see the file comment). */
static int clean_chain(Reader *r, Chain *c)
{
    const uint8_t *p = at(r, 0, 10);
    uint64_t pos = 0, end = r->size;
    if (!p) return 0;
    int64_t tag = id3v2_end(p);
    if (tag < 0) return 0;
    pos = (uint64_t)tag;
    if (end >= 128 && (p = at(r, end - 128, 3)) && !memcmp(p, "TAG", 3)) end -= 128;
    L3Header first = {0}, h;
    memset(c, 0, sizeof *c);
    while (pos < end) {
        size_t want = end - pos < 48 ? (size_t)(end - pos) : 48;
        if (want < 4 || !(p = at(r, pos, want)) || !l3_header(p, &h) || pos + h.len > end) return 0;
        if (!c->frames) {
            first = h;
            c->tag = first_frame_tag(p, want, &h, &c->tag_frames);
        } else if (h.version != first.version || h.sr_index != first.sr_index ||
                   h.mono != first.mono || (h.len >= 48 && has_tag(p, &h))) {
            return 0;
        }
        c->frames++;
        pos += h.len;
    }
    if (c->frames < 2) return 0;
    c->rate = first.rate;
    c->channels = first.mono ? 1 : 2;
    c->spf = first.mpeg1 ? 1152 : 576;
    return 1;
}

static void init_mpg123(void) { mpg123_init(); }

/* libmpg123 reads through these, as it does inside libsndfile. */
static mpg123_ssize_t io_read(void *f, void *buf, size_t n)
{
    size_t got = fread(buf, 1, n, f);
    return got || !ferror((FILE *)f) ? (mpg123_ssize_t)got : -1;
}

static off_t io_seek(void *f, off_t off, int whence)
{
    if (whence == SEEK_CUR && off == 0) return ftello(f);   /* a "tell": keep the buffer */
    return fseeko(f, off, whence) ? -1 : ftello(f);
}

/* libsndfile's setup (mpeg_decode.c), quiet: the library never prints. */
static mpg123_handle *open_like_libsndfile(FILE *f, long *rate, int *channels)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_mpg123);
    int err = 0, enc = 0;
    mpg123_handle *h = mpg123_new(NULL, &err);
    if (!h) return NULL;
    mpg123_param(h, MPG123_REMOVE_FLAGS, MPG123_AUTO_RESAMPLE, 1.0);
    mpg123_param(h, MPG123_ADD_FLAGS, MPG123_FORCE_FLOAT | MPG123_GAPLESS | MPG123_QUIET, 1.0);
    mpg123_param(h, MPG123_ADD_FLAGS, MPG123_NO_FRANKENSTEIN, 1.0);
    if (mpg123_replace_reader_handle(h, io_read, io_seek, NULL) != MPG123_OK ||
        mpg123_open_handle(h, f) != MPG123_OK ||
        mpg123_getformat(h, rate, channels, &enc) != MPG123_OK) {
        mpg123_delete(h);
        return NULL;
    }
    return h;
}

int cim_mp3_count(FILE *f, uint64_t size, uint64_t *samples, uint32_t *rate, uint32_t *channels)
{
    /* The walk reads the whole file (every header must be seen) in big
     * blocks into one buffer no larger than the file, never cleared. */
    Reader r = {.f = f, .size = size, .cap = size < WINDOW ? (size_t)size : WINDOW};
    r.buf = malloc(r.cap ? r.cap : 1);
    if (!r.buf) return 0;
    Chain c;
    int ok = clean_chain(&r, &c);
    free(r.buf);
    if (!ok || fseeko(f, 0, SEEK_SET)) return 0;
    long mrate = 0;
    int mch = 0;
    /* libmpg123 reads the same FILE: the first frames and the end of the file. */
    mpg123_handle *h = open_like_libsndfile(f, &mrate, &mch);
    off_t at_open = -1, delivered = -1;
    if (h) {
        at_open = mpg123_length(h);
        if (c.tag == TAG_NONE) {
            /* No tag: no gapless trimming and no announced end, so libmpg123
             * delivers every frame of the chain whole. */
            delivered = (off_t)(c.frames * c.spf);
        } else if (c.tag == TAG_FRAMES && c.tag_frames == c.frames - 1) {
            /* The tag counts exactly the frames after it: libmpg123 decodes
             * those, gapless trimmed, which is the length it gave at opening. */
            delivered = at_open;
        }
        /* Anything else decodes. A tag that counts more frames than there are
         * is the trap: mpg123_scan() then drops gapless mode and reports the
         * untrimmed frames, while decoding still trims the encoder delay. */
        mpg123_close(h);
        mpg123_delete(h);
    }
    if (at_open <= 0 || delivered <= 0 || mrate != (long)c.rate || mch != (int)c.channels) return 0;
    *samples = (uint64_t)(at_open < delivered ? at_open : delivered);
    *rate = c.rate;
    *channels = c.channels;
    return 1;
}
#else
int cim_mp3_count(FILE *f, uint64_t size, uint64_t *samples, uint32_t *rate, uint32_t *channels)
{
    (void)f; (void)size; (void)samples; (void)rate; (void)channels;
    return 0;
}
#endif
