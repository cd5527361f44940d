/*
 * source.h — bytes that are not a plain file: compressed streams, archive
 * members and standard input, read in place (no extraction to disk).
 *
 * Three pieces, each small:
 *  - CimReader: a pull stream (a prefix already read, then a read callback),
 *    the one shape every source has: libarchive entry data, stdin.
 *  - CimArchive: libarchive over a path or a CimReader, with the compression
 *    filters and archive formats cimeter reads (source/magic.h says which);
 *    a compressed stream is an "archive" of one entry (libarchive's raw
 *    format) whose content is then looked at as any file's (a .tar.gz is a
 *    gzip stream holding a tar, read without a copy in between).
 *  - CimSpool: a stream's bytes made into a seekable file with a path that
 *    every decoder can open like any other (/proc/self/fd/N): a memfd up to
 *    CIM_SPOOL_MEM bytes, an unlinked temporary file (TMPDIR) beyond it, at most
 *    CIM_SPOOL_MAX. Decoders of images, audio and video need to seek (headers
 *    at the end, libavformat's probing); text never does and streams through a
 *    FILE* instead (cim_reader_fopen), whatever its size. A member that is a byte
 *    range of the archive file and is read only for its header can be spooled
 *    sparsely: its first and last bytes, the rest filled in from the file when the
 *    header reader says it read further (cim_spool_fill_ends).
 * The same pieces serve a caller's in-memory buffer: a CimReader over it.
 */
#ifndef CIM_SOURCE_H
#define CIM_SOURCE_H
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "cimeter.h"

#define CIM_SPOOL_MEM (64ull << 20)    /* a member up to this size is spooled in memory */
#define CIM_SPOOL_MAX (64ull << 30)    /* beyond this a non-text member is a limit error */
#define CIM_SPOOL_TAIL 4096u           /* the last bytes a sparse spool holds */

/* Bytes [off, off + len) of the file fd: content that is a range of a file. */
typedef struct CimRange {
    int      fd;
    uint64_t off, len;
} CimRange;

typedef struct CimReader {
    const uint8_t *prefix;     /* bytes read before (the probe), delivered first */
    size_t   nprefix, pos;
    /* The rest: bytes read (>0), 0 at the end, <0 on error with *e filled. */
    ssize_t (*read)(void *ctx, void *buf, size_t n, CimErr *e);
    /* Optional, the rest in place without a copy: bytes at *p (>0), 0 at the end,
     * <0 on error with *e filled. A reader is read through one of the two only. */
    ssize_t (*block)(void *ctx, const void **p, CimErr *e);
    /* Optional: the whole content, from its first byte, copied into fd by the kernel
     * (a file's byte range): 1 done (*n bytes), 0 not possible (nothing changed,
     * read instead), <0 on error. Used by a spool when nothing past the prefix was read. */
    int     (*copy)(void *ctx, int fd, uint64_t max, uint64_t *n, CimErr *e);
    /* Optional: 1 and *rg when the whole content is a byte range of a file whose
     * descriptor stays open as long as the source does (a member of an uncompressed
     * tar), else 0. Says where, reads nothing. */
    int     (*range)(void *ctx, CimRange *rg);
    void    *ctx;
    int      failed;           /* a read failed: err says why (damage: truncated, corrupt) */
    CimErr   err;
    uint64_t total;            /* bytes delivered */
} CimReader;

/* Reads up to n bytes (fewer only at the end or on error): >=0 bytes, <0 error. */
ssize_t cim_reader_read(CimReader *r, void *buf, size_t n);
/* Reads until n bytes or the end: the count, or <0 on error. */
ssize_t cim_reader_fill(CimReader *r, void *buf, size_t n);
/* The next bytes in place: the prefix's rest, then the block callback's (a reader
 * without one has none: 0). >0 bytes at *p, 0 at the end, <0 on error. */
ssize_t cim_reader_block(CimReader *r, const void **p);
/* A read-only, unseekable FILE* over the reader (fclose does not free it). */
FILE *cim_reader_fopen(CimReader *r);

typedef struct CimSpool {
    int      fd;               /* -1 when closed */
    char     path[48];         /* "/proc/self/fd/N" */
    uint64_t size;
    /* Sparse (cim_spool_fill_ends): only bytes [0, head) and [tail, size) are written,
     * the hole between reads as zeros until cim_spool_complete fills it from rg. */
    int      sparse;
    uint64_t head, tail;
    CimRange rg;
    /* Held in memory (cim_spool_hold_ends): no file yet (fd -1, path ""), bytes
     * [0, head) at mem and [tail, size) at mem_tail, the rest (if any) a hole. */
    uint8_t *mem, *mem_tail;
} CimSpool;

/* Copies the whole reader into a spool: into reuse, a memory file of an earlier
 * spool (>= 0; the spool owns it from here), or a new one (-1). Errors: the
 * reader's, CIM_ERR_LIMIT past max bytes, CIM_ERR_IO when no memfd or temporary
 * file can be made. */
int  cim_spool_fill(CimSpool *s, CimReader *in, uint64_t max, int reuse, CimErr *e);
/* A sparse spool of a reader whose content is a range of a file (CimReader.range) and
 * of which nothing past the prefix was read: the prefix (its first bytes) and the
 * range's last CIM_SPOOL_TAIL bytes are written, the rest is left a hole (no copy of
 * it). 1 done (the reader counts as read to its end), 0 not possible (nothing changed:
 * no range, a range without a hole, over CIM_SPOOL_MEM bytes, or one that ends past
 * the file's end, i.e. damage, which cim_spool_fill then reports as it would), <0
 * error. */
int  cim_spool_fill_ends(CimSpool *s, CimReader *in, int reuse, CimErr *e);
/* As cim_spool_fill_ends, the ends kept in memory instead of a file, for a header
 * reader that reads a FILE* (cim_spool_fopen); a member no longer than its prefix and
 * CIM_SPOOL_TAIL bytes is held whole. *head is the buffer in->prefix points into,
 * from malloc: on 1 the spool owns it and *head is NULL. */
int  cim_spool_hold_ends(CimSpool *s, CimReader *in, uint8_t **head, CimErr *e);
/* A read-only, seekable FILE* over a held spool's bytes: a read in the hole fails
 * and sets *hole. NULL when out of memory. */
FILE *cim_spool_fopen(CimSpool *s, int *hole);
/* A held spool made a memory file, sparse as cim_spool_fill_ends leaves one: 0, or
 * <0 (CIM_ERR_IO). No-op for a spool not held. */
int  cim_spool_spill(CimSpool *s, CimErr *e);
/* Whether the spool holds its content's first head bytes and last tail bytes. */
int  cim_spool_holds(const CimSpool *s, uint64_t head, uint64_t tail);
/* Fills a sparse spool's hole from its range (no-op when not sparse; a held spool is
 * spilled first): 0, or <0 when it cannot (CIM_ERR_IO: the file changed since). */
int  cim_spool_complete(CimSpool *s, CimErr *e);
void cim_spool_close(CimSpool *s);

typedef struct CimArchive CimArchive;

typedef struct CimEntry {
    const char *name;          /* as stored, a leading "./" dropped */
    int      regular;          /* a regular file (not a directory, link, device, FIFO) */
    int64_t  size;             /* -1 when the header does not say */
} CimEntry;

/* Opens a file (path) or a stream (in, when path is NULL) that source/magic.h
 * recognised: a compressed stream (stream = 1: one entry, its content) or an
 * archive (stream = 0). Fails (corrupt) when libarchive cannot read it. */
int  cim_archive_open(CimArchive **out, const char *path, CimReader *in, int stream, CimErr *e);
/* 1 and the next entry, 0 at the end, <0 on damage (truncated or corrupt). The
 * entry stays valid until the next call. */
int  cim_archive_next(CimArchive *a, CimEntry *ent, CimErr *e);
/* The current entry's data. */
CimReader *cim_archive_data(CimArchive *a);
/* 1 when the source is a single compressed stream (one entry: its content). */
int  cim_archive_is_stream(const CimArchive *a);
/* "tar", "tar.gz", "zip", "zstd", ...: for messages. */
const char *cim_archive_kind(const CimArchive *a);
void cim_archive_close(CimArchive *a);

/* gzip through zlib, which checks each member's CRC-32 and length (libarchive's
 * gzip reader does not): the content of a gzip stream read from in. */
typedef struct CimGunzip CimGunzip;
int  cim_gunzip_open(CimGunzip **out, CimReader *in, CimErr *e);
CimReader *cim_gunzip_reader(CimGunzip *g);
void cim_gunzip_close(CimGunzip *g);
#endif
