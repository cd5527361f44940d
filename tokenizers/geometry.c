/* geometry.c — doc/tokenizers.md geometry rules (resize=native|S|WxH, max=S), integer-exact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "tokenizer.h"

int cim_resize_parse(const char *str, CimResize *r, CimErr *e)
{
    memset(r, 0, sizeof *r);
    if (!str || !*str || !strcmp(str, "native"))
        return 0;
    char *end;
    unsigned long a = strtoul(str, &end, 10);
    CIM_RETURN_IF(end == str || a == 0 || a > 1u << 20, e, CIM_ERR_USAGE,
                  "resize: '%s' is not native, S or WxH", str);
    if (!*end) { r->mode = 1; r->s = (uint32_t)a; return 0; }
    CIM_RETURN_IF(*end != 'x', e, CIM_ERR_USAGE, "resize: '%s' is not native, S or WxH", str);
    const char *hs = end + 1;
    unsigned long b = strtoul(hs, &end, 10);
    CIM_RETURN_IF(end == hs || *end || b == 0 || b > 1u << 20, e, CIM_ERR_USAGE,
                  "resize: '%s' is not native, S or WxH", str);
    r->mode = 2; r->w = (uint32_t)a; r->h = (uint32_t)b;
    return 0;
}

/* round(side * s / ref) with halves rounded up, at least 1. */
static uint32_t scale(uint64_t side, uint64_t s, uint64_t ref)
{
    uint64_t v = (2 * side * s + ref) / (2 * ref);
    return v ? (uint32_t)v : 1;
}

void cim_resize_apply(const CimResize *r, uint32_t w, uint32_t h, uint32_t *ow, uint32_t *oh)
{
    switch (r->mode) {
    case 1:
        if (w <= h) { *ow = r->s; *oh = scale(h, r->s, w); }
        else        { *oh = r->s; *ow = scale(w, r->s, h); }
        break;
    case 2: *ow = r->w; *oh = r->h; break;
    default: *ow = w; *oh = h; break;
    }
    if (r->max) {
        uint32_t lw = *ow, lh = *oh;
        if (lw >= lh && lw > r->max) { *ow = r->max; *oh = scale(lh, r->max, lw); }
        else if (lh > lw && lh > r->max) { *oh = r->max; *ow = scale(lw, r->max, lh); }
    }
}

void cim_resize_canon(const CimResize *r, char *buf, size_t n)
{
    switch (r->mode) {
    case 1:  snprintf(buf, n, "%u", r->s); break;
    case 2:  snprintf(buf, n, "%ux%u", r->w, r->h); break;
    default: snprintf(buf, n, "native"); break;
    }
}
