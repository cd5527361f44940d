/* args.c — strict number arguments for the commands (see args.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "cli/args.h"

int cim_arg_long(const char *s, long lo, long hi, long *v)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (*end || errno == ERANGE || x < lo || x > hi)
        return -1;
    *v = x;
    return 0;
}

int cim_arg_u64(const char *s, uint64_t *v)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (*end || errno == ERANGE)
        return -1;
    *v = x;
    return 0;
}

int cim_arg_double(const char *s, double *v)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(x))
        return -1;
    *v = x;
    return 0;
}

int cim_arg_threads(const char *s, int *v)
{
    long n;
    if (cim_arg_long(s, 1, CIM_ARG_MAX_THREADS, &n) < 0)
        return -1;
    *v = (int)n;
    return 0;
}
