/*
 * hf_stage.c — runs one stage of a tokenizer.json on test strings, for hf_stage_ref.mjs to
 * check against the Rust tokenizers library's own stage (normalizeString,
 * preTokenizeString, or the model's encode of one word).
 *
 *   hf_stage normalizer|pretok|model TOKENIZER.json < STRINGS.jsonl > OUT.jsonl
 *
 * STRINGS.jsonl holds one JSON string per line. Each output line is a JSON value: the
 * normalized string, the list of words, or the token count of the string as one word.
 *
 *   hf_stage normalizer-time TOKENIZER.json < TEXT
 *
 * normalizes TEXT (valid UTF-8) in pieces of about 64 KiB cut after a '\n' and prints
 * the CPU seconds the normalizer took (for scripts/bench-hf-normalize.sh).
 */
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "hf.h"

static void print_string(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    char *text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    if (!text) {
        fprintf(stderr, "hf_stage: cannot write a result\n");
        exit(1);
    }
    puts(text);
    free(text);
    json_decref(j);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: hf_stage normalizer|pretok|model TOKENIZER.json < STRINGS.jsonl\n");
        return 2;
    }
    const char *stage = argv[1];
    json_error_t jerr;
    char err[256] = "";
    CimHfJson *doc = NULL;
    json_t *tok = cim_hf_json_load(argv[2], &doc, err, sizeof err);
    if (!tok) {
        fprintf(stderr, "hf_stage: %s: %s\n", argv[2], err);
        return 1;
    }
    CimHfNormalizer norm = {0};
    CimHfPretok pre = {0};
    CimHfModel model = {0};
    int rc;
    if (!strcmp(stage, "normalizer-time")) {
        rc = cim_hf_normalizer_build(&norm, json_object_get(tok, "normalizer"), err, sizeof err);
        if (rc < 0 || !norm.ops) {
            fprintf(stderr, "hf_stage: %s: %s\n", argv[2], rc < 0 ? err : "no normalizer");
            return 1;
        }
        CimSpBuf text = {0}, out = {0};
        char chunk[1 << 16];
        size_t got;
        while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
            if (cim_sp_buf_reserve(&text, got) < 0) return 1;
            memcpy(text.p + text.len, chunk, got);
            text.len += got;
        }
        struct timespec t0, t1;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
        size_t bytes = 0;
        for (size_t at = 0; at < text.len;) {
            size_t end = at + (1 << 16) < text.len ? at + (1 << 16) : text.len;
            while (end < text.len && text.p[end - 1] != '\n') end++;
            out.len = 0;
            if (norm.ops->apply(norm.self, text.p + at, end - at, &out) < 0) return 1;
            bytes += out.len;
            at = end;
        }
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
        printf("%.6f %zu\n", (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec),
               bytes);
        free(text.p);
        free(out.p);
        cim_hf_normalizer_drop(&norm);
        json_decref(tok);
        cim_hf_json_free(doc);
        return 0;
    }
    if (!strcmp(stage, "normalizer"))
        rc = cim_hf_normalizer_build(&norm, json_object_get(tok, "normalizer"), err, sizeof err);
    else if (!strcmp(stage, "pretok"))
        rc = cim_hf_pretok_build(&pre, json_object_get(tok, "pre_tokenizer"), err, sizeof err);
    else if (!strcmp(stage, "model"))
        rc = cim_hf_model_build(&model, json_object_get(tok, "model"), cim_hf_json_lists(doc), err,
                                sizeof err);
    else {
        fprintf(stderr, "hf_stage: unknown stage %s\n", stage);
        return 2;
    }
    if (rc < 0) {
        fprintf(stderr, "hf_stage: %s: %s\n", argv[2], err);
        return 1;
    }
    CimSpBuf out = {0}, scratch = {0};
    CimHfWords in = {0}, words = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, stdin)) > 0) {
        json_t *j = json_loadb(line, (size_t)got, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        if (!json_is_string(j)) {
            fprintf(stderr, "hf_stage: a line is not a JSON string: %s\n", jerr.text);
            return 1;
        }
        const char *s = json_string_value(j);
        size_t n = json_string_length(j);
        if (!strcmp(stage, "normalizer")) {
            out.len = 0;
            if (norm.ops) {
                if (norm.ops->apply(norm.self, s, n, &out) < 0) return 1;
                print_string(out.p ? out.p : "", out.len);
            } else {
                print_string(s, n);
            }
        } else if (!strcmp(stage, "pretok")) {
            cim_hf_words_clear(&in);
            cim_hf_words_clear(&words);
            if (cim_hf_words_push(&in, s, n) < 0) return 1;
            const CimHfWords *res = &in;
            if (pre.ops) {
                if (pre.ops->split(pre.self, &in, &words) < 0) return 1;
                res = &words;
            }
            fputs("[", stdout);
            for (size_t k = 0; k < res->n; k++) {
                size_t a = k ? res->end[k - 1] : 0;
                json_t *w = json_stringn(res->text.p + a, res->end[k] - a);
                char *text = json_dumps(w, JSON_ENCODE_ANY);
                printf("%s%s", k ? "," : "", text);
                free(text);
                json_decref(w);
            }
            puts("]");
        } else {
            int64_t c = model.ops->count(model.self, &scratch, s, n);
            if (c < 0) return 1;
            printf("%lld\n", (long long)c);
        }
        json_decref(j);
    }
    free(line);
    free(out.p);
    free(scratch.p);
    cim_hf_words_free(&in);
    cim_hf_words_free(&words);
    cim_hf_normalizer_drop(&norm);
    cim_hf_pretok_drop(&pre);
    cim_hf_model_drop(&model);
    json_decref(tok);
    cim_hf_json_free(doc);
    return 0;
}
