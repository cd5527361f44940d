/* test_geometry.c — doc/tokenizers.md geometry rules, worked by hand. */
#include "check.h"
#include "tokenizer.h"

static void check(const char *resize, uint32_t max, uint32_t w, uint32_t h, uint32_t ew, uint32_t eh)
{
    CimResize r;
    CimErr e;
    uint32_t ow, oh;
    EXPECT(cim_resize_parse(resize, &r, &e) == 0);
    r.max = max;
    cim_resize_apply(&r, w, h, &ow, &oh);
    if (ow != ew || oh != eh) {
        fprintf(stderr, "resize=%s max=%u %ux%u -> %ux%u, expected %ux%u\n", resize, max, w, h, ow, oh, ew, eh);
        cim_test_failures++;
    }
}

int main(void)
{
    check("native", 0, 640, 480, 640, 480);
    check("224", 0, 640, 480, 299, 224);      /* 640*224/480 = 298.67 -> 299 */
    check("224", 0, 480, 640, 224, 299);
    check("224", 0, 300, 200, 336, 224);      /* 336 exactly */
    check("3", 0, 5, 2, 8, 3);                /* 7.5 -> 8: halves round up */
    check("224x224", 0, 1000, 10, 224, 224);
    check("native", 1024, 2048, 1000, 1024, 500);
    check("native", 1024, 1000, 700, 1000, 700);  /* never upscales */
    check("native", 100, 10000, 1, 100, 1);       /* never below 1 */
    check("native", 3, 5, 1, 3, 1);               /* 0.6 -> 1 */
    EXPECT_EQ_U(cim_grid(224, 16, 0), 14);
    EXPECT_EQ_U(cim_grid(225, 16, 0), 15);
    EXPECT_EQ_U(cim_grid(225, 16, 1), 14);
    CimResize r;
    CimErr e;
    EXPECT(cim_resize_parse("0", &r, &e) == CIM_ERR_USAGE);
    EXPECT(cim_resize_parse("12x", &r, &e) == CIM_ERR_USAGE);
    EXPECT(cim_resize_parse("abc", &r, &e) == CIM_ERR_USAGE);
    TEST_DONE();
}
