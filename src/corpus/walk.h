/* walk.h — turn command-line paths into a sorted, de-duplicated file list. */
#ifndef CIM_WALK_H
#define CIM_WALK_H
#include <stddef.h>
#include <stdint.h>
#include "cimeter.h"

typedef struct CimWalkEntry {
    char    *path;
    uint64_t dev, ino;     /* identity, to count a file reached twice (symlinks) once */
    int      err;          /* CIM_ERR_* when the entry itself is unreadable */
    char    *errmsg;
} CimWalkEntry;

typedef struct CimWalkList {
    CimWalkEntry *v;
    size_t n, cap;
} CimWalkList;

/* Adds `path` (a file, or a directory walked recursively; "-" is standard input). Dot-files inside
 * directories are skipped unless hidden; symlinks are followed, loops are
 * reported as error entries; special files (FIFOs, devices, sockets) are
 * error entries, never opened. Returns <0 only on out-of-memory. */
int  cim_walk_add(CimWalkList *l, const char *path, int hidden, CimErr *e);
/* Sorts by path (bytewise) and drops repeats of one path or one (dev, ino). */
void cim_walk_finish(CimWalkList *l);
void cim_walk_free(CimWalkList *l);
#endif
