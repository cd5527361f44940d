/*
 * journal.c — the resumable journal (measure --journal, doc/scaling-out.md
 * "beyond one machine"); its record lines are record.c's.
 *
 * Journal file: a header line {"cimeter_journal":1,"config":...} naming
 * everything that changes a record (tokenizer specs and model hashes, --info,
 * zstd level, fast path, limits), then one line per finished record, each
 * written with a single fputs+fflush under the caller's critical section.
 * A process killed at any point leaves at most one torn last line (no '\n'):
 * it is cut off on load, and the file is appended from there. A complete line
 * that does not parse is corruption, not a kill, and is refused. The records
 * are keyed by path, so a journal may be resumed with other -j or argument
 * order; records for paths outside this run are ignored. fflush reaches the
 * kernel, which is what survives SIGKILL; a power cut may lose the tail (no
 * fsync per record: it would cost more than the small files it protects).
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#include "common/err.h"
#include "run/journal.h"
#include "run/record.h"

struct CimJournal {
    FILE *f;       /* opened for append, after the load */
};

/* The header: what a record depends on. A resumed run must match it. */
static char *journal_header(const CimRun *run)
{
    json_t *cfg = json_object(), *toks = json_array();
    for (size_t t = 0; t < run->ntok; t++)
        json_array_append_new(toks, json_pack("[ss]", run->toks[t].spec, run->toks[t].sha256));
    char lim[256];
    snprintf(lim, sizeof lim, "%llu %llu %a %llu %a", (unsigned long long)run->p.limits.max_pixels,
             (unsigned long long)run->p.limits.max_frames, run->p.limits.max_seconds,
             (unsigned long long)run->p.limits.max_decoded_bytes, run->p.limits.time_budget_s);
    json_object_set_new(cfg, "tokenizers", toks);
    json_object_set_new(cfg, "info", json_integer(run->p.info));
    json_object_set_new(cfg, "zstd_level", json_integer(run->p.info ? run->p.zstd_level : 0));
    json_object_set_new(cfg, "fast_path", json_integer(run->p.fast_path));
    json_object_set_new(cfg, "limits", json_string(lim));
    if (run->json_field)   /* only then: older journals stay valid */
        json_object_set_new(cfg, "json_field", json_string(run->json_field));
    for (int x = 0; x < 2; x++) {   /* the selection: only when given, as json_field */
        size_t n = x ? run->nexclude : run->ninclude;
        json_t *globs = n ? json_array() : NULL;
        for (size_t i = 0; i < n; i++)
            json_array_append_new(globs, json_string(x ? run->exclude[i] : run->include[i]));
        if (globs) json_object_set_new(cfg, x ? "exclude" : "include", globs);
    }
    json_t *h = json_pack("{s:i,s:o}", "cimeter_journal", 1, "config", cfg);
    char *s = h ? json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(h);
    return s;
}

static CimRecord *find_record(CimRun *run, const char *path)
{
    size_t lo = 0, hi = run->nrec;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(run->rec[mid].path, path);
        if (!c) return &run->rec[mid];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

int cim__journal_open(CimRun *run, CimJournal **out, CimErr *e)
{
    *out = NULL;
    if (!run->journal) return 0;
    char *header = journal_header(run);
    CIM_RETURN_IF(!header, e, CIM_ERR_NOMEM, "out of memory");
    FILE *f = fopen(run->journal, "r+b");
    if (!f && errno == ENOENT) f = fopen(run->journal, "w+b");
    if (!f) {
        free(header);
        return cim_err(e, CIM_ERR_IO, "cannot open journal %s: %s", run->journal, strerror(errno));
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t l;
    off_t good = 0;         /* end of the last complete line */
    long lineno = 0;
    int rc = 0;
    while (!rc && (l = getline(&line, &cap, f)) > 0) {
        if (line[l - 1] != '\n') {   /* torn by a kill: cut below */
            if (lineno == 0 && strncmp(line, header, (size_t)l))   /* not even a torn header: not ours */
                rc = cim_err(e, CIM_ERR_USAGE, "%s is not a cimeter journal (refusing to overwrite it)",
                             run->journal);
            break;
        }
        line[l - 1] = 0;
        lineno++;
        if (lineno == 1) {
            if (strncmp(line, "{\"cimeter_journal\":", 19))
                rc = cim_err(e, CIM_ERR_USAGE, "%s is not a cimeter journal (refusing to overwrite it)",
                             run->journal);
            else if (strcmp(line, header))
                rc = cim_err(e, CIM_ERR_USAGE, "journal %s was written with other tokenizers or settings "
                             "(remove it to start afresh)", run->journal);
        } else {
            CimRecord r;
            CimErr le = {0};
            if (cim__record_from_line(run, line, &r, &le) < 0) {
                rc = cim_err(e, CIM_ERR_CORRUPT, "journal %s line %ld: %s", run->journal, lineno, le.msg);
                break;
            }
            CimRecord *dst = find_record(run, r.path);
            if (dst && dst->status == CIM_REC_PENDING) {
                char *path = dst->path;     /* keep the run's own allocation of the path */
                free(dst->tokens);
                free(dst->error);
                *dst = r;
                free(dst->path);
                dst->path = path;
            } else {
                cim__record_clear(&r);
            }
        }
        good += l;
    }
    free(line);
    if (!rc && fflush(f) == 0 && ftruncate(fileno(f), good) != 0)
        rc = cim_err(e, CIM_ERR_IO, "cannot truncate journal %s: %s", run->journal, strerror(errno));
    if (!rc && fseeko(f, good, SEEK_SET) != 0)
        rc = cim_err(e, CIM_ERR_IO, "cannot seek journal %s", run->journal);
    if (!rc && lineno == 0 && (fprintf(f, "%s\n", header) < 0 || fflush(f) != 0))
        rc = cim_err(e, CIM_ERR_IO, "cannot write journal %s", run->journal);
    free(header);
    if (rc < 0) { fclose(f); return rc; }
    CimJournal *j = malloc(sizeof *j);
    if (!j) { fclose(f); return cim_err(e, CIM_ERR_NOMEM, "out of memory"); }
    j->f = f;
    *out = j;
    return 0;
}

int cim__journal_append(CimJournal *j, const CimRun *run, const CimRecord *r)
{
    if (!j) return 0;
    char *line = cim__record_to_line(run, r);
    if (!line) return CIM_ERR_NOMEM;
    size_t l = strlen(line);
    line[l] = 0;
    int ok = fwrite(line, 1, l, j->f) == l && fputc('\n', j->f) != EOF && fflush(j->f) == 0;
    free(line);
    return ok ? 0 : CIM_ERR_IO;
}

void cim__journal_close(CimJournal *j)
{
    if (!j) return;
    fclose(j->f);
    free(j);
}

int cim_run_set_journal(CimRun *run, const char *path, CimErr *e)
{
    CIM_RETURN_IF(run->walked, e, CIM_ERR_USAGE, "the journal must be set before measuring");
    free(run->journal);
    run->journal = NULL;
    if (!path) return 0;
    run->journal = strdup(path);
    CIM_RETURN_IF(!run->journal, e, CIM_ERR_NOMEM, "out of memory");
    return 0;
}
