// json_field.cc — cim_json_field over simdjson's DOM parser (json_field.h).
#include <cstdio>
#include <cstring>
#include <string_view>
#include <simdjson.h>
#include "source/json_field.h"

static_assert(CIM_JSON_PADDING >= simdjson::SIMDJSON_PADDING, "padding too small for simdjson");

static simdjson::dom::parser &thread_parser()
{
    static thread_local simdjson::dom::parser parser;
    return parser;
}

extern "C" CimJsonField cim_json_field(const char *line, size_t len, const char *path, const char **s,
                                       size_t *n, char *msg, size_t msgcap)
{
    try {
        simdjson::dom::element doc;
        auto err = thread_parser().parse(line, len, false).get(doc);
        if (err) {
            std::snprintf(msg, msgcap, "%s", simdjson::error_message(err));
            return err == simdjson::MEMALLOC ? CIM_JSON_NOMEM : CIM_JSON_INVALID;
        }
        if (!doc.is_object()) return CIM_JSON_NOT_OBJECT;
        simdjson::dom::element v = doc;
        while (*path) {
            const char *dot = std::strchr(path, '.');
            size_t k = dot ? (size_t)(dot - path) : std::strlen(path);
            simdjson::dom::object o;
            if (v.get_object().get(o)) return CIM_JSON_MISSING;
            // The last of repeated keys, as Python's json keeps it.
            bool found = false;
            for (auto field : o) {
                if (field.key == std::string_view(path, k)) {
                    v = field.value;
                    found = true;
                }
            }
            if (!found) return CIM_JSON_MISSING;
            path = dot ? dot + 1 : path + k;
        }
        std::string_view sv;
        if (v.get_string().get(sv)) return CIM_JSON_NOT_STRING;
        *s = sv.data();
        *n = sv.size();
        return CIM_JSON_OK;
    } catch (...) {
        std::snprintf(msg, msgcap, "out of memory");
        return CIM_JSON_NOMEM;
    }
}

extern "C" int cim_json_is_object(const char *line, size_t len)
{
    try {
        simdjson::dom::element doc;
        if (thread_parser().parse(line, len, false).get(doc)) return 0;
        return doc.is_object();
    } catch (...) {
        return 0;
    }
}
