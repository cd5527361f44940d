/* standalone_main.c — run a fuzz target over files without libFuzzer (libvips'
 * StandaloneFuzzTargetMain): the seeds and past crashers become plain tests. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) { perror(argv[i]); return 2; }
        size_t cap = 1 << 20, n = 0, got;
        uint8_t *buf = malloc(cap);
        while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
            n += got;
            if (n == cap) { uint8_t *nb = realloc(buf, cap *= 2); if (!nb) { free(buf); buf = NULL; } else buf = nb; }
        }
        fclose(f);
        if (!buf) return 2;
        LLVMFuzzerTestOneInput(buf, n);
        free(buf);
    }
    printf("%d input(s) ran\n", argc - 1);
    return 0;
}
