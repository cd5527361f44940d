/*
 * hf_unicode.c — lookups in the generated tables of hf_unicode_data.h (hf_unicode.h says
 * where they come from).
 */
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
