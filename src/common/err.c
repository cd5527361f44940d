/* err.c — error codes to text; the per-call message lives in the caller's CimErr. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cim_config.h"
#include "common/err.h"

int cim_err(CimErr *e, int code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        e->code = code;
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *cim_strerror(int code)
{
    switch (code) {
    case CIM_OK:              return "ok";
    case CIM_ERR_IO:          return "io";
    case CIM_ERR_NOMEM:       return "out-of-memory";
    case CIM_ERR_CORRUPT:     return "corrupt";
    case CIM_ERR_TRUNCATED:   return "truncated";
    case CIM_ERR_LIMIT:       return "limit";
    case CIM_ERR_UNSUPPORTED: return "unsupported";
    case CIM_ERR_USAGE:       return "usage";
    case CIM_ERR_EMPTY:       return "empty";
    case CIM_ERR_NEED_DECODE: return "need-decode";
    case CIM_ERR_MODEL:       return "model";
    case CIM_ERR_INTERNAL:    return "internal";
    case CIM_ERR_REFUSED:     return "refused";
    case CIM_ERR_CANCELLED:   return "cancelled";
    }
    return "unknown";
}

const char *cim_version(void) { return CIM_VERSION; }

static const char *const modality_names[CIM_MOD_COUNT] = {"text", "image", "video", "audio"};

const char *cim_modality_name(CimModality m)
{
    return (m >= 0 && m < CIM_MOD_COUNT) ? modality_names[m] : "none";
}

CimModality cim_modality_from_name(const char *s)
{
    for (int m = 0; m < CIM_MOD_COUNT; m++)
        if (s && !strcmp(s, modality_names[m]))
            return (CimModality)m;
    return CIM_MOD_NONE;
}
