/*
 * adaptive.c — image:adaptive:min=P1,max=P2,thr=T, the content-aware quadtree
 * of doc/tokenizers.md (spatial redundancy), on the decoded 8-bit canonical samples at
 * native resolution.
 *
 * Rule: the image is tiled with P2×P2 blocks in raster order, clipped at the
 * edges. A block whose nominal size is larger than P1 and whose range exceeds
 * T splits into its four nominal quadrants (clipped; a quadrant wholly outside
 * the image does not exist). Range = the largest, over all channels (alpha
 * included), of max−min of the block's in-image samples. Tokens = leaves.
 *
 * How: every block the rule can look at is a union of P1×P1 cells on the P1
 * grid (P2 = P1·2^k, quadrants halve down to P1), so one pass over the pixels
 * computes each cell's per-channel min and max, and the quadtree then works on
 * cells only. Rows arrive in bands from the decoder; a group of P1 rows is
 * folded into two W×C byte arrays (running min and max per sample: a
 * vectorised loop), which are reduced to cells when the group is complete.
 * Cells of one band of P2 rows are kept; when the band is complete its blocks
 * are counted and the band is dropped. Memory: 2·W·C + 2·⌈W/P1⌉·2^k·C bytes,
 * never the rows themselves.
 */
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include "common/err.h"
#include "tokenizer.h"

#define CIM_ADAPTIVE_MAXCH 16

typedef struct AdaptiveConf {
    int64_t min;     /* option: P1, smallest block side */
    int64_t max;     /* option: P2 = P1·2^k, tile side */
    int64_t thr;     /* option: T, split when range > T */
    uint32_t k;      /* log2(P2/P1) */
} AdaptiveConf;

typedef struct AdaptiveState {
    uint32_t w, h, ch;        /* image geometry (from begin) */
    uint32_t ncx;             /* cells per cell row: ⌈W/P1⌉ */
    uint32_t span;            /* cell rows per band: 2^k */
    uint8_t *accmin, *accmax; /* [w·ch] per-sample min/max over the current group of P1 rows */
    uint8_t *cmin, *cmax;     /* [span][ncx][ch] per-cell min/max of the current band */
    uint32_t next_y;          /* next row expected */
    uint32_t group_rows;      /* rows folded into acc* so far */
    uint32_t band_rows;       /* complete cell rows in the band */
    uint64_t tokens;
} AdaptiveState;

#define OFFSET(field) offsetof(AdaptiveConf, field)
static const CimOption adaptive_options[] = {
    {"min", "smallest block side P1 (pixels)", OFFSET(min), CIM_OPT_INT, 16, 1, 1 << 16, NULL, 0, NULL},
    {"max", "tile side P2 = P1·2^k (pixels)", OFFSET(max), CIM_OPT_INT, 64, 1, 1 << 16, NULL, 0, NULL},
    {"thr", "split a block when its sample range exceeds this (0..255)", OFFSET(thr), CIM_OPT_INT, 32, 0, 255, NULL, 0, NULL},
    {NULL}
};

static int adaptive_init(void *conf, char *canon, size_t canon_n, char *model_path,
                         size_t model_path_n, CimErr *e)
{
    AdaptiveConf *c = conf;
    int64_t r = c->max / c->min;
    CIM_RETURN_IF(c->max < c->min || c->max % c->min || (r & (r - 1)), e, CIM_ERR_USAGE,
                  "adaptive: max (%lld) must be min (%lld) times a power of two",
                  (long long)c->max, (long long)c->min);
    c->k = 0;
    while ((1LL << c->k) < r) c->k++;
    return 0;   /* canonical form: the option table's */
}

static void adaptive_release(const void *conf, void *state)
{
    AdaptiveState *s = state;
    free(s->accmin);
    free(s->accmax);
    free(s->cmin);
    free(s->cmax);
    memset(s, 0, sizeof *s);
}

static int adaptive_begin(const void *conf, void *state, const CimGeometry *g, CimErr *e)
{
    const AdaptiveConf *c = conf;
    AdaptiveState *s = state;
    adaptive_release(conf, state);
    CIM_RETURN_IF(!g->width || !g->height || !g->channels || g->channels > CIM_ADAPTIVE_MAXCH, e,
                  CIM_ERR_INTERNAL, "adaptive: bad geometry %ux%ux%u", g->width, g->height, g->channels);
    s->w = g->width;
    s->h = g->height;
    s->ch = g->channels;
    s->ncx = (uint32_t)((s->w + (uint64_t)c->min - 1) / (uint64_t)c->min);
    s->span = 1u << c->k;
    size_t row = (size_t)s->w * s->ch, cells = (size_t)s->span * s->ncx * s->ch;
    s->accmin = malloc(row);
    s->accmax = malloc(row);
    s->cmin = malloc(cells);
    s->cmax = malloc(cells);
    CIM_RETURN_IF(!s->accmin || !s->accmax || !s->cmin || !s->cmax, e, CIM_ERR_NOMEM,
                  "adaptive: out of memory");
    return 0;
}

/* mn = min(mn, r), mx = max(mx, r), bytewise. */
static void fold_row(uint8_t *restrict mn, uint8_t *restrict mx, const uint8_t *restrict r, size_t n)
{
    size_t i = 0;
#if defined(__SSE2__)
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(r + i));
        _mm_storeu_si128((__m128i *)(mn + i), _mm_min_epu8(_mm_loadu_si128((const __m128i *)(mn + i)), v));
        _mm_storeu_si128((__m128i *)(mx + i), _mm_max_epu8(_mm_loadu_si128((const __m128i *)(mx + i)), v));
    }
#endif
    for (; i < n; i++) {
        if (r[i] < mn[i]) mn[i] = r[i];
        if (r[i] > mx[i]) mx[i] = r[i];
    }
}

/* acc* → cell row `cy` of the band. */
static void reduce_group(const AdaptiveConf *c, AdaptiveState *s, uint32_t cy)
{
    uint32_t p = (uint32_t)c->min, ch = s->ch;
    for (uint32_t cx = 0; cx < s->ncx; cx++) {
        uint32_t x0 = cx * p, x1 = x0 + p < s->w ? x0 + p : s->w;
        uint8_t *omn = s->cmin + ((size_t)cy * s->ncx + cx) * ch;
        uint8_t *omx = s->cmax + ((size_t)cy * s->ncx + cx) * ch;
        memcpy(omn, s->accmin + (size_t)x0 * ch, ch);
        memcpy(omx, s->accmax + (size_t)x0 * ch, ch);
        for (uint32_t x = x0 + 1; x < x1; x++) {
            const uint8_t *a = s->accmin + (size_t)x * ch, *b = s->accmax + (size_t)x * ch;
            for (uint32_t k = 0; k < ch; k++) {
                if (a[k] < omn[k]) omn[k] = a[k];
                if (b[k] > omx[k]) omx[k] = b[k];
            }
        }
    }
}

/* Leaves of the block at cell (cx0, cy0) of the band, nominal side s cells. */
static uint64_t node(const AdaptiveConf *c, const AdaptiveState *st, uint32_t cx0, uint32_t cy0, uint32_t s)
{
    if (cx0 >= st->ncx || cy0 >= st->band_rows)
        return 0;   /* wholly outside the image: does not exist */
    if (s == 1)
        return 1;   /* nominal side P1: never splits */
    uint32_t cx1 = cx0 + s < st->ncx ? cx0 + s : st->ncx;
    uint32_t cy1 = cy0 + s < st->band_rows ? cy0 + s : st->band_rows;
    uint32_t ch = st->ch;
    uint8_t mn[CIM_ADAPTIVE_MAXCH], mx[CIM_ADAPTIVE_MAXCH];
    memset(mn, 255, ch);
    memset(mx, 0, ch);
    for (uint32_t cy = cy0; cy < cy1; cy++) {
        const uint8_t *a = st->cmin + ((size_t)cy * st->ncx + cx0) * ch;
        const uint8_t *b = st->cmax + ((size_t)cy * st->ncx + cx0) * ch;
        for (size_t i = 0; i < (size_t)(cx1 - cx0) * ch; i++) {
            uint32_t k = (uint32_t)(i % ch);
            if (a[i] < mn[k]) mn[k] = a[i];
            if (b[i] > mx[k]) mx[k] = b[i];
        }
    }
    int range = 0;
    for (uint32_t k = 0; k < ch; k++)
        if (mx[k] - mn[k] > range) range = mx[k] - mn[k];
    if (range <= c->thr)
        return 1;
    uint32_t h = s / 2;
    return node(c, st, cx0, cy0, h) + node(c, st, cx0 + h, cy0, h) +
           node(c, st, cx0, cy0 + h, h) + node(c, st, cx0 + h, cy0 + h, h);
}

static void count_band(const AdaptiveConf *c, AdaptiveState *s)
{
    for (uint32_t cx = 0; cx < s->ncx; cx += s->span)
        s->tokens += node(c, s, cx, 0, s->span);
    s->band_rows = 0;
}

static int adaptive_feed(const void *conf, void *state, const CimChunk *chunk, CimErr *e)
{
    const AdaptiveConf *c = conf;
    AdaptiveState *s = state;
    if (chunk->kind != CIM_CHUNK_ROWS) return 0;
    int in_order = s->accmin && chunk->width == s->w && chunk->channels == s->ch
                   && chunk->y == s->next_y && chunk->height <= s->h - s->next_y;
    CIM_RETURN_IF(!in_order, e, CIM_ERR_INTERNAL,
                  "adaptive: unexpected rows %u..+%u (%ux%u) after row %u of %ux%ux%u",
                  chunk->y, chunk->height, chunk->width, chunk->channels, s->next_y, s->w, s->h,
                  s->ch);
    size_t n = (size_t)s->w * s->ch;
    for (uint32_t i = 0; i < chunk->height; i++) {
        const uint8_t *row = chunk->data + (size_t)i * chunk->stride;
        if (s->group_rows == 0) {
            memcpy(s->accmin, row, n);
            memcpy(s->accmax, row, n);
        } else
            fold_row(s->accmin, s->accmax, row, n);
        s->next_y++;
        int last = s->next_y == s->h;
        if (++s->group_rows == (uint32_t)c->min || last) {
            reduce_group(c, s, s->band_rows++);
            s->group_rows = 0;
            if (s->band_rows == s->span || last)
                count_band(c, s);
        }
    }
    return 0;
}

static int adaptive_finish(const void *conf, void *state, const CimGeometry *g, uint64_t *tokens, CimErr *e)
{
    AdaptiveState *s = state;
    CIM_RETURN_IF(!s->accmin || s->next_y != s->h, e, CIM_ERR_INTERNAL,
                  "adaptive: %u of %u rows delivered", s->next_y, s->h);
    *tokens = s->tokens;
    return 0;
}

const CimTokenizer cim_tok_adaptive = {
    .name       = "adaptive",
    .modality   = CIM_MOD_IMAGE,
    .help       = "content-aware quadtree: P2 tiles split to P1 while range > T (spatial redundancy)",
    .options    = adaptive_options,
    .conf_size  = sizeof(AdaptiveConf),
    .state_size = sizeof(AdaptiveState),
    .caps       = CIM_NEED_PIXELS,
    .init       = adaptive_init,
    .begin      = adaptive_begin,
    .feed       = adaptive_feed,
    .finish     = adaptive_finish,
    .release    = adaptive_release,
};
