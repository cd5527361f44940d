/*
 * hf_normalize.c — the normalizers of a tokenizer.json, each as the Rust tokenizers
 * library applies it (doc/tokenizers.md lists the rules read from its source).
 *
 * Unicode data comes from ICU (Unicode 15), but the library's tables are older, and a
 * character they do not know passes every stage untouched:
 *   - NFC/NFD/NFKC/NFKD and StripAccents use the unicode-normalization-alignments crate
 *     (Unicode 9.0): a character assigned later is treated as unassigned, so the text
 *     is normalized in pieces cut at such characters, which are copied as they are;
 *   - BertNormalizer's control and non-spacing-mark tests use the unicode_categories
 *     crate (Unicode 8.0);
 *   - Lowercase and whitespace use Rust's own char tables (Unicode 17, newer than ICU's),
 *     which hf_unicode.h has from the same data.
 * A character whose General_Category changed since those versions is listed below.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>
#include "cim_config.h"
#if CIM_HAVE_PCRE2
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif
#include "common/utf8.h"
#include "hf.h"
#include "hf_unicode.h"

/* ---- UTF-8 and small helpers ---------------------------------------------------- */
/* Text here is valid UTF-8 (the interface promises it), so cim_utf8_cp is given 4 as
 * the bytes available: a whole sequence is always there. */

static int put(CimSpBuf *out, const void *p, size_t n)
{
    if (n == 0) return 0;
    if (cim_sp_buf_reserve(out, n) < 0) return -1;
    memcpy(out->p + out->len, p, n);
    out->len += n;
    return 0;
}

static int put_cp(CimSpBuf *out, uint32_t c)
{
    uint8_t b[4];
    size_t n;
    if (c < 0x80) {
        b[0] = (uint8_t)c;
        n = 1;
    } else if (c < 0x800) {
        b[0] = (uint8_t)(0xC0 | c >> 6);
        b[1] = (uint8_t)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        b[0] = (uint8_t)(0xE0 | c >> 12);
        b[1] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
        b[2] = (uint8_t)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        b[0] = (uint8_t)(0xF0 | c >> 18);
        b[1] = (uint8_t)(0x80 | (c >> 12 & 0x3F));
        b[2] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
        b[3] = (uint8_t)(0x80 | (c & 0x3F));
        n = 4;
    }
    return put(out, b, n);
}

static int all_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((uint8_t)s[i] >= 0x80) return 0;
    return 1;
}

/* Rust's char::is_whitespace. */
static int rust_space(uint32_t c)
{
    return (cim_hf_u_flags(c) & CIM_HF_U_SPACE) != 0;
}

/* Assigned no later than Unicode maj.min (what an older table knows). */
static int known_by(UChar32 c, int maj, int min)
{
    UVersionInfo v;
    u_charAge(c, v);
    return v[0] < maj || (v[0] == maj && v[1] <= min);
}

/* Characters unknown to Unicode 9.0 that normalization would touch today (a
 * decomposition, a combining class, or a composition with a neighbour): one bit each. */
static uint8_t *newer_than_9;
static pthread_once_t newer_once = PTHREAD_ONCE_INIT;

static void newer_init(void)
{
    uint8_t *bits = calloc(0x110000 / 8, 1);
    if (!bits) return;
    for (UChar32 c = 0x80; c < 0x110000; c++) {
        if (known_by(c, 9, 0) || u_charType(c) == U_UNASSIGNED) continue;
        bits[c >> 3] |= (uint8_t)(1u << (c & 7));
    }
    newer_than_9 = bits;
}

static int is_newer(UChar32 c)
{
    return c >= 0x80 && (newer_than_9[c >> 3] >> (c & 7) & 1);
}

/* General_Category values of Unicode 9.0 (StripAccents) and 8.0 (BertNormalizer) that
 * differ from Unicode 15's for characters both know. */
static int mark_in_9(UChar32 c)
{
    if (c == 0x1CF2 || c == 0x1CF3) return 1;      /* Mc then, Lo since Unicode 10 */
    if (c == 0x111C9) return 0;                    /* Po then, Mn since Unicode 10 */
    int t = u_charType(c);
    int mark = t == U_NON_SPACING_MARK || t == U_COMBINING_SPACING_MARK ||
               t == U_ENCLOSING_MARK;
    return mark && known_by(c, 9, 0);
}

static int nonspacing_in_8(UChar32 c)
{
    if (c == 0x1734) return 1;                     /* Mn then, Mc since Unicode 14 */
    if (c == 0x1885 || c == 0x1886 || c == 0xA9BD || c == 0x111C9) return 0;
    return u_charType(c) == U_NON_SPACING_MARK && known_by(c, 8, 0);
}

/* ---- NFC, NFD, NFKC, NFKD -------------------------------------------------------- */

typedef struct UniNorm {
    const UNormalizer2 *icu;
} UniNorm;

static int uni_init(void **self, const UNormalizer2 *icu, char *err, size_t errn)
{
    pthread_once(&newer_once, newer_init);
    if (!newer_than_9 || !icu) {
        snprintf(err, errn, "Unicode normalization unavailable (ICU data or memory)");
        return -1;
    }
    UniNorm *u = malloc(sizeof *u);
    if (!u) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    u->icu = icu;
    *self = u;
    return 0;
}

#define UNI_INIT(NAME, GETTER)                                                        \
    static int NAME(void **self, const json_t *cfg, char *err, size_t errn)          \
    {                                                                                 \
        (void)cfg;                                                                    \
        UErrorCode e = U_ZERO_ERROR;                                                  \
        const UNormalizer2 *icu = GETTER(&e);                                         \
        return uni_init(self, U_SUCCESS(e) ? icu : NULL, err, errn);                  \
    }
UNI_INIT(nfc_init, unorm2_getNFCInstance)
UNI_INIT(nfd_init, unorm2_getNFDInstance)
UNI_INIT(nfkc_init, unorm2_getNFKCInstance)
UNI_INIT(nfkd_init, unorm2_getNFKDInstance)

/* UTF-16 scratch of at least n units (grows *buf). */
static UChar *u16_reserve(UChar **buf, int32_t *cap, int32_t n)
{
    if (n <= *cap) return *buf;
    int32_t want = n < 256 ? 256 : n;
    UChar *p = realloc(*buf, (size_t)want * sizeof *p);
    if (!p) return NULL;
    *buf = p;
    *cap = want;
    return p;
}

/* Normalizes src[0..n) (UTF-16) with ICU and appends the result to out as UTF-8. */
static int uni_piece(const UNormalizer2 *icu, const UChar *src, int32_t n, UChar **tmp,
                     int32_t *tmpcap, CimSpBuf *out)
{
    if (n == 0) return 0;
    UErrorCode e = U_ZERO_ERROR;
    int32_t got = unorm2_normalize(icu, src, n, *tmp, *tmpcap, &e);
    if (e == U_BUFFER_OVERFLOW_ERROR) {
        if (!u16_reserve(tmp, tmpcap, got)) return -1;
        e = U_ZERO_ERROR;
        got = unorm2_normalize(icu, src, n, *tmp, *tmpcap, &e);
    }
    if (U_FAILURE(e)) return -1;
    int32_t need = 0;
    e = U_ZERO_ERROR;
    u_strToUTF8(NULL, 0, &need, *tmp, got, &e);
    if (cim_sp_buf_reserve(out, (size_t)need + 1) < 0) return -1;
    e = U_ZERO_ERROR;
    u_strToUTF8(out->p + out->len, need + 1, &need, *tmp, got, &e);
    if (U_FAILURE(e)) return -1;
    out->len += (size_t)need;
    return 0;
}

static int uni_apply(const void *self, const char *in, size_t n, CimSpBuf *out)
{
    if (n == 0) return 0;
    const UNormalizer2 *icu = ((const UniNorm *)self)->icu;
    if (all_ascii(in, n)) return put(out, in, n);
    if (n > INT32_MAX / 2) return -1;
    UChar *src = NULL, *tmp = NULL;
    int32_t srccap = 0, tmpcap = 0, len = 0;
    int rc = -1;
    UErrorCode e = U_ZERO_ERROR;
    if (!u16_reserve(&src, &srccap, (int32_t)n + 1)) goto done;
    u_strFromUTF8(src, srccap, &len, in, (int32_t)n, &e);
    if (U_FAILURE(e)) goto done;
    /* Cut at each character Unicode 9.0 did not have: it blocks composition and
     * reordering there, and is kept as it is. */
    int32_t start = 0;
    for (int32_t i = 0; i < len;) {
        int32_t at = i;
        UChar32 c;
        U16_NEXT(src, i, len, c);
        if (!is_newer(c)) continue;
        if (uni_piece(icu, src + start, at - start, &tmp, &tmpcap, out) < 0) goto done;
        if (put_cp(out, (uint32_t)c) < 0) goto done;
        start = i;
    }
    if (uni_piece(icu, src + start, len - start, &tmp, &tmpcap, out) < 0) goto done;
    rc = 0;
done:
    free(src);
    free(tmp);
    return rc;
}

static void plain_free(void *self)
{
    free(self);
}

const CimHfNormalizerOps cim_hf_norm_nfc = {"NFC", nfc_init, uni_apply, plain_free};
const CimHfNormalizerOps cim_hf_norm_nfd = {"NFD", nfd_init, uni_apply, plain_free};
const CimHfNormalizerOps cim_hf_norm_nfkc = {"NFKC", nfkc_init, uni_apply, plain_free};
const CimHfNormalizerOps cim_hf_norm_nfkd = {"NFKD", nfkd_init, uni_apply, plain_free};

/* NFD as the library's BertNormalizer uses it, into out (replaced). */
static int nfd_into(const char *in, size_t n, CimSpBuf *out)
{
    UErrorCode e = U_ZERO_ERROR;
    UniNorm u = {unorm2_getNFDInstance(&e)};
    pthread_once(&newer_once, newer_init);
    if (U_FAILURE(e) || !newer_than_9) return -1;
    out->len = 0;
    return uni_apply(&u, in, n, out);
}

/* ---- Lowercase ------------------------------------------------------------------- */

/* Rust's char::to_lowercase: the simple mapping, except U+0130, whose lowercase is
 * two characters (SpecialCasing.txt's only unconditional one). */
static int lower_cp(CimSpBuf *out, uint32_t c)
{
    if (c < 0x80) {
        char b = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        return put(out, &b, 1);
    }
    if (c == 0x130) return put(out, "i\xcc\x87", 3);
    return put_cp(out, cim_hf_u_lower(c));
}

static int lower_apply(const void *self, const char *in, size_t n, CimSpBuf *out)
{
    if (n == 0) return 0;
    (void)self;
    if (cim_sp_buf_reserve(out, n) < 0) return -1;
    for (size_t i = 0; i < n;) {
        size_t k;
        uint32_t c = cim_utf8_cp((const uint8_t *)in + i, 4, &k);
        if (lower_cp(out, c) < 0) return -1;
        i += k;
    }
    return 0;
}

static int none_init(void **self, const json_t *cfg, char *err, size_t errn)
{
    (void)cfg;
    (void)err;
    (void)errn;
    *self = NULL;
    return 0;
}

static void none_free(void *self)
{
    (void)self;
}

const CimHfNormalizerOps cim_hf_norm_lowercase = {"Lowercase", none_init, lower_apply, none_free};

/* ---- Strip, StripAccents ----------------------------------------------------------- */

typedef struct Strip {
    int left, right;
} Strip;

static int json_flag(const json_t *cfg, const char *key, int dflt)
{
    const json_t *v = json_object_get(cfg, key);
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

static int strip_init(void **self, const json_t *cfg, char *err, size_t errn)
{
    Strip *s = malloc(sizeof *s);
    if (!s) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    s->left = json_flag(cfg, "strip_left", 1);
    s->right = json_flag(cfg, "strip_right", 1);
    *self = s;
    return 0;
}

static int strip_apply(const void *self, const char *in, size_t n, CimSpBuf *out)
{
    if (n == 0) return 0;
    const Strip *s = self;
    size_t a = 0, b = n;
    if (s->left) {
        while (a < b) {
            size_t k;
            uint32_t c = cim_utf8_cp((const uint8_t *)in + a, 4, &k);
            if (!rust_space(c)) break;
            a += k;
        }
    }
    if (s->right) {
        while (b > a) {
            size_t at = b - 1;
            while (at > a && ((uint8_t)in[at] & 0xC0) == 0x80) at--;
            size_t k;
            uint32_t c = cim_utf8_cp((const uint8_t *)in + at, 4, &k);
            if (!rust_space(c)) break;
            b = at;
        }
    }
    return put(out, in + a, b - a);
}

const CimHfNormalizerOps cim_hf_norm_strip = {"Strip", strip_init, strip_apply, plain_free};

/* Keeps the characters for which keep(c) holds. */
static int filter(const char *in, size_t n, CimSpBuf *out, int (*drop)(UChar32))
{
    if (cim_sp_buf_reserve(out, n) < 0) return -1;
    for (size_t i = 0; i < n;) {
        size_t k;
        uint32_t c = cim_utf8_cp((const uint8_t *)in + i, 4, &k);
        if (c < 0x80 || !drop((UChar32)c)) {
            memcpy(out->p + out->len, in + i, k);
            out->len += k;
        }
        i += k;
    }
    return 0;
}

static int accents_init(void **self, const json_t *cfg, char *err, size_t errn)
{
    pthread_once(&newer_once, newer_init);
    return none_init(self, cfg, err, errn);
}

static int accents_apply(const void *self, const char *in, size_t n, CimSpBuf *out)
{
    (void)self;
    return filter(in, n, out, mark_in_9);
}

const CimHfNormalizerOps cim_hf_norm_strip_accents = {"StripAccents", accents_init, accents_apply,
                                               none_free};

/* ---- Prepend ----------------------------------------------------------------------- */

typedef struct Text {
    char  *s;
    size_t n;
} Text;

static int text_init(void **self, const json_t *cfg, const char *key, char *err, size_t errn)
{
    const json_t *v = json_object_get(cfg, key);
    if (!json_is_string(v)) {
        snprintf(err, errn, "normalizer '%s' needs a string \"%s\"",
                 json_string_value(json_object_get(cfg, "type")), key);
        return -1;
    }
    Text *t = malloc(sizeof *t);
    size_t n = json_string_length(v);
    char *s = malloc(n + 1);
    if (!t || !s) {
        free(t);
        free(s);
        snprintf(err, errn, "out of memory");
        return -1;
    }
    memcpy(s, json_string_value(v), n + 1);
    t->s = s;
    t->n = n;
    *self = t;
    return 0;
}

static void text_free(void *self)
{
    Text *t = self;
    if (!t) return;
    free(t->s);
    free(t);
}

static int prepend_init(void **self, const json_t *cfg, char *err, size_t errn)
{
    return text_init(self, cfg, "prepend", err, errn);
}

static int prepend_apply(const void *self, const char *in, size_t n, CimSpBuf *out)
{
    const Text *t = self;
    if (n && put(out, t->s, t->n) < 0) return -1;
    return put(out, in, n);
}

const CimHfNormalizerOps cim_hf_norm_prepend = {"Prepend", prepend_init, prepend_apply,
                                               text_free};

/* ---- Replace ----------------------------------------------------------------------- */

/* The pattern is a literal string or a regex (Oniguruma syntax in the library, run here by
 * PCRE2 in UTF + Unicode-properties mode, with Oniguruma's classes: hf_unicode.h). Matches
 * are found left to right without overlap; an empty match right where the previous match
 * ended is skipped by moving one character on, as the onig crate's find_iter does. */
typedef struct Replace {
    char  *literal;        /* a String pattern, or NULL */
    size_t literal_len;
    char  *content;
    size_t content_len;
#if CIM_HAVE_PCRE2
    pcre2_code *re;
#endif
} Replace;

static void replace_free(void *self)
{
    Replace *r = self;
    if (!r) return;
    free(r->literal);
    free(r->content);
#if CIM_HAVE_PCRE2
    pcre2_code_free(r->re);
#endif
    free(r);
}

static char *dup_json(const json_t *v, size_t *n)
{
    *n = json_string_length(v);
    char *s = malloc(*n + 1);
    if (s) memcpy(s, json_string_value(v), *n + 1);
    return s;
}

static int replace_init(void **self, const json_t *cfg, char *err, size_t errn)
{
    const json_t *pat = json_object_get(cfg, "pattern");
    const json_t *content = json_object_get(cfg, "content");
    const json_t *lit = json_object_get(pat, "String");
    const json_t *rx = json_object_get(pat, "Regex");
    if (!json_is_string(content) || (!json_is_string(lit) && !json_is_string(rx))) {
        snprintf(err, errn, "normalizer 'Replace' needs a String or Regex pattern and content");
        return -1;
    }
    Replace *r = calloc(1, sizeof *r);
    if (!r || !(r->content = dup_json(content, &r->content_len))) goto nomem;
    if (json_is_string(lit)) {
        if (!(r->literal = dup_json(lit, &r->literal_len))) goto nomem;
    } else {
#if CIM_HAVE_PCRE2
        int code;
        PCRE2_SIZE at;
        size_t rn;
        char *onig = cim_hf_onig_pattern(json_string_value(rx), json_string_length(rx), 0, &rn,
                                         err, errn);
        if (!onig) {
            replace_free(r);
            return -1;
        }
        r->re = pcre2_compile((PCRE2_SPTR)onig, rn, PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK,
                              &code, &at, NULL);
        free(onig);
        if (!r->re) {
            PCRE2_UCHAR msg[160];
            pcre2_get_error_message(code, msg, sizeof msg);
            snprintf(err, errn, "normalizer 'Replace': regex error at %zu: %s", (size_t)at,
                     (const char *)msg);
            replace_free(r);
            return -1;
        }
        pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE);
#else
        snprintf(err, errn, "normalizer 'Replace' with a Regex needs PCRE2 (not built in)");
        replace_free(r);
        return -1;
#endif
    }
    *self = r;
    return 0;
nomem:
    replace_free(r);
    snprintf(err, errn, "out of memory");
    return -1;
}

static size_t char_len(uint8_t b)
{
    return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

static int replace_apply(const void *self, const char *in, size_t n, CimSpBuf *out)
{
    if (n == 0) return 0;
    const Replace *r = self;
    size_t copied = 0;
    if (r->literal) {
        if (r->literal_len == 0) return put(out, in, n);
        for (size_t i = 0; i + r->literal_len <= n;) {
            const char *hit = memmem(in + i, n - i, r->literal, r->literal_len);
            if (!hit) break;
            size_t at = (size_t)(hit - in);
            if (put(out, in + copied, at - copied) < 0) return -1;
            if (put(out, r->content, r->content_len) < 0) return -1;
            copied = i = at + r->literal_len;
        }
        return put(out, in + copied, n - copied);
    }
#if CIM_HAVE_PCRE2
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->re, NULL);
    if (!md) return -1;
    size_t from = 0, last_end = SIZE_MAX;
    int rc = 0;
    while (from <= n && n) {
        int m = pcre2_match(r->re, (PCRE2_SPTR)in, n, from, PCRE2_NO_UTF_CHECK, md, NULL);
        if (m < 0) break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        size_t s = ov[0], e = ov[1];
        if (s == e && e == last_end) {
            if (from >= n) break;
            from += char_len((uint8_t)in[from]);
            continue;
        }
        if (put(out, in + copied, s - copied) < 0 || put(out, r->content, r->content_len) < 0) {
            rc = -1;
            break;
        }
        copied = e;
        last_end = e;
        from = e;
    }
    pcre2_match_data_free(md);
    if (rc < 0) return -1;
    return put(out, in + copied, n - copied);
#else
    return -1;
#endif
}

const CimHfNormalizerOps cim_hf_norm_replace = {"Replace", replace_init, replace_apply,
                                               replace_free};

/* ---- BertNormalizer ---------------------------------------------------------------- */

typedef struct Bert {
    int clean_text, chinese, strip_accents, lowercase;
} Bert;

static int bert_init(void **self, const json_t *cfg, char *err, size_t errn)
{
    pthread_once(&newer_once, newer_init);
    Bert *b = malloc(sizeof *b);
    if (!b || !newer_than_9) {
        free(b);
        snprintf(err, errn, "out of memory");
        return -1;
    }
    b->clean_text = json_flag(cfg, "clean_text", 1);
    b->chinese = json_flag(cfg, "handle_chinese_chars", 1);
    b->lowercase = json_flag(cfg, "lowercase", 1);
    /* strip_accents: null (or absent) follows lowercase. */
    b->strip_accents = json_flag(cfg, "strip_accents", b->lowercase);
    *self = b;
    return 0;
}

static int bert_control(uint32_t c)
{
    if (c == '\t' || c == '\n' || c == '\r') return 0;
    int t = u_charType((UChar32)c);
    return (t == U_CONTROL_CHAR || t == U_FORMAT_CHAR || t == U_PRIVATE_USE_CHAR) &&
           known_by((UChar32)c, 8, 0);
}

static int bert_space(uint32_t c)
{
    return c == '\t' || c == '\n' || c == '\r' || rust_space(c);
}

static int chinese(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
           (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

static int bert_apply(const void *self, const char *in, size_t n, CimSpBuf *out)
{
    if (n == 0) return 0;
    const Bert *b = self;
    CimSpBuf tmp = {0}, nfd = {0};
    int rc = -1;
    /* clean_text and handle_chinese_chars in one pass. */
    if (cim_sp_buf_reserve(&tmp, n + 16) < 0) goto done;
    for (size_t i = 0; i < n;) {
        size_t k;
        uint32_t c = cim_utf8_cp((const uint8_t *)in + i, 4, &k);
        const char *at = in + i;
        i += k;
        if (b->clean_text) {
            if (c == 0 || c == 0xFFFD || bert_control(c)) continue;
            if (c != ' ' && bert_space(c)) {
                if (put(&tmp, " ", 1) < 0) goto done;
                continue;
            }
        }
        if (b->chinese && chinese(c)) {
            if (put(&tmp, " ", 1) < 0 || put(&tmp, at, k) < 0 || put(&tmp, " ", 1) < 0)
                goto done;
            continue;
        }
        if (put(&tmp, at, k) < 0) goto done;
    }
    const char *s = tmp.p;
    size_t len = tmp.len;
    if (b->strip_accents) {
        if (nfd_into(s, len, &nfd) < 0) goto done;
        tmp.len = 0;
        if (filter(nfd.p, nfd.len, &tmp, nonspacing_in_8) < 0) goto done;
        s = tmp.p;
        len = tmp.len;
    }
    if (b->lowercase) {
        if (lower_apply(NULL, s, len, out) < 0) goto done;
    } else if (put(out, s, len) < 0) {
        goto done;
    }
    rc = 0;
done:
    free(tmp.p);
    free(nfd.p);
    return rc;
}

const CimHfNormalizerOps cim_hf_norm_bert = {"BertNormalizer", bert_init, bert_apply,
                                            plain_free};

/* ---- Precompiled ------------------------------------------------------------------- */

/* SentencePiece's character map, applied as the library's Precompiled applies it: per
 * extended grapheme cluster, a cluster shorter than 6 bytes is replaced whole when a
 * rule is a prefix of it (the shortest such rule); otherwise each character is looked
 * up alone. */
typedef struct Precompiled {
    uint8_t  *blob;        /* the decoded charsmap */
    CimSpNorm norm;        /* trie and replacements point into blob */
} Precompiled;

static void precompiled_free(void *self)
{
    Precompiled *p = self;
    if (!p) return;
    free(p->blob);
    free(p);
}

static int precompiled_init(void **self, const json_t *cfg, char *err, size_t errn)
{
    const json_t *v = json_object_get(cfg, "precompiled_charsmap");
    Precompiled *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    if (json_is_null(v) || !v) {    /* no map: the normalizer changes nothing */
        *self = p;
        return 0;
    }
    if (!json_is_string(v)) {
        snprintf(err, errn, "normalizer 'Precompiled': precompiled_charsmap is not a string");
        goto fail;
    }
    size_t n = json_string_length(v);
    if (n % 4 || n > INT32_MAX) {
        snprintf(err, errn, "normalizer 'Precompiled': the charsmap is not base64");
        goto fail;
    }
    p->blob = malloc(n / 4 * 3 + 4);
    if (!p->blob) {
        snprintf(err, errn, "out of memory");
        goto fail;
    }
    int got = EVP_DecodeBlock(p->blob, (const unsigned char *)json_string_value(v), (int)n);
    if (got < 0) {
        snprintf(err, errn, "normalizer 'Precompiled': the charsmap is not base64");
        goto fail;
    }
    const char *text = json_string_value(v);
    size_t len = (size_t)got;
    if (n && text[n - 1] == '=') len--;
    if (n > 1 && text[n - 2] == '=') len--;
    uint32_t trie_size = 0;
    if (len > 4) memcpy(&trie_size, p->blob, 4);
    if (len <= 4 || trie_size >= len - 4 + 1 || trie_size % 4 || trie_size == 0) {
        snprintf(err, errn, "normalizer 'Precompiled': the charsmap is broken");
        goto fail;
    }
    p->norm.trie = (const uint32_t *)(const void *)(p->blob + 4);
    p->norm.trie_units = trie_size / 4;
    p->norm.repl = (const char *)p->blob + 4 + trie_size;
    p->norm.repl_len = len - 4 - trie_size;
    *self = p;
    return 0;
fail:
    precompiled_free(p);
    return -1;
}

/* Looks up one character (or a short cluster) and appends what replaces it. */
static int precompiled_part(const CimSpNorm *nm, const char *s, size_t n, CimSpBuf *out,
                            int *hit)
{
    const char *rep;
    long k = cim_sp_charsmap_first(nm, s, n, &rep);
    *hit = k >= 0;
    return k >= 0 ? put(out, rep, (size_t)k) : 0;
}

/* One extended grapheme cluster g[0..glen): replaced whole, or character by character. */
static int precompiled_cluster(const CimSpNorm *nm, const char *g, size_t glen, CimSpBuf *out)
{
    int hit = 0;
    if (glen < 6 && precompiled_part(nm, g, glen, out, &hit) < 0) return -1;
    if (hit) return 0;
    for (size_t i = 0; i < glen;) {
        size_t k = char_len((uint8_t)g[i]);
        if (precompiled_part(nm, g + i, k, out, &hit) < 0) return -1;
        if (!hit && put(out, g + i, k) < 0) return -1;
        i += k;
    }
    return 0;
}

static int precompiled_apply(const void *self, const char *in, size_t n, CimSpBuf *out)
{
    if (n == 0) return 0;
    const Precompiled *p = self;
    if (!p->norm.trie_units || n == 0) return put(out, in, n);
    if (n > INT32_MAX) return -1;
    UBreakIterator *bi = NULL;
    UText *ut = NULL;
    int rc = -1;
    for (size_t at = 0; at < n;) {
        uint8_t c = (uint8_t)in[at];
        /* An ASCII character followed by another (CR LF aside) is a cluster of its own:
         * no need to ask ICU where it ends. */
        if (c < 0x80 && (at + 1 == n || ((uint8_t)in[at + 1] < 0x80 &&
                                         !(c == '\r' && in[at + 1] == '\n')))) {
            if (precompiled_cluster(&p->norm, in + at, 1, out) < 0) goto done;
            at++;
            continue;
        }
        if (!bi) {
            UErrorCode e = U_ZERO_ERROR;
            ut = utext_openUTF8(NULL, in, (int64_t)n, &e);
            bi = ubrk_open(UBRK_CHARACTER, "", NULL, 0, &e);
            if (U_SUCCESS(e)) ubrk_setUText(bi, ut, &e);
            if (U_FAILURE(e)) goto done;
        }
        int32_t end = ubrk_following(bi, (int32_t)at);
        if (end == UBRK_DONE || (size_t)end <= at) end = (int32_t)n;
        if (precompiled_cluster(&p->norm, in + at, (size_t)end - at, out) < 0) goto done;
        at = (size_t)end;
    }
    rc = 0;
done:
    ubrk_close(bi);
    utext_close(ut);
    return rc;
}

const CimHfNormalizerOps cim_hf_norm_precompiled = {"Precompiled", precompiled_init,
                                                   precompiled_apply, precompiled_free};

/* ---- Sequence ---------------------------------------------------------------------- */

typedef struct Sequence {
    CimHfNormalizer *item;
    size_t           n;
} Sequence;

static void sequence_free(void *self)
{
    Sequence *q = self;
    if (!q) return;
    for (size_t i = 0; i < q->n; i++) cim_hf_normalizer_drop(&q->item[i]);
    free(q->item);
    free(q);
}

static int sequence_init(void **self, const json_t *cfg, char *err, size_t errn)
{
    const json_t *list = json_object_get(cfg, "normalizers");
    if (!json_is_array(list)) {
        snprintf(err, errn, "normalizer 'Sequence' needs a list \"normalizers\"");
        return -1;
    }
    Sequence *q = calloc(1, sizeof *q);
    size_t n = json_array_size(list);
    if (!q || !(q->item = calloc(n ? n : 1, sizeof *q->item))) {
        free(q);
        snprintf(err, errn, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (cim_hf_normalizer_build(&q->item[i], json_array_get(list, i), err, errn) < 0) {
            sequence_free(q);
            return -1;
        }
        q->n = i + 1;
    }
    *self = q;
    return 0;
}

static int sequence_apply(const void *self, const char *in, size_t n, CimSpBuf *out)
{
    const Sequence *q = self;
    CimSpBuf a = {0}, b = {0};
    const char *s = in;
    size_t len = n;
    int rc = -1;
    for (size_t i = 0; i < q->n; i++) {
        const CimHfNormalizer *it = &q->item[i];
        if (!it->ops) continue;
        CimSpBuf *dst = s == a.p && a.p ? &b : &a;
        dst->len = 0;
        if (it->ops->apply(it->self, s, len, dst) < 0) goto done;
        s = dst->p ? dst->p : "";
        len = dst->len;
    }
    rc = put(out, s, len);
done:
    free(a.p);
    free(b.p);
    return rc;
}

const CimHfNormalizerOps cim_hf_norm_sequence = {"Sequence", sequence_init, sequence_apply,
                                                sequence_free};
