/*
 * walk.c — recursive corpus walk (doc/records.md: records in path order).
 *
 * Symlinks are followed (corpora are often assembled from links), with the
 * chain of ancestor directories kept as (dev, ino) pairs: a directory that is
 * its own ancestor is a loop and becomes an error entry instead of recursion.
 * The same file reached through two names is measured once (the first name in
 * byte order), so links never double-count bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "common/err.h"
#include "corpus/walk.h"

typedef struct Ancestor { dev_t dev; ino_t ino; } Ancestor;

static int push(CimWalkList *l, const char *path, const struct stat *st, int err, const char *msg)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        CimWalkEntry *v = realloc(l->v, cap * sizeof *v);
        if (!v) return CIM_ERR_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    CimWalkEntry *w = &l->v[l->n];
    memset(w, 0, sizeof *w);
    w->path = strdup(path);
    w->errmsg = msg ? strdup(msg) : NULL;
    if (!w->path || (msg && !w->errmsg)) { free(w->path); free(w->errmsg); return CIM_ERR_NOMEM; }
    w->err = err;
    if (st) { w->dev = (uint64_t)st->st_dev; w->ino = (uint64_t)st->st_ino; }
    l->n++;
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(CimWalkList *l, const char *path, int hidden, Ancestor *anc, size_t depth)
{
    struct stat st;
    char msg[600];
    if (stat(path, &st) < 0) {
        struct stat lst;
        if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
            snprintf(msg, sizeof msg, "%s: dangling or looping symlink (%s)", path, strerror(errno));
        else
            snprintf(msg, sizeof msg, "%s: %s", path, strerror(errno));
        return push(l, path, NULL, errno == ELOOP ? CIM_ERR_IO : CIM_ERR_IO, msg);
    }
    if (S_ISREG(st.st_mode))
        return push(l, path, &st, 0, NULL);
    if (!S_ISDIR(st.st_mode)) {
        snprintf(msg, sizeof msg, "%s: not a regular file (FIFO, socket or device); not opened", path);
        return push(l, path, &st, CIM_ERR_UNSUPPORTED, msg);
    }
    for (size_t i = 0; i < depth; i++)
        if (anc[i].dev == st.st_dev && anc[i].ino == st.st_ino) {
            snprintf(msg, sizeof msg, "%s: directory loop (a symlink leads back to an ancestor)", path);
            return push(l, path, &st, CIM_ERR_IO, msg);
        }
    if (depth >= 256) {
        snprintf(msg, sizeof msg, "%s: directory nesting deeper than 256", path);
        return push(l, path, &st, CIM_ERR_LIMIT, msg);
    }
    DIR *d = opendir(path);
    if (!d) {
        snprintf(msg, sizeof msg, "%s: cannot open directory: %s", path, strerror(errno));
        return push(l, path, &st, CIM_ERR_IO, msg);
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (de->d_name[0] == '.' && !hidden)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) { rc = CIM_ERR_NOMEM; break; }
            names = nn;
        }
        if (!(names[n] = strdup(de->d_name))) { rc = CIM_ERR_NOMEM; break; }
        n++;
    }
    closedir(d);
    if (!rc && n)   /* qsort(NULL, 0) is undefined */
        qsort(names, n, sizeof *names, cmp_name);
    anc[depth].dev = st.st_dev;
    anc[depth].ino = st.st_ino;
    size_t plen = strlen(path);
    int slash = plen && path[plen - 1] == '/';
    for (size_t i = 0; i < n && !rc; i++) {
        size_t len = plen + 1 + strlen(names[i]) + 1;
        char *child = malloc(len);
        if (!child) { rc = CIM_ERR_NOMEM; break; }
        snprintf(child, len, slash ? "%s%s" : "%s/%s", path, names[i]);
        rc = walk(l, child, hidden, anc, depth + 1);
        free(child);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int cim_walk_add(CimWalkList *l, const char *path, int hidden, CimErr *e)
{
    if (!strcmp(path, "-")) {   /* standard input: read when measured, never walked */
        CIM_RETURN_IF(push(l, path, NULL, 0, NULL) < 0, e, CIM_ERR_NOMEM, "out of memory");
        return 0;
    }
    Ancestor *anc = malloc(257 * sizeof *anc);
    CIM_RETURN_IF(!anc, e, CIM_ERR_NOMEM, "out of memory");
    int rc = walk(l, path, hidden, anc, 0);
    free(anc);
    CIM_RETURN_IF(rc < 0, e, rc, "out of memory while walking %s", path);
    return 0;
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const CimWalkEntry *)a)->path, ((const CimWalkEntry *)b)->path);
}

static int cmp_id(const void *a, const void *b)
{
    const CimWalkEntry *x = *(CimWalkEntry *const *)a, *y = *(CimWalkEntry *const *)b;
    if (x->dev != y->dev) return x->dev < y->dev ? -1 : 1;
    if (x->ino != y->ino) return x->ino < y->ino ? -1 : 1;
    return strcmp(x->path, y->path);
}

void cim_walk_finish(CimWalkList *l)
{
    if (!l->n) return;
    qsort(l->v, l->n, sizeof *l->v, cmp_entry);
    /* Mark repeats of the same file identity (keep the first path in byte order). */
    CimWalkEntry **byid = malloc(l->n * sizeof *byid);
    char *drop = calloc(l->n, 1);
    if (byid && drop) {
        for (size_t i = 0; i < l->n; i++) byid[i] = &l->v[i];
        qsort(byid, l->n, sizeof *byid, cmp_id);
        for (size_t i = 1; i < l->n; i++)
            if (!byid[i]->err && !byid[i - 1]->err && byid[i]->dev == byid[i - 1]->dev &&
                byid[i]->ino == byid[i - 1]->ino)
                drop[byid[i] - l->v] = 1;
    }
    size_t out = 0;
    for (size_t i = 0; i < l->n; i++) {
        int dup = (drop && drop[i]) || (out && !strcmp(l->v[out - 1].path, l->v[i].path));
        if (dup) { free(l->v[i].path); free(l->v[i].errmsg); continue; }
        l->v[out++] = l->v[i];
    }
    l->n = out;
    free(byid);
    free(drop);
}

void cim_walk_free(CimWalkList *l)
{
    for (size_t i = 0; i < l->n; i++) { free(l->v[i].path); free(l->v[i].errmsg); }
    free(l->v);
    memset(l, 0, sizeof *l);
}
