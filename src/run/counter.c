/*
 * counter.c — counting one buffer in memory (cim_counter_*, src/cimeter.h).
 *
 * The buffer is written to an anonymous memory file (memfd) and measured
 * through its /proc/self/fd path by the same code that measures a file of the
 * run: one sniffing, one set of decoders and counting rules, so a buffer gets
 * exactly the figures the CLI gives a file with that content.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "cimeter.h"
#include "common/err.h"
#include "run/record.h"

struct CimCounter {
    CimRun *run;       /* one tokenizer, one thread */
    int     fd;        /* memfd holding the buffer being counted */
    pid_t   owner;     /* the process the memfd is private to */
    char    path[64];  /* /proc/self/fd/N */
};

/* A memory file of this process's own. A counter made before fork() (a data loader's
 * workers) would otherwise share one file, and its offset and size, with the parent and
 * every sibling: each process makes its own on first use. */
static int own_file(CimCounter *c, CimErr *e)
{
    if (c->fd >= 0 && c->owner == getpid())
        return 0;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = memfd_create("cimeter-counter", MFD_CLOEXEC);
    CIM_RETURN_IF(c->fd < 0, e, CIM_ERR_IO, "cannot create a memory file: %s", strerror(errno));
    c->owner = getpid();
    snprintf(c->path, sizeof c->path, "/proc/self/fd/%d", c->fd);
    return 0;
}

int cim_counter_create(CimCounter **out, const char *spec, const CimLimits *limits, CimErr *e)
{
    *out = NULL;
    CIM_RETURN_IF(!spec || !spec[0], e, CIM_ERR_USAGE, "a counter needs a tokenizer spec");
    CimCounter *c = calloc(1, sizeof *c);
    CIM_RETURN_IF(!c, e, CIM_ERR_NOMEM, "out of memory");
    c->fd = -1;
    CimMeasureParams p = cim_measure_default_params();
    const char *specs[] = {spec};
    p.specs = specs;
    p.nspecs = 1;
    p.threads = 1;
    if (limits) p.limits = *limits;   /* else the library's defaults, as measure's */
    int rc = cim_run_create(&c->run, &p, e);
    if (rc < 0) { free(c); return rc; }
    rc = own_file(c, e);
    if (rc < 0) {
        cim_counter_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

static int fill(CimCounter *c, const void *data, size_t n, CimErr *e)
{
    CIM_RETURN_IF(ftruncate(c->fd, 0) < 0, e, CIM_ERR_IO, "cannot reset the memory file: %s",
                  strerror(errno));
    const char *p = data;
    size_t done = 0;
    while (done < n) {
        ssize_t w = pwrite(c->fd, p + done, n - done, (off_t)done);
        if (w < 0 && errno == EINTR) continue;
        CIM_RETURN_IF(w <= 0, e, CIM_ERR_IO, "cannot write the memory file: %s", strerror(errno));
        done += (size_t)w;
    }
    return 0;
}

int cim_counter_count(CimCounter *c, const void *data, size_t n, CimModality expect,
                      CimCount *out, CimErr *e)
{
    memset(out, 0, sizeof *out);
    out->modality = CIM_MOD_NONE;
    CIM_RETURN_IF(n && !data, e, CIM_ERR_USAGE, "no data");
    CIM_CHECK(own_file(c, e));
    CIM_CHECK(fill(c, data, n, e));
    CimRecord r;
    int rc = cim__measure_path(c->run, c->path, &r, e);
    if (rc == 0) {
        const char *tok = c->run->toks[0].spec;
        if (r.status == CIM_REC_ERROR) {
            rc = cim_err(e, r.err_code, "%s", r.error ? r.error : cim_strerror(r.err_code));
        } else if (r.modality == CIM_MOD_NONE) {
            rc = cim_err(e, CIM_ERR_UNSUPPORTED, "an archive holds several files: measure it "
                         "with cim_run_measure");
        } else if (expect != CIM_MOD_NONE && r.modality != expect) {
            rc = cim_err(e, CIM_ERR_UNSUPPORTED, "expected %s data, found %s",
                         cim_modality_name(expect), cim_modality_name(r.modality));
        } else if (r.status != CIM_REC_OK || r.tokens[0] == CIM_TOKENS_NA) {
            rc = cim_err(e, CIM_ERR_UNSUPPORTED, "%s data, which %s does not count",
                         cim_modality_name(r.modality), tok);
        } else {
            out->modality = r.modality;
            out->tokens = r.tokens[0];
            out->raw_bytes = r.raw_bytes;
            out->units = r.units;
            out->file_bytes = n;
            out->seconds = r.seconds;
        }
    }
    cim__record_clear(&r);
    /* Keep no copy of the caller's data between calls. */
    if (ftruncate(c->fd, 0) < 0 && rc == 0)
        rc = cim_err(e, CIM_ERR_IO, "cannot reset the memory file: %s", strerror(errno));
    return rc;
}

const char *cim_counter_spec(const CimCounter *c) { return c->run->toks[0].spec; }

void cim_counter_free(CimCounter *c)
{
    if (!c) return;
    if (c->fd >= 0) close(c->fd);
    cim_run_free(c->run);
    free(c);
}
