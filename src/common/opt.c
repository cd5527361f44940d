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
    }
    return cim_err(e, CIM_ERR_INTERNAL, "bad option type");
}

int cim_opt_parse(void *conf, const CimOption *opts, const char *const *shorthand,
                  const char *args, CimErr *e)
{
    for (const CimOption *o = opts; o && o->name; o++) {
        char *p = (char *)conf + o->offset;
        switch (o->type) {
        case CIM_OPT_INT:    *(int64_t *)p = (int64_t)o->def; break;
        case CIM_OPT_DOUBLE: *(double *)p = o->def; break;
        case CIM_OPT_FLAG:   *(int *)p = (int)o->def; break;
        case CIM_OPT_STRING:
            *(char **)p = o->def_str ? strdup(o->def_str) : NULL;
            CIM_RETURN_IF(o->def_str && !*(char **)p, e, CIM_ERR_NOMEM, "out of memory");
            break;
        }
    }
    if (!args || !*args)
        return 0;
    size_t npos = 0;
    const char *s = args;
    while (*s) {
        const char *comma = strchr(s, ','), *stop = comma ? comma : s + strlen(s);
        const char *eq = memchr(s, '=', (size_t)(stop - s));
        char val[4096];
        const CimOption *o;
        if (eq) {
            o = find(opts, s, (size_t)(eq - s));
            CIM_RETURN_IF(!o, e, CIM_ERR_USAGE, "unknown option '%.*s'", (int)(eq - s), s);
            CIM_RETURN_IF((size_t)(stop - eq - 1) >= sizeof val, e, CIM_ERR_USAGE, "option value too long");
            memcpy(val, eq + 1, (size_t)(stop - eq - 1));
            val[stop - eq - 1] = 0;
            CIM_CHECK(set_value(conf, o, val, e));
        } else if ((o = find(opts, s, (size_t)(stop - s))) && o->type == CIM_OPT_FLAG) {
            CIM_CHECK(set_value(conf, o, NULL, e));
        } else {
            CIM_RETURN_IF(!shorthand || !shorthand[npos], e, CIM_ERR_USAGE,
                          "unexpected value '%.*s' (options are k=v)", (int)(stop - s), s);
            o = find(opts, shorthand[npos], strlen(shorthand[npos]));
            npos++;
            CIM_RETURN_IF(!o, e, CIM_ERR_INTERNAL, "bad shorthand");
            CIM_RETURN_IF((size_t)(stop - s) >= sizeof val, e, CIM_ERR_USAGE, "option value too long");
            memcpy(val, s, (size_t)(stop - s));
            val[stop - s] = 0;
            CIM_CHECK(set_value(conf, o, val, e));
        }
        s = comma ? comma + 1 : stop;
    }
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
        case CIM_OPT_STRING:
            if (!*(char *const *)p) continue;
            w = snprintf(buf + used, n - used, "%s%s=%s", sep, o->name, *(char *const *)p);
            break;
        }
        if (w < 0 || (size_t)w >= n - used)
            return -1;
        used += (size_t)w;
    }
    return 0;
}
