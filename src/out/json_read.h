/*
 * json_read.h — reading measure JSONs back (doc/cimeter.1 `merge`, `compare`, `report`).
 */
#ifndef CIM_JSON_READ_H
#define CIM_JSON_READ_H
#include <jansson.h>
#include "run/run.h"

/* Loads a measure JSON and checks its schema; NULL with e set otherwise. */
json_t *cim__measure_json_load(const char *path, CimErr *e);
/* Shards back into one run: cim_run_merge (cimeter.h) is json_read.c's. */
#endif
