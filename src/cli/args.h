/* args.h — strict number arguments, shared by every command: the whole string must
 * be the number (no leading space, no sign where a count is asked, no trailing text,
 * no overflow, finite), so `-j abc` or `--tolerance 1%` is a usage error, never 0. */
#ifndef CIM_CLI_ARGS_H
#define CIM_CLI_ARGS_H
#include <stdint.h>

/* The most threads a -j or --threads takes. */
#define CIM_ARG_MAX_THREADS 4096

/* A decimal integer in [lo, hi]; returns 0, or -1 (v untouched). */
int cim_arg_long(const char *s, long lo, long hi, long *v);
/* An unsigned 64-bit decimal integer (no sign); 0 or -1. */
int cim_arg_u64(const char *s, uint64_t *v);
/* A finite number (strtod syntax: 1e21, 0.5, -3); 0 or -1. The caller checks its range,
 * which is often open ("a positive number"). */
int cim_arg_double(const char *s, double *v);
/* A thread count, 1..CIM_ARG_MAX_THREADS; 0 or -1. */
int cim_arg_threads(const char *s, int *v);
#endif
