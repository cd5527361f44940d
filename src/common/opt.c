/* opt.c — parse "k=v,k=v" spec arguments against a CimOption table. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "common/opt.h"

static const CimOption *find(const CimOption *opts, const char *name, size_t len)
{
    for (const CimOption *o = opts; o && o->name; o++)
        if (strlen(o->name) == len && !strncmp(o->name, name, len))
            return o;
    return NULL;
}

uint64_t cim_gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t rest = a % b;
        a = b;
        b = rest;
    }
    return a;
}

/* Appends the digits at *sp to *v, moving *sp past them; how many were read, or -1
 * when *v would overflow 64 bits. */
static int read_digits(const char **sp, uint64_t *v)
{
    int count = 0;
    for (; **sp >= '0' && **sp <= '9'; (*sp)++, count++) {
        if (*v > (UINT64_MAX - 9) / 10)
            return -1;
        *v = *v * 10 + (uint64_t)(**sp - '0');
    }
    return count;
}

int cim_rational_read(const char *s, int allow_sign, CimRational *r, int *decimals)
{
    int negative = 0;
    uint64_t num = 0;
    uint64_t den = 1;
    *decimals = 0;
    if (allow_sign && (*s == '-' || *s == '+'))
        negative = *s++ == '-';
    if (read_digits(&s, &num) <= 0)
        return -1;
    if (*s == '.') {
        s++;
        int frac = read_digits(&s, &num);
        if (frac <= 0 || frac > 18)
            return -1;
        for (int i = 0; i < frac; i++)
            den *= 10;
        *decimals = frac;
    } else if (*s == '/') {
        s++;
        den = 0;
        if (read_digits(&s, &den) <= 0 || !den)
            return -1;
    }
    if (*s)
        return -1;
    uint64_t g = cim_gcd(num, den);
    num /= g;
    den /= g;
    if (num > INT64_MAX || den > INT64_MAX)
        return -1;
    r->num = negative ? -(int64_t)num : (int64_t)num;
    r->den = (int64_t)den;
    return 0;
}

int cim_rational_format(CimRational r, char *buf, size_t n)
{
    int w;
    if (r.den == 1)
        w = snprintf(buf, n, "%lld", (long long)r.num);
    else
        w = snprintf(buf, n, "%lld/%lld", (long long)r.num, (long long)r.den);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

int cim_decimal_format(CimRational r, char *buf, size_t n)
{
    /* The fewest decimals k with den | 10^k; then num/den = (whole, frac) / 10^k. */
    uint64_t den = (uint64_t)r.den;
    uint64_t magnitude = r.num < 0 ? 0 - (uint64_t)r.num : (uint64_t)r.num;
    uint64_t scale = 1;
    int k = 0;
    while (scale % den) {
        if (k == 18)
            return -1;
        scale *= 10;
        k++;
    }
    uint64_t whole = magnitude / den;
    uint64_t frac = magnitude % den * (scale / den);
    const char *sign = r.num < 0 ? "-" : "";
    int w;
    if (k)
        w = snprintf(buf, n, "%s%llu.%0*llu", sign, (unsigned long long)whole, k,
                     (unsigned long long)frac);
    else
        w = snprintf(buf, n, "%s%llu", sign, (unsigned long long)whole);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* Sign of num/den − bound for an integer-valued bound, computed exactly. */
static int rational_cmp(CimRational r, double bound)
{
    __int128 lhs = (__int128)r.num;
    __int128 rhs = (__int128)(int64_t)bound * r.den;
    return (lhs > rhs) - (lhs < rhs);
}

/* An exact number option: the option's word, or a number within [min, max]. A
 * RATIONAL is positive and keeps each part of the reduced fraction within 32 bits; a
 * DECIMAL has at most o->decimals digits after the point and a sign when min < 0. */
static int set_exact(CimRational *out, const CimOption *o, const char *val, CimErr *e)
{
    if (o->word && !strcmp(val, o->word)) {
        *out = (CimRational){0, 1};
        return 0;
    }
    CimRational r;
    int decimals;
    int bad = cim_rational_read(val, o->min < 0, &r, &decimals) < 0;
    if (o->type == CIM_OPT_DECIMAL) {
        CIM_RETURN_IF(bad || strchr(val, '/') || decimals > o->decimals, e, CIM_ERR_USAGE,
                      "option %s: '%s' is not a decimal number with at most %d decimals",
                      o->name, val, o->decimals);
    } else {
        int too_wide = !bad && (r.num > UINT32_MAX || r.num < -(int64_t)UINT32_MAX
                                || r.den > UINT32_MAX);
        CIM_RETURN_IF(bad || too_wide, e, CIM_ERR_USAGE,
                      "option %s: '%s' is not %s%san integer, a/b fraction or decimal "
                      "(each part of the reduced fraction within 32 bits)",
                      o->name, val, o->word ? o->word : "", o->word ? ", " : "");
    }
    CIM_RETURN_IF(o->type == CIM_OPT_RATIONAL && r.num <= 0, e, CIM_ERR_USAGE,
                  "option %s: %s is not positive", o->name, val);
    CIM_RETURN_IF(rational_cmp(r, o->min) < 0 || rational_cmp(r, o->max) > 0, e,
                  CIM_ERR_USAGE, "option %s: %s is outside [%g, %g]", o->name, val,
                  o->min, o->max);
    *out = r;
    return 0;
}

static int set_value(void *conf, const CimOption *o, const char *val, CimErr *e)
{
    char *p = (char *)conf + o->offset, *end;
    switch (o->type) {
    case CIM_OPT_INT: {
        errno = 0;
        long long v = strtoll(val, &end, 10);
        CIM_RETURN_IF(errno || end == val || *end, e, CIM_ERR_USAGE,
                      "option %s: '%s' is not an integer", o->name, val);
        CIM_RETURN_IF(v < o->min || v > o->max, e, CIM_ERR_USAGE,
                      "option %s: %lld is outside [%g, %g]", o->name, v, o->min, o->max);
        *(int64_t *)p = v;
        return 0;
    }
    case CIM_OPT_DOUBLE: {
        errno = 0;
        double v = strtod(val, &end);
        CIM_RETURN_IF(errno || end == val || *end || !isfinite(v), e, CIM_ERR_USAGE,
                      "option %s: '%s' is not a number", o->name, val);
        CIM_RETURN_IF(v < o->min || v > o->max, e, CIM_ERR_USAGE,
                      "option %s: %g is outside [%g, %g]", o->name, v, o->min, o->max);
        *(double *)p = v;
        return 0;
    }
    case CIM_OPT_FLAG:
        if (!val || !strcmp(val, "1") || !strcmp(val, "true") || !strcmp(val, "on"))
            *(int *)p = 1;
        else if (!strcmp(val, "0") || !strcmp(val, "false") || !strcmp(val, "off"))
            *(int *)p = 0;
        else
            return cim_err(e, CIM_ERR_USAGE, "option %s: '%s' is not a boolean", o->name, val);
        return 0;
    case CIM_OPT_STRING: {
        char **s = (char **)p;
        free(*s);
        *s = strdup(val);
        CIM_RETURN_IF(!*s, e, CIM_ERR_NOMEM, "out of memory");
        return 0;
    }
    case CIM_OPT_RATIONAL:
    case CIM_OPT_DECIMAL:
        return set_exact((CimRational *)p, o, val ? val : "", e);
    }
    return cim_err(e, CIM_ERR_INTERNAL, "bad option type");
}

/* One item of "k=v,k=v,...": its key (empty for a bare word) and its value. A value in
 * double quotes may hold any character, '\"' and '\\' standing for a quote and a
 * backslash, so that a model path holding '=', ',' or spaces can be given. */
typedef struct OptItem {
    const char *key;
    size_t      key_len;
    int         has_value;   /* "k=v" or a quoted word */
    char        value[4096];
} OptItem;

/* Reads a quoted value at *sp (at its opening quote) into buf; *sp ends after the
 * closing quote. */
static int read_quoted(const char **sp, char *buf, size_t n, CimErr *e)
{
    const char *s = *sp + 1;
    size_t used = 0;
    for (; *s && *s != '"'; s++) {
        if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
            s++;
        CIM_RETURN_IF(used + 1 >= n, e, CIM_ERR_USAGE, "option value too long");
        buf[used++] = *s;
    }
    CIM_RETURN_IF(*s != '"', e, CIM_ERR_USAGE, "unterminated quote in '%s'", *sp);
    buf[used] = 0;
    *sp = s + 1;
    return 0;
}

/* Reads a plain value of len bytes into buf. */
static int read_plain(const char *s, size_t len, char *buf, size_t n, CimErr *e)
{
    CIM_RETURN_IF(len >= n, e, CIM_ERR_USAGE, "option value too long");
    memcpy(buf, s, len);
    buf[len] = 0;
    return 0;
}

/* Reads the item at *sp; *sp ends after it and its comma. */
static int next_item(const char **sp, OptItem *it, CimErr *e)
{
    const char *s = *sp;
    it->key = s;
    it->key_len = 0;
    it->has_value = 0;
    if (*s == '"') {
        CIM_CHECK(read_quoted(&s, it->value, sizeof it->value, e));
        it->has_value = 1;
    } else {
        size_t word = strcspn(s, ",=");
        if (s[word] == '=') {
            it->key_len = word;
            it->has_value = 1;
            s += word + 1;
            if (*s == '"') {
                CIM_CHECK(read_quoted(&s, it->value, sizeof it->value, e));
            } else {
                size_t len = strcspn(s, ",");
                CIM_CHECK(read_plain(s, len, it->value, sizeof it->value, e));
                s += len;
            }
        } else {
            CIM_CHECK(read_plain(s, word, it->value, sizeof it->value, e));
            s += word;
        }
    }
    CIM_RETURN_IF(*s && *s != ',', e, CIM_ERR_USAGE,
                  "expected ',' after a quoted value, not '%s'", s);
    *sp = *s ? s + 1 : s;
    return 0;
}

static void set_defaults(void *conf, const CimOption *opts, CimErr *e, int *rc)
{
    for (const CimOption *o = opts; o && o->name; o++) {
        char *p = (char *)conf + o->offset;
        switch (o->type) {
        case CIM_OPT_RATIONAL:
        case CIM_OPT_DECIMAL:
            if (!*rc)
                *rc = set_exact((CimRational *)p, o, o->def_str ? o->def_str : "0", e);
            break;
        case CIM_OPT_INT:
            *(int64_t *)p = (int64_t)o->def;
            break;
        case CIM_OPT_DOUBLE:
            *(double *)p = o->def;
            break;
        case CIM_OPT_FLAG:
            *(int *)p = (int)o->def;
            break;
        case CIM_OPT_STRING:
            *(char **)p = o->def_str ? strdup(o->def_str) : NULL;
            if (o->def_str && !*(char **)p)
                *rc = cim_err(e, CIM_ERR_NOMEM, "out of memory");
            break;
        }
    }
}

int cim_opt_parse(void *conf, const CimOption *opts, const char *const *shorthand,
                  const char *args, CimErr *e)
{
    int rc = 0;
    set_defaults(conf, opts, e, &rc);
    CIM_CHECK(rc);
    if (!args || !*args)
        return 0;
    size_t npos = 0;
    const char *s = args;
    OptItem it;
    while (*s) {
        CIM_CHECK(next_item(&s, &it, e));
        const CimOption *o;
        if (it.key_len) {
            o = find(opts, it.key, it.key_len);
            CIM_RETURN_IF(!o, e, CIM_ERR_USAGE,
                          "unknown option '%.*s' (a value holding '=' or ',' goes in double "
                          "quotes: \"%.*s...\")", (int)it.key_len, it.key, (int)it.key_len, it.key);
            CIM_CHECK(set_value(conf, o, it.value, e));
            continue;
        }
        o = it.has_value ? NULL : find(opts, it.value, strlen(it.value));
        if (o && o->type == CIM_OPT_FLAG) {
            CIM_CHECK(set_value(conf, o, NULL, e));
            continue;
        }
        CIM_RETURN_IF(!shorthand || !shorthand[npos], e, CIM_ERR_USAGE,
                      "unexpected value '%s' (options are k=v)", it.value);
        o = find(opts, shorthand[npos], strlen(shorthand[npos]));
        npos++;
        CIM_RETURN_IF(!o, e, CIM_ERR_INTERNAL, "bad shorthand");
        CIM_CHECK(set_value(conf, o, it.value, e));
    }
    return 0;
}

int cim_opt_quote(const char *value, char *buf, size_t n)
{
    size_t used = 0;
    int quote = value[0] == '"' || value[strcspn(value, ",=\"\\")] != 0;
    if (quote && used + 1 < n)
        buf[used++] = '"';
    for (const char *c = value; *c; c++) {
        if (quote && (*c == '"' || *c == '\\') && used + 1 < n)
            buf[used++] = '\\';
        if (used + 1 < n)
            buf[used++] = *c;
    }
    if (quote && used + 1 < n)
        buf[used++] = '"';
    if (used + 1 >= n)
        return -1;
    buf[used] = 0;
    return 0;
}

void cim_opt_free(void *conf, const CimOption *opts)
{
    for (const CimOption *o = opts; conf && o && o->name; o++)
        if (o->type == CIM_OPT_STRING) {
            char **s = (char **)((char *)conf + o->offset);
            free(*s);
            *s = NULL;
        }
}

int cim_opt_canon(const void *conf, const CimOption *opts, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (const CimOption *o = opts; o && o->name; o++) {
        const char *p = (const char *)conf + o->offset;
        int w = 0;
        const char *sep = used ? "," : "";
        switch (o->type) {
        case CIM_OPT_INT:    w = snprintf(buf + used, n - used, "%s%s=%lld", sep, o->name, (long long)*(const int64_t *)p); break;
        case CIM_OPT_DOUBLE: {
            /* Shortest form that reads back as the same double. */
            double v = *(const double *)p;
            char num[32];
            snprintf(num, sizeof num, "%.15g", v);
            if (strtod(num, NULL) != v) snprintf(num, sizeof num, "%.17g", v);
            w = snprintf(buf + used, n - used, "%s%s=%s", sep, o->name, num);
            break;
        }
        case CIM_OPT_FLAG:
            if (!*(const int *)p) continue;
            w = snprintf(buf + used, n - used, "%s%s", sep, o->name);
            break;
        case CIM_OPT_RATIONAL:
        case CIM_OPT_DECIMAL: {
            const CimRational *r = (const CimRational *)p;
            char num[48];
            int bad;
            if (o->word && r->num == 0)
                bad = snprintf(num, sizeof num, "%s", o->word) >= (int)sizeof num;
            else if (o->type == CIM_OPT_RATIONAL)
                bad = cim_rational_format(*r, num, sizeof num) < 0;
            else
                bad = cim_decimal_format(*r, num, sizeof num) < 0;
            if (bad)
                return -1;
            w = snprintf(buf + used, n - used, "%s%s=%s", sep, o->name, num);
            break;
        }
        case CIM_OPT_STRING: {
            if (!*(char *const *)p) continue;
            char quoted[4096 * 2 + 3];
            if (cim_opt_quote(*(char *const *)p, quoted, sizeof quoted) < 0)
                return -1;
            w = snprintf(buf + used, n - used, "%s%s=%s", sep, o->name, quoted);
            break;
        }
        }
        if (w < 0 || (size_t)w >= n - used)
            return -1;
        used += (size_t)w;
    }
    return 0;
}
