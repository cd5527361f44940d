/*
 * mp3_count.h — the exact sample count of an MP3 file without decoding (the
 * header fast path of snd.c).
 */
#ifndef CIM_MP3_COUNT_H
#define CIM_MP3_COUNT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Checks that f (size bytes) is one clean chain of MPEG Layer III
 * frames whose first frame's tag (or its absence) tells what libmpg123
 * delivers, then asks libmpg123, set up as libsndfile sets it up, for the
 * length libsndfile stops at. Returns 1 with the samples per channel, rate
 * and channel count; 0 when the file is anything this does not cover (then
 * the caller decodes). */
int cim_mp3_count(FILE *f, uint64_t size, uint64_t *samples, uint32_t *rate, uint32_t *channels);

/* Whether b (the first n bytes of a file) is an MP3 elementary stream: after
 * an optional ID3v2 tag, at least 4 MPEG Layer III frames of one version,
 * rate and channel mode back to back up to the end of b (or to an ID3v1 tag
 * in its last 128 bytes). Needs no library. */
int cim_mp3_stream_prefix(const uint8_t *b, size_t n);

#endif
