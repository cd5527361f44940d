/*
 * test_tokvideo.c — unit tests of the video tokenizers' arithmetic (doc/tokenizers.md):
 * tubelet F' = ⌈F·f/r⌉ in exact rationals, causal slabs, resize and pad; RLT
 * tubelet boundaries, thresholds (S ≤ X·n keeps nothing), edge patches, size
 * changes, on synthetic luma frames.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tokenizer.h"

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); \
                              printf(__VA_ARGS__); printf("\n"); } } while (0)

static uint64_t tub(const char *spec, uint64_t frames, uint32_t w, uint32_t h, int64_t rn, int64_t rd)
{
    CimTokInstance ti;
    CimErr e = {0};
    if (cim_tok_instance_init(&ti, spec, &e) < 0) { printf("init %s: %s\n", spec, e.msg); failures++; return 0; }
    CimGeometry g = {.modality = CIM_MOD_VIDEO, .width = w, .height = h, .frames = frames,
                     .rate_num = rn, .rate_den = rd};
    uint64_t n = 0;
    if (ti.tok->count_geometry(ti.conf, &g, &n, &e) < 0) { printf("count %s: %s\n", spec, e.msg); failures++; }
    cim_tok_instance_free(&ti);
    return n;
}

/* Feeds frames (each w×h, value fn(frame, x, y)) to an rlt spec; returns tokens. */
static uint64_t rlt(const char *spec, int nframes, const uint32_t *ws, const uint32_t *hs,
                    uint8_t (*fn)(int, uint32_t, uint32_t))
{
    CimTokInstance ti;
    CimErr e = {0};
    if (cim_tok_instance_init(&ti, spec, &e) < 0) { printf("init %s: %s\n", spec, e.msg); failures++; return 0; }
    void *st = calloc(1, ti.tok->state_size);
    for (int f = 0; f < nframes; f++) {
        uint32_t w = ws[f], h = hs[f];
        size_t stride = w + 13;   /* a line stride wider than the frame, as decoders give */
        uint8_t *buf = malloc(stride * h);
        for (uint32_t y = 0; y < h; y++)
            for (size_t x = 0; x < stride; x++) buf[y * stride + x] = x < w ? fn(f, (uint32_t)x, y) : 0xEE;
        CimChunk c = {.kind = CIM_CHUNK_FRAME, .data = buf, .stride = stride, .width = w, .height = h,
                      .index = (uint64_t)f};
        if (ti.tok->feed(ti.conf, st, &c, &e) < 0) { printf("feed: %s\n", e.msg); failures++; }
        free(buf);
    }
    uint64_t n = 0;
    ti.tok->finish(ti.conf, st, NULL, &n, &e);
    ti.tok->release(ti.conf, st);
    free(st);
    cim_tok_instance_free(&ti);
    return n;
}

static uint8_t still(int f, uint32_t x, uint32_t y) { return (uint8_t)(x * 7 + y * 3); }
/* frame f: pixel (x,y) of the left half changes by f*4 */
static uint8_t lefthalf(int f, uint32_t x, uint32_t y) { return (uint8_t)(x < 16 ? 100 + 4 * f : 50); }
/* only the bottom-right partial patch (x>=32, y>=16) changes, by exactly 2 per frame */
static uint8_t corner(int f, uint32_t x, uint32_t y) { return (uint8_t)(x >= 32 && y >= 16 ? 10 + 2 * f : 10); }

int main(void)
{
    /* fixed grid: 1280x720, p=16 → 80x45 = 3600 per slab */
    CHECK(tub("vivit-2x16", 280, 1280, 720, 20, 1) == 140 * 3600, "vivit 280 frames");
    CHECK(tub("vivit-2x16", 281, 1280, 720, 20, 1) == 141 * 3600, "vivit odd frame count");
    CHECK(tub("cosmos-dv8x16x16", 1, 1280, 720, 20, 1) == 1 * 3600, "causal, one frame");
    CHECK(tub("cosmos-dv8x16x16", 9, 1280, 720, 20, 1) == 2 * 3600, "causal, 1+8 frames");
    CHECK(tub("cosmos-dv8x16x16", 10, 1280, 720, 20, 1) == 3 * 3600, "causal, 1+8+1 frames");
    CHECK(tub("video:tubelet:t=1,p=16,pad=crop", 1, 1281, 719, 1, 1) == 80 * 44, "pad=crop");
    CHECK(tub("video:tubelet:t=1,p=16", 1, 1281, 719, 1, 1) == 81 * 45, "pad=ceil");
    /* fps: 300 frames at 30000/1001 to 10 fps → ⌈300·10·1001/30000⌉ = ⌈100.1⌉ = 101 */
    CHECK(tub("video:tubelet:t=1,p=1000,fps=10", 300, 640, 480, 30000, 1001) == 101, "fps=10 from 29.97");
    /* 29.97 as text is exactly 2997/100 < 30000/1001? 2997·1001 = 2999997 < 3000000: yes, lowers */
    CHECK(tub("video:tubelet:t=1,p=1000,fps=29.97", 1000000, 640, 480, 30000, 1001) == 999999, "fps=29.97 vs 30000/1001");
    CHECK(tub("video:tubelet:t=1,p=1000,fps=30000/1001", 1001, 640, 480, 30000, 1001) == 1001, "fps equal: unchanged");
    CHECK(tub("video:tubelet:t=1,p=1000,fps=60", 77, 640, 480, 25, 1) == 77, "fps above native: unchanged");
    CHECK(tub("video:tubelet:t=2,p=16,fps=12.5", 250, 640, 480, 25, 1) == 63 * 40 * 30, "fps=12.5, t=2");
    /* resize: shorter side 224 → 398x224 (round(640·224/360) = 398.2 → 398) */
    CHECK(tub("video:tubelet:t=1,p=14,resize=224", 1, 640, 360, 25, 1) == 29 * 16, "resize=224");
    CHECK(tub("video:tubelet:t=1,p=16,max=320", 1, 1920, 1080, 25, 1) == 20 * 12, "max=320 → 320x180");
    CHECK(tub("vivit-2x16", 0, 1280, 720, 20, 1) == 0, "no frames");

    /* RLT: 40x20 frames, p=16 → 3x2 patches; edge patches 8 wide / 4 high */
    uint32_t w6[6] = {40, 40, 40, 40, 40, 40}, h6[6] = {20, 20, 20, 20, 20, 20};
    CHECK(rlt("video:rlt:t=2,p=16,thr=0", 6, w6, h6, still) == 6, "still video: first tubelet only");
    CHECK(rlt("video:rlt:t=1,p=16,thr=0", 6, w6, h6, lefthalf) == 6 + 5 * 2, "left half moves: 2 patches per frame");
    /* t=2: tubelets {0,1},{2,3},{4,5}: compare frames 2 vs 0 and 4 vs 2: diff 8 per pixel */
    CHECK(rlt("video:rlt:t=2,p=16,thr=7.99", 6, w6, h6, lefthalf) == 6 + 2 * 2, "t=2 compares first frames");
    CHECK(rlt("video:rlt:t=2,p=16,thr=8", 6, w6, h6, lefthalf) == 6, "S == X·n is dropped");
    /* corner patch (8x4 = 32 px) changes by 2: S = 64; thr=2 → dropped, thr=1.999 → kept */
    CHECK(rlt("video:rlt:t=1,p=16,thr=2", 3, w6, h6, corner) == 6, "edge patch n = in-image pixels");
    CHECK(rlt("video:rlt:t=1,p=16,thr=1.999", 3, w6, h6, corner) == 6 + 2, "edge patch kept");
    /* last short tubelet: 5 frames, t=2 → tubelets {0,1},{2,3},{4} */
    CHECK(rlt("video:rlt:t=2,p=16,thr=0", 5, w6, h6, lefthalf) == 6 + 2 * 2, "short last tubelet");
    /* size change: the tubelet keeps every patch */
    uint32_t w3[3] = {40, 48, 48}, h3[3] = {20, 20, 20};
    CHECK(rlt("video:rlt:t=1,p=16,thr=0", 3, w3, h3, still) == 6 + 6 + 0, "size change keeps all patches");

    CimTokInstance ti;
    CimErr e = {0};
    CHECK(cim_tok_instance_init(&ti, "video:tubelet:t=2,p=16,fps=0", &e) < 0, "fps=0 refused");
    CHECK(cim_tok_instance_init(&ti, "video:rlt:thr=-1", &e) < 0, "negative thr refused");
    CHECK(cim_tok_instance_init(&ti, "video:tubelet:t=2,p=16,pad=round", &e) < 0, "bad pad refused");
    if (cim_tok_instance_init(&ti, "cosmos-dv4x8x8", &e) == 0) {
        CHECK(!strcmp(ti.spec, "video:tubelet:t=4,p=8,fps=native,resize=native,causal"), "canonical spec %s", ti.spec);
        cim_tok_instance_free(&ti);
    } else CHECK(0, "preset: %s", e.msg);
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
