/* test_api.c — the public merge, record hand-over, compare and report calls
 * (cimeter.h) from C, checked against a single run over the same files: shards
 * merged or handed over must write its very bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../core/check.h"
#include "cimeter.h"

static char dir[] = "/tmp/cim-api-XXXXXX";

static void write_text(const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/corpus/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    (void)n;
    fclose(f);
    return buf;
}

static int same_file(const char *a, const char *b)
{
    char *x = slurp(a);
    char *y = slurp(b);
    int same = x && y && !strcmp(x, y) && x[0];
    free(x);
    free(y);
    return same;
}

/* A measured run of the corpus: shard I of N (N = 1: everything). */
static CimRun *measure(int shard, int nshards)
{
    const char *specs[] = {"text:bytes"};
    CimMeasureParams p = cim_measure_default_params();
    p.specs = specs;
    p.nspecs = 1;
    p.threads = 2;
    CimRun *run = NULL;
    CimErr e = {0};
    char corpus[512];
    snprintf(corpus, sizeof corpus, "%s/corpus", dir);
    if (cim_run_create(&run, &p, &e) < 0)
        return NULL;
    cim_run_set_shard(run, shard, nshards);
    if (cim_run_add_path(run, corpus, &e) < 0 || cim_run_measure(run, &e) < 0) {
        fprintf(stderr, "measure: %s\n", e.msg);
        cim_run_free(run);
        return NULL;
    }
    return run;
}

static void write_run(CimRun *run, const char *name, char *path, size_t n)
{
    CimErr e = {0};
    snprintf(path, n, "%s/%s", dir, name);
    EXPECT(run && cim_run_write_json(run, path, 1, &e) == 0);
}

static void test_merge_and_hand_over(const char *whole)
{
    char s0[512], s1[512], merged[512], handed[512];
    CimRun *a = measure(0, 2);
    CimRun *b = measure(1, 2);
    write_run(a, "s0.json", s0, sizeof s0);
    write_run(b, "s1.json", s1, sizeof s1);
    EXPECT(a && b && cim_run_file_count(a) == 2 && cim_run_file_count(b) == 2);

    const char *shards[] = {s1, s0};
    CimRun *m = NULL;
    CimErr e = {0};
    EXPECT(cim_run_merge(&m, shards, 2, &e) == 0);
    write_run(m, "merged.json", merged, sizeof merged);
    EXPECT(same_file(whole, merged));
    cim_run_free(m);

    const char *twice[] = {s0, s0};
    EXPECT(cim_run_merge(&m, twice, 2, &e) == CIM_ERR_USAGE);
    EXPECT(strstr(e.msg, "more than one shard") != NULL);

    char *buf = NULL;
    size_t len = 0;
    EXPECT(b && cim_run_export_records(b, &buf, &len, &e) == 0 && len > 0);
    EXPECT(buf && memchr(buf, '\n', len) != NULL);
    EXPECT(a && cim_run_adopt_records(a, buf, len, &e) == 0);
    write_run(a, "handed.json", handed, sizeof handed);
    EXPECT(same_file(whole, handed));
    EXPECT(a && cim_run_adopt_records(a, buf, len, &e) == CIM_ERR_USAGE);
    free(buf);
    cim_run_free(a);
    cim_run_free(b);
}

static void test_compare(const char *whole)
{
    char out[512];
    snprintf(out, sizeof out, "%s/compare.txt", dir);
    FILE *f = fopen(out, "w");
    CimCompare c = {.baseline = whole, .current = whole, .tolerance = 0};
    CimErr e = {0};
    EXPECT(f && cim_compare(&c, f, &e) == 0);
    EXPECT(c.compared == 1 && c.failed == 0);
    if (f)
        fclose(f);
    char *text = slurp(out);
    EXPECT(text && !strncmp(text, "ok      text text:bytes: C ", 27));
    free(text);

    c.current = out;   /* not a measure result */
    EXPECT(cim_compare(&c, stdout, &e) == CIM_ERR_CORRUPT);
    EXPECT(strstr(e.msg, out) != NULL);
}

static void test_report(const char *whole)
{
    const char *help = NULL;
    size_t n = 0;
    for (const char *name; (name = cim_report_format(n, &help)); n++)
        EXPECT(name[0] && help && help[0]);
    EXPECT(n >= 3);
    EXPECT(!strcmp(cim_report_format(0, NULL), "md"));
    EXPECT(cim_report_format_known("md") && cim_report_format_known("tex"));
    EXPECT(!cim_report_format_known("doc") && !cim_report_format_known(NULL));

    char md[512];
    snprintf(md, sizeof md, "%s/table.md", dir);
    CimErr e = {0};
    EXPECT(cim_report_write(&whole, 1, NULL, NULL, NULL, md, &e) == 0);
    char *text = slurp(md);
    EXPECT(text && strstr(text, "| text ") && strstr(text, "text:bytes"));
    free(text);

    char csv[512];
    snprintf(csv, sizeof csv, "%s/table.out", dir);
    EXPECT(cim_report_write(&whole, 1, NULL, NULL, "csv", csv, &e) == 0);
    text = slurp(csv);
    EXPECT(text && strstr(text, "text:bytes"));
    free(text);

    EXPECT(cim_report_write(&whole, 1, NULL, NULL, "doc", csv, &e) == CIM_ERR_USAGE);
    EXPECT(cim_report_write(&whole, 1, NULL, NULL, NULL, "/nonexistent/x.md", &e) == CIM_ERR_IO);
    const char *missing = "/nonexistent/x.json";
    EXPECT(cim_report_write(&missing, 1, NULL, NULL, "md", md, &e) == CIM_ERR_CORRUPT);
}

int main(void)
{
    char p[512];
    if (!mkdtemp(dir))
        return 1;
    snprintf(p, sizeof p, "%s/corpus", dir);
    mkdir(p, 0755);
    write_text("a.txt", "one\n");
    write_text("b.txt", "two words\n");
    write_text("c.txt", "three words here\n");
    write_text("d.txt", "four words here now\n");

    char whole[512];
    CimRun *run = measure(0, 1);
    write_run(run, "whole.json", whole, sizeof whole);
    EXPECT(run && cim_run_file_count(run) == 4);
    cim_run_free(run);

    test_merge_and_hand_over(whole);
    test_compare(whole);
    test_report(whole);

    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    TEST_DONE();
}
