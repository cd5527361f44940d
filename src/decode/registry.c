/* registry.c — the decoders, one extern line each (FFmpeg's allcodecs.c).
 * Every probe takes a NULL path (a stream not yet spooled): those that must
 * open the file to decide (libavformat's) then answer 0, and
 * cim_decoder_sniff_prefix says whether they might claim it. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "cim_config.h"
#include "common/err.h"
#include "decode/decoder.h"

extern const CimDecoder cim_dec_text;
#if CIM_HAVE_PNG
extern const CimDecoder cim_dec_png;
#endif
#if CIM_HAVE_JPEG
extern const CimDecoder cim_dec_jpeg;
#endif
#if CIM_HAVE_SNDFILE
extern const CimDecoder cim_dec_snd;
#endif
#if CIM_HAVE_AV
extern const CimDecoder cim_dec_av_audio;
#endif
#if CIM_HAVE_AV
extern const CimDecoder cim_dec_av_video;
#endif

static const CimDecoder *const decoders[] = {
    &cim_dec_text,
#if CIM_HAVE_PNG
    &cim_dec_png,
#endif
#if CIM_HAVE_JPEG
    &cim_dec_jpeg,
#endif
#if CIM_HAVE_SNDFILE
    &cim_dec_snd,
#endif
#if CIM_HAVE_AV
    &cim_dec_av_audio,
#endif
#if CIM_HAVE_AV
    &cim_dec_av_video,
#endif
    NULL
};

const CimDecoder *const *cim_decoder_list(void) { return decoders; }

const CimDecoder *cim_decoder_sniff(const char *path, const uint8_t *buf, size_t n)
{
    const CimDecoder *best = NULL;
    int best_score = 0;
    for (const CimDecoder *const *d = decoders; *d; d++) {
        int s = (*d)->probe(path, buf, n);
        if (s > best_score) { best_score = s; best = *d; }
        /* A full-score signature (PNG, JPEG) cannot be beaten (scores stop at 100,
         * and the first of equals wins): libavformat's probes would cost more than
         * the header read that follows. */
        if (best_score >= CIM_PROBE_MAX)
            break;
    }
    return best;
}

#if CIM_HAVE_AV
int cim__av_may_claim(const uint8_t *buf, size_t n);
#endif

const CimDecoder *cim_decoder_sniff_prefix(const uint8_t *buf, size_t n, int *need_file)
{
    const CimDecoder *best = NULL;
    int best_score = 0;
    for (const CimDecoder *const *d = decoders; *d; d++) {
        int s = (*d)->probe(NULL, buf, n);
        if (s > best_score) { best_score = s; best = *d; }
        if (best_score >= CIM_PROBE_MAX)
            break;
    }
    *need_file = 0;
#if CIM_HAVE_AV
    /* A full-score signature (PNG, JPEG) beats any libavformat claim: no probe. */
    if (best_score < CIM_PROBE_MAX)
        *need_file = cim__av_may_claim(buf, n);
#endif
    return best;
}

int cim_decoder_header_by_path(CimHeaderStreamFn header_stream, const char *path,
                               const CimLimits *lim, CimFileMeasure *m, CimErr *e)
{
    FILE *f = fopen(path, "rb");
    CIM_RETURN_IF(!f, e, CIM_ERR_IO, "cannot open: %s", strerror(errno));
    struct stat st;
    int rc = fstat(fileno(f), &st) < 0
           ? cim_err(e, CIM_ERR_IO, "cannot stat: %s", strerror(errno))
           : header_stream(f, (uint64_t)st.st_size, lim, m, e);
    fclose(f);
    return rc;
}
