/*
 * mp3_count.c — exact sample counts of MP3 files without decoding (SPEC §4:
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
 * libsndfile). What decoding delivers is the frames libmpg123 finds, gapless
 * trimmed: the length libmpg123 reports after mpg123_scan(), which walks
 * every frame header without decoding. So N = min(length at open, length
 * after the scan), both asked of libmpg123 set up as libsndfile sets it up.
 *
 * That equality holds for a file libmpg123 reads frame after frame without
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

#if CIM_HAVE_MP3_COUNT
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <mpg123.h>

#define WINDOW (1u << 18)   /* bytes read at a time while walking the frames */

typedef struct Reader {
    FILE    *f;
    uint64_t size, start;   /* file size; offset of buf[0] */
    size_t   len;           /* valid bytes in buf */
    uint8_t  buf[WINDOW];
} Reader;

/* n bytes at pos (n <= 64), or NULL past the end or on a read error. */
static const uint8_t *at(Reader *r, uint64_t pos, size_t n)
{
    if (pos + n > r->size) return NULL;
    if (pos < r->start || pos + n > r->start + r->len) {
        if (fseeko(r->f, (off_t)pos, SEEK_SET)) return NULL;
        r->start = pos;
        r->len = fread(r->buf, 1, WINDOW, r->f);
        if (r->len < n) return NULL;
    }
    return r->buf + (pos - r->start);
}

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

/* Whether the frame at p (its first 48 bytes) carries a Xing, Info or VBRI tag. */
static int has_tag(const uint8_t *p, const L3Header *h)
{
    size_t side = h->mpeg1 ? (h->mono ? 17 : 32) : (h->mono ? 9 : 17);
    const uint8_t *x = p + 4 + side;
    return !memcmp(x, "Xing", 4) || !memcmp(x, "Info", 4) || !memcmp(p + 36, "VBRI", 4);
}

/* The structural check (see the file comment); fills the stream's rate and channels. */
static int clean_chain(Reader *r, uint32_t *rate, uint32_t *channels)
{
    const uint8_t *p = at(r, 0, 10);
    uint64_t pos = 0, end = r->size;
    if (!p) return 0;
    if (!memcmp(p, "ID3", 3)) {
        if (p[3] < 2 || p[3] > 4 || (p[6] | p[7] | p[8] | p[9]) & 0x80) return 0;
        pos = 10 + ((uint64_t)p[6] << 21 | (uint64_t)p[7] << 14 | (uint64_t)p[8] << 7 | p[9]) +
              (p[5] & 0x10 ? 10 : 0);
    }
    if (end >= 128 && (p = at(r, end - 128, 3)) && !memcmp(p, "TAG", 3)) end -= 128;
    L3Header first = {0}, h;
    uint64_t frames = 0;
    while (pos < end) {
        size_t want = end - pos < 48 ? (size_t)(end - pos) : 48;
        if (want < 4 || !(p = at(r, pos, want)) || !l3_header(p, &h) || pos + h.len > end) return 0;
        if (!frames) {
            first = h;
        } else if (h.version != first.version || h.sr_index != first.sr_index ||
                   h.mono != first.mono || (h.len >= 48 && has_tag(p, &h))) {
            return 0;
        }
        frames++;
        pos += h.len;
    }
    if (frames < 2) return 0;
    *rate = first.rate;
    *channels = first.mono ? 1 : 2;
    return 1;
}

static void init_mpg123(void) { mpg123_init(); }

/* libsndfile's setup (mpeg_decode.c), quiet: the library never prints. */
static mpg123_handle *open_like_libsndfile(const char *path, long *rate, int *channels)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_mpg123);
    int err = 0, enc = 0;
    mpg123_handle *h = mpg123_new(NULL, &err);
    if (!h) return NULL;
    mpg123_param(h, MPG123_REMOVE_FLAGS, MPG123_AUTO_RESAMPLE, 1.0);
    mpg123_param(h, MPG123_ADD_FLAGS, MPG123_FORCE_FLOAT | MPG123_GAPLESS | MPG123_QUIET, 1.0);
    mpg123_param(h, MPG123_ADD_FLAGS, MPG123_NO_FRANKENSTEIN, 1.0);
    if (mpg123_open(h, path) != MPG123_OK || mpg123_getformat(h, rate, channels, &enc) != MPG123_OK) {
        mpg123_delete(h);
        return NULL;
    }
    return h;
}

int cim_mp3_count(FILE *f, const char *path, uint64_t size, uint64_t *samples, uint32_t *rate,
                  uint32_t *channels)
{
    Reader *r = malloc(sizeof *r);
    if (!r) return 0;
    *r = (Reader){.f = f, .size = size};
    int ok = clean_chain(r, rate, channels);
    free(r);
    if (!ok) return 0;
    long mrate = 0;
    int mch = 0;
    mpg123_handle *h = open_like_libsndfile(path, &mrate, &mch);
    if (!h) return 0;
    off_t at_open = mpg123_length(h);
    off_t scanned = mpg123_scan(h) == MPG123_OK ? mpg123_length(h) : -1;
    mpg123_close(h);
    mpg123_delete(h);
    if (at_open <= 0 || scanned <= 0 || mrate != (long)*rate || mch != (int)*channels) return 0;
    *samples = (uint64_t)(at_open < scanned ? at_open : scanned);
    return 1;
}
#else
int cim_mp3_count(FILE *f, const char *path, uint64_t size, uint64_t *samples, uint32_t *rate,
                  uint32_t *channels)
{
    (void)f; (void)path; (void)size; (void)samples; (void)rate; (void)channels;
    return 0;
}
#endif
