/*
 * magic.c — content detection of compressed streams and archives (magic.h).
 *
 * Only signatures that cannot be mistaken for a file of a modality: each
 * compressor's frame magic, tar's "ustar" at 257 with a valid header checksum
 * (a text file that quotes the word is not a tar), zip's local header, an ASCII cpio header
 * (the obsolete binary cpio is not recognised) and 7z's signature. The rare
 * V7 tar without magic is not recognised either (libarchive only guesses it).
 */
#include <string.h>
#include "source/magic.h"

/* A tar header block: "ustar" at 257 and the checksum at 148 matches the
 * sum of the block's bytes with the checksum field read as spaces. */
static int tar_header(const uint8_t *b, size_t n)
{
    if (n < 512 || memcmp(b + 257, "ustar", 5)) return 0;
    unsigned long want = 0;
    size_t i = 148;
    while (i < 156 && b[i] == ' ') i++;
    if (i == 156 || b[i] < '0' || b[i] > '7') return 0;
    for (; i < 156 && b[i] >= '0' && b[i] <= '7'; i++) want = want * 8 + (unsigned long)(b[i] - '0');
    unsigned long sum = 0;
    for (size_t k = 0; k < 512; k++) sum += (k >= 148 && k < 156) ? ' ' : b[k];
    return sum == want;
}

/* An ASCII cpio header: "070701"/"070702" and 104 hex digits (newc), or
 * "070707" and 70 octal digits (odc); a text line that starts with the
 * digits is not one. */
static int cpio_header(const uint8_t *b, size_t n)
{
    if (n < 6 || memcmp(b, "07070", 5)) return 0;
    int newc = b[5] == '1' || b[5] == '2';
    if (!newc && b[5] != '7') return 0;
    size_t len = newc ? 110 : 76;
    if (n < len) return 0;
    unsigned long namesize = 0;
    for (size_t i = 6; i < len; i++) {
        int hex = (b[i] >= '0' && b[i] <= '9') || (b[i] >= 'a' && b[i] <= 'f') ||
                  (b[i] >= 'A' && b[i] <= 'F');
        if (newc ? !hex : (b[i] < '0' || b[i] > '7')) return 0;
    }
    /* The name that follows ends with a NUL (no text file has one): its size is
     * the header's c_namesize (newc: hex at 94, odc: octal at 59). */
    size_t at = newc ? 94 : 59, width = newc ? 8 : 6;
    for (size_t i = at; i < at + width; i++) {
        int d = b[i] <= '9' ? b[i] - '0' : (b[i] | 0x20) - 'a' + 10;
        namesize = namesize * (newc ? 16 : 8) + (unsigned long)d;
    }
    return namesize >= 1 && namesize <= 4096 && len + namesize <= n && b[len + namesize - 1] == 0;
}

/* Whether a control byte (other than tab, newline, CR) or a byte >= 0x80 occurs
 * within the 64 bytes after `from`, and at least 24 bytes follow it. */
static int binary_after(const uint8_t *b, size_t n, size_t from)
{
    if (n < from + 24) return 0;
    for (size_t i = from; i < n && i < from + 64; i++)
        if (b[i] >= 0x80 || (b[i] < 0x20 && b[i] != '\t' && b[i] != '\n' && b[i] != '\r')) return 1;
    return 0;
}

CimContainer cim_source_magic(const uint8_t *b, size_t n, const char **name)
{
    static const struct {
        const char *magic;
        size_t len;
        CimContainer kind;
        const char *name;
    } sig[] = {
        {"\x1f\x8b\x08", 3, CIM_CONT_STREAM, "gzip"},
        {"\x1f\x9d", 2, CIM_CONT_STREAM, "compress (.Z)"},
        {"\xfd" "7zXZ\x00", 6, CIM_CONT_STREAM, "xz"},
        {"\x28\xb5\x2f\xfd", 4, CIM_CONT_STREAM, "zstd"},
        {"\x04\x22\x4d\x18", 4, CIM_CONT_STREAM, "lz4"},
        {"\x02\x21\x4c\x18", 4, CIM_CONT_STREAM, "lz4 (legacy)"},
        {"PK\x03\x04", 4, CIM_CONT_ARCHIVE, "zip"},
        {"PK\x05\x06", 4, CIM_CONT_ARCHIVE, "zip"},      /* an empty zip */
        {"7z\xbc\xaf\x27\x1c", 6, CIM_CONT_ARCHIVE, "7z"},
        {"Salted__", 8, CIM_CONT_OPAQUE, "openssl enc (encrypted)"},
        {"Rar!\x1a\x07", 6, CIM_CONT_OPAQUE, "rar"},
        {"-----BEGIN PGP MESSAGE", 22, CIM_CONT_OPAQUE, "PGP message (encrypted)"},
    };
    if (name) *name = NULL;
    /* Zstandard skippable frames (0x184D2A50..5F) may open a stream. */
    if (n >= 4 && (b[0] & 0xF0) == 0x50 && b[1] == 0x2A && b[2] == 0x4D && b[3] == 0x18) {
        if (name) *name = "zstd";
        return CIM_CONT_STREAM;
    }
    /* bzip2: "BZh1".."BZh9" then a block's magic (pi) or the end of an empty stream (sqrt pi):
     * a text that starts with "BZh9" is still text. */
    if (n >= 10 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h' && b[3] >= '1' && b[3] <= '9' &&
        (!memcmp(b + 4, "\x31\x41\x59\x26\x53\x59", 6) || !memcmp(b + 4, "\x17\x72\x45\x38\x50\x90", 6))) {
        if (name) *name = "bzip2";
        return CIM_CONT_STREAM;
    }
    for (size_t i = 0; i < sizeof sig / sizeof sig[0]; i++) {
        if (n < sig[i].len || memcmp(b, sig[i].magic, sig[i].len)) continue;
        /* openssl's salt and cipher text are binary: a text that starts "Salted__" is text. */
        if (sig[i].magic[0] == 'S' && !binary_after(b, n, 8)) continue;
        if (name) *name = sig[i].name;
        return sig[i].kind;
    }
    if (cpio_header(b, n)) {
        if (name) *name = "cpio";
        return CIM_CONT_ARCHIVE;
    }
    if (tar_header(b, n)) {
        if (name) *name = "tar";
        return CIM_CONT_ARCHIVE;
    }
    return CIM_CONT_NONE;
}
