/*
 * hf_json.h — a tokenizer.json read with simdjson (hf_json.cc).
 *
 * A model's "vocab" and "merges" hold hundreds of thousands of entries. As jansson
 * values they cost an allocation or more each, which made up half of the start-up of
 * a 200K vocabulary; so they stay in simdjson's parsed document and their builders
 * walk them there. Everything else becomes a jansson tree, as the stages' builders
 * expect. A key given twice counts with its last value, as in jansson and in the
 * library (serde).
 */
#ifndef CIM_HF_JSON_H
#define CIM_HF_JSON_H
#include <stddef.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A JSON value as a list's walk shows it: its type, and the content of a scalar. */
typedef struct CimHfValue {
    json_type   type;
    const char *s;             /* JSON_STRING: s[0..n), UTF-8, may hold NUL bytes */
    size_t      n;
    json_int_t  i;             /* JSON_INTEGER */
    double      num;           /* JSON_INTEGER and JSON_REAL */
} CimHfValue;

/* One entry of a list: an object's key and value, or an array's item (key NULL).
 * Where the value is an array, items is its length and item[] its first two items. */
typedef struct CimHfEntry {
    size_t      index;         /* 0, 1, ... in the file's order */
    const char *key;
    size_t      key_len;
    CimHfValue  v;
    size_t      items;
    CimHfValue  item[2];
} CimHfEntry;

/* A list held in the parsed document. */
typedef struct CimHfList {
    int         present;       /* the key is there (its value may still be null) */
    json_type   type;
    size_t      size;          /* entries of an object or array */
    const void *node;          /* hf_json.cc's handle on the value */
} CimHfList;

/* The model's lists, left out of its jansson object. */
typedef struct CimHfModelLists {
    CimHfList vocab, merges;
} CimHfModelLists;

typedef struct CimHfJson CimHfJson;

/* Reads and parses the tokenizer.json at path. Returns its jansson tree without
 * model.vocab and model.merges, which *doc holds (cim_hf_json_lists), or NULL with a
 * message in err ("not JSON: ..."). Free both once the stages are built. */
json_t *cim_hf_json_load(const char *path, CimHfJson **doc, char *err, size_t errn);
const CimHfModelLists *cim_hf_json_lists(const CimHfJson *doc);
void cim_hf_json_free(CimHfJson *doc);

/* Calls fn on each entry of an object or array in order, until fn returns non-zero
 * (which it returns). Returns 0 for any other list. */
int cim_hf_list_each(const CimHfList *list, int (*fn)(void *ctx, const CimHfEntry *e), void *ctx);

#ifdef __cplusplus
}
#endif
#endif
