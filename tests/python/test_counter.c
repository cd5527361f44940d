/* python-counter-c: cim_counter_* (src/cimeter.h) against hand-worked counts and
 * against a run of the library over the same bytes written to a file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cimeter.h"
#include "../core/check.h"

/* The aggregate "tokens" and "raw_bytes" of a one-file run, read from its JSON
 * with a plain text search (the JSON is cimeter's own, one field per line). */
static int run_one(const char *spec, const char *path, unsigned long long *tokens,
                   unsigned long long *raw)
{
    CimMeasureParams p = cim_measure_default_params();
    const char *specs[] = {spec};
    p.specs = specs;
    p.nspecs = 1;
    p.threads = 1;
    CimRun *run;
    CimErr e = {0};
    if (cim_run_create(&run, &p, &e) < 0) return -1;
    char out[] = "/tmp/cim-counter-test-XXXXXX";
    int fd = mkstemp(out);
    if (fd < 0) { cim_run_free(run); return -1; }
    int rc = cim_run_add_path(run, path, &e);
    if (!rc) rc = cim_run_measure(run, &e);
    if (!rc) rc = cim_run_write_json(run, out, 0, &e);
    cim_run_free(run);
    FILE *f = fopen(out, "r");
    char *buf = calloc(1, 1 << 20);
    size_t n = f && buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    if (f) fclose(f);
    remove(out);
    const char *agg = n ? strstr(buf, "\"aggregates\"") : NULL;
    const char *t = agg ? strstr(agg, "\"tokens\":") : NULL;
    const char *r = agg ? strstr(agg, "\"raw_bytes\":") : NULL;
    if (rc < 0 || !t || !r) { free(buf); return -1; }
    *tokens = strtoull(t + strlen("\"tokens\":"), NULL, 10);
    *raw = strtoull(r + strlen("\"raw_bytes\":"), NULL, 10);
    free(buf);
    return 0;
}

int main(void)
{
    CimCounter *c;
    CimErr e = {0};
    CimCount n;
    EXPECT(cim_counter_create(&c, "text:bytes", NULL, &e) == 0);
    EXPECT(!strcmp(cim_counter_spec(c), "text:bytes"));
    EXPECT(cim_counter_count(c, "hello world\n", 12, CIM_MOD_NONE, &n, &e) == 0);
    EXPECT(n.modality == CIM_MOD_TEXT);
    EXPECT_EQ_U(n.tokens, 12);
    EXPECT_EQ_U(n.raw_bytes, 12);
    EXPECT_EQ_U(n.file_bytes, 12);
    /* "é" is two bytes, one char: chars counts it once. */
    CimCounter *chars;
    EXPECT(cim_counter_create(&chars, "text:chars", NULL, &e) == 0);
    EXPECT(cim_counter_count(chars, "caf\xc3\xa9", 5, CIM_MOD_TEXT, &n, &e) == 0);
    EXPECT_EQ_U(n.tokens, 4);
    EXPECT_EQ_U(n.raw_bytes, 5);
    /* Bad input: clear errors, never a count. */
    EXPECT(cim_counter_count(c, "", 0, CIM_MOD_NONE, &n, &e) == CIM_ERR_EMPTY);
    EXPECT(cim_counter_count(c, "hello", 5, CIM_MOD_IMAGE, &n, &e) == CIM_ERR_UNSUPPORTED);
    static const unsigned char png_sig[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0};
    CimCounter *img;
    EXPECT(cim_counter_create(&img, "image:patch:p=16", NULL, &e) == 0);
    int rc = cim_counter_count(img, png_sig, sizeof png_sig, CIM_MOD_NONE, &n, &e);
    EXPECT(rc == CIM_ERR_CORRUPT || rc == CIM_ERR_TRUNCATED);
    EXPECT(n.tokens == 0 && n.modality == CIM_MOD_NONE);
    EXPECT(cim_counter_count(c, png_sig, sizeof png_sig, CIM_MOD_NONE, &n, &e) < 0);
    CimCounter *bad = NULL;
    EXPECT(cim_counter_create(&bad, "text:nosuch", NULL, &e) == CIM_ERR_USAGE && !bad);
    /* The same bytes as a file, measured by a run: the same figures. */
    const char *sample = getenv("CIM_SAMPLE");
    const char *files[] = {"text/kjv-genesis.txt", "image/camera.png", "image/rocket.jpg"};
    const char *specs[] = {"text:chars", "image:patch:p=16", "vit-b16"};
    for (size_t i = 0; sample && i < 3; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", sample, files[i]);
        FILE *f = fopen(path, "rb");
        EXPECT(f != NULL);
        if (!f) continue;
        size_t cap = 1 << 24;
        char *buf = malloc(cap);
        size_t len = fread(buf, 1, cap, f);
        fclose(f);
        CimCounter *k;
        EXPECT(cim_counter_create(&k, specs[i], NULL, &e) == 0);
        EXPECT(cim_counter_count(k, buf, len, CIM_MOD_NONE, &n, &e) == 0);
        unsigned long long tokens = 0, raw = 0;
        EXPECT(run_one(specs[i], path, &tokens, &raw) == 0);
        EXPECT_EQ_U(n.tokens, tokens);
        EXPECT_EQ_U(n.raw_bytes, raw);
        /* Counting twice gives the same: nothing carries over between calls. */
        EXPECT(cim_counter_count(k, buf, len, CIM_MOD_NONE, &n, &e) == 0);
        EXPECT_EQ_U(n.tokens, tokens);
        cim_counter_free(k);
        free(buf);
    }
    cim_counter_free(c);
    cim_counter_free(chars);
    cim_counter_free(img);
    cim_counter_free(NULL);
    TEST_DONE();
}
