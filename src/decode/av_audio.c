/*
 * av_audio.c — audio through libavformat/libavcodec for what libsndfile cannot
 * open: AAC/ALAC in MP4/M4A, ADTS AAC, Matroska/WebM audio, WMA, AMR, ... and
 * audio-only containers that could hold video (doc/records.md: a file whose only
 * video stream is cover art is audio).
 *
 * Probe: a container signature (ftyp, EBML, OggS other than Vorbis/Opus/FLAC,
 * ASF, ADTS, ...; ID3-tagged files are libsndfile's, which falls back here
 * when they hold AAC rather than MP3), then the
 * file is opened with libavformat and claimed (score 30, below libsndfile's
 * 40-60 and the video decoder's) only when it has an audio stream and no
 * video stream other than an attached picture. Files with real video are the
 * video decoder's, whatever the scores. A container signature that
 * libavformat cannot open scores 1, so the record carries libavformat's
 * error instead of "no known modality".
 *
 * Decode: the best audio stream, one decoder thread, converted to s16
 * interleaved at the native rate and channel layout with libswresample (no
 * resampling, no dithering: the same samples `ffmpeg -f s16le` writes).
 * N is the samples delivered (decoder-trimmed priming and padding, as
 * libavcodec applies the container's skip-samples side data). Packets that
 * fail to decode are skipped and counted (skipped_packets). A stream whose
 * rate or channel count changes midway is an error: N/R would be undefined.
 * This file is self-contained (no av_common) so it builds and tests alone.
 */
#include "cim_config.h"
#include "decode/decoder.h"

#if CIM_HAVE_AV
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include "common/err.h"

#define CIM_AVA_MAX_CHANNELS 1024

static void set_quiet(void) { av_log_set_level(AV_LOG_QUIET); }

static void av_quiet(void)
{
    /* The library never prints (STYLE): silence libav*'s stderr logging, once
     * (OpenMP workers probe and decode concurrently). */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, set_quiet);
}

static int container_magic(const uint8_t *b, size_t n)
{
    if (n >= 12 && !memcmp(b + 4, "ftyp", 4)) return 1;                  /* MP4, M4A, 3GP, MOV */
    if (n >= 4 && !memcmp(b, "\x1a\x45\xdf\xa3", 4)) return 1;           /* Matroska, WebM */
    if (n >= 28 && !memcmp(b, "OggS", 4)) {                             /* Ogg (Theora, Speex, ...) */
        /* Vorbis, Opus and FLAC first pages are libsndfile's (a failed open
         * falls back here): opening every Ogg file twice costs 40% on Vorbis. */
        size_t off = 27 + (size_t)b[26];
        if (off + 8 <= n && (!memcmp(b + off, "\x01vorbis", 7) || !memcmp(b + off, "OpusHead", 8) ||
                             !memcmp(b + off, "\x7f" "FLAC", 5)))
            return 0;
        return 1;
    }
    if (n >= 8 && !memcmp(b, "\x30\x26\xb2\x75\x8e\x66\xcf\x11", 8)) return 1;  /* ASF/WMA */
    if (n >= 4 && (!memcmp(b, "ADIF", 4) || !memcmp(b, "MAC ", 4) || !memcmp(b, "wvpk", 4) ||
                   !memcmp(b, "TTA1", 4) || !memcmp(b, ".RMF", 4))) return 1;
    if (n >= 5 && !memcmp(b, "#!AMR", 5)) return 1;
    if (n >= 7 && b[0] == 0xFF && (b[1] & 0xF6) == 0xF0) return 1;       /* ADTS AAC */
    return 0;
}

static int ava_probe(const char *path, const uint8_t *buf, size_t n)
{
    if (!path || !container_magic(buf, n)) return 0;
    av_quiet();
    AVFormatContext *fmt = NULL;
    /* A container signature libavformat cannot open (cut before its index,
     * garbage after the magic): claim it weakly so the record says why, rather
     * than "no known modality". */
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0) return 1;
    int audio = 0, video = 0;
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        const AVStream *st = fmt->streams[i];
        enum AVMediaType t = st->codecpar->codec_type;
        if (t == AVMEDIA_TYPE_AUDIO && st->codecpar->codec_id != AV_CODEC_ID_NONE) audio = 1;
        if (t == AVMEDIA_TYPE_VIDEO && !(st->disposition & AV_DISPOSITION_ATTACHED_PIC)) video = 1;
    }
    avformat_close_input(&fmt);
    return audio && !video ? 30 : 0;
}

static const char *averr(int code, char *buf, size_t n)
{
    av_strerror(code, buf, n);
    return buf;
}

typedef struct Ava {
    AVFormatContext *fmt;
    AVCodecContext  *dec;
    SwrContext      *swr;
    AVPacket        *pkt;
    AVFrame         *frame;
    int16_t         *out;
    int              out_cap;      /* samples per channel */
    int              rate, channels;
    uint64_t         n, max_n, skipped;
    double           max_seconds;       /* CimLimits.max_seconds (0 = none) */
    uint64_t         packets, corrupt;  /* packets read; flagged corrupt (short read at EOF) */
} Ava;

/* Sends converted samples to the sink; in = NULL flushes the resampler. */
static int emit(Ava *a, CimSink *sink, const AVFrame *f, CimErr *e)
{
    int in_n = f ? f->nb_samples : 0;
    int want = swr_get_out_samples(a->swr, in_n);
    if (want < 0) return cim_err(e, CIM_ERR_INTERNAL, "swresample: bad sample count");
    if (want > a->out_cap) {
        int16_t *nb = realloc(a->out, (size_t)want * (size_t)a->channels * sizeof *nb);
        CIM_RETURN_IF(!nb, e, CIM_ERR_NOMEM, "out of memory");
        a->out = nb;
        a->out_cap = want;
    }
    uint8_t *outp[1] = {(uint8_t *)a->out};
    int got = swr_convert(a->swr, outp, a->out_cap, f ? (const uint8_t **)f->extended_data : NULL, in_n);
    char eb[128];
    CIM_RETURN_IF(got < 0, e, CIM_ERR_INTERNAL, "swresample: %s", averr(got, eb, sizeof eb));
    a->n += (uint64_t)got;
    CIM_RETURN_IF(a->n > a->max_n, e, CIM_ERR_LIMIT, "duration exceeds the limit (%g s)", a->max_seconds);
    if (got) {   /* always offered: the sink also enforces the per-file time budget */
        CimChunk c = {.kind = CIM_CHUNK_PCM, .data = (const uint8_t *)a->out, .len = (size_t)got,
                      .channels = (uint32_t)a->channels};
        CIM_CHECK(sink->chunk(sink, &c, e));
    }
    return 0;
}

static int on_frame(Ava *a, CimSink *sink, CimErr *e)
{
    AVFrame *f = a->frame;
    int ch = f->ch_layout.nb_channels;
    if (!a->swr) {
        CIM_RETURN_IF(f->sample_rate <= 0 || ch <= 0 || ch > CIM_AVA_MAX_CHANNELS, e, CIM_ERR_CORRUPT,
                      "bad stream parameters (%d channels, %d Hz)", ch, f->sample_rate);
        a->rate = f->sample_rate;
        a->channels = ch;
        if (a->max_seconds > 0 && a->max_seconds * a->rate < 0x1p64)   /* else no limit (cast UB) */
            a->max_n = (uint64_t)(a->max_seconds * a->rate);
        int r = swr_alloc_set_opts2(&a->swr, &f->ch_layout, AV_SAMPLE_FMT_S16, f->sample_rate,
                                    &f->ch_layout, (enum AVSampleFormat)f->format, f->sample_rate, 0, NULL);
        if (r >= 0) r = swr_init(a->swr);
        char eb[128];
        CIM_RETURN_IF(r < 0, e, CIM_ERR_INTERNAL, "swresample: %s", averr(r, eb, sizeof eb));
        CimGeometry g = {.modality = CIM_MOD_AUDIO, .sample_rate = (uint32_t)a->rate,
                         .audio_channels = (uint32_t)ch};
        if (sink->begin) CIM_CHECK(sink->begin(sink, &g, e));
    }
    CIM_RETURN_IF(f->sample_rate != a->rate || ch != a->channels, e, CIM_ERR_UNSUPPORTED,
                  "audio parameters change mid-stream (%d Hz x %d -> %d Hz x %d)",
                  a->rate, a->channels, f->sample_rate, ch);
    return emit(a, sink, f, e);
}

static int drain(Ava *a, CimSink *sink, CimErr *e)
{
    for (;;) {
        int r = avcodec_receive_frame(a->dec, a->frame);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return 0;
        if (r < 0) { a->skipped++; return 0; }
        r = on_frame(a, sink, e);
        av_frame_unref(a->frame);
        CIM_CHECK(r);
    }
}

static int ava_decode(const char *path, const CimLimits *lim, CimSink *sink, CimFileMeasure *m, CimErr *e)
{
    av_quiet();
    struct stat st;
    CIM_RETURN_IF(stat(path, &st) < 0, e, CIM_ERR_IO, "cannot stat: %s", strerror(errno));
    CIM_RETURN_IF(st.st_size == 0, e, CIM_ERR_EMPTY, "empty file");
    Ava a;
    memset(&a, 0, sizeof a);
    char eb[128];
    int rc = 0, r;
    if ((r = avformat_open_input(&a.fmt, path, NULL, NULL)) < 0)
        return cim_err(e, CIM_ERR_CORRUPT, "libavformat: %s", averr(r, eb, sizeof eb));
    if ((r = avformat_find_stream_info(a.fmt, NULL)) < 0) {
        rc = cim_err(e, CIM_ERR_CORRUPT, "libavformat: %s", averr(r, eb, sizeof eb));
        goto done;
    }
    const AVCodec *codec = NULL;
    int idx = av_find_best_stream(a.fmt, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
    if (idx < 0 || !codec) {
        rc = cim_err(e, idx == AVERROR_DECODER_NOT_FOUND ? CIM_ERR_UNSUPPORTED : CIM_ERR_CORRUPT,
                     idx == AVERROR_DECODER_NOT_FOUND ? "no decoder for the audio stream" : "no audio stream");
        goto done;
    }
    a.dec = avcodec_alloc_context3(codec);
    a.pkt = av_packet_alloc();
    a.frame = av_frame_alloc();
    if (!a.dec || !a.pkt || !a.frame) { rc = cim_err(e, CIM_ERR_NOMEM, "out of memory"); goto done; }
    if ((r = avcodec_parameters_to_context(a.dec, a.fmt->streams[idx]->codecpar)) < 0 ||
        (a.dec->thread_count = 1, r = avcodec_open2(a.dec, codec, NULL)) < 0) {
        rc = cim_err(e, CIM_ERR_CORRUPT, "libavcodec: %s", averr(r, eb, sizeof eb));
        goto done;
    }
    a.max_n = UINT64_MAX;   /* set from the first frame's rate */
    a.max_seconds = lim->max_seconds;
    for (;;) {
        r = av_read_frame(a.fmt, a.pkt);
        if (r == AVERROR_EOF) break;
        if (r < 0) {   /* a read error midway: stop, as ffmpeg does, and say so */
            rc = cim_err(e, r == AVERROR(EIO) ? CIM_ERR_IO : CIM_ERR_CORRUPT, "libavformat: %s",
                         averr(r, eb, sizeof eb));
            goto done;
        }
        if (a.pkt->stream_index == idx) {
            a.packets++;
            if (a.pkt->flags & AV_PKT_FLAG_CORRUPT) a.corrupt++;
            r = avcodec_send_packet(a.dec, a.pkt);
            if (r < 0 && r != AVERROR(EAGAIN)) a.skipped++;
            if ((rc = drain(&a, sink, e)) < 0) goto done;
        }
        av_packet_unref(a.pkt);
    }
    avcodec_send_packet(a.dec, NULL);
    if ((rc = drain(&a, sink, e)) < 0) goto done;
    if (a.swr && (rc = emit(&a, sink, NULL, e)) < 0) goto done;
    if (!a.n) { rc = cim_err(e, CIM_ERR_EMPTY, "no audio samples decoded"); goto done; }
    /* Truncation: an indexed container (MP4) knows its packet count; a cut
     * file delivers fewer packets, or a last one flagged corrupt. */
    int64_t declared = a.fmt->streams[idx]->nb_frames;
    if ((declared > 0 && a.packets < (uint64_t)declared) || a.corrupt) {
        rc = cim_err(e, CIM_ERR_TRUNCATED, "truncated: %llu of %lld packets read%s",
                     (unsigned long long)a.packets, (long long)declared,
                     a.corrupt ? ", the last one cut short" : "");
        goto done;
    }
    m->modality = CIM_MOD_AUDIO;
    m->file_bytes = (uint64_t)st.st_size;
    m->raw_bytes = a.n * (uint64_t)a.channels * 2;
    m->units = a.n;
    m->seconds = (double)a.n / a.rate;
    m->skipped_packets = a.skipped;
    m->geom = (CimGeometry){.modality = CIM_MOD_AUDIO, .samples = a.n, .sample_rate = (uint32_t)a.rate,
                            .audio_channels = (uint32_t)a.channels};
done:
    free(a.out);
    swr_free(&a.swr);
    av_frame_free(&a.frame);
    av_packet_free(&a.pkt);
    avcodec_free_context(&a.dec);
    avformat_close_input(&a.fmt);
    return rc;
}

const CimDecoder cim_dec_av_audio = {
    .name     = "av-audio",
    .modality = CIM_MOD_AUDIO,
    .probe    = ava_probe,
    .decode   = ava_decode,
};
#endif /* CIM_HAVE_AV */
