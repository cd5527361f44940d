/*
 * sf_decode_audio.c — the decode-only peer for scripts/bench-audio.sh: opens
 * each file with libsndfile and reads it to the end with sf_readf_short() in
 * blocks of 4096 frames (what cimeter's decoder does), counting samples per
 * channel and nothing else. Prints "files N raw_bytes".
 *   cc -O2 sf_decode_audio.c $(pkg-config --cflags --libs sndfile)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sndfile.h>

int main(int argc, char **argv)
{
    uint64_t files = 0, raw = 0;
    short *buf = NULL;
    size_t cap = 0;
    for (int i = 1; i < argc; i++) {
        SF_INFO info = {0};
        SNDFILE *sf = sf_open(argv[i], SFM_READ, &info);
        if (!sf) { fprintf(stderr, "%s: %s\n", argv[i], sf_strerror(NULL)); continue; }
        size_t need = 4096u * (size_t)info.channels;
        if (need > cap) { free(buf); buf = malloc(need * sizeof *buf); cap = need; }
        uint64_t n = 0;
        sf_count_t got;
        while ((got = sf_readf_short(sf, buf, 4096)) > 0) n += (uint64_t)got;
        raw += n * (uint64_t)info.channels * 2;
        files++;
        sf_close(sf);
    }
    free(buf);
    printf("files %llu raw_bytes %llu\n", (unsigned long long)files, (unsigned long long)raw);
    return 0;
}
