/*
 * hf_bpe.h — what the tokenizer.json front-end (hf.c) and its ByteLevel stages share
 * beyond hf.h: the ByteLevel alphabet, and BPE words kept as raw bytes.
 *
 * The library's ByteLevel pre-tokenizer maps every byte of a word to one printable code
 * point (GPT-2's bytes_to_unicode) and the BPE vocabulary is written in those code
 * points. cimeter maps the vocabulary back to bytes once, at load, instead: a word stays
 * the bytes of the text and a byte is a symbol, which is the same BPE (one code point per
 * byte) without rewriting every word.
 */
#ifndef CIM_HF_BPE_H
#define CIM_HF_BPE_H
#include <stddef.h>
#include <stdint.h>

/* The code point ByteLevel writes for byte b. */
uint32_t cim_hf_byte_char(uint8_t b);

/* Switches a built BPE model (its self) to words of raw bytes: every vocabulary entry and
 * the continuing-subword prefix and end-of-word suffix are decoded through the ByteLevel
 * alphabet (an entry with another code point can never match a ByteLevel word and is
 * dropped). -1 with a message when the model cannot take such words. */
int cim_hf_bpe_byte_level(void *self, char *err, size_t errn);

/* Long words that are not ByteLevel words (Gemma 3's whole text is one): a merge makes a
 * token, so no merge joins two adjacent characters that are each a token when no token
 * holds that pair of characters; the word's count is then the sum of its pieces cut
 * there, and the pieces repeat (a memo counts each once). Builds the table of pairs
 * (0), or returns 1 when the model is not such (ByteLevel words, prefix or suffix,
 * ignore_merges: the whole word would be one token), -1 if out of memory. */
int    cim_hf_bpe_cuts_init(void *self);
/* The first such cut after w[i], or n. */
size_t cim_hf_bpe_next_cut(const void *self, const char *w, size_t i, size_t n);
/* Whether character ch[0..len) is a wall of a model that cim_hf_bpe_cuts_init built (0):
 * a token whose id is neither part of any merge. Such a character is one symbol that never
 * merges, so no merge crosses either side of it: a word's count is the sum of its pieces
 * cut just before or just after it. */
int    cim_hf_bpe_lone(const void *self, const char *ch, size_t len);

#endif
