/*
 * av_lazy.c — the libav* decoders, loaded when first used.
 *
 * libavformat and libavcodec pull in about 130 shared libraries (codecs,
 * network protocols, X11, GLib...); resolving their symbols took ~25 ms of
 * CPU at every start of cimeter, a dozen times what `fit`, `predict` or
 * `report` then spent working. So av_common.c, av_video.c and av_audio.c are
 * built into a module of their own (libcimeter-av.so, next to libcimeter.so)
 * whose decoders carry an _impl suffix; the decoders registered here keep
 * the public names and open the module on the first probe. Without the
 * module, no file is claimed by them and a decode says why.
 */
#include "cim_config.h"
#if CIM_HAVE_AV
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "common/err.h"
#include "decode/decoder.h"
#include "decode/mp3_count.h"
#include "decode/ogg_count.h"

#define AV_MODULE "libcimeter-av.so"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const CimDecoder *real_audio, *real_video;
static int (*real_may_claim)(const uint8_t *buf, size_t n);
static char why[512];

/* The module beside the library this code is in, else on the loader's path. */
static void load(void)
{
    void *h = NULL;
    Dl_info di;
    if (dladdr((void *)&load, &di) && di.dli_fname) {
        char path[PATH_MAX];
        const char *slash = strrchr(di.dli_fname, '/');
        int dir = slash ? (int)(slash - di.dli_fname) : 0;
        if (slash && snprintf(path, sizeof path, "%.*s/%s", dir, di.dli_fname, AV_MODULE) < (int)sizeof path)
            h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    }
    if (!h) h = dlopen(AV_MODULE, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *msg = dlerror();
        snprintf(why, sizeof why, "%s", msg ? msg : "not found");
        return;
    }
    real_audio = dlsym(h, "cim_dec_av_audio_impl");
    real_video = dlsym(h, "cim_dec_av_video_impl");
    *(void **)&real_may_claim = dlsym(h, "cim__av_may_claim_impl");
    if (!real_audio || !real_video || !real_may_claim) {
        snprintf(why, sizeof why, "%s lacks its decoders", AV_MODULE);
        real_audio = real_video = NULL;
        real_may_claim = NULL;
    }
}

static const CimDecoder *audio(void) { pthread_once(&once, load); return real_audio; }
static const CimDecoder *video(void) { pthread_once(&once, load); return real_video; }

static int missing(CimErr *e)
{
    return cim_err(e, CIM_ERR_UNSUPPORTED, "the libav* decoders (%s) could not be loaded: %s", AV_MODULE, why);
}

/* Where both libav* probes answer 0, the module need not load: a stream not
 * spooled yet (no path), an MP3 elementary stream, or an Ogg file that opens
 * with one Vorbis or Opus stream alone (no container signature for av-audio;
 * classified as audio, so not video), which are libsndfile's. */
static int probes_answer_zero(const char *path, const uint8_t *buf, size_t n)
{
    return !path || cim_mp3_stream_prefix(buf, n) || cim_ogg_audio_prefix(buf, n);
}

static int audio_probe(const char *path, const uint8_t *buf, size_t n)
{
    if (probes_answer_zero(path, buf, n))
        return 0;
    const CimDecoder *d = audio();
    return d ? d->probe(path, buf, n) : 0;
}

static int audio_decode(const char *path, const CimLimits *lim, CimSink *sink, CimFileMeasure *m, CimErr *e)
{
    const CimDecoder *d = audio();
    return d ? d->decode(path, lim, sink, m, e) : missing(e);
}

static int video_probe(const char *path, const uint8_t *buf, size_t n)
{
    if (probes_answer_zero(path, buf, n))
        return 0;
    const CimDecoder *d = video();
    return d ? d->probe(path, buf, n) : 0;
}

static int video_header(const char *path, const CimLimits *lim, CimFileMeasure *m, CimErr *e)
{
    const CimDecoder *d = video();
    if (!d) return missing(e);
    return d->header ? d->header(path, lim, m, e) : CIM_ERR_NEED_DECODE;
}

static int video_decode(const char *path, const CimLimits *lim, CimSink *sink, CimFileMeasure *m, CimErr *e)
{
    const CimDecoder *d = video();
    return d ? d->decode(path, lim, sink, m, e) : missing(e);
}

int cim__av_may_claim(const uint8_t *buf, size_t n)
{
    pthread_once(&once, load);
    return real_may_claim ? real_may_claim(buf, n) : 0;
}

const CimDecoder cim_dec_av_audio = {
    .name     = "av-audio",
    .modality = CIM_MOD_AUDIO,
    .probe    = audio_probe,
    .decode   = audio_decode,
};

const CimDecoder cim_dec_av_video = {
    .name     = "av-video",
    .modality = CIM_MOD_VIDEO,
    .probe    = video_probe,
    .header   = video_header,
    .decode   = video_decode,
};
#endif /* CIM_HAVE_AV */
