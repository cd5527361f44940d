/*
 * json_field.h — one JSON Lines line's string field, through simdjson.
 *
 * simdjson's DOM parser validates the whole line (a line that is not JSON is an
 * error, not a partial read) at several GB/s; jansson, which writes cimeter's
 * own JSON, spent as long on a corpus's lines as the tokenizer did on their text.
 * One parser per thread; the string stays valid until that thread's next call.
 */
#ifndef CIM_JSON_FIELD_H
#define CIM_JSON_FIELD_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes that must be readable after a line handed to cim_json_field. */
#define CIM_JSON_PADDING 64

typedef enum CimJsonField {
    CIM_JSON_OK = 0,
    CIM_JSON_INVALID,      /* not valid JSON (why: in msg) */
    CIM_JSON_NOT_OBJECT,   /* valid JSON, not an object */
    CIM_JSON_MISSING,      /* no such field (or a dotted step is not an object) */
    CIM_JSON_NOT_STRING,   /* the field is not a string */
    CIM_JSON_NOMEM,
} CimJsonField;

/* The string at dotted path `path` of the JSON object in line[0..len) (followed by
 * CIM_JSON_PADDING readable bytes): unescaped UTF-8 in *s, *n bytes. */
CimJsonField cim_json_field(const char *line, size_t len, const char *path, const char **s, size_t *n,
                            char *msg, size_t msgcap);
/* Whether line[0..len) (padded) is a JSON object. */
int cim_json_is_object(const char *line, size_t len);

#ifdef __cplusplus
}
#endif
#endif
