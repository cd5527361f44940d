/*
 * hf_pretok.c — pre-tokenizers "ByteLevel", "Split" and "Sequence" of a tokenizer.json,
 * as the library runs them.
 *
 * Split cuts each word at the matches of its pattern (a literal String, or a Regex that
 * the library runs with Oniguruma) and keeps, drops or joins matches and the gaps
 * between them by its behavior: Removed (gaps only), Isolated (each match and gap a word),
 * MergedWithPrevious (a match joins the gap before it), MergedWithNext (the gap after
 * it), Contiguous (runs of matches, runs of gaps); invert swaps matches and gaps. Empty
 * words are dropped. A Regex equal to one of tiktoken's patterns (cl100k: Llama 3; o200k:
 * gpt-oss; r50k: GPT-2) runs on cimeter's hand-written matcher (tiktoken_pretok.h), which
 * gives the same pieces far faster (its tables are Unicode 16.0, as Oniguruma 6.9.10's);
 * any other runs on PCRE2 (JIT), with \s and the General_Category classes \p{..} spelled
 * out as the ranges of Oniguruma's own tables (hf_unicode.h), PCRE2's being older; text
 * with no character on which the two tables differ runs the same regex with PCRE2's own
 * classes, which match much faster.
 *
 * ByteLevel adds a space before a word that does not start with one (add_prefix_space),
 * cuts it with GPT-2's pattern (use_regex) and maps each byte to a printable character;
 * cimeter skips that mapping (hf_bpe.h), so the words stay bytes, and hf.c accepts
 * ByteLevel only as the last pre-tokenizer, before a BPE model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cim_config.h"
#include "hf.h"
#include "hf_unicode.h"
#include "tiktoken_pretok.h"
#if CIM_HAVE_PCRE2
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif

/* The three patterns of tiktoken as tokenizer.json files write them. */
static const char *const tt_regex[3] = {
    [CIM_TT_PAT_R50K] = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
    [CIM_TT_PAT_CL100K] = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
                          "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    [CIM_TT_PAT_O200K] = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*"
                         "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
                         "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+"
                         "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
                         "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};

int cim_hf_tt_pattern(const char *regex)
{
    for (int k = 0; k < 3; k++)
        if (!strcmp(regex, tt_regex[k])) return k;
    return -1;
}

/* ---- matchers ------------------------------------------------------------- */

enum { M_TT, M_STRING, M_PCRE2 };
enum { B_REMOVED, B_ISOLATED, B_PREVIOUS, B_NEXT, B_CONTIGUOUS };

typedef struct Matcher {
    int   kind;
    int   tt;                  /* M_TT: the CimTtPattern */
    char *lit;                 /* M_STRING */
    size_t litn;
#if CIM_HAVE_PCRE2
    pcre2_code *re;            /* M_PCRE2: with Oniguruma's classes spelled out */
    pcre2_code *re_own;        /* the same with PCRE2's own, for text they agree on, or NULL */
#endif
} Matcher;

/* One span of a word: a match or a gap. */
typedef struct Span { size_t s, e; int match; } Span;
typedef struct Spans { Span *v; size_t n, cap; } Spans;

static int spans_push(Spans *sp, size_t s, size_t e, int match)
{
    if (sp->n == sp->cap) {
        size_t cap = sp->cap ? 2 * sp->cap : 256;
        Span *v = realloc(sp->v, cap * sizeof *v);
        if (!v) return -1;
        sp->v = v;
        sp->cap = cap;
    }
    sp->v[sp->n++] = (Span){s, e, match};
    return 0;
}

#if CIM_HAVE_PCRE2
/* Per thread: match data and a JIT stack big enough for long runs. */
static _Thread_local pcre2_match_data *tls_md;
static _Thread_local pcre2_match_context *tls_mc;
static _Thread_local pcre2_jit_stack *tls_js;

static int pcre2_thread_init(void)
{
    if (tls_md) return 0;
    tls_md = pcre2_match_data_create(1, NULL);
    tls_mc = pcre2_match_context_create(NULL);
    tls_js = pcre2_jit_stack_create(32 << 10, 64 << 20, NULL);
    if (!tls_md || !tls_mc || !tls_js) return -1;
    pcre2_jit_stack_assign(tls_mc, NULL, tls_js);
    return 0;
}
#endif

/* The matches of m in w[0..n) with the gaps between them, in order, covering w (the
 * library's find_matches; an empty match still cuts the gap). -1 if out of memory. */
static int find_matches(const Matcher *m, const char *w, size_t n, Spans *sp)
{
    sp->n = 0;
    if (!n) return spans_push(sp, 0, 0, 0);
    size_t prev = 0;
    if (m->kind == M_TT) {
        for (size_t i = 0; i < n;) {
            size_t e = cim_tt_next_piece((CimTtPattern)m->tt, (const uint8_t *)w, i, n, 1);
            if (spans_push(sp, i, e, 1) < 0) return -1;
            i = e;
        }
        return 0;
    }
    if (m->kind == M_STRING) {
        if (m->litn) {
            for (size_t i = 0; i + m->litn <= n;) {
                const char *f = memmem(w + i, n - i, m->lit, m->litn);
                if (!f) break;
                size_t s = (size_t)(f - w);
                if (s > prev && spans_push(sp, prev, s, 0) < 0) return -1;
                if (spans_push(sp, s, s + m->litn, 1) < 0) return -1;
                prev = i = s + m->litn;
            }
        }
    }
#if CIM_HAVE_PCRE2
    if (m->kind == M_PCRE2) {
        if (pcre2_thread_init() < 0) return -1;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(tls_md);
        const pcre2_code *re = m->re_own && cim_hf_u_pcre2_same(w, n) ? m->re_own : m->re;
        for (size_t i = 0; i <= n;) {
            int rc = pcre2_jit_match(re, (PCRE2_SPTR)w, n, i, PCRE2_NO_UTF_CHECK, tls_md, tls_mc);
            if (rc < 0) {
                if (rc == PCRE2_ERROR_NOMATCH) break;
                return -2;
            }
            size_t s = ov[0], e = ov[1];
            if (s > prev && spans_push(sp, prev, s, 0) < 0) return -1;
            if (spans_push(sp, s, e, 1) < 0) return -1;
            prev = e;
            if (e > i || e > s) {
                i = e;
            } else {          /* empty match: go on one character later */
                if (i >= n) break;
                i++;
                while (i < n && ((uint8_t)w[i] & 0xC0) == 0x80) i++;
            }
        }
    }
#endif
    if (prev < n && spans_push(sp, prev, n, 0) < 0) return -1;
    return 0;
}

/* ---- Split ---------------------------------------------------------------- */

typedef struct Split {
    Matcher m;
    int behavior, invert;
} Split;

static void split_free(void *self)
{
    Split *s = self;
    if (!s) return;
    free(s->m.lit);
#if CIM_HAVE_PCRE2
    if (s->m.re) pcre2_code_free(s->m.re);
    if (s->m.re_own) pcre2_code_free(s->m.re_own);
#endif
    free(s);
}

#if CIM_HAVE_PCRE2
/* The Split regex re[0..n) compiled and JIT-compiled for PCRE2 (cim_hf_onig_pattern with
 * own_classes), or NULL with err set. */
static pcre2_code *split_compile(const char *re, size_t n, int own_classes, char *err, size_t errn)
{
    int ec;
    PCRE2_SIZE eo;
    size_t rn;
    char *rx = cim_hf_onig_pattern(re, n, own_classes, &rn, err, errn);
    if (!rx) return NULL;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)rx, rn, PCRE2_UTF | PCRE2_UCP, &ec, &eo, NULL);
    free(rx);
    if (!code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(ec, msg, sizeof msg);
        snprintf(err, errn, "Split regex /%.80s/ at %zu: %s", re, (size_t)eo, (char *)msg);
        return NULL;
    }
    if (pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) != 0) {
        pcre2_code_free(code);
        snprintf(err, errn, "Split regex /%.80s/: PCRE2 JIT unavailable", re);
        return NULL;
    }
    return code;
}
#endif

static int split_init(void **self, const json_t *cfg, char *err, size_t errn)
{
    static const char *const names[] = {"Removed", "Isolated", "MergedWithPrevious", "MergedWithNext",
                                        "Contiguous"};
    Split *s = calloc(1, sizeof *s);
    if (!s) { snprintf(err, errn, "out of memory"); return -1; }
    const char *bh = json_string_value(json_object_get(cfg, "behavior"));
    s->behavior = -1;
    for (int k = 0; bh && k < 5; k++)
        if (!strcmp(bh, names[k])) s->behavior = k;
    if (s->behavior < 0) {
        snprintf(err, errn, "unsupported Split behavior '%s'", bh ? bh : "(none)");
        goto fail;
    }
    s->invert = json_is_true(json_object_get(cfg, "invert"));
    const json_t *pat = json_object_get(cfg, "pattern");
    const json_t *str = json_object_get(pat, "String"), *re = json_object_get(pat, "Regex");
    if (json_is_string(str)) {
        s->m.kind = M_STRING;
        s->m.litn = json_string_length(str);
        s->m.lit = malloc(s->m.litn + 1);
        if (!s->m.lit) { snprintf(err, errn, "out of memory"); goto fail; }
        memcpy(s->m.lit, json_string_value(str), s->m.litn + 1);
    } else if (json_is_string(re)) {
        int tt = cim_hf_tt_pattern(json_string_value(re));
        if (tt >= 0) {
            s->m.kind = M_TT;
            s->m.tt = tt;
        } else {
#if CIM_HAVE_PCRE2
            s->m.kind = M_PCRE2;
            const char *rx = json_string_value(re);
            size_t rn = json_string_length(re);
            s->m.re = split_compile(rx, rn, 0, err, errn);
            if (!s->m.re) goto fail;
            if (cim_hf_pcre2_own_classes_known()) {
                s->m.re_own = split_compile(rx, rn, 1, err, errn);
                if (!s->m.re_own) goto fail;
            }
#else
            snprintf(err, errn, "Split regex /%.80s/ needs PCRE2 (cimeter was built without it)",
                     json_string_value(re));
            goto fail;
#endif
        }
    } else {
        snprintf(err, errn, "Split pattern is neither {\"String\": ...} nor {\"Regex\": ...}");
        goto fail;
    }
    *self = s;
    return 0;
fail:
    split_free(s);
    return -1;
}

/* Appends the words of w[0..n) cut by spans sp under behavior b to out. */
static int apply_behavior(int b, const char *w, const Spans *sp, CimHfWords *out)
{
    size_t ws = 0, we = 0;       /* the word being built */
    int have = 0, prev_match = 0;
    for (size_t k = 0; k < sp->n; k++) {
        const Span *x = &sp->v[k];
        int match = x->match;
        switch (b) {
        case B_REMOVED:
            if (!match && x->e > x->s && cim_hf_words_push(out, w + x->s, x->e - x->s) < 0) return -1;
            continue;
        case B_ISOLATED:
            if (x->e > x->s && cim_hf_words_push(out, w + x->s, x->e - x->s) < 0) return -1;
            continue;
        case B_PREVIOUS:
            if (match && !prev_match && have) {
                we = x->e;
            } else {
                if (have && we > ws && cim_hf_words_push(out, w + ws, we - ws) < 0) return -1;
                ws = x->s;
                we = x->e;
                have = 1;
            }
            break;
        case B_CONTIGUOUS:
            if (match == prev_match && have) {
                we = x->e;
            } else {
                if (have && we > ws && cim_hf_words_push(out, w + ws, we - ws) < 0) return -1;
                ws = x->s;
                we = x->e;
                have = 1;
            }
            break;
        }
        prev_match = match;
    }
    if (b == B_NEXT) {
        /* the library folds from the end: a match joins the word after it */
        size_t nw = 0;
        Span *tmp = malloc((sp->n + 1) * sizeof *tmp);
        if (!tmp) return -1;
        prev_match = 0;
        for (size_t k = sp->n; k-- > 0;) {
            const Span *x = &sp->v[k];
            if (x->match && !prev_match && nw) tmp[nw - 1].s = x->s;
            else tmp[nw++] = (Span){x->s, x->e, 0};
            prev_match = x->match;
        }
        int rc = 0;
        for (size_t k = nw; k-- > 0 && rc == 0;)
            if (tmp[k].e > tmp[k].s) rc = cim_hf_words_push(out, w + tmp[k].s, tmp[k].e - tmp[k].s);
        free(tmp);
        return rc;
    }
    if (have && we > ws && cim_hf_words_push(out, w + ws, we - ws) < 0) return -1;
    return 0;
}

static _Thread_local Spans tls_spans;

static int split_split(const void *self, const CimHfWords *in, CimHfWords *out)
{
    const Split *s = self;
    Spans *sp = &tls_spans;
    for (size_t k = 0; k < in->n; k++) {
        size_t a = k ? in->end[k - 1] : 0, n = in->end[k] - a;
        const char *w = in->text.p + a;
        if (s->m.kind == M_TT && s->behavior == B_ISOLATED && !s->invert) {
            /* the common case: every piece is a word */
            for (size_t i = 0; i < n;) {
                size_t e = cim_tt_next_piece((CimTtPattern)s->m.tt, (const uint8_t *)w, i, n, 1);
                if (cim_hf_words_push(out, w + i, e - i) < 0) return -1;
                i = e;
            }
            continue;
        }
        int rc = find_matches(&s->m, w, n, sp);
        if (rc < 0) return -1;
        if (s->invert)
            for (size_t j = 0; j < sp->n; j++) sp->v[j].match = !sp->v[j].match;
        if (apply_behavior(s->behavior, w, sp, out) < 0) return -1;
    }
    return 0;
}

const CimHfPretokOps cim_hf_pretok_split = {
    .type  = "Split",
    .init  = split_init,
    .split = split_split,
    .free  = split_free,
};

/* ---- ByteLevel ------------------------------------------------------------ */

typedef struct ByteLevel {
    int add_prefix_space, use_regex;
} ByteLevel;

static int bytelevel_init(void **self, const json_t *cfg, char *err, size_t errn)
{
    ByteLevel *b = calloc(1, sizeof *b);
    if (!b) { snprintf(err, errn, "out of memory"); return -1; }
    const json_t *aps = json_object_get(cfg, "add_prefix_space"), *ur = json_object_get(cfg, "use_regex");
    b->add_prefix_space = aps ? json_is_true(aps) : 1;   /* the library's defaults */
    b->use_regex = ur ? json_is_true(ur) : 1;
    *self = b;
    return 0;
}

static int bytelevel_split(const void *self, const CimHfWords *in, CimHfWords *out)
{
    const ByteLevel *b = self;
    char *tmp = NULL;
    size_t tcap = 0;
    for (size_t k = 0; k < in->n; k++) {
        size_t a = k ? in->end[k - 1] : 0, n = in->end[k] - a;
        const char *w = in->text.p + a;
        if (b->add_prefix_space && (!n || w[0] != ' ')) {
            if (n + 1 > tcap) {
                char *t = realloc(tmp, tcap = 2 * (n + 1));
                if (!t) { free(tmp); return -1; }
                tmp = t;
            }
            tmp[0] = ' ';
            memcpy(tmp + 1, w, n);
            w = tmp;
            n++;
        }
        if (!b->use_regex) {
            if (n && cim_hf_words_push(out, w, n) < 0) { free(tmp); return -1; }
            continue;
        }
        for (size_t i = 0; i < n;) {
            size_t e = cim_tt_next_piece(CIM_TT_PAT_R50K, (const uint8_t *)w, i, n, 1);
            if (cim_hf_words_push(out, w + i, e - i) < 0) { free(tmp); return -1; }
            i = e;
        }
    }
    free(tmp);
    return 0;
}

const CimHfPretokOps cim_hf_pretok_bytelevel = {
    .type  = "ByteLevel",
    .init  = bytelevel_init,
    .split = bytelevel_split,
    .free  = free,
};

/* ---- Sequence ------------------------------------------------------------- */

typedef struct Seq {
    CimHfPretok *stage;
    size_t n;
} Seq;

static void seq_free(void *self)
{
    Seq *s = self;
    if (!s) return;
    for (size_t k = 0; k < s->n; k++) cim_hf_pretok_drop(&s->stage[k]);
    free(s->stage);
    free(s);
}

static int seq_init(void **self, const json_t *cfg, char *err, size_t errn)
{
    const json_t *list = json_object_get(cfg, "pretokenizers");
    if (!json_is_array(list)) {
        snprintf(err, errn, "pre-tokenizer Sequence without a \"pretokenizers\" list");
        return -1;
    }
    Seq *s = calloc(1, sizeof *s);
    if (!s || !(s->stage = calloc(json_array_size(list) + 1, sizeof *s->stage))) {
        free(s);
        snprintf(err, errn, "out of memory");
        return -1;
    }
    for (size_t k = 0; k < json_array_size(list); k++) {
        if (cim_hf_pretok_build(&s->stage[s->n], json_array_get(list, k), err, errn) < 0) {
            seq_free(s);
            return -1;
        }
        if (s->stage[s->n].ops) s->n++;
    }
    *self = s;
    return 0;
}

static int seq_split(const void *self, const CimHfWords *in, CimHfWords *out)
{
    const Seq *s = self;
    if (!s->n) {
        for (size_t k = 0; k < in->n; k++) {
            size_t a = k ? in->end[k - 1] : 0;
            if (cim_hf_words_push(out, in->text.p + a, in->end[k] - a) < 0) return -1;
        }
        return 0;
    }
    CimHfWords tmp[2];
    memset(tmp, 0, sizeof tmp);
    const CimHfWords *cur = in;
    int rc = 0;
    for (size_t k = 0; k < s->n && rc == 0; k++) {
        CimHfWords *dst = k + 1 == s->n ? out : &tmp[k & 1];
        cim_hf_words_clear(dst);
        rc = s->stage[k].ops->split(s->stage[k].self, cur, dst);
        cur = dst;
    }
    cim_hf_words_free(&tmp[0]);
    cim_hf_words_free(&tmp[1]);
    return rc;
}

/* The stages of a Sequence (hf.c checks where ByteLevel stands). */
size_t cim_hf_pretok_seq_stages(const void *self, const CimHfPretok **stages)
{
    const Seq *s = self;
    *stages = s->stage;
    return s->n;
}

const CimHfPretokOps cim_hf_pretok_sequence = {
    .type  = "Sequence",
    .init  = seq_init,
    .split = seq_split,
    .free  = seq_free,
};
