/*
 * mp3_count.h — the exact sample count of an MP3 file without decoding (the
 * header fast path of snd.c).
 */
#ifndef CIM_MP3_COUNT_H
#define CIM_MP3_COUNT_H
#include <stdint.h>
#include <stdio.h>

/* Checks that f (size bytes, at path) is one clean chain of MPEG Layer III
 * frames whose first frame's tag (or its absence) tells what libmpg123
 * delivers, then asks libmpg123, set up as libsndfile sets it up, for the
 * length libsndfile stops at. Returns 1 with the samples per channel, rate
 * and channel count; 0 when the file is anything this does not cover (then
 * the caller decodes). */
int cim_mp3_count(FILE *f, const char *path, uint64_t size, uint64_t *samples, uint32_t *rate,
                  uint32_t *channels);

#endif
