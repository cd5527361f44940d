/*
 * tubelet.c — video:tubelet:t=T,p=P[,fps=native|f][,resize=…][,max=S][,pad=ceil|crop][,causal]
 * (doc/tokenizers.md "Video (frame-patch)"): fixed spatio-temporal patches.
 *
 *   F  = frames actually decoded (CimGeometry.frames, never the container's estimate)
 *   F' = ⌈F·f/r⌉ when the target rate f is below the native rate r, else F
 *   tokens = ⌈F'/T⌉·gw·gh, or (1 + ⌈(F'−1)/T⌉)·gw·gh with causal (Cosmos: the
 *            first frame is a tubelet of its own); gw, gh the patch grid of the
 *            resized frame (doc/tokenizers.md geometry rules, pad=ceil or crop).
 *
 * f and r are exact rationals: f is parsed from its decimal or a/b text
 * ("29.97" is 2997/100, "30000/1001" stays so), r is the stream's rate as
 * libavformat gives it (num/den), and the comparison and the ceiling are done
 * in 128-bit integers. A file with no known rate and fps=f is an error, not a
 * guess. Geometry only: the decoder need not hand over pixels.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "tokenizer.h"

typedef unsigned __int128 u128;

typedef struct TubeletConf {
    int64_t   t, p, max;       /* options */
    int64_t   codebook;        /* option: codebook size, 0 = none */
    CimRational fps;           /* 0/1 = native */
    char     *resize, *pad;
    int       causal;
    int       crop;            /* pad=crop */
    CimResize rs;
} TubeletConf;

#define OFFSET(field) offsetof(TubeletConf, field)
static const CimOption tubelet_options[] = {
    {"t",      "frames per tubelet",                    OFFSET(t),      CIM_OPT_INT,    2, 1, 1 << 16, NULL, 0, NULL},
    {"p",      "patch side in pixels",                  OFFSET(p),      CIM_OPT_INT,   16, 1, 1 << 16, NULL, 0, NULL},
    {"fps",    "target rate: native or f (29.97, 30000/1001); only lowers the rate",
     OFFSET(fps), CIM_OPT_RATIONAL, 0, 0, UINT32_MAX, "native", 0, "native"},
    {"resize", "native, S (shorter side) or WxH",      OFFSET(resize), CIM_OPT_STRING, 0, 0, 0, "native", 0, NULL},
    {"max",    "cap the longer side at S (0 = none)",   OFFSET(max),    CIM_OPT_INT,    0, 0, 1 << 20, NULL, 0, NULL},
    {"pad",    "ceil (partial patch = token) or crop",  OFFSET(pad),    CIM_OPT_STRING, 0, 0, 0, "ceil", 0, NULL},
    {"causal", "first frame is its own tubelet (Cosmos)", OFFSET(causal), CIM_OPT_FLAG, 0, 0, 1, NULL, 0, NULL},
    {"codebook", "codebook size: codes a token is drawn from, for capacity_bits (0 = none)", OFFSET(codebook),
     CIM_OPT_INT, 0, 0, 1e15, NULL, 0, NULL},
    {0}
};

static int tubelet_init(void *conf, char *canon, size_t canon_n, char *model_path,
                        size_t model_path_n, CimErr *e)
{
    TubeletConf *c = conf;
    CIM_CHECK(cim_resize_parse(c->resize, &c->rs, e));
    c->rs.max = (uint32_t)c->max;
    CIM_RETURN_IF(strcmp(c->pad, "ceil") && strcmp(c->pad, "crop"), e, CIM_ERR_USAGE,
                  "tubelet: pad must be ceil or crop, not '%s'", c->pad);
    c->crop = !strcmp(c->pad, "crop");
    char rs[64], fps[64];
    cim_resize_canon(&c->rs, rs, sizeof rs);
    if (c->fps.num)
        cim_rational_format(c->fps, fps, sizeof fps);
    else
        snprintf(fps, sizeof fps, "native");
    /* The presets' own form: max and pad only when they differ from the default. */
    char maxs[32] = "", cb[40] = "";
    if (c->max) snprintf(maxs, sizeof maxs, ",max=%lld", (long long)c->max);
    if (c->codebook) snprintf(cb, sizeof cb, ",codebook=%lld", (long long)c->codebook);
    int w = snprintf(canon, canon_n, "t=%lld,p=%lld,fps=%s,resize=%s%s%s%s%s", (long long)c->t,
                     (long long)c->p, fps, rs, maxs, c->crop ? ",pad=crop" : "",
                     c->causal ? ",causal" : "", cb);
    CIM_RETURN_IF(w < 0 || (size_t)w >= canon_n, e, CIM_ERR_USAGE, "tubelet: spec too long");
    return 0;
}

static uint64_t tubelet_vocab(const void *conf)
{
    return (uint64_t)((const TubeletConf *)conf)->codebook;
}

static int tubelet_count(const void *conf, const CimGeometry *g, uint64_t *tokens, CimErr *e)
{
    const TubeletConf *c = conf;
    uint64_t f = g->frames;
    uint64_t fps_num = (uint64_t)c->fps.num;
    uint64_t fps_den = (uint64_t)c->fps.den;
    if (fps_num && f) {
        CIM_RETURN_IF(g->rate_num <= 0 || g->rate_den <= 0, e, CIM_ERR_UNSUPPORTED,
                      "tubelet: fps=%llu/%llu needs the native frame rate, which this file does not give",
                      (unsigned long long)fps_num, (unsigned long long)fps_den);
        u128 rn = (u128)g->rate_num, rd = (u128)g->rate_den;
        /* f < r  ⇔  fn·rd < rn·fd;  F' = ⌈F·fn·rd / (fd·rn)⌉ */
        if ((u128)fps_num * rd < rn * (u128)fps_den) {
            u128 num = (u128)f * fps_num * rd, den = (u128)fps_den * rn;
            f = (uint64_t)((num + den - 1) / den);
        }
    }
    uint32_t w, h;
    cim_resize_apply(&c->rs, g->width, g->height, &w, &h);
    uint64_t gw = cim_grid(w, (uint64_t)c->p, c->crop), gh = cim_grid(h, (uint64_t)c->p, c->crop);
    uint64_t t = (uint64_t)c->t;
    uint64_t slabs = !f ? 0 : c->causal ? 1 + (f - 1 + t - 1) / t : (f + t - 1) / t;
    u128 n = (u128)slabs * gw * gh;
    CIM_RETURN_IF(n > UINT64_MAX - 1, e, CIM_ERR_LIMIT, "tubelet: token count overflows 64 bits");
    *tokens = (uint64_t)n;
    return 0;
}

const CimTokenizer cim_tok_tubelet = {
    .name           = "tubelet",
    .modality       = CIM_MOD_VIDEO,
    .help           = "T frames x PxP patches (ViViT, Cosmos with causal); geometry only",
    .options        = tubelet_options,
    .conf_size      = sizeof(TubeletConf),
    .init           = tubelet_init,
    .count_geometry = tubelet_count,
    .vocab_size     = tubelet_vocab,
};
