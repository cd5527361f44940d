/*
 * magic.h — compressed streams and archives, recognised by content (magic bytes).
 *
 * The pipeline asks this before any decoder sniffs a file, so a compressed,
 * archived or encrypted file never reaches a permissive probe (libavformat
 * has demuxers that accept gzip data or raw H.263 found in zstd output).
 */
#ifndef CIM_SOURCE_MAGIC_H
#define CIM_SOURCE_MAGIC_H
#include <stddef.h>
#include <stdint.h>

typedef enum CimContainer {
    CIM_CONT_NONE = 0,
    CIM_CONT_STREAM,      /* a compressed stream: gzip, bzip2, xz, zstd, lz4, compress (.Z) */
    CIM_CONT_ARCHIVE,     /* an archive read in place: tar, zip, cpio, 7z */
    CIM_CONT_OPAQUE,      /* known and not readable: encrypted (openssl enc), rar, ... */
} CimContainer;

/* What the first n bytes of a file are; *name (if not NULL) gets a short
 * description ("gzip", "tar", "openssl enc"), NULL for CIM_CONT_NONE. */
CimContainer cim_source_magic(const uint8_t *buf, size_t n, const char **name);
#endif
