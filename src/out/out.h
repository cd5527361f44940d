/* out.h — writers shared by the CLI commands (measure, merge, report). */
#ifndef CIM_OUT_H
#define CIM_OUT_H
#include <jansson.h>
#include <zstd.h>
#include "cimeter.h"


struct CimRun;
json_t *cim__run_to_json(struct CimRun *run, int per_file);
/* Writes a measure JSON to path via a temporary file and rename ("-" = stdout). */
int cim__json_write_atomic(json_t *root, const char *path, CimErr *e);
/* The same with jansson's dump flags: a device or FIFO is written in place, a file
 * through a temporary one and rename; NULL or "-" = stdout. Every JSON writer uses it. */
int cim__json_write(json_t *root, const char *path, size_t flags, CimErr *e);
#endif
