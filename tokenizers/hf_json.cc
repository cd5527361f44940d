// hf_json.cc — a tokenizer.json read with simdjson's DOM parser (hf_json.h).
#include <cstdio>
#include <cstring>
#include <new>
#include <string_view>
#include <fcntl.h>
#include <simdjson.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hf_json.h"

using simdjson::dom::element;
using simdjson::dom::element_type;

struct CimHfJson {
    simdjson::dom::parser parser;
    element vocab, merges;
    CimHfModelLists lists;
};

static CimHfValue scalar(element e)
{
    CimHfValue v{};
    switch (e.type()) {
    case element_type::OBJECT: v.type = JSON_OBJECT; break;
    case element_type::ARRAY: v.type = JSON_ARRAY; break;
    case element_type::STRING: {
        std::string_view s = e.get_string().value_unsafe();
        v.type = JSON_STRING;
        v.s = s.data();
        v.n = s.size();
        break;
    }
    case element_type::INT64:
        v.type = JSON_INTEGER;
        v.i = e.get_int64().value_unsafe();
        v.num = (double)v.i;
        break;
    // Past INT64_MAX jansson would refuse the file; as a number it fails every id check.
    case element_type::UINT64:
        v.type = JSON_REAL;
        v.num = (double)e.get_uint64().value_unsafe();
        break;
    case element_type::DOUBLE:
        v.type = JSON_REAL;
        v.num = e.get_double().value_unsafe();
        break;
    case element_type::BOOL: v.type = e.get_bool().value_unsafe() ? JSON_TRUE : JSON_FALSE; break;
    case element_type::NULL_VALUE: v.type = JSON_NULL; break;
    }
    return v;
}

static json_t *to_jansson(element e);

// Copies out of simdjson's result wrapper: a loop over the wrapper's temporary would
// hold a dangling reference.
static simdjson::dom::object as_object(element e)
{
    simdjson::dom::object o = e.get_object().value_unsafe();
    return o;
}

static simdjson::dom::array as_array(element e)
{
    simdjson::dom::array a = e.get_array().value_unsafe();
    return a;
}

static json_t *object_to_jansson(simdjson::dom::object o, bool model, CimHfJson *doc)
{
    json_t *out = json_object();
    if (!out) return nullptr;
    for (auto field : o) {
        if (model && (field.key == "vocab" || field.key == "merges")) {
            (field.key == "vocab" ? doc->vocab : doc->merges) = field.value;
            (field.key == "vocab" ? doc->lists.vocab : doc->lists.merges).present = 1;
            continue;
        }
        json_t *v = to_jansson(field.value);
        if (!v || json_object_setn_new_nocheck(out, field.key.data(), field.key.size(), v) < 0) {
            json_decref(out);
            return nullptr;
        }
    }
    return out;
}

static json_t *to_jansson(element e)
{
    if (e.type() == element_type::OBJECT) return object_to_jansson(as_object(e), false, nullptr);
    if (e.type() == element_type::ARRAY) {
        json_t *out = json_array();
        if (!out) return nullptr;
        for (element item : as_array(e)) {
            if (json_array_append_new(out, to_jansson(item)) < 0) {
                json_decref(out);
                return nullptr;
            }
        }
        return out;
    }
    CimHfValue v = scalar(e);
    switch (v.type) {
    case JSON_STRING: return json_stringn_nocheck(v.s, v.n);
    case JSON_INTEGER: return json_integer(v.i);
    case JSON_REAL: return json_real(v.num);
    case JSON_TRUE: return json_true();
    case JSON_FALSE: return json_false();
    default: return json_null();
    }
}

static void describe(CimHfList *list, const element *node)
{
    if (!list->present) return;
    element e = *node;
    list->type = scalar(e).type;
    list->node = node;
    if (list->type == JSON_OBJECT) list->size = as_object(e).size();
    if (list->type == JSON_ARRAY) list->size = as_array(e).size();
    // simdjson saturates a stored count at 0xFFFFFF.
    if (list->size == 0xFFFFFF) {
        list->size = 0;
        if (list->type == JSON_OBJECT)
            for (auto f : as_object(e)) (void)f, list->size++;
        else
            for (auto item : as_array(e)) (void)item, list->size++;
    }
}

// Parses the file at path into root. simdjson reads up to SIMDJSON_PADDING bytes past
// the end: a mapping's last page holds them (as zeros) unless the file ends too close to
// a page's end, and then the file is read into a padded copy. The document keeps no
// pointer into the text (its strings are copied out), so the text goes at once.
static int parse_file(const char *path, simdjson::dom::parser &parser, element &root, char *err,
                      size_t errn)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0) close(fd);
        std::snprintf(err, errn, "cannot read the file");
        return -1;
    }
    size_t size = (size_t)st.st_size, page = (size_t)sysconf(_SC_PAGESIZE);
    void *map = MAP_FAILED;
    if (S_ISREG(st.st_mode) && size % page && page - size % page >= simdjson::SIMDJSON_PADDING)
        map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    simdjson::error_code error;
    if (map != MAP_FAILED) {
        error = parser.parse(static_cast<const uint8_t *>(map), size, false).get(root);
        munmap(map, size);
    } else {
        simdjson::padded_string text;
        if (simdjson::padded_string::load(path).get(text)) {
            std::snprintf(err, errn, "cannot read the file");
            return -1;
        }
        error = parser.parse(text).get(root);
    }
    if (error) {
        std::snprintf(err, errn, "not JSON: %s", simdjson::error_message(error));
        return -1;
    }
    return 0;
}

extern "C" json_t *cim_hf_json_load(const char *path, CimHfJson **doc_out, char *err, size_t errn)
{
    *doc_out = nullptr;
    try {
        CimHfJson *doc = new CimHfJson();
        element root;
        if (parse_file(path, doc->parser, root, err, errn) < 0) {
            delete doc;
            return nullptr;
        }
        json_t *out;
        if (root.type() == element_type::OBJECT) {
            out = json_object();
            // The root is read here, so that only its (last) "model" gives up its lists.
            for (auto field : as_object(root)) {
                bool model = field.key == "model" && field.value.type() == element_type::OBJECT;
                if (field.key == "model") doc->lists = CimHfModelLists{};
                json_t *v = model ? object_to_jansson(as_object(field.value), true, doc)
                                  : to_jansson(field.value);
                if (!v || json_object_setn_new_nocheck(out, field.key.data(), field.key.size(), v) < 0) {
                    json_decref(out);
                    out = nullptr;
                    break;
                }
            }
        } else {
            out = to_jansson(root);
        }
        if (!out) {
            std::snprintf(err, errn, "out of memory");
            delete doc;
            return nullptr;
        }
        describe(&doc->lists.vocab, &doc->vocab);
        describe(&doc->lists.merges, &doc->merges);
        *doc_out = doc;
        return out;
    } catch (const std::bad_alloc &) {
        std::snprintf(err, errn, "out of memory");
        return nullptr;
    }
}

extern "C" const CimHfModelLists *cim_hf_json_lists(const CimHfJson *doc)
{
    return &doc->lists;
}

extern "C" void cim_hf_json_free(CimHfJson *doc)
{
    delete doc;
}

static CimHfEntry entry(size_t index, std::string_view key, bool keyed, element value)
{
    CimHfEntry e{};
    e.index = index;
    if (keyed) {
        e.key = key.data();
        e.key_len = key.size();
    }
    e.v = scalar(value);
    if (e.v.type == JSON_ARRAY) {
        for (element item : as_array(value)) {
            if (e.items < 2) e.item[e.items] = scalar(item);
            e.items++;
        }
    }
    return e;
}

extern "C" int cim_hf_list_each(const CimHfList *list, int (*fn)(void *ctx, const CimHfEntry *e), void *ctx)
{
    if (!list->present || !list->node) return 0;
    element value = *static_cast<const element *>(list->node);
    size_t index = 0;
    if (list->type == JSON_OBJECT) {
        for (auto field : as_object(value)) {
            CimHfEntry e = entry(index++, field.key, true, field.value);
            if (int rc = fn(ctx, &e)) return rc;
        }
    } else if (list->type == JSON_ARRAY) {
        for (element item : as_array(value)) {
            CimHfEntry e = entry(index++, std::string_view(), false, item);
            if (int rc = fn(ctx, &e)) return rc;
        }
    }
    return 0;
}
