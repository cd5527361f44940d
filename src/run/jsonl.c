/*
 * jsonl.c — JSON Lines measured as documents (--json-field NAME).
 *
 * A text file whose first non-blank line is a JSON object is a set of
 * documents: each line's field value (a JSON string, unescaped to UTF-8 by
 * jansson, surrogate pairs joined; a lone surrogate is invalid JSON) is
 * measured as a text file with exactly that content would be, and the file's
 * record sums the documents. A document is handed to the tokenizers as the
 * text decoder hands a small file (one chunk, the last); one over
 * CIM_TEXT_DOC_WHOLE bytes goes through the text decoder itself (fmemopen), so
 * its long-line rule applies exactly as it would to the file. An empty document
 * counts as a document of 0 bytes and 0 tokens (a file would be an `empty`
 * error; one empty string does not make a corpus an error). Blank lines are
 * skipped; any other line that is not a JSON object holding the field as a
 * string makes the file an error that names the line.
 *
 * Memory: one line at a time (getline), at most CIM_JSONL_MAX_LINE bytes.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "common/utf8.h"
#include "run/worker.h"

#define CIM_TEXT_DOC_WHOLE (1u << 20)       /* the text decoder's read size: one chunk below */
#define CIM_JSONL_MAX_LINE (256ull << 20)

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return 0;
    return 1;
}

int cim__looks_jsonl(const uint8_t *buf, size_t n, int whole)
{
    size_t i = 0;
    while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n')) i++;
    if (i == n || buf[i] != '{') return 0;
    const uint8_t *nl = memchr(buf + i, '\n', n - i);
    if (!nl && !whole) return 1;   /* a first line longer than the probe: its parse will tell */
    size_t len = nl ? (size_t)(nl - buf) - i : n - i;
    json_t *o = json_loadb((const char *)buf + i, len, JSON_ALLOW_NUL, NULL);
    int yes = json_is_object(o);
    json_decref(o);
    return yes;
}

/* The value at a dotted path ("meta.content") of an object, or NULL. */
static json_t *field(json_t *o, const char *path)
{
    char key[256];
    while (o && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof key || !json_is_object(o)) return NULL;
        memcpy(key, path, n);
        key[n] = 0;
        o = json_object_get(o, key);
        path = dot ? dot + 1 : path + n;
    }
    return o;
}

/* One document into tokens[] (added), as a text file with its content. */
static int measure_doc(Worker *w, const CimDecoder *text, const char *doc, size_t len,
                       uint64_t *tokens, CimErr *e)
{
    CimRun *run = w->run;
    CimFileMeasure m;
    memset(&m, 0, sizeof m);
    for (size_t k = 0; k < run->nmod_tok[CIM_MOD_TEXT]; k++) {
        size_t t = run->mod_tok[CIM_MOD_TEXT][k];
        memset(w->state[t], 0, run->toks[t].tok->state_size);
    }
    int rc = 0;
    if (len > CIM_TEXT_DOC_WHOLE) {
        FILE *f = fmemopen((void *)doc, len, "rb");
        CIM_RETURN_IF(!f, e, CIM_ERR_NOMEM, "out of memory");
        rc = text->decode_stream(f, &run->p.limits, &w->sink, &m, e);
        fclose(f);
    } else {
        CimGeometry g = {.modality = CIM_MOD_TEXT};
        rc = w->sink.begin(&w->sink, &g, e);
        unsigned spare = w->sink.spare ? w->sink.spare(&w->sink) : 0;
        CimChunk c = {.kind = CIM_CHUNK_TEXT, .data = (const uint8_t *)doc, .len = len, .last = 1,
                      .spare = spare};
        if (rc == 0) rc = w->sink.chunk(&w->sink, &c, e);
        g.bytes = len;
        g.chars = cim_utf8_count((const uint8_t *)doc, len, NULL);
        m.geom = g;
    }
    if (rc == 0) rc = w->sink.begin(&w->sink, &m.geom, e);   /* owed when nothing was emitted */
    for (size_t k = 0; k < run->nmod_tok[CIM_MOD_TEXT] && rc == 0; k++) {
        size_t t = run->mod_tok[CIM_MOD_TEXT][k];
        const CimTokenizer *tok = run->toks[t].tok;
        uint64_t n = 0;
        rc = tok->feed ? tok->finish(run->toks[t].conf, w->state[t], &m.geom, &n, e)
                       : tok->count_geometry(run->toks[t].conf, &m.geom, &n, e);
        tokens[t] += n;
    }
    cim__release_states(w);
    return rc;
}

int cim__measure_jsonl(Worker *w, CimRecord *r, const CimDecoder *text, const char *open_path,
                       FILE *stream, CimFileMeasure *out, CimErr *e)
{
    CimRun *run = w->run;
    FILE *f = stream ? stream : fopen(open_path, "rb");
    CIM_RETURN_IF(!f, e, CIM_ERR_IO, "cannot open: %s", strerror(errno));
    setvbuf(f, NULL, _IOFBF, 1u << 20);
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    uint64_t file_bytes = 0, docs = 0, bytes = 0, chars = 0;
    int rc = 0;
    for (size_t k = 0; k < run->nmod_tok[CIM_MOD_TEXT]; k++) r->tokens[run->mod_tok[CIM_MOD_TEXT][k]] = 0;
    for (;;) {
        errno = 0;
        ssize_t n = getline(&line, &cap, f);
        if (n < 0) {
            if (ferror(f)) rc = cim_err(e, CIM_ERR_IO, "read error: %s", strerror(errno ? errno : EIO));
            break;
        }
        lineno++;
        file_bytes += (uint64_t)n;
        if ((uint64_t)n > CIM_JSONL_MAX_LINE) {
            rc = cim_err(e, CIM_ERR_LIMIT, "line %zu: longer than %llu bytes", lineno,
                         (unsigned long long)CIM_JSONL_MAX_LINE);
            break;
        }
        if (blank(line, (size_t)n)) continue;
        json_error_t je;
        json_t *o = json_loadb(line, (size_t)n, JSON_ALLOW_NUL, &je);
        json_t *v = json_is_object(o) ? field(o, run->json_field) : NULL;
        if (!o) {
            rc = cim_err(e, CIM_ERR_CORRUPT, "line %zu: not valid JSON (%s at column %d)", lineno,
                         je.text, je.column);
        } else if (!json_is_object(o)) {
            rc = cim_err(e, CIM_ERR_CORRUPT, "line %zu: not a JSON object", lineno);
        } else if (!v) {
            rc = cim_err(e, CIM_ERR_CORRUPT, "line %zu: no field \"%s\"", lineno, run->json_field);
        } else if (!json_is_string(v)) {
            rc = cim_err(e, CIM_ERR_CORRUPT, "line %zu: field \"%s\" is not a string", lineno,
                         run->json_field);
        } else {
            const char *doc = json_string_value(v);
            size_t len = json_string_length(v);
            docs++;
            bytes += len;
            chars += cim_utf8_count((const uint8_t *)doc, len, NULL);
            if (run->p.limits.max_decoded_bytes && bytes > run->p.limits.max_decoded_bytes)
                rc = cim_err(e, CIM_ERR_LIMIT, "documents exceed the decoded-bytes limit (%llu)",
                             (unsigned long long)run->p.limits.max_decoded_bytes);
            else if (len)
                rc = measure_doc(w, text, doc, len, r->tokens, e);
            if (rc < 0) {
                char msg[sizeof e->msg];
                snprintf(msg, sizeof msg, "%s", e->msg);
                cim_err(e, rc, "line %zu: %s", lineno, msg);
            }
        }
        json_decref(o);
        if (rc < 0) break;
    }
    free(line);
    if (!stream) fclose(f);
    if (rc < 0) return rc;
    CIM_RETURN_IF(!docs, e, CIM_ERR_EMPTY, "no documents (only blank lines)");
    out->file_bytes = file_bytes;
    out->raw_bytes = bytes;
    out->units = chars;
    out->geom.modality = CIM_MOD_TEXT;
    out->geom.bytes = bytes;
    out->geom.chars = chars;
    r->documents = docs;
    return 0;
}
