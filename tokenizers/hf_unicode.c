/*
 * hf_unicode.c — lookups in the generated tables of hf_unicode_data.h (hf_unicode.h says
 * where they come from).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cim_config.h"
#if CIM_HAVE_PCRE2
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif
#include "hf_unicode.h"
#include "hf_unicode_data.h"

uint32_t cim_hf_u_lower(uint32_t c)
{
    if (!(cim_hf_u_flags(c) & CIM_HF_U_LOWER)) return c;
    size_t n = sizeof cim_hf_u_lower_pairs / sizeof cim_hf_u_lower_pairs[0];
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cim_hf_u_lower_pairs[mid][0] < c) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && cim_hf_u_lower_pairs[lo][0] == c ? cim_hf_u_lower_pairs[lo][1] : c;
}

/* The index in cim_hf_onig_classes of name[0..n), or -1. */
static int onig_class(const char *name, size_t n)
{
    for (size_t k = 0; k < sizeof cim_hf_onig_classes / sizeof cim_hf_onig_classes[0]; k++) {
        const char *have = cim_hf_onig_classes[k].name;
        if (strlen(have) == n && !memcmp(have, name, n)) return (int)k;
    }
    return -1;
}

int cim_hf_pcre2_own_classes_known(void)
{
#if CIM_HAVE_PCRE2
    char version[32] = "";
    if (pcre2_config(PCRE2_CONFIG_UNICODE_VERSION, version) < 0) return 0;
    return !strcmp(version, CIM_HF_PCRE2_UNICODE);
#else
    return 0;
#endif
}

/* A growing string. */
typedef struct Str { char *p; size_t n, cap; } Str;

static int str_put(Str *s, const char *p, size_t n)
{
    if (s->n + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (s->n + n + 1 > cap) cap *= 2;
        char *q = realloc(s->p, cap);
        if (!q) return -1;
        s->p = q;
        s->cap = cap;
    }
    memcpy(s->p + s->n, p, n);
    s->n += n;
    s->p[s->n] = 0;
    return 0;
}

/* Puts Oniguruma's class k: as ranges inside a [...], else as [ranges] or [^ranges]
 * (negate). */
static int put_class(Str *s, int k, int in_class, int negate)
{
    const char *open = in_class ? "" : negate ? "[^" : "[";
    const char *ranges = cim_hf_onig_classes[k].body;
    if (str_put(s, open, strlen(open)) < 0 || str_put(s, ranges, strlen(ranges)) < 0) return -1;
    return in_class ? 0 : str_put(s, "]", 1);
}

/* Puts [lo, hi] as a range inside a [...], less the surrogates: PCRE2 refuses them in UTF
 * mode, and no UTF-8 text holds them. */
static int put_range(Str *s, unsigned long lo, unsigned long hi)
{
    if (lo <= 0xDFFF && hi >= 0xD800) {
        if (lo < 0xD800 && put_range(s, lo, 0xD7FF) < 0) return -1;
        return hi > 0xDFFF ? put_range(s, 0xE000, hi) : 0;
    }
    char buf[40];
    int n = snprintf(buf, sizeof buf, "\\x{%lx}-\\x{%lx}", lo, hi);
    return str_put(s, buf, (size_t)n);
}

/* Puts the code points outside Oniguruma's class k as ranges inside a [...] (\P{..} or \S
 * there: PCRE2 has no class difference to write them otherwise). */
static int put_complement(Str *s, int k)
{
    const char *p = cim_hf_onig_classes[k].body;
    unsigned long next = 0;                                  /* first one not yet placed */
    while (*p == '\\') {
        char *end;
        unsigned long lo = strtoul(p + 3, &end, 16), hi = lo;   /* \x{lo} */
        p = end + 1;
        if (*p == '-') {
            hi = strtoul(p + 4, &end, 16);                       /* -\x{hi} */
            p = end + 1;
        }
        if (lo > next && put_range(s, next, lo - 1) < 0) return -1;
        next = hi + 1;
    }
    return next <= 0x10FFFF ? put_range(s, next, 0x10FFFF) : 0;
}

char *cim_hf_onig_pattern(const char *re, size_t n, int own_classes, size_t *outn, char *err,
                          size_t errn)
{
    Str out = {0};
    if (str_put(&out, "", 0) < 0) goto nomem;     /* an empty pattern is a pattern */
    const int space = onig_class("White_Space", 11);
    int in_class = 0, bad = 0;
    for (size_t i = 0; i < n && !bad;) {
        char ch = re[i];
        if (ch == '\\' && i + 1 < n) {
            char nx = re[i + 1];
            int k = -1;
            size_t len = 2;
            if (nx == 'p' || nx == 'P') {
                const char *name = re + i + 2;
                size_t name_len = i + 2 < n ? 1 : 0;
                len = 2 + name_len;
                if (i + 2 < n && re[i + 2] == '{') {
                    const char *close = memchr(re + i + 3, '}', n - i - 3);
                    name = re + i + 3;
                    name_len = close ? (size_t)(close - name) : n - i - 3;
                    len = 3 + name_len + (close != NULL);
                }
                k = onig_class(name, name_len);
                if (k < 0) {
                    /* Scripts and other properties would run on PCRE2's older tables. */
                    snprintf(err, errn, "unsupported regex property \\%c{%.*s} (cimeter has the "
                             "library's Unicode tables for the General_Category classes only)",
                             nx, (int)(name_len < 40 ? name_len : 40), name);
                    free(out.p);
                    return NULL;
                }
            }
            if (nx == 's' || nx == 'S') {
                if (nx == 'S' && in_class) bad = put_complement(&out, space) < 0;
                else bad = put_class(&out, space, in_class, nx == 'S') < 0;
                i += 2;
            } else if (k >= 0 && !own_classes) {
                if (nx == 'P' && in_class) bad = put_complement(&out, k) < 0;
                else bad = put_class(&out, k, in_class, nx == 'P') < 0;
                i += len;
            } else {
                bad = str_put(&out, re + i, k >= 0 ? len : 2) < 0;
                i += k >= 0 ? len : 2;
            }
            continue;
        }
        if (ch == '[' && !in_class) {
            in_class = 1;
            size_t k = 1;
            if (i + k < n && re[i + k] == '^') k++;
            if (i + k < n && re[i + k] == ']') k++;   /* a literal ] first */
            bad = str_put(&out, re + i, k) < 0;
            i += k;
            continue;
        }
        if (ch == ']' && in_class) in_class = 0;
        bad = str_put(&out, &ch, 1) < 0;
        i++;
    }
    if (bad) goto nomem;
    *outn = out.n;
    return out.p;
nomem:
    free(out.p);
    snprintf(err, errn, "out of memory");
    return NULL;
}
