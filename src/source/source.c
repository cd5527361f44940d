/*
 * source.c — readers, spools and libarchive (source.h).
 *
 * libarchive is told exactly which filters and formats to try (those of
 * magic.c, never "all": its uuencode filter and mtree format bid on plain
 * text). A compressed stream is opened with the filters and the raw format
 * only, as one entry, and its content is looked at like any file's: a tar
 * inside is recognised by magic.c again (libarchive's tar reader would also
 * take a stream of zeros for an empty tar). An archive is opened with the
 * formats only. Errors keep libarchive's message; one that says the data ended
 * early is `truncated`, any other `corrupt`.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "common/err.h"
#include "source/source.h"

#define CIM_ARCHIVE_BLOCK (256u << 10)
/* libarchive's reads of a file named by path (it reads a regular file 64 KiB at a
 * time at least). An uncompressed tar's members are read from the file directly
 * (below), so libarchive only reads its headers: from a descriptor, in reads of
 * CIM_ARCHIVE_TAR_BLOCK, which is what it reads past a header before skipping the
 * member's data. */
#define CIM_ARCHIVE_PATH_BLOCK (64u << 10)
#define CIM_ARCHIVE_TAR_BLOCK (8u << 10)

/* ---- readers -------------------------------------------------------------- */

ssize_t cim_reader_read(CimReader *r, void *buf, size_t n)
{
    if (r->failed) return -1;
    if (r->pos < r->nprefix) {
        size_t k = r->nprefix - r->pos < n ? r->nprefix - r->pos : n;
        memcpy(buf, r->prefix + r->pos, k);
        r->pos += k;
        r->total += k;
        return (ssize_t)k;
    }
    if (!r->read || !n) return 0;
    ssize_t got = r->read(r->ctx, buf, n, &r->err);
    if (got < 0) {
        r->failed = 1;
        if (!r->err.code) cim_err(&r->err, CIM_ERR_IO, "read error");
        return -1;
    }
    r->total += (uint64_t)got;
    return got;
}

ssize_t cim_reader_fill(CimReader *r, void *buf, size_t n)
{
    size_t have = 0;
    while (have < n) {
        ssize_t got = cim_reader_read(r, (uint8_t *)buf + have, n - have);
        if (got < 0) return -1;
        if (got == 0) break;
        have += (size_t)got;
    }
    return (ssize_t)have;
}

ssize_t cim_reader_block(CimReader *r, const void **p)
{
    if (r->failed) return -1;
    if (r->pos < r->nprefix) {
        size_t k = r->nprefix - r->pos;
        *p = r->prefix + r->pos;
        r->pos = r->nprefix;
        r->total += k;
        return (ssize_t)k;
    }
    if (!r->block) return 0;
    ssize_t got = r->block(r->ctx, p, &r->err);
    if (got < 0) {
        r->failed = 1;
        if (!r->err.code) cim_err(&r->err, CIM_ERR_IO, "read error");
        return -1;
    }
    r->total += (uint64_t)got;
    return got;
}

static ssize_t cookie_read(void *ctx, char *buf, size_t n)
{
    ssize_t got = cim_reader_read(ctx, buf, n);
    if (got < 0) errno = EIO;
    return got;
}

FILE *cim_reader_fopen(CimReader *r)
{
    cookie_io_functions_t io = {.read = cookie_read};
    return fopencookie(r, "rb", io);
}

/* ---- spools --------------------------------------------------------------- */

static int spool_tmpfile(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    return open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Moves the spool from its memfd to a temporary file on disk. */
static int spool_to_disk(CimSpool *s, CimErr *e)
{
    int fd = spool_tmpfile();
    CIM_RETURN_IF(fd < 0, e, CIM_ERR_IO, "cannot make a temporary file for a %llu-byte member: %s",
                  (unsigned long long)s->size, strerror(errno));
    off_t in = 0;
    uint64_t left = s->size;
    while (left) {
        ssize_t c = copy_file_range(s->fd, &in, fd, NULL, left, 0);
        if (c <= 0) {
            close(fd);
            return cim_err(e, CIM_ERR_IO, "cannot write a temporary file: %s", strerror(errno));
        }
        left -= (uint64_t)c;
    }
    close(s->fd);
    s->fd = fd;
    return 0;
}

/* Appends n bytes to the spool, moving it to disk past CIM_SPOOL_MEM bytes. */
static int spool_write(CimSpool *s, const uint8_t *p, size_t n, uint64_t max, CimErr *e)
{
    if (s->size + n > max)
        return cim_err(e, CIM_ERR_LIMIT, "content larger than %llu bytes, the most cimeter "
                       "holds for a decoder that must seek", (unsigned long long)max);
    if (s->size <= CIM_SPOOL_MEM && s->size + n > CIM_SPOOL_MEM && spool_to_disk(s, e) < 0)
        return -1;
    if (write_all(s->fd, p, n) < 0)
        return cim_err(e, CIM_ERR_IO, "cannot spool: %s", strerror(errno));
    s->size += n;
    return 0;
}

int cim_spool_fill(CimSpool *s, CimReader *in, uint64_t max, int reuse, CimErr *e)
{
    memset(s, 0, sizeof *s);
    s->fd = reuse;
    if (reuse >= 0 && lseek(reuse, 0, SEEK_SET) != 0) {
        close(reuse);
        s->fd = -1;
    }
    if (s->fd < 0) s->fd = memfd_create("cimeter-spool", MFD_CLOEXEC);
    CIM_RETURN_IF(s->fd < 0, e, CIM_ERR_IO, "cannot make a memory file: %s", strerror(errno));
    int rc = 0;
    uint64_t copied = 0;
    int whole = in->copy && !in->failed && in->pos == 0 ? in->copy(in->ctx, s->fd, max, &copied, e) : 0;
    if (whole < 0) {
        rc = whole;
    } else if (whole) {   /* copied in the kernel, from the file that holds it */
        s->size = copied;
        in->pos = in->nprefix;
        in->total = copied;
        if (copied > CIM_SPOOL_MEM) rc = spool_to_disk(s, e);
    } else if (in->block) {
        /* In place: the reader's own blocks go straight to the spool (no copy). */
        for (;;) {
            const void *p;
            ssize_t got = cim_reader_block(in, &p);
            if (got < 0) { *e = in->err; rc = e->code ? e->code : CIM_ERR_IO; break; }
            if (got == 0) break;
            if ((rc = spool_write(s, p, (size_t)got, max, e)) < 0) break;
        }
    } else {
        size_t cap = 1u << 20;
        uint8_t *buf = malloc(cap);
        rc = buf ? 0 : cim_err(e, CIM_ERR_NOMEM, "out of memory");
        while (rc == 0) {
            ssize_t got = cim_reader_read(in, buf, cap);
            if (got < 0) { *e = in->err; rc = e->code ? e->code : CIM_ERR_IO; break; }
            if (got == 0) break;
            rc = spool_write(s, buf, (size_t)got, max, e);
        }
        free(buf);
    }
    /* A memory file used before keeps its pages (no new ones to allocate): its old
     * content past this one's end goes. */
    if (rc == 0 && reuse >= 0 && s->fd == reuse && ftruncate(s->fd, (off_t)s->size) < 0)
        rc = cim_err(e, CIM_ERR_IO, "cannot spool: %s", strerror(errno));
    if (rc < 0) { cim_spool_close(s); return rc; }
    snprintf(s->path, sizeof s->path, "/proc/self/fd/%d", s->fd);
    return 0;
}

/* n bytes at off of fd, fewer only at the file's end: the count, or -1. */
static ssize_t pread_full(int fd, void *buf, size_t n, uint64_t off)
{
    size_t have = 0;
    while (have < n) {
        ssize_t got = pread(fd, (uint8_t *)buf + have, n - have, (off_t)(off + have));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return -1;
        if (got == 0) break;
        have += (size_t)got;
    }
    return (ssize_t)have;
}

static int pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
    while (n) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        off += (uint64_t)w;
        n -= (size_t)w;
    }
    return 0;
}

int cim_spool_fill_ends(CimSpool *s, CimReader *in, int reuse, CimErr *e)
{
    CimRange rg;
    if (!in->range || in->failed || in->pos != 0 || !in->range(in->ctx, &rg)) return 0;
    uint64_t head = in->nprefix;
    if (rg.len > CIM_SPOOL_MEM || head + CIM_SPOOL_TAIL >= rg.len) return 0;
    /* The tail first: a range that ends past the file's end (a cut member) is read
     * the usual way, which reports the damage. */
    uint8_t tail[CIM_SPOOL_TAIL];
    if (pread_full(rg.fd, tail, sizeof tail, rg.off + rg.len - sizeof tail) != (ssize_t)sizeof tail)
        return 0;
    memset(s, 0, sizeof *s);
    s->fd = reuse;
    /* A memory file used before: its pages past the head go (they would show in the
     * hole), those of the head are written over (no new pages for them). */
    if (reuse >= 0 && fallocate(reuse, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)head,
                                (off_t)(INT64_MAX - head)) < 0 && ftruncate(reuse, 0) < 0) {
        close(reuse);
        s->fd = -1;
    }
    if (s->fd < 0) s->fd = memfd_create("cimeter-spool", MFD_CLOEXEC);
    CIM_RETURN_IF(s->fd < 0, e, CIM_ERR_IO, "cannot make a memory file: %s", strerror(errno));
    if (ftruncate(s->fd, (off_t)rg.len) < 0 ||
        pwrite_all(s->fd, in->prefix, (size_t)head, 0) < 0 ||
        pwrite_all(s->fd, tail, sizeof tail, rg.len - sizeof tail) < 0) {
        cim_spool_close(s);
        return cim_err(e, CIM_ERR_IO, "cannot spool: %s", strerror(errno));
    }
    s->size = rg.len;
    s->sparse = 1;
    s->head = head;
    s->tail = rg.len - sizeof tail;
    s->rg = rg;
    in->pos = in->nprefix;
    in->total = rg.len;
    snprintf(s->path, sizeof s->path, "/proc/self/fd/%d", s->fd);
    return 1;
}

int cim_spool_hold_ends(CimSpool *s, CimReader *in, uint8_t **head_buf, CimErr *e)
{
    CimRange rg;
    if (!in->range || in->failed || in->pos != 0 || in->prefix != *head_buf ||
        !in->range(in->ctx, &rg))
        return 0;
    uint64_t head = in->nprefix;
    if (rg.len > CIM_SPOOL_MEM || head > rg.len) return 0;
    uint64_t tail = rg.len - head > CIM_SPOOL_TAIL ? rg.len - CIM_SPOOL_TAIL : head;
    size_t ntail = (size_t)(rg.len - tail);
    uint8_t *tail_buf = malloc(ntail ? ntail : 1);
    CIM_RETURN_IF(!tail_buf, e, CIM_ERR_NOMEM, "out of memory");
    /* As cim_spool_fill_ends: a range that ends past the file's end is read the usual
     * way, which reports the damage. */
    if (ntail && pread_full(rg.fd, tail_buf, ntail, rg.off + tail) != (ssize_t)ntail) {
        free(tail_buf);
        return 0;
    }
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->size = rg.len;
    s->sparse = tail > head;
    s->head = head;
    s->tail = tail;
    s->rg = rg;
    s->mem = *head_buf;
    s->mem_tail = tail_buf;
    *head_buf = NULL;
    in->pos = in->nprefix;
    in->total = rg.len;
    return 1;
}

/* A FILE* over a held spool: its position, and where a read in the hole is told. */
typedef struct HeldFile {
    const CimSpool *s;
    uint64_t pos;
    int     *hole;
} HeldFile;

static ssize_t held_read(void *ctx, char *buf, size_t n)
{
    HeldFile *h = ctx;
    const CimSpool *s = h->s;
    if (h->pos >= s->size) return 0;
    const uint8_t *from;
    uint64_t left;
    if (h->pos < s->head) {
        from = s->mem + h->pos;
        left = s->head - h->pos;
    } else if (h->pos >= s->tail) {
        from = s->mem_tail + (h->pos - s->tail);
        left = s->size - h->pos;
    } else {
        *h->hole = 1;
        errno = EIO;
        return -1;
    }
    size_t k = left < n ? (size_t)left : n;
    memcpy(buf, from, k);
    h->pos += k;
    return (ssize_t)k;
}

static int held_seek(void *ctx, off64_t *off, int whence)
{
    HeldFile *h = ctx;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)h->pos
                 : (int64_t)h->s->size;
    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) {
        errno = EINVAL;
        return -1;
    }
    if (*off < -base) {
        errno = EINVAL;
        return -1;
    }
    h->pos = (uint64_t)(base + *off);
    *off = (off64_t)h->pos;
    return 0;
}

static int held_close(void *ctx)
{
    free(ctx);
    return 0;
}

FILE *cim_spool_fopen(CimSpool *s, int *hole)
{
    HeldFile *h = malloc(sizeof *h);
    if (!h) return NULL;
    *h = (HeldFile){.s = s, .pos = 0, .hole = hole};
    cookie_io_functions_t io = {.read = held_read, .seek = held_seek, .close = held_close};
    FILE *f = fopencookie(h, "r", io);
    if (!f) free(h);
    return f;
}

int cim_spool_spill(CimSpool *s, CimErr *e)
{
    if (!s->mem) return 0;
    int fd = memfd_create("cimeter-spool", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, (off_t)s->size) < 0 ||
        pwrite_all(fd, s->mem, (size_t)s->head, 0) < 0 ||
        pwrite_all(fd, s->mem_tail, (size_t)(s->size - s->tail), s->tail) < 0) {
        int err = errno;
        if (fd >= 0) close(fd);
        return cim_err(e, CIM_ERR_IO, "cannot spool: %s", strerror(err));
    }
    free(s->mem);
    free(s->mem_tail);
    s->mem = s->mem_tail = NULL;
    s->fd = fd;
    snprintf(s->path, sizeof s->path, "/proc/self/fd/%d", s->fd);
    return 0;
}

int cim_spool_holds(const CimSpool *s, uint64_t head, uint64_t tail)
{
    return !s->sparse || (head <= s->head && tail <= s->size - s->tail);
}

int cim_spool_complete(CimSpool *s, CimErr *e)
{
    CIM_CHECK(cim_spool_spill(s, e));
    if (!s->sparse) return 0;
    off_t in = (off_t)(s->rg.off + s->head);
    uint64_t left = s->tail - s->head;
    CIM_RETURN_IF(lseek(s->fd, (off_t)s->head, SEEK_SET) < 0, e, CIM_ERR_IO, "cannot spool: %s",
                  strerror(errno));
    while (left) {
        ssize_t c = sendfile(s->fd, s->rg.fd, &in, left > (1u << 30) ? (1u << 30) : left);
        if (c < 0 && errno == EINTR) continue;
        CIM_RETURN_IF(c <= 0, e, CIM_ERR_IO, "cannot read the archive again: %s",
                      c < 0 ? strerror(errno) : "it changed while read");
        left -= (uint64_t)c;
    }
    s->sparse = 0;
    return 0;
}

void cim_spool_close(CimSpool *s)
{
    if (s->fd > 0) close(s->fd);
    s->fd = -1;
    free(s->mem);
    free(s->mem_tail);
    s->mem = s->mem_tail = NULL;
}

/* ---- libarchive ------------------------------------------------------------- */

/* libarchive converts member names to the locale's charset: a C locale drops any
 * UTF-8 name it cannot convert. Its calls run under a thread-local UTF-8 locale
 * (uselocale), which leaves the process's own locale alone. */
static locale_t utf8_locale;

static void utf8_locale_init(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static locale_t utf8_enter(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, utf8_locale_init);
    return utf8_locale ? uselocale(utf8_locale) : (locale_t)0;
}

static void utf8_leave(locale_t old)
{
    if (old) uselocale(old);
}

struct CimArchive {
    struct archive *a;
    CimReader *in;              /* the stream read (path NULL) */
    uint8_t   *block;
    CimReader  data;            /* the current entry */
    const uint8_t *blk;         /* its block from libarchive not yet delivered */
    size_t     blk_left;
    int64_t    blk_off;         /* the entry offset of blk */
    int64_t    out_off;         /* bytes of the entry delivered (holes as zeros) */
    int        data_eof;
    int64_t    sparse_size;     /* a sparse entry's size (its holes read as zeros), else 0 */
    /* An uncompressed tar named by path: a regular member's data is the byte range
     * [range_off, range_off + range_len) of file_fd, read with pread and copied
     * into a spool by sendfile; libarchive then skips it (lseek). range_off < 0:
     * read through libarchive (any other source, or after a short read). */
    int        file_fd;
    int64_t    range_off, range_len;
    char      *name;
    char       kind[64];
    int        is_stream;
    int        started;
};

static int la_err(CimErr *e, CimArchive *ar, const char *what)
{
    if (ar->in && ar->in->failed) {   /* the stream under it failed: its error first */
        *e = ar->in->err;
        return e->code;
    }
    const char *m = archive_error_string(ar->a);
    if (!m) m = "unknown error";
    int code = CIM_ERR_CORRUPT;
    if (archive_errno(ar->a) == ENOMEM)
        code = CIM_ERR_NOMEM;
    else if (strcasestr(m, "truncat") || strcasestr(m, "premature") || strcasestr(m, "unexpected end") ||
             strcasestr(m, "end of") || strcasestr(m, "eof") ||
             strstr(m, "decompression failed (-5)"))   /* zlib's Z_BUF_ERROR: the data ran out */
        code = CIM_ERR_TRUNCATED;
    return cim_err(e, code, "%s%s%s: %s", ar->kind, ar->kind[0] ? " " : "", what, m);
}

static la_ssize_t la_read(struct archive *a, void *ctx, const void **buf)
{
    CimArchive *ar = ctx;
    ssize_t got = cim_reader_read(ar->in, ar->block, CIM_ARCHIVE_BLOCK);
    if (got < 0) {
        archive_set_error(a, EIO, "%s", ar->in->err.msg);
        return -1;
    }
    *buf = ar->block;
    return got;
}

/* Up to max bytes of the current entry in place: libarchive's own block (no copy),
 * or zeros for a hole of a sparse entry, as archive_read_data pads it. */
static ssize_t entry_piece(CimArchive *ar, size_t max, const void **p, CimErr *e)
{
    static const uint8_t zeros[64u << 10];
    for (;;) {
        if (ar->out_off < ar->blk_off) {
            uint64_t gap = (uint64_t)(ar->blk_off - ar->out_off);
            size_t k = gap < sizeof zeros ? (size_t)gap : sizeof zeros;
            if (k > max) k = max;
            ar->out_off += (int64_t)k;
            *p = zeros;
            return (ssize_t)k;
        }
        if (ar->blk_left) {
            size_t k = ar->blk_left < max ? ar->blk_left : max;
            *p = ar->blk;
            ar->blk += k;
            ar->blk_left -= k;
            ar->blk_off += (int64_t)k;
            ar->out_off += (int64_t)k;
            return (ssize_t)k;
        }
        if (ar->data_eof) return 0;
        const void *b;
        size_t len;
        la_int64_t off;
        locale_t old = utf8_enter();
        int r = archive_read_data_block(ar->a, &b, &len, &off);
        utf8_leave(old);
        if (r == ARCHIVE_EOF) {
            /* A sparse entry may end with a hole, which extraction leaves as zeros up
             * to the entry's size (archive_read_data would end before it). */
            ar->data_eof = 1;
            if (ar->sparse_size > ar->out_off) {
                ar->blk_off = ar->sparse_size;
                continue;
            }
            return 0;
        }
        if (r == ARCHIVE_OK && off < ar->out_off) {
            archive_set_error(ar->a, EILSEQ, "Encountered out-of-order sparse blocks");
            r = ARCHIVE_RETRY;
        }
        if (r != ARCHIVE_OK) return la_err(e, ar, "data");
        ar->blk = b;
        ar->blk_left = len;
        ar->blk_off = off;
    }
}

/* A short read of a member's range (the file ended or changed): the member is read
 * through libarchive from here on, which reports the damage as it would have. The
 * bytes delivered so far are read again and dropped. */
static int range_give_up(CimArchive *ar, CimErr *e)
{
    int64_t delivered = ar->out_off;
    ar->range_off = -1;
    ar->out_off = ar->blk_off = 0;
    ar->blk_left = 0;
    while (ar->out_off < delivered) {
        const void *p;
        ssize_t got = entry_piece(ar, (size_t)(delivered - ar->out_off), &p, e);
        if (got < 0) return -1;
        if (got == 0) return cim_err(e, CIM_ERR_IO, "%s data: the file changed while read", ar->kind);
    }
    return 0;
}

/* Up to n bytes of the member's range into buf: >0, 0 at its end, -1 when the read
 * fell short (range_give_up was called, or failed with *e filled: -2). */
static ssize_t range_read(CimArchive *ar, void *buf, size_t n, CimErr *e)
{
    uint64_t left = (uint64_t)(ar->range_len - ar->out_off);
    if (!left) return 0;
    if (n > left) n = (size_t)left;
    ssize_t got;
    do got = pread(ar->file_fd, buf, n, ar->range_off + ar->out_off);
    while (got < 0 && errno == EINTR);
    if (got > 0) {
        ar->out_off += got;
        return got;
    }
    return range_give_up(ar, e) < 0 ? -2 : -1;
}

static ssize_t entry_block(void *ctx, const void **p, CimErr *e)
{
    CimArchive *ar = ctx;
    if (ar->range_off >= 0) {
        ssize_t got = range_read(ar, ar->block, CIM_ARCHIVE_BLOCK, e);
        if (got >= 0) {
            *p = ar->block;
            return got;
        }
        if (got == -2) return -1;
    }
    return entry_piece(ar, SIZE_MAX, p, e);
}

/* The whole member into fd by sendfile (page cache to page cache, no copy through
 * this process): 1 when done (*n bytes), 0 when it must be read instead (nothing
 * changed: not a range, too large, or the kernel would not), <0 on error. */
static int entry_copy(void *ctx, int fd, uint64_t max, uint64_t *n, CimErr *e)
{
    CimArchive *ar = ctx;
    if (ar->range_off < 0 || (uint64_t)ar->range_len > max || !ar->range_len) return 0;
    off_t off = ar->range_off;
    uint64_t left = (uint64_t)ar->range_len;
    while (left) {
        ssize_t c = sendfile(fd, ar->file_fd, &off, left > (1u << 30) ? (1u << 30) : left);
        if (c < 0 && errno == EINTR) continue;
        if (c <= 0) {   /* short (damage) or refused: back to the start, read it instead */
            if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) != 0)
                return cim_err(e, CIM_ERR_IO, "cannot spool: %s", strerror(errno));
            return 0;
        }
        left -= (uint64_t)c;
    }
    ar->out_off = ar->range_len;
    *n = (uint64_t)ar->range_len;
    return 1;
}

static int entry_range(void *ctx, CimRange *rg)
{
    CimArchive *ar = ctx;
    if (ar->range_off < 0) return 0;
    rg->fd = ar->file_fd;
    rg->off = (uint64_t)ar->range_off;
    rg->len = (uint64_t)ar->range_len;
    return 1;
}

/* A copy of the entry's next n bytes (fewer only at its end). */
static ssize_t entry_read(void *ctx, void *buf, size_t n, CimErr *e)
{
    CimArchive *ar = ctx;
    size_t have = 0;
    while (have < n && ar->range_off >= 0) {
        ssize_t got = range_read(ar, (uint8_t *)buf + have, n - have, e);
        if (got == -2) return -1;
        if (got == 0) return (ssize_t)have;
        if (got > 0) have += (size_t)got;
    }
    while (have < n) {
        const void *p;
        ssize_t got = entry_piece(ctx, n - have, &p, e);
        if (got < 0) return -1;
        if (got == 0) break;
        memcpy((uint8_t *)buf + have, p, (size_t)got);
        have += (size_t)got;
    }
    return (ssize_t)have;
}

int cim_archive_open(CimArchive **out, const char *path, CimReader *in, int stream, CimErr *e)
{
    *out = NULL;
    CimArchive *ar = calloc(1, sizeof *ar);
    CIM_RETURN_IF(!ar, e, CIM_ERR_NOMEM, "out of memory");
    ar->a = archive_read_new();
    ar->in = path ? NULL : in;
    ar->block = malloc(CIM_ARCHIVE_BLOCK);
    ar->file_fd = -1;
    ar->range_off = -1;
    if (!ar->a || !ar->block) {
        cim_archive_close(ar);
        return cim_err(e, CIM_ERR_NOMEM, "out of memory");
    }
    struct archive *a = ar->a;
    if (stream) {
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_bzip2(a);
        archive_read_support_filter_xz(a);
        archive_read_support_filter_zstd(a);
        archive_read_support_filter_lz4(a);
        archive_read_support_filter_compress(a);
        archive_read_support_format_raw(a);
        archive_read_support_format_empty(a);
    } else {
        archive_read_support_format_tar(a);
        archive_read_support_format_zip(a);
        archive_read_support_format_cpio(a);
        archive_read_support_format_7zip(a);
    }
    locale_t old = utf8_enter();
    if (path && !stream) ar->file_fd = open(path, O_RDONLY | O_CLOEXEC);
    /* A tar (ustar or GNU magic) is read by libarchive from the same descriptor in
     * small blocks (libarchive moves its file position, member ranges are read at
     * their own offsets): opened by path, it would read 64 KiB after every header,
     * member data that is read from the range instead. */
    uint8_t hdr[512];
    int tar = ar->file_fd >= 0 &&
              pread_full(ar->file_fd, hdr, sizeof hdr, 0) == (ssize_t)sizeof hdr &&
              !memcmp(hdr + 257, "ustar", 5);
    int r = tar ? archive_read_open_fd(a, ar->file_fd, CIM_ARCHIVE_TAR_BLOCK)
          : path ? archive_read_open_filename(a, path, CIM_ARCHIVE_PATH_BLOCK)
                 : archive_read_open(a, ar, NULL, la_read, NULL);
    utf8_leave(old);
    if (r != ARCHIVE_OK) {
        int rc = la_err(e, ar, "cannot be opened");
        cim_archive_close(ar);
        return rc;
    }
    ar->data.read = entry_read;
    ar->data.block = entry_block;
    ar->data.copy = entry_copy;
    ar->data.range = entry_range;
    ar->data.ctx = ar;
    *out = ar;
    return 0;
}

static void set_kind(CimArchive *ar)
{
    struct archive *a = ar->a;
    int fmt = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;
    ar->is_stream = fmt == ARCHIVE_FORMAT_RAW || fmt == ARCHIVE_FORMAT_EMPTY;
    const char *base = fmt == ARCHIVE_FORMAT_TAR ? "tar" : fmt == ARCHIVE_FORMAT_ZIP ? "zip"
                     : fmt == ARCHIVE_FORMAT_CPIO ? "cpio" : fmt == ARCHIVE_FORMAT_7ZIP ? "7z" : "";
    snprintf(ar->kind, sizeof ar->kind, "%s", base);
    /* Filters from the format outwards; "none" is the raw input. */
    for (int i = 0; i < archive_filter_count(a); i++) {
        if (archive_filter_code(a, i) == ARCHIVE_FILTER_NONE) continue;
        size_t l = strlen(ar->kind);
        snprintf(ar->kind + l, sizeof ar->kind - l, "%s%s", l ? "+" : "", archive_filter_name(a, i));
    }
}

static int entry_of(CimArchive *a, int r, struct archive_entry *en, CimEntry *ent, CimErr *e);

int cim_archive_next(CimArchive *a, CimEntry *ent, CimErr *e)
{
    struct archive_entry *en;
    memset(ent, 0, sizeof *ent);
    locale_t old = utf8_enter();
    int r = archive_read_next_header(a->a, &en);
    int rc = entry_of(a, r, en, ent, e);
    utf8_leave(old);
    return rc;
}

static int entry_of(CimArchive *a, int r, struct archive_entry *en, CimEntry *ent, CimErr *e)
{
    if (!a->started) {
        a->started = 1;
        set_kind(a);
    }
    if (r == ARCHIVE_EOF) return 0;
    if (r < ARCHIVE_WARN) return la_err(e, a, "header");
    /* Compressed data that none of the filters took would come back as itself. */
    if (a->is_stream && !a->kind[0])
        return cim_err(e, CIM_ERR_CORRUPT, "compressed data that cannot be read");
    /* UTF-8 where the archive says what its names are (pax, zip's UTF-8 flag),
     * whatever the locale; else the bytes as stored (GNU and ustar names). */
    const char *name = archive_entry_pathname_utf8(en);
    if (!name) name = archive_entry_pathname(en);
    if (!name) name = "";
    while (name[0] == '.' && name[1] == '/') name += 2;
    free(a->name);
    a->name = strdup(name);
    CIM_RETURN_IF(!a->name, e, CIM_ERR_NOMEM, "out of memory");
    ent->name = a->name;
    ent->regular = archive_entry_filetype(en) == AE_IFREG && !archive_entry_hardlink(en);
    ent->size = archive_entry_size_is_set(en) ? archive_entry_size(en) : -1;
    memset(&a->data.err, 0, sizeof a->data.err);
    a->data.failed = 0;
    a->data.total = 0;
    a->data.prefix = NULL;
    a->data.nprefix = a->data.pos = 0;
    a->blk = NULL;
    a->blk_left = 0;
    a->blk_off = a->out_off = 0;
    a->data_eof = 0;
    a->sparse_size = archive_entry_sparse_count(en) > 0 && ent->size > 0 ? ent->size : 0;
    /* Without filters (a named file is opened with formats only) the raw bytes
     * consumed are the header's end, where a tar member's data starts. */
    a->range_off = -1;
    if (a->file_fd >= 0 && ent->regular && ent->size > 0 && archive_entry_sparse_count(en) == 0 &&
        (archive_format(a->a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_TAR &&
        archive_filter_count(a->a) == 1) {
        a->range_off = archive_filter_bytes(a->a, -1);
        a->range_len = ent->size;
    }
    return 1;
}

CimReader *cim_archive_data(CimArchive *a) { return &a->data; }
int cim_archive_is_stream(const CimArchive *a) { return a->is_stream; }
const char *cim_archive_kind(const CimArchive *a) { return a->kind; }

void cim_archive_close(CimArchive *a)
{
    if (!a) return;
    if (a->a) archive_read_free(a->a);
    if (a->file_fd >= 0) close(a->file_fd);
    free(a->block);
    free(a->name);
    free(a);
}

/* ---- gzip ----------------------------------------------------------------- */

/* libarchive's gzip reader does not check a member's CRC-32 and length, so damage
 * that still inflates would be measured: zlib's own gzip decoding checks both, and
 * a new member after the end of one is read on (multi-member files). */
struct CimGunzip {
    z_stream   z;
    CimReader *in;
    uint8_t   *buf;
    size_t     cap;
    int        ended;          /* the last member ended and no input followed */
    CimReader  out;
};

#define CIM_GZ_IN (256u << 10)

static ssize_t gunzip_read(void *ctx, void *dst, size_t n, CimErr *e)
{
    CimGunzip *g = ctx;
    if (g->ended || !n) return 0;
    g->z.next_out = dst;
    g->z.avail_out = (uInt)(n > (1u << 30) ? (1u << 30) : n);
    while (g->z.avail_out) {
        if (!g->z.avail_in) {
            ssize_t got = cim_reader_read(g->in, g->buf, g->cap);
            if (got < 0) { *e = g->in->err; return -1; }
            if (got == 0) {
                if (g->z.total_in || g->z.total_out)   /* inside a member: cut short */
                    return cim_err(e, CIM_ERR_TRUNCATED, "gzip data: truncated gzip input");
                g->ended = 1;
                break;
            }
            g->z.next_in = g->buf;
            g->z.avail_in = (uInt)got;
        }
        int r = inflate(&g->z, Z_NO_FLUSH);
        if (r == Z_STREAM_END) {
            inflateReset(&g->z);   /* total_in/out back to 0: between members */
            continue;
        }
        if (r == Z_BUF_ERROR && g->z.avail_in == 0) continue;
        if (r != Z_OK)
            return cim_err(e, r == Z_MEM_ERROR ? CIM_ERR_NOMEM : CIM_ERR_CORRUPT, "gzip data: %s",
                           g->z.msg ? g->z.msg : "cannot inflate");
    }
    return (ssize_t)(n > (1u << 30) ? (1u << 30) : n) - (ssize_t)g->z.avail_out;
}

int cim_gunzip_open(CimGunzip **out, CimReader *in, CimErr *e)
{
    CimGunzip *g = calloc(1, sizeof *g);
    CIM_RETURN_IF(!g, e, CIM_ERR_NOMEM, "out of memory");
    g->cap = CIM_GZ_IN;
    g->buf = malloc(g->cap);
    if (!g->buf || inflateInit2(&g->z, 15 + 16) != Z_OK) {
        free(g->buf);
        free(g);
        return cim_err(e, CIM_ERR_NOMEM, "out of memory");
    }
    g->in = in;
    g->out.read = gunzip_read;
    g->out.ctx = g;
    *out = g;
    return 0;
}

CimReader *cim_gunzip_reader(CimGunzip *g) { return &g->out; }

void cim_gunzip_close(CimGunzip *g)
{
    if (!g) return;
    inflateEnd(&g->z);
    free(g->buf);
    free(g);
}
