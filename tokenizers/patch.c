/*
 * patch.c — image:patch:p=P[,resize=native|S|WxH][,max=S][,pad=ceil|crop]
 * (doc/tokenizers.md "Image (patch-based)"): tokens = ⌈W'/P⌉·⌈H'/P⌉ (floor with
 * pad=crop), W'×H' from the shared geometry rules (geometry.c).
 *
 * Geometry only: the count never looks at pixels, so with no content-aware
 * tokenizer and no --info the pipeline reads image headers alone (fast path).
 * The canonical spec is "p=P,resize=R[,max=S],pad=ceil|crop[,codebook=K]", the form the
 * presets (vit-b16, chameleon, cosmos-di8/16) are written in.
 */
#include <stdio.h>
#include <string.h>
#include "common/err.h"
#include "tokenizer.h"

typedef struct PatchConf {
    int64_t   p;        /* option: patch side in pixels */
    char     *resize;   /* option: native | S | WxH */
    int64_t   max;      /* option: cap on the longer side, 0 = none */
    char     *pad;      /* option: ceil | crop */
    int64_t   codebook; /* option: codebook size, 0 = none */
    CimResize r;        /* parsed resize + max */
    int       crop;     /* pad=crop */
} PatchConf;

#define OFFSET(field) offsetof(PatchConf, field)
static const CimOption patch_options[] = {
    {"p",      "patch side in pixels", OFFSET(p), CIM_OPT_INT, 16, 1, 1 << 20, NULL, 0, NULL},
    {"resize", "native, S (shorter side) or WxH", OFFSET(resize), CIM_OPT_STRING, 0, 0, 0, "native", 0, NULL},
    {"max",    "cap the longer side at S, never upscaling (0 = none)", OFFSET(max), CIM_OPT_INT, 0, 0, 1 << 20, NULL, 0, NULL},
    {"pad",    "ceil (a partial edge patch is a token) or crop (dropped)", OFFSET(pad), CIM_OPT_STRING, 0, 0, 0, "ceil", 0, NULL},
    {"codebook", "codebook size: codes a token is drawn from, for capacity_bits (0 = none)", OFFSET(codebook), CIM_OPT_INT, 0, 0, 1e15, NULL, 0, NULL},
    {NULL}
};
static const char *const patch_shorthand[] = {"p", NULL};

static int patch_init(void *conf, char *canon, size_t canon_n, char *model_path,
                      size_t model_path_n, CimErr *e)
{
    PatchConf *c = conf;
    CIM_CHECK(cim_resize_parse(c->resize, &c->r, e));
    c->r.max = (uint32_t)c->max;
    CIM_RETURN_IF(strcmp(c->pad, "ceil") && strcmp(c->pad, "crop"), e, CIM_ERR_USAGE,
                  "pad: '%s' is not ceil or crop", c->pad);
    c->crop = !strcmp(c->pad, "crop");
    char rs[64], mx[32] = "", cb[40] = "";
    cim_resize_canon(&c->r, rs, sizeof rs);
    if (c->max) snprintf(mx, sizeof mx, ",max=%lld", (long long)c->max);
    if (c->codebook) snprintf(cb, sizeof cb, ",codebook=%lld", (long long)c->codebook);
    int n = snprintf(canon, canon_n, "p=%lld,resize=%s%s,pad=%s%s", (long long)c->p, rs, mx,
                     c->pad, cb);
    CIM_RETURN_IF(n < 0 || (size_t)n >= canon_n, e, CIM_ERR_USAGE, "spec too long");
    return 0;
}

static uint64_t patch_vocab(const void *conf)
{
    return (uint64_t)((const PatchConf *)conf)->codebook;
}

static int patch_count(const void *conf, const CimGeometry *g, uint64_t *tokens, CimErr *e)
{
    const PatchConf *c = conf;
    uint32_t w, h;
    cim_resize_apply(&c->r, g->width, g->height, &w, &h);
    *tokens = cim_grid(w, (uint64_t)c->p, c->crop) * cim_grid(h, (uint64_t)c->p, c->crop);
    return 0;
}

const CimTokenizer cim_tok_patch = {
    .name           = "patch",
    .modality       = CIM_MOD_IMAGE,
    .help           = "P×P patches after resize: ceil(W'/P)·ceil(H'/P) (ViT, Cosmos DI, Chameleon)",
    .options        = patch_options,
    .shorthand      = patch_shorthand,
    .conf_size      = sizeof(PatchConf),
    .init           = patch_init,
    .count_geometry = patch_count,
    .vocab_size     = patch_vocab,
};
