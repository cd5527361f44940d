/* err.h — errors as values (zstd's RETURN_ERROR_IF, one line per check). */
#ifndef CIM_ERR_H
#define CIM_ERR_H
#include "cimeter.h"

/* Sets e (may be NULL) and returns code, so a check is `return cim_err(e, ...)`. */
int cim_err(CimErr *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define CIM_RETURN_IF(cond, e, code, ...) \
    do { if (cond) return cim_err((e), (code), __VA_ARGS__); } while (0)
/* Propagates a negative result. */
#define CIM_CHECK(expr) \
    do { int cim__r = (expr); if (cim__r < 0) return cim__r; } while (0)

#endif
