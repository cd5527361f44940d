/*
 * hf_pretok_words.c — the word-splitting pre-tokenizers of a tokenizer.json: Metaspace,
 * Whitespace, WhitespaceSplit, BertPreTokenizer, Digits and Punctuation, each as the Rust
 * tokenizers library splits (doc/tokenizers.md).
 *
 * The library cuts a word at the characters a test picks out (each picked character is
 * one match, each run of others one piece) and then keeps, drops or glues the matches to
 * their neighbours by a "behaviour"; empty pieces are dropped. Character classes: white
 * space is Unicode White_Space (Rust's char::is_whitespace), numeric is General_Category
 * N (char::is_numeric), both from Rust's own tables (hf_unicode.h); punctuation is ASCII
 * punctuation or General_Category P as the unicode_categories crate has it (Unicode 8.0,
 * from ICU with the few changes since listed); a word character is the regex crate's
 * Unicode \w (Alphabetic, M, Nd, Pc, Join_Control), with its \s, from its tables.
 */
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <unicode/uchar.h>
#include "common/utf8.h"
#include "hf.h"
#include "hf_unicode.h"

/* ---- character classes ------------------------------------------------------------- */

static int is_space(uint32_t c)
{
    if (c < 0x80) return c == ' ' || (c >= '\t' && c <= '\r');
    return (cim_hf_u_flags(c) & CIM_HF_U_SPACE) != 0;
}

static int is_numeric(uint32_t c)
{
    if (c < 0x80) return c >= '0' && c <= '9';
    return (cim_hf_u_flags(c) & CIM_HF_U_NUMERIC) != 0;
}

static int is_punct(uint32_t c)
{
    if (c < 0x80) return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') ||
                         (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
    /* General_Category changed since Unicode 8.0: Po then, Mn / So now */
    if (c == 0x111C9 || c == 0x166D) return 1;
    int t = u_charType((UChar32)c);
    int p = t == U_CONNECTOR_PUNCTUATION || t == U_DASH_PUNCTUATION ||
            t == U_START_PUNCTUATION || t == U_END_PUNCTUATION ||
            t == U_INITIAL_PUNCTUATION || t == U_FINAL_PUNCTUATION ||
            t == U_OTHER_PUNCTUATION;
    if (!p) return 0;
    UVersionInfo v;
    u_charAge((UChar32)c, v);
    return v[0] < 8 || (v[0] == 8 && v[1] == 0);
}

static int is_word(uint32_t c)
{
    if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                         (c >= 'A' && c <= 'Z') || c == '_';
    return (cim_hf_u_flags(c) & CIM_HF_U_RE_WORD) != 0;
}

/* The regex crate's \s (the same White_Space, but its own Unicode version). */
static int is_re_space(uint32_t c)
{
    if (c < 0x80) return c == ' ' || (c >= '\t' && c <= '\r');
    return (cim_hf_u_flags(c) & CIM_HF_U_RE_SPACE) != 0;
}

/* ---- splitting by a character test, with a behaviour ------------------------------- */

enum Behavior { REMOVED, ISOLATED, MERGED_PREV, MERGED_NEXT, CONTIGUOUS };

typedef struct CharTest {
    int (*is)(uint32_t c, const void *arg);
    const void *arg;
} CharTest;

static int push(CimHfWords *out, const char *w, size_t n)
{
    return n ? cim_hf_words_push(out, w, n) : 0;
}

/* The library's NormalizedString::split over a character pattern, pieces appended to out.
 * The pattern yields each matching character as a match and each run of other
 * characters as a non-match; the behaviour then decides (Removed drops the matches,
 * Isolated keeps every piece, Contiguous joins neighbouring pieces of the same kind,
 * MergedWithPrevious / MergedWithNext glue a match to the piece before / after it). */
static int split_chars(const char *w, size_t n, CharTest t, enum Behavior b, CimHfWords *out)
{
    size_t piece = 0;          /* start of the pending output piece */
    int pending_match = 0;     /* the pending piece ends with a match (MergedWithNext) */
    int prev_match = 0;        /* the last pattern piece was a match */
    size_t i = 0;
    while (i < n) {
        size_t k;
        uint32_t c = cim_utf8_cp((const uint8_t *)w + i, 4, &k);
        int m = t.is(c, t.arg);
        if (!m) {
            /* a run of non-matching characters: one pattern piece */
            size_t j = i + k;
            while (j < n) {
                size_t k2;
                uint32_t c2 = cim_utf8_cp((const uint8_t *)w + j, 4, &k2);
                if (t.is(c2, t.arg)) break;
                j += k2;
            }
            switch (b) {
            case REMOVED:
            case ISOLATED:
            case MERGED_PREV:
                if (push(out, w + piece, i - piece) < 0) return -1;
                piece = i;
                break;
            case CONTIGUOUS:
                if (prev_match && push(out, w + piece, i - piece) < 0) return -1;
                if (prev_match) piece = i;
                break;
            case MERGED_NEXT:
                /* a match just before joins this run: the piece started there */
                if (!pending_match) {
                    if (push(out, w + piece, i - piece) < 0) return -1;
                    piece = i;
                }
                break;
            }
            i = j;
            prev_match = 0;
            pending_match = 0;
            continue;
        }
        switch (b) {
        case REMOVED:
            if (push(out, w + piece, i - piece) < 0) return -1;
            piece = i + k;
            break;
        case ISOLATED:
            if (push(out, w + piece, i - piece) < 0 || push(out, w + i, k) < 0) return -1;
            piece = i + k;
            break;
        case CONTIGUOUS:
            if (!prev_match && push(out, w + piece, i - piece) < 0) return -1;
            if (!prev_match) piece = i;
            break;
        case MERGED_PREV:
            /* a match right after another match stands alone */
            if (prev_match) {
                if (push(out, w + i, k) < 0) return -1;
            } else if (push(out, w + piece, i + k - piece) < 0) {
                return -1;
            }
            piece = i + k;
            break;
        case MERGED_NEXT:
            /* a match followed by another match stands alone; the last of a run of
             * matches starts the next piece */
            if (push(out, w + piece, i - piece) < 0) return -1;
            piece = i;
            pending_match = 1;
            break;
        }
        i += k;
        prev_match = 1;
    }
    return push(out, w + piece, n - piece);
}

/* Applies split_chars to every word of in. */
static int split_all(const CimHfWords *in, CharTest t, enum Behavior b, CimHfWords *out)
{
    for (size_t k = 0; k < in->n; k++) {
        size_t a = k ? in->end[k - 1] : 0;
        if (split_chars(in->text.p + a, in->end[k] - a, t, b, out) < 0) return -1;
    }
    return 0;
}

static int test_space(uint32_t c, const void *arg)
{
    (void)arg;
    return is_space(c);
}

static int test_numeric(uint32_t c, const void *arg)
{
    (void)arg;
    return is_numeric(c);
}

static int test_punct(uint32_t c, const void *arg)
{
    (void)arg;
    return is_punct(c);
}

static int no_init(void **self, const json_t *cfg, char *err, size_t errn)
{
    (void)cfg;
    (void)err;
    (void)errn;
    *self = NULL;
    return 0;
}

static void no_free(void *self)
{
    (void)self;
}

static void plain_free(void *self)
{
    free(self);
}

/* ---- WhitespaceSplit, BertPreTokenizer --------------------------------------------- */

static int wsplit_split(const void *self, const CimHfWords *in, CimHfWords *out)
{
    (void)self;
    return split_all(in, (CharTest){test_space, NULL}, REMOVED, out);
}

const CimHfPretokOps cim_hf_pre_whitespace_split = {"WhitespaceSplit", no_init, wsplit_split,
                                                    no_free};

static int bert_split(const void *self, const CimHfWords *in, CimHfWords *out)
{
    (void)self;
    CimHfWords mid = {0};
    int rc = split_all(in, (CharTest){test_space, NULL}, REMOVED, &mid);
    if (rc == 0) rc = split_all(&mid, (CharTest){test_punct, NULL}, ISOLATED, out);
    cim_hf_words_free(&mid);
    return rc;
}

const CimHfPretokOps cim_hf_pre_bert = {"BertPreTokenizer", no_init, bert_split, no_free};

/* ---- Whitespace: the words of \w+|[^\w\s]+ ----------------------------------------- */

static int whitespace_split(const void *self, const CimHfWords *in, CimHfWords *out)
{
    (void)self;
    for (size_t k = 0; k < in->n; k++) {
        size_t a = k ? in->end[k - 1] : 0;
        const char *w = in->text.p + a;
        size_t n = in->end[k] - a;
        size_t start = 0;
        int run = 0;            /* 0 none, 1 word characters, 2 others (not space) */
        for (size_t i = 0; i < n;) {
            size_t len;
            uint32_t c = cim_utf8_cp((const uint8_t *)w + i, 4, &len);
            int cls = is_word(c) ? 1 : is_re_space(c) ? 0 : 2;
            if (cls != run) {
                if (run && cim_hf_words_push(out, w + start, i - start) < 0) return -1;
                start = i;
                run = cls;
            }
            i += len;
        }
        if (run && cim_hf_words_push(out, w + start, n - start) < 0) return -1;
    }
    return 0;
}

const CimHfPretokOps cim_hf_pre_whitespace = {"Whitespace", no_init, whitespace_split,
                                              no_free};

/* ---- Digits, Punctuation ------------------------------------------------------------ */

typedef struct Behaved {
    enum Behavior b;
} Behaved;

static int behaved_new(void **self, enum Behavior b, char *err, size_t errn)
{
    Behaved *p = malloc(sizeof *p);
    if (!p) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    p->b = b;
    *self = p;
    return 0;
}

static int digits_init(void **self, const json_t *cfg, char *err, size_t errn)
{
    int individual = json_is_true(json_object_get(cfg, "individual_digits"));
    return behaved_new(self, individual ? ISOLATED : CONTIGUOUS, err, errn);
}

static int digits_split(const void *self, const CimHfWords *in, CimHfWords *out)
{
    return split_all(in, (CharTest){test_numeric, NULL}, ((const Behaved *)self)->b, out);
}

const CimHfPretokOps cim_hf_pre_digits = {"Digits", digits_init, digits_split, plain_free};

/* A behaviour by its JSON name; -1 if unknown. */
static int behavior_of(const json_t *v, enum Behavior dflt)
{
    static const char *const names[] = {"Removed", "Isolated", "MergedWithPrevious",
                                        "MergedWithNext", "Contiguous"};
    if (!v || json_is_null(v)) return (int)dflt;
    const char *s = json_string_value(v);
    for (int i = 0; s && i < 5; i++)
        if (!strcmp(s, names[i])) return i;
    return -1;
}

static int punct_init(void **self, const json_t *cfg, char *err, size_t errn)
{
    int b = behavior_of(json_object_get(cfg, "behavior"), ISOLATED);
    if (b < 0) {
        snprintf(err, errn, "pre-tokenizer 'Punctuation': unknown behavior");
        return -1;
    }
    return behaved_new(self, (enum Behavior)b, err, errn);
}

static int punct_split(const void *self, const CimHfWords *in, CimHfWords *out)
{
    return split_all(in, (CharTest){test_punct, NULL}, ((const Behaved *)self)->b, out);
}

const CimHfPretokOps cim_hf_pre_punctuation = {"Punctuation", punct_init, punct_split,
                                               plain_free};

/* ---- Metaspace ---------------------------------------------------------------------- */

/* Whether the first word the next split receives begins the text (prepend_scheme
 * "first" prepends only there); the pipeline sets it per part, default yes. */
static thread_local int word0_at_start = 1;

void cim_hf_pretok_set_at_start(int at_start)
{
    word0_at_start = at_start;
}

enum Prepend { ALWAYS, FIRST, NEVER };

typedef struct Metaspace {
    uint32_t     replacement;
    char         rep[4];
    size_t       rep_len;
    enum Prepend prepend;
    int          split;
} Metaspace;

static int meta_init(void **self, const json_t *cfg, char *err, size_t errn)
{
    const json_t *r = json_object_get(cfg, "replacement");
    const char *rs = json_string_value(r);
    size_t rlen = json_string_length(r);
    size_t k = 0;
    if (!rs || !rlen || (cim_utf8_cp((const uint8_t *)rs, 4, &k), k != rlen)) {
        snprintf(err, errn, "pre-tokenizer 'Metaspace' needs a one-character replacement");
        return -1;
    }
    Metaspace *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    m->replacement = cim_utf8_cp((const uint8_t *)rs, 4, &k);
    memcpy(m->rep, rs, rlen);
    m->rep_len = rlen;
    const json_t *scheme = json_object_get(cfg, "prepend_scheme");
    const char *s = json_string_value(scheme);
    m->prepend = !s ? ALWAYS : !strcmp(s, "first") ? FIRST : !strcmp(s, "never") ? NEVER
               : !strcmp(s, "always") ? ALWAYS : (enum Prepend)-1;
    if ((int)m->prepend < 0) {
        snprintf(err, errn, "pre-tokenizer 'Metaspace': unknown prepend_scheme '%s'", s);
        free(m);
        return -1;
    }
    /* the older add_prefix_space: false means never (and must not contradict) */
    if (json_is_false(json_object_get(cfg, "add_prefix_space"))) {
        if (s && m->prepend != NEVER) {
            snprintf(err, errn, "pre-tokenizer 'Metaspace': add_prefix_space does not match "
                     "prepend_scheme");
            free(m);
            return -1;
        }
        m->prepend = NEVER;
    }
    const json_t *split = json_object_get(cfg, "split");
    m->split = json_is_boolean(split) ? json_is_true(split) : 1;
    *self = m;
    return 0;
}

static int test_is(uint32_t c, const void *arg)
{
    return c == *(const uint32_t *)arg;
}

static int meta_split(const void *self, const CimHfWords *in, CimHfWords *out)
{
    const Metaspace *m = self;
    CimSpBuf w = {0};
    int rc = -1;
    for (size_t k = 0; k < in->n; k++) {
        size_t a = k ? in->end[k - 1] : 0;
        const char *s = in->text.p + a;
        size_t n = in->end[k] - a;
        if (n == 0) continue;
        w.len = 0;
        if (cim_sp_buf_reserve(&w, n * m->rep_len + m->rep_len) < 0) goto done;
        int starts = n >= m->rep_len && !memcmp(s, m->rep, m->rep_len);
        if (n && starts == 0 && s[0] == ' ' && m->rep_len) starts = 1;   /* ' ' becomes it */
        int add = m->prepend == ALWAYS || (m->prepend == FIRST && k == 0 && word0_at_start);
        if (add && !starts) {
            memcpy(w.p, m->rep, m->rep_len);
            w.len = m->rep_len;
        }
        for (size_t i = 0; i < n; i++) {
            if (s[i] == ' ') {
                memcpy(w.p + w.len, m->rep, m->rep_len);
                w.len += m->rep_len;
            } else {
                w.p[w.len++] = s[i];
            }
        }
        if (m->split) {
            if (split_chars(w.p, w.len, (CharTest){test_is, &m->replacement}, MERGED_NEXT,
                            out) < 0)
                goto done;
        } else if (push(out, w.p, w.len) < 0) {
            goto done;
        }
    }
    rc = 0;
done:
    free(w.p);
    return rc;
}

const CimHfPretokOps cim_hf_pre_metaspace = {"Metaspace", meta_init, meta_split, plain_free};
