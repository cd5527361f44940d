/* test_walk.c — sorted walk, hidden files, symlink loops, duplicate links, FIFOs. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "corpus/walk.h"

static void touch(const char *p) { FILE *f = fopen(p, "w"); if (f) { fputs("x\n", f); fclose(f); } }

int main(void)
{
    char dir[] = "/tmp/cim-walk-XXXXXX", p[512];
    if (!mkdtemp(dir)) return 1;
    snprintf(p, sizeof p, "%s/b", dir); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/b/z.txt", dir); touch(p);
    snprintf(p, sizeof p, "%s/a.txt", dir); touch(p);
    snprintf(p, sizeof p, "%s/.hidden", dir); touch(p);
    snprintf(p, sizeof p, "%s/b/loop", dir); symlink("..", p);            /* loop to an ancestor */
    snprintf(p, sizeof p, "%s/c-link.txt", dir); symlink("a.txt", p);     /* same file twice */
    snprintf(p, sizeof p, "%s/fifo", dir); mkfifo(p, 0644);
    snprintf(p, sizeof p, "%s/dangling", dir); symlink("nowhere", p);

    CimWalkList l = {0};
    CimErr e;
    EXPECT(cim_walk_add(&l, dir, 0, &e) == 0);
    cim_walk_finish(&l);
    const char *expect[] = {"a.txt", "b/loop", "b/z.txt", "dangling", "fifo"};
    EXPECT_EQ_U(l.n, 5);
    for (size_t i = 0; i < l.n && i < 5; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, expect[i]);
        if (strcmp(l.v[i].path, p)) { fprintf(stderr, "entry %zu: %s, expected %s\n", i, l.v[i].path, p); cim_test_failures++; }
    }
    if (l.n == 5) {
        EXPECT(l.v[0].err == 0);
        EXPECT(l.v[1].err != 0 && strstr(l.v[1].errmsg, "loop"));
        EXPECT(l.v[2].err == 0);
        EXPECT(l.v[3].err != 0);
        EXPECT(l.v[4].err == CIM_ERR_UNSUPPORTED);
    }
    cim_walk_free(&l);
    EXPECT(cim_walk_add(&l, dir, 1, &e) == 0);   /* hidden included */
    cim_walk_finish(&l);
    EXPECT_EQ_U(l.n, 6);
    cim_walk_free(&l);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) return 1;
    TEST_DONE();
}
