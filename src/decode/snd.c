/*
 * snd.c — audio decoding through libsndfile (doc/records.md audio, doc/tokenizers.md fast path).
 *
 * Formats: WAV (RIFF/RF64), AIFF, AU, CAF, FLAC, Ogg (Vorbis, Opus, FLAC) and
 * MPEG audio (MP3, as Debian's libsndfile 1.2 reads it through mpg123).
 * Everything is read with sf_readf_short() in blocks of CIM_SND_BLOCK frames,
 * so memory is bounded whatever the file's length. N (samples per channel) is
 * what the decoder delivers, never the header's claim: raw_bytes =
 * N x channels x 2, seconds = N / R.
 *
 * Sniffing is by content. A file that libsndfile then cannot open (an ID3
 * tag in front of AAC, a WAV holding a codec libsndfile lacks, Ogg FLAC as
 * ffmpeg writes it, which libsndfile 1.2 rejects) is handed to the libavcodec
 * decoder (av_audio.c) when it is built; if that fails too, the error names
 * both. Once libsndfile has opened a file, its samples are the answer.
 *
 * Fast path (header()): only where the count provably equals what decoding
 * delivers. That is
 *  - WAV PCM/float: the data chunk's size over the block size, when the chunk
 *    lies wholly inside the file, its size is a multiple of the block size
 *    and the fmt chunk is plain (block_align = channels x bytes per sample);
 *  - FLAC: STREAMINFO's total samples when non-zero AND the file's last frame
 *    header (CRC-8 checked) starts at sample total - blocksize and the frame
 *    runs to the end of the file with a valid CRC-16, i.e. the file is not
 *    truncated and STREAMINFO agrees with the frames.
 *  - Ogg Vorbis/Opus (ogg_count.c): libsndfile's packet handling replayed
 *    page by page without synthesis; the last granule alone is not N;
 *  - MP3 (mp3_count.c): a clean Layer III frame chain whose first frame has
 *    no tag, or a Xing/Info tag counting exactly the frames after it, with
 *    libmpg123's length at opening (where libsndfile stops).
 * Everything else (AIFF, streamed WAV, doubtful Ogg/MP3, ...) decodes.
 * Corruption in the middle of an intact-looking file is only seen by
 * decoding (--no-fast-path).
 *
 * Errors: libsndfile returns the samples of a cut file without complaint,
 * so truncation is checked here: a WAV whose data chunk claims more bytes
 * than the file holds, a FLAC file that decodes to fewer samples than
 * STREAMINFO declares (more is corrupt), an Ogg file that does not end with a complete
 * (CRC-checked) end-of-stream page, and an MPEG file whose frame chain runs past the end
 * are truncated. A read error reported by libsndfile is corrupt. (libmpg123
 * inside libsndfile prints resync notes on stderr for broken MP3 files; that
 * cannot be switched off through libsndfile's API.)
 */
#include "cim_config.h"
#include "decode/decoder.h"

#if CIM_HAVE_SNDFILE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sndfile.h>
#include "common/err.h"
#include "decode/mp3_count.h"
#include "decode/ogg_count.h"

#define CIM_SND_BLOCK       4096u   /* frames per sf_readf_short call */
#define CIM_SND_MAX_CHANNELS 1024u

#if CIM_HAVE_AV
extern const CimDecoder cim_dec_av_audio;
#endif

static uint32_t rd_le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t rd_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd_be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

/* ---- probe --------------------------------------------------------------- */

/* Length in bytes of the MPEG audio frame whose header is at p, or 0. */
static size_t mpeg_frame_len(const uint8_t *p)
{
    static const uint16_t br[2][3][16] = {   /* [mpeg1?][layer-1][idx] kbit/s */
        {{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, 0},
         {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},
         {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0}},
        {{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, 0},
         {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 0},
         {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0}}};
    static const uint32_t sr[3] = {44100, 48000, 32000};
    if (p[0] != 0xFF || (p[1] & 0xE0) != 0xE0) return 0;
    int ver = (p[1] >> 3) & 3, layer = 4 - ((p[1] >> 1) & 3);
    int bri = p[2] >> 4, sri = (p[2] >> 2) & 3, pad = (p[2] >> 1) & 1;
    if (ver == 1 || layer == 4 || bri == 0 || bri == 15 || sri == 3) return 0;
    int mpeg1 = ver == 3;
    uint32_t rate = sr[sri] >> (ver == 3 ? 0 : ver == 2 ? 1 : 2);
    uint32_t kbps = br[mpeg1][layer - 1][bri];
    if (layer == 1) return (12000u * kbps / rate + (unsigned)pad) * 4;
    if (layer == 3 && !mpeg1) return 72000u * kbps / rate + (unsigned)pad;
    return 144000u * kbps / rate + (unsigned)pad;
}

/* Ogg: the first page's first packet names the codec. */
static int ogg_audio_head(const uint8_t *buf, size_t n)
{
    if (n < 28 || memcmp(buf, "OggS", 4)) return 0;
    size_t segs = buf[26], off = 27 + segs;
    if (off + 8 > n) return 0;
    const uint8_t *pk = buf + off;
    return !memcmp(pk, "\x01vorbis", 7) || !memcmp(pk, "OpusHead", 8) || !memcmp(pk, "\x7f" "FLAC", 5);
}

static int snd_probe(const char *path, const uint8_t *buf, size_t n)
{
    if (n >= 12 && (!memcmp(buf, "RIFF", 4) || !memcmp(buf, "RF64", 4)) && !memcmp(buf + 8, "WAVE", 4))
        return 60;
    if (n >= 12 && !memcmp(buf, "FORM", 4) && (!memcmp(buf + 8, "AIFF", 4) || !memcmp(buf + 8, "AIFC", 4)))
        return 60;
    if (n >= 4 && !memcmp(buf, "fLaC", 4)) return 60;
    if (n >= 8 && !memcmp(buf, "caff", 4)) return 60;
    if (ogg_audio_head(buf, n)) return 60;
    if (n >= 24 && !memcmp(buf, ".snd", 4) && rd_be32(buf + 4) >= 24) return 40;
    if (n >= 10 && !memcmp(buf, "ID3", 3) && buf[3] >= 2 && buf[3] <= 4 && buf[3] != 0xFF) return 50;
    /* Bare MPEG audio: two consecutive valid frame headers at the start. */
    if (n >= 4) {
        size_t len = mpeg_frame_len(buf);
        if (len >= 24 && len + 4 <= n && mpeg_frame_len(buf + len)) return 40;
    }
    return 0;
}

/* ---- WAV header --------------------------------------------------------- */

typedef struct WavInfo {
    int      plain;          /* PCM or float, plain block layout: count is exact */
    uint32_t channels, rate, block;
    uint64_t data_off, data_size;
    int      placeholder;    /* data size 0 or 0xFFFFFFFF (streamed writer): size unknown */
} WavInfo;

/* Walks the RIFF chunks up to 'data'. Returns 1 when a data chunk was found. */
static int wav_parse(FILE *f, WavInfo *w)
{
    uint8_t h[12], ch[8], fmt[40];
    memset(w, 0, sizeof *w);
    if (fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4)) return 0;
    uint64_t pos = 12;
    int have_fmt = 0;
    for (int guard = 0; guard < 4096; guard++) {
        if (fseeko(f, (off_t)pos, SEEK_SET) || fread(ch, 1, 8, f) != 8) return 0;
        uint32_t size = rd_le32(ch + 4);
        if (!memcmp(ch, "fmt ", 4)) {
            size_t want = size < sizeof fmt ? size : sizeof fmt;
            if (size < 16 || fread(fmt, 1, want, f) != want) return 0;
            uint16_t tag = rd_le16(fmt);
            w->channels = rd_le16(fmt + 2);
            w->rate = rd_le32(fmt + 4);
            w->block = rd_le16(fmt + 12);
            uint16_t bits = rd_le16(fmt + 14);
            /* WAVE_FORMAT_EXTENSIBLE: the sub-format GUID is TAG-0000-0010-8000-00aa00389b71. */
            if (tag == 0xFFFE && size >= 40 &&
                !memcmp(fmt + 26, "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71", 14)) {
                uint16_t valid = rd_le16(fmt + 18);
                tag = rd_le16(fmt + 24);
                if (valid != bits) tag = 0;   /* packed/shifted layouts: decode */
            }
            int pcm = tag == 1 && (bits == 8 || bits == 16 || bits == 24 || bits == 32);
            int flt = tag == 3 && (bits == 32 || bits == 64);
            w->plain = (pcm || flt) && w->channels && w->rate &&
                       w->block == w->channels * (bits / 8u);
            have_fmt = 1;
        } else if (!memcmp(ch, "data", 4)) {
            w->data_off = pos + 8;
            w->data_size = size;
            w->placeholder = size == 0 || size == 0xFFFFFFFFu || rd_le32(h + 4) == 0 ||
                             rd_le32(h + 4) == 0xFFFFFFFFu;
            if (!have_fmt) w->plain = 0;
            return 1;
        }
        pos += 8 + (uint64_t)size + (size & 1);
    }
    return 0;
}

static uint64_t file_size(FILE *f)
{
    struct stat st;
    return fstat(fileno(f), &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* ---- FLAC header -------------------------------------------------------- */

static uint8_t crc8(const uint8_t *p, size_t n)
{
    uint8_t c = 0;
    while (n--) {
        c ^= *p++;
        for (int i = 0; i < 8; i++) c = (uint8_t)(c & 0x80 ? (c << 1) ^ 0x07 : c << 1);
    }
    return c;
}

static uint16_t crc16(const uint8_t *p, size_t n)
{
    uint16_t c = 0;
    while (n--) {
        c ^= (uint16_t)(*p++ << 8);
        for (int i = 0; i < 8; i++) c = (uint16_t)(c & 0x8000 ? (c << 1) ^ 0x8005 : c << 1);
    }
    return c;
}

/* Parses a FLAC frame header at p (n bytes available). On success returns 1
 * and the frame's first sample, block size, channel count and sample rate
 * (0 when the header defers to STREAMINFO). */
static int flac_frame_header(const uint8_t *p, size_t n, uint32_t fixed_block,
                             uint64_t *first, uint32_t *bs, uint32_t *channels, uint32_t *rate)
{
    static const uint32_t rates[12] = {0, 88200, 176400, 192000, 8000, 16000, 22050, 24000,
                                       32000, 44100, 48000, 96000};
    if (n < 6 || p[0] != 0xFF || (p[1] & 0xFE) != 0xF8) return 0;
    int variable = p[1] & 1;
    int bsc = p[2] >> 4, src = p[2] & 15;
    if (bsc == 0 || src == 15 || (p[3] >> 4) > 10 || ((p[3] >> 1) & 7) == 3 || (p[3] & 1)) return 0;
    size_t i = 4;
    /* UTF-8-like coded number: up to 7 bytes, 36 bits. */
    uint64_t v = p[i];
    int extra = 0;
    if (v < 0x80) extra = 0;
    else if ((v & 0xE0) == 0xC0) { extra = 1; v &= 0x1F; }
    else if ((v & 0xF0) == 0xE0) { extra = 2; v &= 0x0F; }
    else if ((v & 0xF8) == 0xF0) { extra = 3; v &= 0x07; }
    else if ((v & 0xFC) == 0xF8) { extra = 4; v &= 0x03; }
    else if ((v & 0xFE) == 0xFC) { extra = 5; v &= 0x01; }
    else if (v == 0xFE) { extra = 6; v = 0; }
    else return 0;
    i++;
    if (i + (size_t)extra + 3 > n) return 0;
    for (int k = 0; k < extra; k++, i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = v << 6 | (p[i] & 0x3F);
    }
    uint32_t b;
    if (bsc == 1) b = 192;
    else if (bsc <= 5) b = 576u << (bsc - 2);
    else if (bsc == 6) b = (uint32_t)p[i++] + 1;
    else if (bsc == 7) { b = ((uint32_t)p[i] << 8 | p[i + 1]) + 1; i += 2; }
    else b = 256u << (bsc - 8);
    uint32_t r = src < 12 ? rates[src] : 0;
    if (src == 12) { if (i + 1 > n) return 0; r = p[i] * 1000u; i += 1; }
    else if (src == 13 || src == 14) {
        if (i + 2 > n) return 0;
        r = ((uint32_t)p[i] << 8 | p[i + 1]) * (src == 14 ? 10u : 1u);
        i += 2;
    }
    if (i + 1 > n || crc8(p, i) != p[i]) return 0;
    if (!variable && !fixed_block) return 0;
    *first = variable ? v : v * fixed_block;
    *bs = b;
    *channels = (p[3] >> 4) < 8 ? (p[3] >> 4) + 1u : 2u;
    *rate = r;
    return 1;
}

/* STREAMINFO's total when the last frame proves it (see the file comment);
 * 0 when unsure. */
static uint64_t flac_exact_total(FILE *f, uint32_t *channels, uint32_t *rate)
{
    uint8_t h[42];
    if (fread(h, 1, 42, f) != 42 || memcmp(h, "fLaC", 4) || (h[4] & 0x7F) != 0) return 0;
    const uint8_t *si = h + 8;
    uint32_t minbs = (uint32_t)si[0] << 8 | si[1], maxbs = (uint32_t)si[2] << 8 | si[3];
    *rate = (uint32_t)si[10] << 12 | (uint32_t)si[11] << 4 | si[12] >> 4;
    *channels = ((si[12] >> 1) & 7) + 1u;
    uint64_t total = (uint64_t)(si[13] & 15) << 32 | rd_be32(si + 14);
    if (!total || !*rate) return 0;
    uint64_t size = file_size(f);
    size_t win = 1u << 20;   /* the last frame lies in the last MiB (max frame is 16 MiB in theory) */
    uint64_t start = size > win ? size - win : 0;
    if (start < 42) start = 42;
    if (size < start + 8) return 0;
    size_t n = (size_t)(size - start);
    uint8_t *buf = malloc(n);
    if (!buf) return 0;
    uint64_t ok = 0;
    if (fseeko(f, (off_t)start, SEEK_SET) == 0 && fread(buf, 1, n, f) == n) {
        for (size_t i = n - 2; i-- > 0;) {
            uint64_t first;
            uint32_t bs, fch, frate;
            if (buf[i] != 0xFF || !flac_frame_header(buf + i, n - i, minbs == maxbs ? maxbs : 0, &first, &bs, &fch, &frate))
                continue;
            /* The last frame header: its frame must run to EOF with a valid CRC-16,
             * and its channels and rate must be STREAMINFO's (the decoder goes by
             * the frames: fuzzing found 6 ch at 265 kHz declared, mono 44.1 kHz coded). */
            uint16_t want = (uint16_t)(buf[n - 2] << 8 | buf[n - 1]);
            if (crc16(buf + i, n - i - 2) == want && first + bs == total && fch == *channels &&
                (!frate || frate == *rate))
                ok = total;
            break;
        }
    }
    free(buf);
    return ok;
}

static int ogg_truncated(FILE *f, uint64_t size);
static int mpeg_truncated(FILE *f, uint64_t size);

static int snd_header(const char *path, const CimLimits *lim, CimFileMeasure *m, CimErr *e)
{
    FILE *f = fopen(path, "rb");
    CIM_RETURN_IF(!f, e, CIM_ERR_IO, "cannot open: %s", strerror(errno));
    uint8_t magic[4] = {0};
    uint64_t n = 0, fsize = file_size(f);
    uint32_t channels = 0, rate = 0;
    if (fread(magic, 1, 4, f) == 4 && fseeko(f, 0, SEEK_SET) == 0) {
        if (!memcmp(magic, "RIFF", 4)) {
            WavInfo w;
            if (wav_parse(f, &w) && w.plain && !w.placeholder && w.data_size % w.block == 0 &&
                w.data_off + w.data_size <= fsize) {
                n = w.data_size / w.block;
                channels = w.channels;
                rate = w.rate;
            }
        } else if (!memcmp(magic, "fLaC", 4)) {
            n = flac_exact_total(f, &channels, &rate);
        } else if (!memcmp(magic, "OggS", 4) && !ogg_truncated(f, fsize)) {
            if (!cim_ogg_count(f, fsize, &n, &rate, &channels)) n = 0;
        } else if (!memcmp(magic, "ID3", 3) || mpeg_frame_len(magic)) {
            /* (the frame chain cim_mp3_count requires is never truncated) */
            if (!cim_mp3_count(f, fsize, &n, &rate, &channels)) n = 0;
        }
    }
    fclose(f);
    if (!n || !rate || !channels) return CIM_ERR_NEED_DECODE;   /* N = 0 files decode too: rare, and an error */
    double secs = (double)n / rate;
    CIM_RETURN_IF(lim->max_seconds > 0 && secs > lim->max_seconds, e, CIM_ERR_LIMIT,
                  "duration %.1f s exceeds the limit (%g s)", secs, lim->max_seconds);
    m->modality = CIM_MOD_AUDIO;
    m->file_bytes = fsize;
    m->raw_bytes = n * channels * 2;
    m->units = n;
    m->seconds = secs;
    m->geom = (CimGeometry){.modality = CIM_MOD_AUDIO, .samples = n, .sample_rate = rate,
                            .audio_channels = channels};
    return 0;
}

/* ---- truncation checks (decode path) ------------------------------------ */

/* A FLAC file whose frames give another count than STREAMINFO's (non-zero)
 * total contradicts itself: fewer is truncation, more is corruption (frames
 * repeated or spliced in). Either way the fast path, which trusts STREAMINFO
 * once the last frame agrees, and a decode would differ (found by fuzzing). */
static int flac_count_error(uint64_t n, uint64_t declared, CimErr *e)
{
    if (n < declared)
        return cim_err(e, CIM_ERR_TRUNCATED, "truncated: decoded %llu of %llu samples declared by STREAMINFO",
                       (unsigned long long)n, (unsigned long long)declared);
    return cim_err(e, CIM_ERR_CORRUPT, "corrupt: decoded %llu samples, STREAMINFO declares %llu",
                   (unsigned long long)n, (unsigned long long)declared);
}

/* Ogg: the file must end with a complete, CRC-valid page that carries the
 * end-of-stream flag. A file cut short (a partial last page, or no EOS page)
 * is truncated; libvorbisfile would return the samples it found without
 * complaint. Pages are at most 65307 bytes, so the last 128 KiB hold the last
 * complete page; the CRC rules out "OggS" patterns inside packet data. */
static uint32_t ogg_crc(const uint8_t *p, size_t n)
{
    uint32_t c = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = (i >= 22 && i < 26) ? 0 : p[i];   /* the CRC field counts as zero */
        c ^= (uint32_t)b << 24;
        for (int k = 0; k < 8; k++) c = c & 0x80000000u ? (c << 1) ^ 0x04C11DB7u : c << 1;
    }
    return c;
}

static int ogg_truncated(FILE *f, uint64_t size)
{
    size_t win = 1u << 17;
    uint64_t start = size > win ? size - win : 0;
    size_t n = (size_t)(size - start);
    uint8_t *b = malloc(n ? n : 1);
    int trunc = 1;
    if (b && fseeko(f, (off_t)start, SEEK_SET) == 0 && fread(b, 1, n, f) == n) {
        for (size_t i = n >= 27 ? n - 27 + 1 : 0; i-- > 0;) {
            if (memcmp(b + i, "OggS", 4) || b[i + 4] != 0) continue;
            size_t segs = b[i + 26], len = 27 + segs;
            if (i + len > n) continue;
            for (size_t k = 0; k < segs; k++) len += b[i + 27 + k];
            if (i + len > n || ogg_crc(b + i, len) != rd_le32(b + i + 22)) continue;
            trunc = i + len != n || !(b[i + 5] & 4);   /* the last complete page: at EOF, EOS */
            break;
        }
    } else if (!b)
        trunc = 0;   /* out of memory: no verdict */
    free(b);
    return trunc;
}

/* MPEG audio: walk the frame chain from the first frame (after ID3v2); the
 * file is truncated when a frame of the chain runs past the end. The walk
 * stops without a verdict at anything that is not a frame header (tags,
 * junk, free-format streams). */
static int mpeg_truncated(FILE *f, uint64_t size)
{
    uint8_t h[10];
    uint64_t pos = 0;
    if (fseeko(f, 0, SEEK_SET) || fread(h, 1, 10, f) != 10) return 0;
    if (!memcmp(h, "ID3", 3))
        pos = 10 + ((uint64_t)(h[6] & 0x7F) << 21 | (h[7] & 0x7F) << 14 | (h[8] & 0x7F) << 7 | (h[9] & 0x7F)) +
              (h[5] & 0x10 ? 10 : 0);
    while (pos + 4 <= size) {
        if (fseeko(f, (off_t)pos, SEEK_SET) || fread(h, 1, 4, f) != 4) return 0;
        size_t len = mpeg_frame_len(h);
        if (!len) return 0;
        if (pos + len > size) return 1;
        pos += len;
    }
    return 0;
}

/* Before decoding: what the header promises that a decoder would not check. A
 * WAV data chunk longer than the file, an Ogg stream without its end-of-stream
 * page or an MPEG frame chain cut short is truncated; *declared gets a FLAC
 * file's STREAMINFO total (0: none), checked against the decoded count. */
static int check_truncation(const char *path, uint64_t *fsize, uint64_t *declared, CimErr *e)
{
    FILE *f = fopen(path, "rb");
    CIM_RETURN_IF(!f, e, CIM_ERR_IO, "cannot open: %s", strerror(errno));
    *fsize = file_size(f);
    *declared = 0;
    int wav_short = 0;
    int tail_short = 0;
    uint8_t magic[4] = {0};
    if (fread(magic, 1, 4, f) == 4 && fseeko(f, 0, SEEK_SET) == 0) {
        if (!memcmp(magic, "RIFF", 4)) {
            WavInfo w;
            if (wav_parse(f, &w) && !w.placeholder && w.data_off + w.data_size > *fsize)
                wav_short = 1;
        } else if (!memcmp(magic, "fLaC", 4)) {
            uint8_t h[42];
            if (fread(h, 1, 42, f) == 42 && (h[4] & 0x7F) == 0)
                *declared = (uint64_t)(h[8 + 13] & 15) << 32 | rd_be32(h + 8 + 14);
        } else if (!memcmp(magic, "OggS", 4)) {
            tail_short = ogg_truncated(f, *fsize);
        } else if (!memcmp(magic, "ID3", 3) || mpeg_frame_len(magic)) {
            tail_short = mpeg_truncated(f, *fsize);
        }
    }
    fclose(f);
    CIM_RETURN_IF(!*fsize, e, CIM_ERR_EMPTY, "empty file");
    CIM_RETURN_IF(wav_short, e, CIM_ERR_TRUNCATED,
                  "truncated: the WAV data chunk is longer than the file");
    const char *tail = !memcmp(magic, "OggS", 4)
                     ? "the Ogg stream does not end with a complete end-of-stream page"
                     : "the last MPEG frame is cut short";
    CIM_RETURN_IF(tail_short, e, CIM_ERR_TRUNCATED, "truncated: %s", tail);
    return 0;
}

/* libsndfile could not open path: the error, or libavcodec's decode of it. */
static int open_failed(const char *path, const CimLimits *lim, CimSink *sink, CimFileMeasure *m,
                       uint64_t declared, CimErr *e)
{
    /* libsndfile keeps the open error in one global: read it at once, by
     * its code (a system error keeps libsndfile's text, which names it). */
    int code = sf_error(NULL);
    const char *why = code == SF_ERR_SYSTEM ? sf_strerror(NULL) : sf_error_number(code);
#if CIM_HAVE_AV
    /* libsndfile cannot open it (an unrecognised codec, or one it reads
     * badly: Ogg FLAC as ffmpeg writes it): libavcodec's turn. When that
     * fails too, both messages are kept. */
    if (code != SF_ERR_SYSTEM) {
        CimErr av_e = {0};
        int r = cim_dec_av_audio.decode(path, lim, sink, m, &av_e);
        /* The STREAMINFO rule holds whichever library decodes (else the
         * fast path, which trusts STREAMINFO, and a decode would differ). */
        if (r == 0 && declared && m->units != declared)
            return flac_count_error(m->units, declared, e);
        if (r == 0 || r == CIM_ERR_LIMIT || r == CIM_ERR_NOMEM) {
            if (r < 0 && e)
                *e = av_e;
            return r;
        }
        return cim_err(e, CIM_ERR_CORRUPT, "libsndfile: %s; libavcodec: %s", why, av_e.msg);
    }
#endif
    return cim_err(e, code == SF_ERR_SYSTEM ? CIM_ERR_IO : CIM_ERR_CORRUPT, "libsndfile: %s", why);
}

/* Reads every sample of an open stream into the sink and fills m. */
static int read_samples(SNDFILE *sf, const SF_INFO *info, const CimLimits *lim, CimSink *sink,
                        CimFileMeasure *m, uint64_t fsize, uint64_t declared, CimErr *e)
{
    if (info->channels <= 0 || (unsigned)info->channels > CIM_SND_MAX_CHANNELS ||
        info->samplerate <= 0)
        return cim_err(e, CIM_ERR_CORRUPT, "bad stream parameters (%d channels, %d Hz)",
                       info->channels, info->samplerate);
    uint32_t ch = (uint32_t)info->channels;
    uint32_t rate = (uint32_t)info->samplerate;
    int16_t *buf = malloc((size_t)CIM_SND_BLOCK * ch * sizeof *buf);
    CIM_RETURN_IF(!buf, e, CIM_ERR_NOMEM, "out of memory");
    int rc = 0;
    CimGeometry g = {.modality = CIM_MOD_AUDIO, .sample_rate = rate, .audio_channels = ch};
    if (sink->begin && (rc = sink->begin(sink, &g, e)) < 0)
        goto done;
    uint64_t n = 0;
    /* (a limit past 2^64 samples is no limit: the cast would be undefined) */
    uint64_t max_n = lim->max_seconds > 0 && lim->max_seconds * rate < 0x1p64
                   ? (uint64_t)(lim->max_seconds * rate) : UINT64_MAX;
    for (;;) {
        sf_count_t got = sf_readf_short(sf, buf, CIM_SND_BLOCK);
        if (got <= 0)
            break;
        n += (uint64_t)got;
        if (n > max_n) {
            rc = cim_err(e, CIM_ERR_LIMIT, "duration exceeds the limit (%g s)", lim->max_seconds);
            goto done;
        }
        /* Always offered: the sink also enforces the per-file time budget. */
        CimChunk c = {.kind = CIM_CHUNK_PCM, .data = (const uint8_t *)buf, .len = (size_t)got,
                      .channels = ch};
        if ((rc = sink->chunk(sink, &c, e)) < 0)
            goto done;
    }
    if (sf_error(sf)) {
        rc = cim_err(e, CIM_ERR_CORRUPT, "libsndfile: %s", sf_strerror(sf));
        goto done;
    }
    if (declared && n != declared) {
        rc = flac_count_error(n, declared, e);
        goto done;
    }
    if (!n) {
        rc = cim_err(e, CIM_ERR_EMPTY, "no audio samples decoded");
        goto done;
    }
    g.samples = n;
    m->modality = CIM_MOD_AUDIO;
    m->file_bytes = fsize;
    m->raw_bytes = n * ch * 2;
    m->units = n;
    m->seconds = (double)n / rate;
    m->geom = g;
done:
    free(buf);
    return rc;
}

/* ---- decode ------------------------------------------------------------- */

static int snd_decode(const char *path, const CimLimits *lim, CimSink *sink, CimFileMeasure *m,
                      CimErr *e)
{
    uint64_t fsize = 0;
    uint64_t declared = 0;
    CIM_CHECK(check_truncation(path, &fsize, &declared, e));
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf)
        return open_failed(path, lim, sink, m, declared, e);
    int rc = read_samples(sf, &info, lim, sink, m, fsize, declared, e);
    sf_close(sf);
    return rc;
}

const CimDecoder cim_dec_snd = {
    .name     = "sndfile",
    .modality = CIM_MOD_AUDIO,
    .probe    = snd_probe,
    .header   = snd_header,
    .decode   = snd_decode,
};
#endif /* CIM_HAVE_SNDFILE */
