/*
 * ogg_count.h — the exact sample count of an Ogg Vorbis or Ogg Opus file
 * without decoding a sample (the header fast path of snd.c).
 */
#ifndef CIM_OGG_COUNT_H
#define CIM_OGG_COUNT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Reads the whole file f (size bytes) page by page and replays what
 * libsndfile 1.2 does when it decodes it, packet by packet but without
 * synthesis. Returns 1 with the samples per channel, rate and channel count
 * that decoding delivers; 0 when the file is anything the replay does not
 * cover (then the caller decodes). */
int cim_ogg_count(FILE *f, uint64_t size, uint64_t *samples, uint32_t *rate, uint32_t *channels);

/* Whether b (the first n bytes of a file) opens with one Ogg Vorbis or Opus
 * stream alone: CRC-valid pages one after the other from the start, all of
 * the first page's stream (no second beginning-of-stream page), holding its
 * header packets and then its first audio packet. A demuxer reading the
 * headers sees that stream and nothing else. 0 without libogg. */
int cim_ogg_audio_prefix(const uint8_t *b, size_t n);

#endif
