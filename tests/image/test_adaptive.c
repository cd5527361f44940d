/*
 * test_adaptive.c — unit tests of the image tokenizers through their vtables
 * (suite image/unit): image:adaptive on random images fed in random bands
 * against a naive pixel-level quadtree written here from doc/tokenizers.md; image:patch
 * and image:fixed on hand-computed geometries (halves rounding up, max=,
 * pad=crop, presets).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tokenizer.h"

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); \
    printf(__VA_ARGS__); printf("\n"); } } while (0)

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

/* Literal doc/tokenizers.md rule on pixels. */
static uint64_t naive(const uint8_t *img, uint32_t w, uint32_t h, uint32_t c,
                      uint32_t x0, uint32_t y0, uint32_t s, uint32_t p1, int thr)
{
    if (x0 >= w || y0 >= h) return 0;
    if (s <= p1) return 1;
    int range = 0;
    for (uint32_t k = 0; k < c; k++) {
        int mn = 255, mx = 0;
        for (uint32_t y = y0; y < y0 + s && y < h; y++)
            for (uint32_t x = x0; x < x0 + s && x < w; x++) {
                int v = img[((size_t)y * w + x) * c + k];
                if (v < mn) mn = v;
                if (v > mx) mx = v;
            }
        if (mx - mn > range) range = mx - mn;
    }
    if (range <= thr) return 1;
    uint32_t q = s / 2;
    return naive(img, w, h, c, x0, y0, q, p1, thr) + naive(img, w, h, c, x0 + q, y0, q, p1, thr) +
           naive(img, w, h, c, x0, y0 + q, q, p1, thr) + naive(img, w, h, c, x0 + q, y0 + q, q, p1, thr);
}

static int count_spec(const char *spec, const uint8_t *img, uint32_t w, uint32_t h, uint32_t c,
                      uint64_t *tokens)
{
    CimTokInstance ti;
    CimErr e = {0};
    if (cim_tok_instance_init(&ti, spec, &e) < 0) { printf("init %s: %s\n", spec, e.msg); return -1; }
    const CimTokenizer *t = ti.tok;
    CimGeometry g = {.modality = CIM_MOD_IMAGE, .width = w, .height = h, .channels = c};
    int rc = 0;
    if (t->count_geometry && !t->feed) {
        rc = t->count_geometry(ti.conf, &g, tokens, &e);
    } else {
        void *st = calloc(1, t->state_size);
        if (t->begin) rc = t->begin(ti.conf, st, &g, &e);
        /* Random band heights, and a stride wider than the row. */
        size_t stride = (size_t)w * c + rnd(5);
        uint8_t *band = malloc(stride * h);
        for (uint32_t y = 0; y < h && rc == 0;) {
            uint32_t n = 1 + rnd(h - y < 40 ? h - y : 40);
            for (uint32_t i = 0; i < n; i++)
                memcpy(band + i * stride, img + (size_t)(y + i) * w * c, (size_t)w * c);
            CimChunk k = {.kind = CIM_CHUNK_ROWS, .data = band, .stride = stride, .width = w,
                          .height = n, .y = y, .channels = c};
            rc = t->feed(ti.conf, st, &k, &e);
            y += n;
        }
        if (rc == 0) rc = t->finish(ti.conf, st, &g, tokens, &e);
        if (t->release) t->release(ti.conf, st);
        free(band);
        free(st);
    }
    if (rc < 0) printf("%s: %s\n", spec, e.msg);
    cim_tok_instance_free(&ti);
    return rc;
}

static void test_adaptive(void)
{
    static const struct { uint32_t p1, p2; int thr; } cfg[] = {
        {1, 1, 0}, {1, 8, 0}, {2, 16, 10}, {4, 16, 100}, {3, 24, 30}, {8, 8, 5}, {8, 64, 0}, {5, 80, 200}, {16, 32, 255},
    };
    for (int it = 0; it < 120; it++) {
        uint32_t w = 1 + rnd(it < 60 ? 40 : 150), h = 1 + rnd(it < 60 ? 40 : 150), c = 1 + rnd(4);
        uint8_t *img = malloc((size_t)w * h * c);
        int kind = rnd(3);   /* noise, smooth, blocks of flat colour */
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++)
                for (uint32_t k = 0; k < c; k++)
                    img[((size_t)y * w + x) * c + k] = kind == 0 ? (uint8_t)rnd(256)
                        : kind == 1 ? (uint8_t)(x + 2 * y + 40 * k)
                        : (uint8_t)(((x / 7) ^ (y / 5)) * 31 + k);
        for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
            char spec[96];
            snprintf(spec, sizeof spec, "image:adaptive:min=%u,max=%u,thr=%d", cfg[i].p1, cfg[i].p2, cfg[i].thr);
            uint64_t want = 0, got = 0;
            for (uint32_t y = 0; y < h; y += cfg[i].p2)
                for (uint32_t x = 0; x < w; x += cfg[i].p2)
                    want += naive(img, w, h, c, x, y, cfg[i].p2, cfg[i].p1, cfg[i].thr);
            CHECK(count_spec(spec, img, w, h, c, &got) == 0 && got == want,
                  "%s on %ux%ux%u (kind %d): got %llu, want %llu", spec, w, h, c, kind,
                  (unsigned long long)got, (unsigned long long)want);
        }
        free(img);
    }
    /* Fixed points: a flat image is one leaf per tile; thr=0 noise is all P1 cells. */
    uint8_t flat[100 * 70 * 3];
    memset(flat, 9, sizeof flat);
    uint64_t n = 0;
    count_spec("image:adaptive:min=8,max=32,thr=0", flat, 100, 70, 3, &n);
    CHECK(n == 4 * 3, "flat 100x70: %llu tiles, want 12", (unsigned long long)n);
    CimTokInstance ti;
    CimErr e = {0};
    CHECK(cim_tok_instance_init(&ti, "image:adaptive:min=8,max=24,thr=0", &e) < 0,
          "max not min·2^k must be refused");
}

static void test_patch(void)
{
    static const struct { const char *spec; uint32_t w, h; uint64_t want; } cases[] = {
        {"vit-b16", 640, 427, 196},
        {"chameleon", 3, 5000, 1024},
        {"cosmos-di8", 17, 9, 3 * 2},
        {"cosmos-di16", 2560, 1600, 160 * 100},
        {"titok-l32", 20000, 20000, 32},
        {"image:fixed:n=7", 1, 1, 7},
        /* short 427 → 224, long round(640·224/427 = 335.74) = 336: 21 × 14 */
        {"image:patch:p=16,resize=224", 640, 427, 21 * 14},
        /* 5x2, resize=3: long = 5·3/2 = 7.5 → 8 (halves up): ⌈8/2⌉·⌈3/2⌉ */
        {"image:patch:p=2,resize=3", 5, 2, 4 * 2},
        /* max=100 on 1000x3: 100 x round(0.3) → clamps to 1 */
        {"image:patch:p=7,max=100", 1000, 3, 15 * 1},
        /* max never upscales */
        {"image:patch:p=10,max=1000", 95, 41, 10 * 5},
        {"image:patch:p=10,max=1000,pad=crop", 95, 41, 9 * 4},
        /* square over the cap: both sides become the cap */
        {"image:patch:p=16,max=64", 300, 300, 16},
        {"image:patch:p=16,resize=333x100,pad=crop", 1, 1, 20 * 6},
        {"image:patch:16", 33, 33, 9},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t got = 0;
        CHECK(count_spec(cases[i].spec, NULL, cases[i].w, cases[i].h, 3, &got) == 0 && got == cases[i].want,
              "%s on %ux%u: got %llu, want %llu", cases[i].spec, cases[i].w, cases[i].h,
              (unsigned long long)got, (unsigned long long)cases[i].want);
    }
    CimTokInstance ti;
    CimErr e = {0};
    CHECK(cim_tok_instance_init(&ti, "image:patch:p=16,pad=round", &e) < 0, "pad=round must be refused");
    CHECK(cim_tok_instance_init(&ti, "image:patch:p=0", &e) < 0, "p=0 must be refused");
    if (cim_tok_instance_init(&ti, "image:patch:p=14,resize=224,max=300", &e) == 0) {
        CHECK(!strcmp(ti.spec, "image:patch:p=14,resize=224,max=300,pad=ceil"), "canonical spec %s", ti.spec);
        cim_tok_instance_free(&ti);
    } else
        CHECK(0, "init: %s", e.msg);
}

int main(void)
{
    test_patch();
    test_adaptive();
    printf("%s (%d failures)\n", failures ? "FAIL" : "ok", failures);
    return failures ? 1 : 0;
}
