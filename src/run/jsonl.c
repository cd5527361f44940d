/*
 * jsonl.c — JSON Lines measured as documents (--json-field NAME).
 *
 * A text file whose first non-blank line is a JSON object is a set of
 * documents: each line's field value (a JSON string, unescaped to UTF-8 by
 * simdjson, surrogate pairs joined; a lone surrogate is invalid JSON; of repeated
 * keys the last, as Python's json module keeps) is
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
 * Parallel: lines are read in batches of about 8 MiB and, when the run has idle
 * threads, shared out in line order to OpenMP tasks that parse and count them with
 * their own tokenizer states; counts are integer sums, the same for any -j, and
 * the error reported is the first bad line of the file whoever met it. The next
 * batch is read (decompression, getline) while the tasks take this one; it is read
 * with or without tasks, so what is read (and damage met reading) is the same for
 * any -j. Memory: two batches, each about 8 MiB or one line of at most
 * CIM_JSONL_MAX_LINE bytes.
 */
#include <errno.h>
#include <omp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "common/utf8.h"
#include "run/worker.h"
#include "source/json_field.h"

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
    char *line = malloc(len + CIM_JSON_PADDING);
    if (!line) return 0;
    memcpy(line, buf + i, len);
    memset(line + len, 0, CIM_JSON_PADDING);
    int yes = cim_json_is_object(line, len);
    free(line);
    return yes;
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

/* A batch of lines read ahead, and one task's share of it. */
typedef struct Line { size_t off, len, lineno; } Line;

typedef struct Part {
    Worker   sub;              /* its own tokenizer states (a copy of the file's worker) */
    Worker  *w;                /* the worker this part measures with */
    size_t   first, end;       /* lines [first, end) of the batch */
    uint64_t docs, bytes, chars;
    uint64_t *tokens;          /* [ntok], added to */
    size_t   err_line;         /* the first bad line of the share, 0 = none */
    int      rc;
    CimErr   err;
} Part;

#define CIM_JSONL_BATCH (8u << 20)       /* bytes of lines read before they are shared out */
#define CIM_JSONL_PARTS 16

static void run_part(Part *p, const CimDecoder *text, const char *buf, const Line *lines)
{
    Worker *w = p->w;
    CimRun *run = w->run;
    for (size_t i = p->first; i < p->end; i++) {
        const Line *l = &lines[i];
        const char *doc = NULL;
        size_t len = 0;
        char why[160] = "";
        CimErr *e = &p->err;
        int rc = 0;
        switch (cim_json_field(buf + l->off, l->len, run->json_field, &doc, &len, why, sizeof why)) {
        case CIM_JSON_OK:
            p->docs++;
            p->bytes += len;
            p->chars += cim_utf8_count((const uint8_t *)doc, len, NULL);
            if (len && (rc = measure_doc(w, text, doc, len, p->tokens, e)) < 0) {
                char msg[sizeof e->msg];
                snprintf(msg, sizeof msg, "%s", e->msg);
                cim_err(e, rc, "line %zu: %s", l->lineno, msg);
            }
            break;
        case CIM_JSON_INVALID:
            rc = cim_err(e, CIM_ERR_CORRUPT, "line %zu: not valid JSON (%s)", l->lineno, why);
            break;
        case CIM_JSON_NOT_OBJECT:
            rc = cim_err(e, CIM_ERR_CORRUPT, "line %zu: not a JSON object", l->lineno);
            break;
        case CIM_JSON_MISSING:
            rc = cim_err(e, CIM_ERR_CORRUPT, "line %zu: no field \"%s\"", l->lineno, run->json_field);
            break;
        case CIM_JSON_NOT_STRING:
            rc = cim_err(e, CIM_ERR_CORRUPT, "line %zu: field \"%s\" is not a string", l->lineno,
                         run->json_field);
            break;
        default:
            rc = cim_err(e, CIM_ERR_NOMEM, "line %zu: out of memory", l->lineno);
            break;
        }
        if (rc < 0) {
            p->rc = rc;
            p->err_line = l->lineno;
            return;
        }
    }
}

/* Documents of one batch are shared out to idle threads of the run (OpenMP tasks, each
 * with its own tokenizer states); sums are integers, so counts do not depend on how
 * many took part. With --info the zstd stream is one per file: no sharing. */
static int sub_init(Part *p, Worker *w)
{
    CimRun *run = w->run;
    p->sub = *w;
    p->sub.info = 0;
    memset(p->sub.began, 0, sizeof p->sub.began);
    p->sub.state = calloc(run->ntok ? run->ntok : 1, sizeof *p->sub.state);
    if (!p->sub.state) return -1;
    for (size_t k = 0; k < run->nmod_tok[CIM_MOD_TEXT]; k++) {
        size_t t = run->mod_tok[CIM_MOD_TEXT][k];
        size_t sz = run->toks[t].tok->state_size;
        if (!(p->sub.state[t] = calloc(1, sz ? sz : 1))) return -1;
    }
    return 0;
}

static void sub_free(Part *p, const CimRun *run)
{
    for (size_t t = 0; p->sub.state && t < run->ntok; t++) free(p->sub.state[t]);
    free(p->sub.state);
}

/* A batch of lines read ahead: about CIM_JSONL_BATCH bytes (one line at least), with
 * what ended it: the end of the file (eof) or an error (rc < 0, err), met after the
 * batch's lines. */
typedef struct Batch {
    char    *buf;
    size_t   bufcap, used;
    Line    *lines;
    size_t   lcap, nl;
    int      eof, rc;
    CimErr   err;
} Batch;

/* Where the next batch comes from. */
typedef struct LineReader {
    FILE    *f;
    char    *line;             /* getline's buffer */
    size_t   cap, lineno;
    uint64_t file_bytes;
} LineReader;

static void read_batch(LineReader *lr, Batch *b)
{
    b->nl = b->used = 0;
    b->eof = b->rc = 0;
    while (b->used < CIM_JSONL_BATCH) {
        errno = 0;
        ssize_t n = getline(&lr->line, &lr->cap, lr->f);
        if (n < 0) {
            if (ferror(lr->f))
                b->rc = cim_err(&b->err, CIM_ERR_IO, "read error: %s",
                                strerror(errno ? errno : EIO));
            b->eof = 1;
            return;
        }
        lr->lineno++;
        lr->file_bytes += (uint64_t)n;
        if ((uint64_t)n > CIM_JSONL_MAX_LINE) {
            b->rc = cim_err(&b->err, CIM_ERR_LIMIT, "line %zu: longer than %llu bytes", lr->lineno,
                            (unsigned long long)CIM_JSONL_MAX_LINE);
            return;
        }
        if (blank(lr->line, (size_t)n)) continue;
        if (b->used + (size_t)n + CIM_JSON_PADDING > b->bufcap) {   /* simdjson reads past a line */
            size_t nc = b->bufcap ? b->bufcap : 1u << 20;
            while (nc < b->used + (size_t)n + CIM_JSON_PADDING) nc *= 2;
            char *nb = realloc(b->buf, nc);
            if (!nb) { b->rc = cim_err(&b->err, CIM_ERR_NOMEM, "out of memory"); return; }
            b->buf = nb;
            b->bufcap = nc;
        }
        if (b->nl == b->lcap) {
            size_t nc = b->lcap ? 2 * b->lcap : 1024;
            Line *nv = realloc(b->lines, nc * sizeof *nv);
            if (!nv) { b->rc = cim_err(&b->err, CIM_ERR_NOMEM, "out of memory"); return; }
            b->lines = nv;
            b->lcap = nc;
        }
        memcpy(b->buf + b->used, lr->line, (size_t)n);
        b->lines[b->nl++] = (Line){b->used, (size_t)n, lr->lineno};
        b->used += (size_t)n;
    }
}

int cim__measure_jsonl(Worker *w, CimRecord *r, const CimDecoder *text, const char *open_path,
                       FILE *stream, CimFileMeasure *out, CimErr *e)
{
    CimRun *run = w->run;
    FILE *f = stream ? stream : fopen(open_path, "rb");
    CIM_RETURN_IF(!f, e, CIM_ERR_IO, "cannot open: %s", strerror(errno));
    setvbuf(f, NULL, _IOFBF, 1u << 20);
    Part parts[CIM_JSONL_PARTS];
    memset(parts, 0, sizeof parts);
    int nsub = 0;                       /* parts with their own states, made when first needed */
    LineReader lr = {.f = f};
    Batch batch[2];
    memset(batch, 0, sizeof batch);
    int cur = 0;
    uint64_t docs = 0, bytes = 0, chars = 0;
    uint64_t *tok = calloc(CIM_JSONL_PARTS * (run->ntok ? run->ntok : 1), sizeof *tok);
    int rc = tok ? 0 : cim_err(e, CIM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < CIM_JSONL_PARTS && tok; i++) parts[i].tokens = tok + i * run->ntok;
    if (rc == 0) read_batch(&lr, &batch[0]);
    while (rc == 0) {
        Batch *b = &batch[cur], *next = &batch[!cur];
        if (b->rc < 0) {   /* met before the batch's lines were measured, as it was read */
            rc = b->rc;
            *e = b->err;
            break;
        }
        if (!b->nl) break;
        int more = !b->eof;
        unsigned spare = w->info || !w->sink.spare ? 0 : w->sink.spare(&w->sink);
        /* Shares smaller than a thread's (up to 4 per thread): while this thread reads
         * the next batch, the others take them; then it joins in. */
        unsigned want = spare ? 4 * (spare + 1) : 1;
        int k = (int)(want < CIM_JSONL_PARTS ? want : CIM_JSONL_PARTS);
        if ((size_t)k > b->nl) k = (int)b->nl;
        for (; nsub < k && k > 1; nsub++)
            if (sub_init(&parts[nsub], w) < 0) { rc = cim_err(e, CIM_ERR_NOMEM, "out of memory"); break; }
        if (rc < 0) break;
        /* Shares of about equal bytes, in line order. */
        size_t at = 0;
        for (int i = 0; i < k; i++) {
            Part *p = &parts[i];
            p->w = k > 1 ? &p->sub : w;
            p->first = at;
            size_t goal = (size_t)((double)b->used * (i + 1) / k);
            while (at < b->nl && (i == k - 1 || b->lines[at].off < goal)) at++;
            p->end = at;
            p->err_line = 0;
            p->rc = 0;
        }
        /* The next batch is read whatever happens to this one (with or without
         * threads to share it), so what is read, and any damage met reading it, does
         * not depend on -j. */
        if (k == 1) {
            run_part(&parts[0], text, b->buf, b->lines);
            if (more) read_batch(&lr, next);
        } else {
            const char *buf = b->buf;
            const Line *lines = b->lines;
            for (int i = 0; i < k; i++) {
                Part *p = &parts[i];
                #pragma omp task default(none) firstprivate(p) shared(text, buf, lines, run)
                {
                    atomic_fetch_add(&run->busy, 1);
                    run_part(p, text, buf, lines);
                    atomic_fetch_sub(&run->busy, 1);
                }
            }
            if (more) read_batch(&lr, next);
            #pragma omp taskwait
        }
        size_t bad = 0;   /* the first bad line of the batch is the file's error */
        for (int i = 0; i < k; i++) {
            Part *p = &parts[i];
            docs += p->docs;
            bytes += p->bytes;
            chars += p->chars;
            p->docs = p->bytes = p->chars = 0;
            if (p->rc < 0 && (!bad || p->err_line < bad)) {
                bad = p->err_line;
                *e = p->err;
                rc = p->rc;
            }
        }
        if (rc == 0 && run->p.limits.max_decoded_bytes && bytes > run->p.limits.max_decoded_bytes)
            rc = cim_err(e, CIM_ERR_LIMIT, "documents exceed the decoded-bytes limit (%llu)",
                         (unsigned long long)run->p.limits.max_decoded_bytes);
        if (!more) break;
        cur = !cur;
    }
    for (size_t k = 0; k < run->nmod_tok[CIM_MOD_TEXT] && tok; k++) {
        size_t t = run->mod_tok[CIM_MOD_TEXT][k];
        r->tokens[t] = 0;
        for (int i = 0; i < CIM_JSONL_PARTS; i++) r->tokens[t] += parts[i].tokens[t];
    }
    for (int i = 0; i < nsub; i++) sub_free(&parts[i], run);
    free(tok);
    free(lr.line);
    for (int i = 0; i < 2; i++) {
        free(batch[i].buf);
        free(batch[i].lines);
    }
    if (!stream) fclose(f);
    if (rc < 0) return rc;
    CIM_RETURN_IF(!docs, e, CIM_ERR_EMPTY, "no documents (only blank lines)");
    out->file_bytes = lr.file_bytes;
    out->raw_bytes = bytes;
    out->units = chars;
    out->geom.modality = CIM_MOD_TEXT;
    out->geom.bytes = bytes;
    out->geom.chars = chars;
    r->documents = docs;
    return 0;
}
