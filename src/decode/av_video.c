/*
 * av_video.c — the video decoder over libavformat/libavcodec/libswscale
 * (doc/records.md "Video", doc/tokenizers.md fast path).
 *
 * What is measured: the first video stream that is not an attached picture.
 *   file_bytes  Σ size of that stream's packets
 *   units       frames actually decoded (the decoder is drained at the end)
 *   raw_bytes   W×H×3 per decoded frame, W,H of the first decoded frame
 *   seconds     (max − min frame timestamp) + one frame duration, the rate
 *               being avg_frame_rate, else r_frame_rate (nominal)
 * A packet that fails to decode (send or receive error) is skipped and counted
 * in skipped_packets; a demuxer error other than EOF (MP4 "partial file",
 * unreadable chunk) is an error for the file: it means data is missing, not
 * that one packet is bad.
 *
 * Pixels are produced only when a consumer asks (sink->needs): CIM_NEED_LUMA
 * gets the Y plane of 8-bit planar YUV (and GRAY8) byte for byte, any other
 * format through swscale to GRAY8; CIM_NEED_RGB (--info) gets RGB24 through
 * swscale. When nobody needs pixels the in-loop deblocking filter is skipped
 * (skip_loop_filter): it changes pixel values, never which frames come out.
 *
 * Memory is bounded: one packet and one frame in flight (plus libavcodec's
 * reference frames and the find_stream_info buffer, both bounded by the codec
 * and probesize), and at most one GRAY8 and one RGB24 frame of scratch.
 *
 * Threading: cimeter parallelises over files with OpenMP; inside one file
 * libavcodec gets CIM_AV_THREADS_DEFAULT (1) threads unless the environment
 * variable CIM_AV_THREADS overrides it. Figures: scripts/bench-video.sh -t on
 * 2 shared cores at load 5-7 (other users), measure -t video:rlt -t vivit-2x16,
 * wall s / CPU s / max RSS MB:
 *
 *   10 corpus files (sample+dev)  -j 1                 -j 2
 *   libavcodec threads=1          2.37 / 1.64 / 60     3.60 / 1.88 / 87
 *   libavcodec threads=2          2.22 / 1.96 / 65     1.28 / 1.86 / 90
 *   one 1080p H.264 file, 3000 frames (two runs each)
 *   libavcodec threads=1          10.9-11.4 / 4.9-5.4 / 47   12.4-15.6 / 5.0-6.2 / 47
 *   libavcodec threads=2          10.3-12.6 / 6.0 / 55       12.3-16.9 / 5.6-6.2 / 55
 *
 * Frame threading costs up to 20% more CPU and ~8 MB more per file at 1080p.
 * On a machine whose cores are already busy it gains no wall time on the long
 * file. Its one clear gain is on the small corpus, and that gain is the tail:
 * one 720p file, present in both sample and dev, is most of that corpus's
 * work. In a real corpus every core
 * runs an OpenMP worker until near the end, so throughput is set by CPU time,
 * and the default is 1. Raise CIM_AV_THREADS for one long file on an idle
 * machine. A pipeline that starts the largest files first would remove most
 * of the tail.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
#include "common/err.h"
#include "decode/av_common.h"
#include "decode/decoder.h"

/* libavcodec threads per file when cimeter's OpenMP workers decode in parallel
 * (see scripts/bench-video.sh for the figures behind the choice). */
#define CIM_AV_THREADS_DEFAULT 1

typedef struct Vid {
    AVFormatContext   *fc;
    AVCodecContext    *cc;
    AVStream          *st;
    AVPacket          *pkt;
    AVFrame           *fr;
    struct SwsContext *sws_gray, *sws_rgb;
    uint8_t           *gray, *rgb;        /* scratch: one frame each, av_malloc'd */
    size_t             gray_cap, rgb_cap;
    const CimLimits   *lim;
    CimSink           *sink;
    int                vi;                 /* stream index */
    uint64_t           frames, packets, skipped, bytes;
    int64_t            ts_min, ts_max;     /* frame timestamps (stream time base) */
    int                have_ts;
    uint32_t           w, h;               /* first decoded frame */
    int64_t            rate_num, rate_den;
    double             deadline;           /* CLOCK_MONOTONIC s, 0 = none (lim->time_budget_s) */
} Vid;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int threads_for_codec(void)
{
    const char *s = getenv("CIM_AV_THREADS");
    if (s && *s) {
        int n = atoi(s);
        if (n >= 0 && n <= 64) return n;
    }
    return CIM_AV_THREADS_DEFAULT;
}

static int video_probe(const char *path, const uint8_t *buf, size_t n)
{
    switch (cim__av_classify(path, buf, n)) {
    case CIM_AV_VIDEO:  return CIM_AV_SCORE_VIDEO;
    case CIM_AV_BROKEN: return CIM_AV_SCORE_BROKEN;
    default:            return 0;   /* audio only (cover art included), image, nothing */
    }
}

/* doc/records.md: the average frame rate, else the nominal one. */
static void stream_rate(const AVStream *st, int64_t *num, int64_t *den)
{
    AVRational r = st->avg_frame_rate;
    if (r.num <= 0 || r.den <= 0) r = st->r_frame_rate;
    if (r.num <= 0 || r.den <= 0) r = (AVRational){0, 1};
    *num = r.num;
    *den = r.den;
}

static double seconds_of(int64_t span, AVRational tb, int64_t rnum, int64_t rden, uint64_t frames)
{
    double frame = rnum > 0 ? (double)rden / (double)rnum : 0;
    if (span < 0) return frame * (double)frames;
    return (double)span * av_q2d(tb) + frame;
}

static int check_header_limits(const AVFormatContext *fc, const AVStream *st, const CimLimits *lim, CimErr *e)
{
    const AVCodecParameters *par = st->codecpar;
    CIM_RETURN_IF(lim->max_pixels && par->width > 0 && par->height > 0 &&
                  (uint64_t)par->width * (uint64_t)par->height > lim->max_pixels, e, CIM_ERR_LIMIT,
                  "frame size %dx%d exceeds the pixel limit (%llu)", par->width, par->height,
                  (unsigned long long)lim->max_pixels);
    double dur = st->duration != AV_NOPTS_VALUE && st->duration > 0 ? (double)st->duration * av_q2d(st->time_base)
               : fc->duration != AV_NOPTS_VALUE && fc->duration > 0 ? (double)fc->duration / AV_TIME_BASE : 0;
    CIM_RETURN_IF(lim->max_seconds > 0 && dur > lim->max_seconds, e, CIM_ERR_LIMIT,
                  "duration %.1f s exceeds the limit (%g s)", dur, lim->max_seconds);
    return 0;
}

/* Opens the container and picks the stream; shared by header() and decode(). */
static int vid_open(Vid *v, const char *path, const CimLimits *lim, CimErr *e)
{
    CIM_CHECK(cim__av_open(path, 1, &v->fc, e));
    v->vi = cim__av_video_stream(v->fc);
    if (v->vi < 0) {
        char kinds[160] = "";
        size_t used = 0;
        for (unsigned i = 0; i < v->fc->nb_streams && used < sizeof kinds - 32; i++) {
            const AVStream *st = v->fc->streams[i];
            const char *t = av_get_media_type_string(st->codecpar->codec_type);
            used += (size_t)snprintf(kinds + used, sizeof kinds - used, "%s%s%s", i ? ", " : "", t ? t : "unknown",
                                     (st->disposition & AV_DISPOSITION_ATTACHED_PIC) ? " (cover art)" : "");
        }
        return cim_err(e, CIM_ERR_UNSUPPORTED, "no video stream (%u stream%s%s%s)", v->fc->nb_streams,
                       v->fc->nb_streams == 1 ? "" : "s", used ? ": " : "", kinds);
    }
    v->st = v->fc->streams[v->vi];
    for (unsigned i = 0; i < v->fc->nb_streams; i++)
        if ((int)i != v->vi) v->fc->streams[i]->discard = AVDISCARD_ALL;
    stream_rate(v->st, &v->rate_num, &v->rate_den);
    return check_header_limits(v->fc, v->st, lim, e);
}

static void vid_close(Vid *v)
{
    avcodec_free_context(&v->cc);
    avformat_close_input(&v->fc);
    av_packet_free(&v->pkt);
    av_frame_free(&v->fr);
    sws_freeContext(v->sws_gray);
    sws_freeContext(v->sws_rgb);
    av_free(v->gray);
    av_free(v->rgb);
}

/* ---- fast path ----------------------------------------------------------- */

/*
 * When is a container's frame count the decoder's? Only where we can show it:
 *  - the mov/mp4 demuxer, whose nb_frames is the sample count of stsz and whose
 *    index lists every sample (fragmented files have nb_frames 0: refused);
 *  - the index has exactly nb_frames entries, none marked DISCARD (edit lists
 *    make the demuxer mark or drop samples, and the decoder then outputs fewer
 *    frames), the first is a sync sample (an open-GOP start would lose frames
 *    before the recovery point) and every sample lies inside the file (a cut
 *    mdat fails the decode with "partial file");
 *  - a codec where one sample is one output frame whatever the stream does:
 *    H.264 and HEVC progressive (field-coded pictures can be one field per
 *    sample, so an interlaced or unknown field order is refused), AV1 (one
 *    temporal unit, one shown frame), and intra-only MJPEG and ProRes.
 *    MPEG-4 Part 2 is refused (N-VOPs and packed B-frames give no frame or two),
 *    VP8/VP9 too (hidden alt-ref frames), AVI, Matroska, Ogg and MPEG-TS always
 *    (no trusted count: AVI's header says 300 where VP9 decodes 295 frames).
 * Duration: the index carries DTS; with no edit list the DTS and PTS sets of a
 * constant-rate stream are shifts of each other, so the spans agree, and the
 * test (tests/video/fastpath.sh) checks seconds as well as counts.
 * Width and height come from find_stream_info, which decodes the first frame.
 * A bit-level error inside a sample cannot be seen without decoding: the fast
 * path assumes well-formed data, as any header reader must (--no-fast-path).
 */
static int video_header(const char *path, const CimLimits *lim, CimFileMeasure *m, CimErr *e)
{
    Vid v;
    memset(&v, 0, sizeof v);
    double t0 = now_s();
    int rc = vid_open(&v, path, lim, e);
    if (rc < 0) goto done;
    if (lim->time_budget_s > 0 && now_s() - t0 > lim->time_budget_s) {
        rc = cim_err(e, CIM_ERR_LIMIT, "per-file time budget of %g s exceeded", lim->time_budget_s);
        goto done;
    }
    rc = CIM_ERR_NEED_DECODE;
    const AVCodecParameters *par = v.st->codecpar;
    if (strcmp(v.fc->iformat->name, "mov,mp4,m4a,3gp,3g2,mj2"))
        goto done;
    int progressive_needed = par->codec_id == AV_CODEC_ID_H264 || par->codec_id == AV_CODEC_ID_HEVC;
    int ok_codec = progressive_needed || par->codec_id == AV_CODEC_ID_AV1 ||
                   par->codec_id == AV_CODEC_ID_MJPEG || par->codec_id == AV_CODEC_ID_PRORES;
    if (!ok_codec || (progressive_needed && par->field_order != AV_FIELD_PROGRESSIVE))
        goto done;
    if (par->width <= 0 || par->height <= 0 || v.rate_num <= 0 || v.st->nb_frames <= 0 ||
        !avcodec_find_decoder(par->codec_id))
        goto done;
    int n = avformat_index_get_entries_count(v.st);
    if (n != v.st->nb_frames)
        goto done;
    int64_t fsize = avio_size(v.fc->pb);
    uint64_t bytes = 0;
    int64_t tmin = INT64_MAX, tmax = INT64_MIN;
    for (int i = 0; i < n; i++) {
        const AVIndexEntry *ie = avformat_index_get_entry(v.st, i);
        if (!ie || (ie->flags & AVINDEX_DISCARD_FRAME) || ie->size <= 0 ||
            (i == 0 && !(ie->flags & AVINDEX_KEYFRAME)) || ie->timestamp == AV_NOPTS_VALUE ||
            fsize <= 0 || ie->pos < 0 || ie->pos + ie->size > fsize)
            goto done;
        bytes += (uint64_t)ie->size;
        if (ie->timestamp < tmin) tmin = ie->timestamp;
        if (ie->timestamp > tmax) tmax = ie->timestamp;
    }
    uint64_t frames = (uint64_t)n;
    if (lim->max_frames && frames > lim->max_frames) {
        rc = cim_err(e, CIM_ERR_LIMIT, "more than %llu frames", (unsigned long long)lim->max_frames);
        goto done;
    }
    m->modality = CIM_MOD_VIDEO;
    m->file_bytes = bytes;
    m->units = frames;
    m->raw_bytes = frames * (uint64_t)par->width * (uint64_t)par->height * 3;
    m->seconds = seconds_of(tmax - tmin, v.st->time_base, v.rate_num, v.rate_den, frames);
    m->skipped_packets = 0;
    m->geom = (CimGeometry){.modality = CIM_MOD_VIDEO, .width = (uint32_t)par->width,
                            .height = (uint32_t)par->height, .frames = frames,
                            .rate_num = v.rate_num, .rate_den = v.rate_den};
    rc = 0;
done:
    vid_close(&v);
    return rc;
}

/* ---- decode -------------------------------------------------------------- */

/* 8-bit formats whose first plane is luma stored one byte per sample. */
static int is_y8_plane(enum AVPixelFormat fmt)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(fmt);
    if (!d || (d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM |
                           AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_FLOAT | AV_PIX_FMT_FLAG_BAYER)))
        return 0;
    if (d->nb_components == 2 && (d->flags & AV_PIX_FMT_FLAG_ALPHA)) { /* YA8: packed */ return 0; }
    return d->comp[0].plane == 0 && d->comp[0].depth == 8 && d->comp[0].step == 1 &&
           d->comp[0].shift == 0 && d->comp[0].offset == 0 &&
           (d->nb_components == 1 || (d->flags & AV_PIX_FMT_FLAG_PLANAR) || d->comp[1].plane != 0);
}

static int scratch(uint8_t **buf, size_t *cap, size_t need, CimErr *e)
{
    if (need <= *cap) return 0;
    av_free(*buf);
    *buf = av_malloc(need);
    *cap = *buf ? need : 0;
    CIM_RETURN_IF(!*buf, e, CIM_ERR_NOMEM, "out of memory for a %zu-byte frame", need);
    return 0;
}

static int convert(struct SwsContext **sws, const AVFrame *f, enum AVPixelFormat to, int bpp,
                   uint8_t **buf, size_t *cap, size_t *stride, CimErr *e)
{
    *sws = sws_getCachedContext(*sws, f->width, f->height, f->format, f->width, f->height, to,
                                SWS_BILINEAR, NULL, NULL, NULL);
    CIM_RETURN_IF(!*sws, e, CIM_ERR_UNSUPPORTED, "swscale cannot convert %s to %s",
                  av_get_pix_fmt_name(f->format), av_get_pix_fmt_name(to));
    *stride = FFALIGN((size_t)f->width * (size_t)bpp, 64);
    CIM_CHECK(scratch(buf, cap, *stride * (size_t)f->height + 64, e));
    uint8_t *dst[4] = {*buf, NULL, NULL, NULL};
    int dst_stride[4] = {(int)*stride, 0, 0, 0};
    int r = sws_scale(*sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, dst_stride);
    CIM_RETURN_IF(r != f->height, e, CIM_ERR_INTERNAL, "swscale failed on a %dx%d frame", f->width, f->height);
    return 0;
}

static int on_frame(Vid *v, const AVFrame *f, CimErr *e)
{
    const CimLimits *lim = v->lim;
    CIM_RETURN_IF(f->width <= 0 || f->height <= 0, e, CIM_ERR_CORRUPT, "decoder returned an empty frame");
    CIM_RETURN_IF(lim->max_pixels && (uint64_t)f->width * (uint64_t)f->height > lim->max_pixels, e, CIM_ERR_LIMIT,
                  "frame size %dx%d exceeds the pixel limit (%llu)", f->width, f->height,
                  (unsigned long long)lim->max_pixels);
    CIM_RETURN_IF(lim->max_frames && v->frames >= lim->max_frames, e, CIM_ERR_LIMIT,
                  "more than %llu frames", (unsigned long long)lim->max_frames);
    int64_t ts = f->best_effort_timestamp;
    if (ts != AV_NOPTS_VALUE) {
        if (!v->have_ts || ts < v->ts_min) v->ts_min = ts;
        if (!v->have_ts || ts > v->ts_max) v->ts_max = ts;
        v->have_ts = 1;
        CIM_RETURN_IF(lim->max_seconds > 0 &&
                      (double)(v->ts_max - v->ts_min) * av_q2d(v->st->time_base) > lim->max_seconds,
                      e, CIM_ERR_LIMIT, "duration exceeds the limit (%g s)", lim->max_seconds);
    }
    /* The pipeline checks the time budget per chunk; with no pixels asked for
     * there are no chunks, so the decoder checks it (and the decoded size). */
    CIM_RETURN_IF(v->deadline && !(v->frames & 15) && now_s() > v->deadline, e, CIM_ERR_LIMIT,
                  "per-file time budget of %g s exceeded", lim->time_budget_s);
    CIM_RETURN_IF(lim->max_decoded_bytes && v->frames &&
                  (v->frames + 1) * (uint64_t)v->w * v->h * 3 > lim->max_decoded_bytes, e, CIM_ERR_LIMIT,
                  "decoded size exceeds the limit %llu", (unsigned long long)lim->max_decoded_bytes);
    if (v->frames == 0) {
        v->w = (uint32_t)f->width;
        v->h = (uint32_t)f->height;
        CimGeometry g = {.modality = CIM_MOD_VIDEO, .width = v->w, .height = v->h,
                         .rate_num = v->rate_num, .rate_den = v->rate_den};
        if (v->sink->begin)
            CIM_CHECK(v->sink->begin(v->sink, &g, e));
    }
    unsigned needs = v->sink->needs;
    if (needs & (CIM_NEED_LUMA | CIM_NEED_RGB)) {
        CimChunk c = {.kind = CIM_CHUNK_FRAME, .width = (uint32_t)f->width, .height = (uint32_t)f->height,
                      .index = v->frames};
        if (needs & CIM_NEED_LUMA) {
            if (is_y8_plane(f->format)) {
                c.data = f->data[0];
                c.stride = (size_t)f->linesize[0];
            } else {
                CIM_CHECK(convert(&v->sws_gray, f, AV_PIX_FMT_GRAY8, 1, &v->gray, &v->gray_cap, &c.stride, e));
                c.data = v->gray;
            }
        }
        if (needs & CIM_NEED_RGB) {
            CIM_CHECK(convert(&v->sws_rgb, f, AV_PIX_FMT_RGB24, 3, &v->rgb, &v->rgb_cap, &c.aux_stride, e));
            c.aux = v->rgb;
        }
        CIM_CHECK(v->sink->chunk(v->sink, &c, e));
    }
    v->frames++;
    return 0;
}

/* Receives every frame the decoder has ready. A receive error is a packet that
 * failed to decode (frame threading reports errors here, not at send). */
static int drain_frames(Vid *v, int at_eof, CimErr *e)
{
    int errors = 0;
    for (;;) {
        int r = avcodec_receive_frame(v->cc, v->fr);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return 0;
        if (r < 0) {
            v->skipped++;
            /* A decoder that keeps failing without consuming anything: stop. */
            if (!at_eof || ++errors > 64) return 0;
            continue;
        }
        int rc = on_frame(v, v->fr, e);
        av_frame_unref(v->fr);
        CIM_CHECK(rc);
    }
}

static int video_decode(const char *path, const CimLimits *lim, CimSink *sink, CimFileMeasure *m, CimErr *e)
{
    Vid v;
    memset(&v, 0, sizeof v);
    v.lim = lim;
    v.sink = sink;
    v.deadline = lim->time_budget_s > 0 ? now_s() + lim->time_budget_s : 0;
    int rc = vid_open(&v, path, lim, e);
    if (rc < 0) goto done;
    const AVCodecParameters *par = v.st->codecpar;
    const AVCodec *codec = avcodec_find_decoder(par->codec_id);
    if (!codec) {
        rc = cim_err(e, CIM_ERR_UNSUPPORTED, "no decoder for video codec %s", avcodec_get_name(par->codec_id));
        goto done;
    }
    if ((rc = cim__av_check_complete(path, v.fc, e)) < 0) goto done;
    v.cc = avcodec_alloc_context3(codec);
    v.pkt = av_packet_alloc();
    v.fr = av_frame_alloc();
    if (!v.cc || !v.pkt || !v.fr) { rc = cim_err(e, CIM_ERR_NOMEM, "out of memory"); goto done; }
    int r = avcodec_parameters_to_context(v.cc, par);
    if (r < 0) { rc = cim__av_err(e, r, "bad codec parameters"); goto done; }
    v.cc->pkt_timebase = v.st->time_base;
    v.cc->thread_count = threads_for_codec();
    if (lim->max_pixels && lim->max_pixels <= INT64_MAX)
        v.cc->max_pixels = (int64_t)lim->max_pixels;   /* checked before the decoder allocates */
    if (!(sink->needs & (CIM_NEED_LUMA | CIM_NEED_RGB)))
        v.cc->skip_loop_filter = AVDISCARD_ALL;
    cim__av_log_clear();
    if ((r = avcodec_open2(v.cc, codec, NULL)) < 0) {
        rc = cim__av_err(e, r, "cannot open the video decoder");
        goto done;
    }
    int demux_err = 0;
    for (;;) {
        r = av_read_frame(v.fc, v.pkt);
        if (r == AVERROR(EAGAIN)) continue;
        if (r < 0) {
            if (r != AVERROR_EOF) demux_err = r;
            break;
        }
        if (v.pkt->stream_index != v.vi) { av_packet_unref(v.pkt); continue; }
        v.packets++;
        v.bytes += (uint64_t)v.pkt->size;
        r = avcodec_send_packet(v.cc, v.pkt);
        if (r == AVERROR(EAGAIN)) {   /* cannot happen when we drain after each send; be safe */
            if ((rc = drain_frames(&v, 0, e)) < 0) { av_packet_unref(v.pkt); goto done; }
            r = avcodec_send_packet(v.cc, v.pkt);
        }
        av_packet_unref(v.pkt);
        if (r < 0 && r != AVERROR_EOF)
            v.skipped++;
        if ((rc = drain_frames(&v, 0, e)) < 0) goto done;
    }
    avcodec_send_packet(v.cc, NULL);
    if ((rc = drain_frames(&v, 1, e)) < 0) goto done;
    if (demux_err) {
        const char *what = avio_feof(v.fc->pb) ? "file ends early" : "cannot read the stream";
        rc = cim__av_err(e, demux_err, what);
        if (avio_feof(v.fc->pb)) e->code = rc = CIM_ERR_TRUNCATED;
        goto done;
    }
    if (!v.packets) { rc = cim_err(e, CIM_ERR_EMPTY, "the video stream has no packets"); goto done; }
    if (!v.frames) {
        rc = cim_err(e, CIM_ERR_CORRUPT, "no frame could be decoded (%llu packets, %llu failed)%s%s",
                     (unsigned long long)v.packets, (unsigned long long)v.skipped,
                     cim__av_last_log()[0] ? ": " : "", cim__av_last_log());
        goto done;
    }
    m->modality = CIM_MOD_VIDEO;
    m->file_bytes = v.bytes;
    m->units = v.frames;
    m->raw_bytes = v.frames * (uint64_t)v.w * (uint64_t)v.h * 3;
    m->seconds = seconds_of(v.have_ts ? v.ts_max - v.ts_min : -1, v.st->time_base, v.rate_num, v.rate_den,
                            v.frames);
    m->skipped_packets = v.skipped;
    m->geom = (CimGeometry){.modality = CIM_MOD_VIDEO, .width = v.w, .height = v.h, .frames = v.frames,
                            .rate_num = v.rate_num, .rate_den = v.rate_den};
    rc = 0;
done:
    vid_close(&v);
    return rc;
}

const CimDecoder cim_dec_av_video = {
    .name     = "av-video",
    .modality = CIM_MOD_VIDEO,
    .probe    = video_probe,
    .header   = video_header,
    .decode   = video_decode,
};
