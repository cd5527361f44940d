/*
 * hf_unicode.c — lookups in the generated tables of hf_unicode_data.h (hf_unicode.h says
 * where they come from).
 */
#include <stdlib.h>
#include <string.h>
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

const char *cim_hf_onig_class(const char *name, size_t n)
{
    for (size_t k = 0; k < sizeof cim_hf_onig_classes / sizeof cim_hf_onig_classes[0]; k++)
        if (strlen(cim_hf_onig_classes[k].name) == n && !memcmp(cim_hf_onig_classes[k].name, name, n))
            return cim_hf_onig_classes[k].body;
    return NULL;
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

/* Puts a class of Oniguruma's (ranges): as they are inside a [...], else as [ranges] or
 * [^ranges] (negate). */
static int put_class(Str *s, const char *ranges, int in_class, int negate)
{
    const char *open = in_class ? "" : negate ? "[^" : "[";
    if (str_put(s, open, strlen(open)) < 0 || str_put(s, ranges, strlen(ranges)) < 0) return -1;
    return in_class ? 0 : str_put(s, "]", 1);
}

char *cim_hf_onig_pattern(const char *re, size_t n, size_t *outn)
{
    Str out = {0};
    if (str_put(&out, "", 0) < 0) return NULL;     /* an empty pattern is a pattern */
    const char *space = cim_hf_onig_class("White_Space", 11);
    int in_class = 0, bad = 0;
    for (size_t i = 0; i < n && !bad;) {
        char ch = re[i];
        if (ch == '\\' && i + 1 < n) {
            char nx = re[i + 1];
            const char *name = NULL;
            size_t namen = 0, len = 2;
            if (nx == 'p' || nx == 'P') {
                if (i + 2 < n && re[i + 2] == '{') {
                    const char *close = memchr(re + i + 3, '}', n - i - 3);
                    if (close) {
                        name = re + i + 3;
                        namen = (size_t)(close - name);
                        len = namen + 4;
                    }
                } else if (i + 2 < n) {
                    name = re + i + 2;
                    namen = 1;
                    len = 3;
                }
            }
            const char *ranges = name ? cim_hf_onig_class(name, namen) : NULL;
            if ((nx == 's' || nx == 'S') && !(nx == 'S' && in_class)) {
                bad = put_class(&out, space, in_class, nx == 'S') < 0;
                i += 2;
            } else if (ranges && !(nx == 'P' && in_class)) {
                bad = put_class(&out, ranges, in_class, nx == 'P') < 0;
                i += len;
            } else {
                bad = str_put(&out, re + i, 2) < 0;
                i += 2;
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
    if (bad) {
        free(out.p);
        return NULL;
    }
    *outn = out.n;
    return out.p;
}
