/* counter_loop.c — scripts/bench-python.sh's C baseline: cim_counter_count over the same
 * 1 KB strings the Python side counts. Prints the total tokens and the seconds spent in
 * the calls. usage: counter_loop SPEC FILE CHUNK REPS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cimeter.h"

int main(int argc, char **argv)
{
    if (argc != 5) { fprintf(stderr, "usage: counter_loop SPEC FILE CHUNK REPS\n"); return 2; }
    size_t chunk = strtoul(argv[3], NULL, 10);
    int reps = atoi(argv[4]);
    FILE *f = fopen(argv[2], "rb");
    if (!f) { perror(argv[2]); return 2; }
    static char buf[1 << 24];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    CimCounter *c;
    CimErr e = {0};
    if (cim_counter_create(&c, argv[1], NULL, &e) < 0) { fprintf(stderr, "%s\n", e.msg); return 1; }
    unsigned long long tokens = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < reps; r++)
        for (size_t off = 0; off + chunk <= len; off += chunk) {
            CimCount n;
            if (cim_counter_count(c, buf + off, chunk, CIM_MOD_NONE, &n, &e) < 0) {
                fprintf(stderr, "%s\n", e.msg);
                return 1;
            }
            tokens += n.tokens;
        }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%llu %.6f\n", tokens, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    cim_counter_free(c);
    return 0;
}
