/* hex.h — bytes as lowercase hex and back: paths and messages that are not UTF-8 travel
 * exactly through the JSON (path_hex) and the journal. */
#ifndef CIM_HEX_H
#define CIM_HEX_H
#include <stddef.h>

/* n bytes as 2n lowercase hex digits; malloc'd, NULL when out of memory. */
char *cim_hex_encode(const void *data, size_t n);
/* A hex string back to its bytes as a C string; NULL when malformed (odd length, a
 * non-hex digit), when it holds a NUL byte, or when out of memory. */
char *cim_hex_decode(const char *hex);
#endif
