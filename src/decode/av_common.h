/*
 * av_common.h — libav* helpers shared by the video (av_video.c) and audio
 * (av_audio.c) decoders.
 *
 * Everything here is internal (cim__ prefix) and only built with CIM_HAVE_AV.
 *
 * Probing: cim__av_classify() looks at a file's first bytes with libavformat's
 * content probes (no file name, so never the extension) and, for containers
 * that may hold video or only audio, opens the file to look at its streams. It
 * answers one CimAvKind, so both decoders agree on who claims a file:
 *   CIM_AV_VIDEO      a real video stream (not only cover art): video claims it
 *   CIM_AV_AUDIO      audio streams and no real video (cover art is not video)
 *   CIM_AV_BROKEN     a container signature libavformat cannot open, or one with
 *                     no audio or video stream: video claims it with a low score
 *                     so the user gets libavformat's error, not "unknown modality"
 *                     (an unopenable MP4 whose ftyp brand is an audio one, M4A
 *                     and kin, is CIM_AV_AUDIO instead: av_audio reports it)
 *   CIM_AV_NONE       not an av container, or an image format (image2 pipes,
 *                     GIF, APNG, ICO...: single pictures are the image modality),
 *                     or only a weak probe's guess (score below 50), or a
 *                     compressed, archived or encrypted file (source/magic.h)
 * A classification costs avformat_open_input (header parse) and, for demuxers
 * that find streams only from packets (AVFMTCTX_NOHEADER) or when the header
 * shows no stream, avformat_find_stream_info.
 *
 * Logging: libav's log is silenced (the library never prints); the last
 * libav message of the calling thread is kept and appended to error text.
 */
#ifndef CIM_AV_COMMON_H
#define CIM_AV_COMMON_H
#include <stddef.h>
#include <stdint.h>
#include "cimeter.h"

struct AVFormatContext;
struct AVStream;

typedef enum CimAvKind {
    CIM_AV_NONE = 0,
    CIM_AV_VIDEO,
    CIM_AV_AUDIO,
    CIM_AV_BROKEN,
} CimAvKind;

/* Scores the av decoders return from probe() (doc/records.md: by content). */
#define CIM_AV_SCORE_VIDEO  80   /* a real video stream */
#define CIM_AV_SCORE_BROKEN 2    /* unreadable container: below any real claim, above nothing */

/* Once per process (thread-safe): silences libav's log into a per-thread slot. */
void cim__av_init(void);

/* Classifies a file (see above). buf/n: its first bytes (n <= 64 KiB). */
CimAvKind cim__av_classify(const char *path, const uint8_t *buf, size_t n);
/* Whether classify() might claim these first bytes once they are a file (path
 * NULL answers CIM_AV_NONE): a stream is spooled only then. */
int cim__av_may_claim(const uint8_t *buf, size_t n);

/* Opens path (content-probed demuxer) and runs avformat_find_stream_info when
 * find_info is set. On error fills e (CIM_ERR_EMPTY, _CORRUPT, _TRUNCATED, _IO)
 * with libav's message and returns it; *fc is then NULL. */
int cim__av_open(const char *path, int find_info, struct AVFormatContext **fc, CimErr *e);

/* The first video stream that is not an attached picture, or -1. */
int cim__av_video_stream(const struct AVFormatContext *fc);

/* Sets e from an AVERROR code: code chosen by kind (EOF/truncation, invalid
 * data, I/O, memory), message "what: libav's text [last log line]". */
int cim__av_err(CimErr *e, int averr, const char *what);

/* Checks that the container's own declared sizes fit in the file: every
 * index entry of an indexed demuxer (MP4/MOV sample tables), the RIFF size of
 * AVI/WAV, the Segment size of Matroska/WebM. libavformat reads a cut file to
 * its end and reports EOF, which would silently count fewer frames or samples;
 * this makes truncation an error (CIM_ERR_TRUNCATED). Formats without declared
 * sizes (MPEG-TS/PS, Ogg, raw streams) cannot be checked this way. */
int cim__av_check_complete(const char *path, struct AVFormatContext *fc, CimErr *e);

/* The last libav log line (error level) seen by this thread, "" if none;
 * cleared by cim__av_log_clear(). */
const char *cim__av_last_log(void);
void cim__av_log_clear(void);
#endif
