/*
 * av_common.c — libav* helpers shared by the av decoders (see av_common.h).
 *
 * Content, never extension: the demuxer is chosen by av_probe_input_format3()
 * over the file's first 64 KiB with an empty file name (libavformat's own
 * probing would also score the extension), and the same choice is used when
 * the file is opened for decoding, so probe() and decode() cannot disagree.
 *
 * Surprises worth knowing:
 *  - Files with no NUL byte in their first bytes are never av containers here
 *    (every container and elementary stream we know has one in its first 64 KiB:
 *    box sizes, start codes, EBML ids) except YUV4MPEG2, which is tested by
 *    name. This keeps libavformat's ~300 probes off every text file.
 *  - A weak probe (score below AVPROBE_SCORE_MAX / 2) never claims a file: raw
 *    H.263 start codes turn up in zstd output, MPEG-PS and MP3 sync words in
 *    random or encrypted data, and such a demuxer happily "opens" them and shows a
 *    video stream. Real raw elementary streams score 50 and up. An unopenable
 *    strong signature is CIM_AV_BROKEN so a truncated MP4 gets libavformat's
 *    "moov atom not found" as its error.
 *  - Compressed streams, archives and encrypted files (source/magic.h) are never
 *    shown to libavformat at all: libgme, for one, claims any gzip data.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include "common/err.h"
#include "decode/av_common.h"
#include "decode/mp3_count.h"
#include "decode/ogg_count.h"
#include "source/magic.h"

#define CIM_AV_PROBE_BYTES 65536

static _Thread_local char last_log[256];   /* per thread: errors belong to one file */

static void log_cb(void *avcl, int level, const char *fmt, va_list vl)
{
    if (level > AV_LOG_ERROR)
        return;
    char line[sizeof last_log];
    vsnprintf(line, sizeof line, fmt, vl);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    if (n)
        memcpy(last_log, line, n + 1);
}

static void init_once(void)
{
    av_log_set_level(AV_LOG_ERROR);
    av_log_set_callback(log_cb);
}

void cim__av_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_once);
}

const char *cim__av_last_log(void) { return last_log; }
void cim__av_log_clear(void) { last_log[0] = 0; }

int cim__av_err(CimErr *e, int averr, const char *what)
{
    char buf[AV_ERROR_MAX_STRING_SIZE] = "";
    av_strerror(averr, buf, sizeof buf);
    int code = CIM_ERR_CORRUPT;
    if (averr == AVERROR_EOF)
        code = CIM_ERR_TRUNCATED;
    else if (averr == AVERROR(ENOMEM))
        code = CIM_ERR_NOMEM;
    else if (averr == AVERROR(EIO) || averr == AVERROR(ENOENT) || averr == AVERROR(EACCES) ||
             averr == AVERROR(EISDIR))
        code = CIM_ERR_IO;
    else if (averr == AVERROR_DECODER_NOT_FOUND || averr == AVERROR_DEMUXER_NOT_FOUND ||
             averr == AVERROR_PATCHWELCOME)
        code = CIM_ERR_UNSUPPORTED;
    const char *log = last_log;
    if (log[0] && strcmp(log, buf))
        return cim_err(e, code, "%s: %s (libav: %s)", what, buf, log);
    return cim_err(e, code, "%s: %s", what, buf);
}

/* Demuxers whose files hold single pictures: the image modality, never video. */
static int is_image_format(const char *name)
{
    static const char *const names[] = {"image2", "gif", "apng", "ico", "alias_pix",
                                        "brender_pix", "fits", "jpegxl_anim", NULL};
    size_t n = strlen(name);
    if (n > 5 && !strcmp(name + n - 5, "_pipe"))
        return 1;
    for (const char *const *p = names; *p; p++)
        if (!strcmp(name, *p)) return 1;
    return 0;
}

/* Demuxers that can only carry audio (cover art at most): no need to open them. */
static int is_audio_only_format(const char *name)
{
    static const char *const names[] = {"wav", "w64", "flac", "mp3", "aac", "ac3", "eac3",
        "aiff", "caf", "amr", "amrnb", "amrwb", "ape", "wv", "tta", "dts", "dtshd", "truehd",
        "mlp", "au", "voc", "mpc", "mpc8", "tak", "shn", "dsf", "sox", "xwma", "ircam",
        "nistsphere", "gsm", "sln", "loas", "latm", "dff", "rso", "sol", "act", NULL};
    for (const char *const *p = names; *p; p++)
        if (!strcmp(name, *p)) return 1;
    return 0;
}

/* An MP4 whose major brand says audio (iTunes M4A/M4B/M4P, Flash F4A/F4B):
 * when it cannot be opened, it is a broken audio file, not a broken video. */
static int audio_brand(const uint8_t *b, size_t n)
{
    static const char *const brands[] = {"M4A ", "M4B ", "M4P ", "F4A ", "F4B ", NULL};
    if (n < 12 || memcmp(b + 4, "ftyp", 4)) return 0;
    for (const char *const *p = brands; *p; p++)
        if (!memcmp(b + 8, *p, 4)) return 1;
    return 0;
}

static const AVInputFormat *probe_buf(const uint8_t *buf, size_t n, int *score)
{
    *score = 0;
    if (!n) return NULL;
    if (!memchr(buf, 0, n) && !(n >= 9 && !memcmp(buf, "YUV4MPEG2", 9)))
        return NULL;
    if (cim_source_magic(buf, n, NULL) != CIM_CONT_NONE)
        return NULL;
    uint8_t *pad = av_mallocz(n + AVPROBE_PADDING_SIZE);
    if (!pad) return NULL;
    memcpy(pad, buf, n);
    AVProbeData pd = {.filename = "", .buf = pad, .buf_size = (int)n, .mime_type = NULL};
    const AVInputFormat *fmt = av_probe_input_format3(&pd, 1, score);
    av_free(pad);
    return *score > 0 ? fmt : NULL;
}

static const AVInputFormat *probe_path(const char *path, int *score)
{
    uint8_t *buf = av_malloc(CIM_AV_PROBE_BYTES);
    *score = 0;
    if (!buf) return NULL;
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, CIM_AV_PROBE_BYTES, f) : 0;
    if (f) fclose(f);
    const AVInputFormat *fmt = probe_buf(buf, n, score);
    av_free(buf);
    return fmt;
}

int cim__av_video_stream(const AVFormatContext *fc)
{
    for (unsigned i = 0; i < fc->nb_streams; i++) {
        const AVStream *st = fc->streams[i];
        if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
            !(st->disposition & AV_DISPOSITION_ATTACHED_PIC))
            return (int)i;
    }
    return -1;
}

static int has_audio(const AVFormatContext *fc)
{
    for (unsigned i = 0; i < fc->nb_streams; i++)
        if (fc->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO)
            return 1;
    return 0;
}

static int open_fmt(const char *path, const AVInputFormat *fmt, AVFormatContext **fc, CimErr *e)
{
    *fc = NULL;
    cim__av_log_clear();
    int r = avformat_open_input(fc, path, fmt, NULL);
    if (r < 0) {
        *fc = NULL;
        return cim__av_err(e, r, "cannot open container");
    }
    return 0;
}

int cim__av_open(const char *path, int find_info, AVFormatContext **fc, CimErr *e)
{
    cim__av_init();
    int score;
    const AVInputFormat *fmt = probe_path(path, &score);
    /* No content match in 64 KiB: let libavformat probe further (it reads up to
     * 1 MiB); still no file name involved in our own classification. */
    CIM_CHECK(open_fmt(path, fmt, fc, e));
    if (find_info) {
        int r = avformat_find_stream_info(*fc, NULL);
        if (r < 0) {
            avformat_close_input(fc);
            return cim__av_err(e, r, "cannot read stream parameters");
        }
    }
    return 0;
}

int cim__av_may_claim(const uint8_t *buf, size_t n)
{
    int score;
    cim__av_init();
    const AVInputFormat *fmt = probe_buf(buf, n, &score);
    /* Audio-only demuxers at any score: av_audio decides by its own signatures. */
    return fmt && !is_image_format(fmt->name) &&
           (score >= AVPROBE_SCORE_MAX / 2 || is_audio_only_format(fmt->name));
}

CimAvKind cim__av_classify(const char *path, const uint8_t *buf, size_t n)
{
    int score;
    if (!path)        /* a stream not spooled yet: cim__av_may_claim answers for it */
        return CIM_AV_NONE;
    /* An MP3 elementary stream (what libavformat's audio-only mp3 demuxer
     * takes), or an Ogg file that opens with one Vorbis or Opus stream alone
     * (all libavformat reads to find the streams, and a stream found later
     * on is never video): audio, without the ~300 probes and the opening,
     * which cost more than the header fast paths of these formats. */
    if (cim_mp3_stream_prefix(buf, n) || cim_ogg_audio_prefix(buf, n))
        return CIM_AV_AUDIO;
    cim__av_init();   /* before any probe: some of them log (av_image_check_size) */
    const AVInputFormat *fmt = probe_buf(buf, n, &score);
    if (!fmt || is_image_format(fmt->name) || score < AVPROBE_SCORE_MAX / 2)
        return CIM_AV_NONE;
    if (is_audio_only_format(fmt->name))
        return CIM_AV_AUDIO;
    AVFormatContext *fc = NULL;
    if (open_fmt(path, fmt, &fc, NULL) < 0)
        return audio_brand(buf, n) ? CIM_AV_AUDIO : CIM_AV_BROKEN;
    /* Streams known from the header are enough unless the demuxer finds them
     * only in packets (MPEG-TS/PS, raw elementary streams). */
    if (cim__av_video_stream(fc) < 0 && ((fc->ctx_flags & AVFMTCTX_NOHEADER) || !fc->nb_streams))
        avformat_find_stream_info(fc, NULL);   /* failure leaves what the header said */
    CimAvKind k = cim__av_video_stream(fc) >= 0 ? CIM_AV_VIDEO
                : has_audio(fc) ? CIM_AV_AUDIO
                : CIM_AV_BROKEN;
    avformat_close_input(&fc);
    return k;
}

/* Matroska variable-length integer at p (n bytes left): its value, or -1. */
static int64_t ebml_vint(const uint8_t *p, size_t n, int *len, int *unknown)
{
    if (!n || !p[0]) return -1;
    int l = 1;
    while (!(p[0] & (0x80 >> (l - 1)))) l++;
    if ((size_t)l > n) return -1;
    uint64_t v = p[0] & (0xFFu >> l), all = v == (0xFFu >> l);
    for (int i = 1; i < l; i++) {
        v = (v << 8) | p[i];
        all = all && p[i] == 0xFF;
    }
    *len = l;
    *unknown = (int)all;
    return (int64_t)v;
}

int cim__av_check_complete(const char *path, AVFormatContext *fc, CimErr *e)
{
    int64_t fsize = fc->pb ? avio_size(fc->pb) : -1;
    if (fsize <= 0) return 0;
    for (unsigned i = 0; i < fc->nb_streams && !strncmp(fc->iformat->name, "mov,", 4); i++) {
        AVStream *st = fc->streams[i];
        int n = avformat_index_get_entries_count(st);
        for (int k = n - 1; k >= 0; k--) {
            const AVIndexEntry *ie = avformat_index_get_entry(st, k);
            CIM_RETURN_IF(ie && ie->pos + ie->size > fsize, e, CIM_ERR_TRUNCATED,
                          "file ends early: stream %u needs bytes up to %lld, the file has %lld",
                          i, (long long)(ie->pos + ie->size), (long long)fsize);
        }
    }
    uint8_t h[4096];
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(h, 1, sizeof h, f) : 0;
    if (f) fclose(f);
    if (n >= 12 && !memcmp(h, "RIFF", 4)) {
        uint64_t riff = (uint64_t)h[4] | (uint64_t)h[5] << 8 | (uint64_t)h[6] << 16 | (uint64_t)h[7] << 24;
        /* 0 and 0xFFFFFFFF mark a size never written (streaming muxers). */
        CIM_RETURN_IF(riff && riff != 0xFFFFFFFFu && riff + 8 > (uint64_t)fsize, e, CIM_ERR_TRUNCATED,
                      "file ends early: the RIFF header declares %llu bytes, the file has %lld",
                      (unsigned long long)(riff + 8), (long long)fsize);
    }
    if (n >= 8 && !memcmp(h, "\x1A\x45\xDF\xA3", 4)) {
        int l, unk;
        int64_t hsize = ebml_vint(h + 4, n - 4, &l, &unk);
        size_t pos = 4 + (size_t)l + (size_t)hsize;
        if (hsize >= 0 && !unk && pos + 5 <= n && !memcmp(h + pos, "\x18\x53\x80\x67", 4)) {
            int64_t seg = ebml_vint(h + pos + 4, n - pos - 4, &l, &unk);
            int64_t end = (int64_t)pos + 4 + l + seg;
            CIM_RETURN_IF(seg >= 0 && !unk && end > fsize, e, CIM_ERR_TRUNCATED,
                          "file ends early: the Matroska segment declares %lld bytes, the file has %lld",
                          (long long)end, (long long)fsize);
        }
    }
    return 0;
}
