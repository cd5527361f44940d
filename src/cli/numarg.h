/* numarg.h — strict number arguments for every command: the whole
 * string must be the number (no sign where a count is asked, no trailing
 * text, no overflow, finite), so `-j abc` is a usage error and not 0. */
#ifndef CIM_NUMARG_H
#define CIM_NUMARG_H
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

/* A decimal integer in [lo, hi]; returns 0, or -1 (v untouched). */
static inline int cim_arg_long(const char *s, long lo, long hi, long *v)
{
    if (!s || !*s || isspace((unsigned char)*s)) return -1;
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (*end || errno == ERANGE || x < lo || x > hi) return -1;
    *v = x;
    return 0;
}

/* An unsigned 64-bit decimal integer (no sign). */
static inline int cim_arg_u64(const char *s, unsigned long long *v)
{
    if (!s || !isdigit((unsigned char)*s)) return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (*end || errno == ERANGE) return -1;
    *v = x;
    return 0;
}

/* A finite number (strtod syntax: 1e21, 0.5, -3). */
static inline int cim_arg_double(const char *s, double *v)
{
    if (!s || !*s || isspace((unsigned char)*s)) return -1;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(x)) return -1;
    *v = x;
    return 0;
}
#endif
