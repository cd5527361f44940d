/*
 * json_read.h — reading measure JSONs back (doc/cimeter.1 `merge`, `compare`, `report`).
 */
#ifndef CIM_JSON_READ_H
#define CIM_JSON_READ_H
#include <jansson.h>
#include "run/run.h"

/* Loads a measure JSON and checks its schema; NULL with e set otherwise. */
json_t *cim__measure_json_load(const char *path, CimErr *e);
/* Rebuilds one run from shard JSONs written with --per-file: tokenizers and
 * settings must agree, records come from `files`, are sorted by path and
 * re-reduced, so writing it gives the bytes one run over all files gives
 * (except `command`). */
int cim__run_from_shards(CimRun **out, const char *const *paths, size_t n, CimErr *e);
#endif
