/* SPDX-License-Identifier: MIT */
/*
 * A freestanding decoder for the .xz format, enough for the payload of a
 * Linux bzImage (CONFIG_KERNEL_XZ): one stream of blocks whose filter chain
 * is LZMA2, optionally after the x86 BCJ filter; the check is none, CRC32 or
 * CRC64.  It decodes in a single call, the whole output buffer serving as
 * the LZMA2 dictionary: no allocation, no global state, so calls on
 * different buffers may run on several CPUs at once.
 *
 * The promise, for any input bytes whatever:
 *   - it reads only in[0, in_size), writes only out[0, out_size) and the
 *     caller's work area, and returns;
 *   - its work is bounded by a constant times in_size + out_size;
 *   - every header field, size, CRC, distance and index record is checked;
 *     a stream that fails any check gives its error code, never output
 *     that is claimed to be good.
 * When a call fails, out[] holds whatever was decoded so far: discard it.
 * With check type "none", corrupt compressed data can decode to wrong bytes
 * that no check catches; Linux's payload uses CRC32.
 */
#ifndef KOAN_HYP_XZ_H
#define KOAN_HYP_XZ_H

#include <hyp/types.h>

enum xz_result {
    XZ_OK = 0,
    XZ_ERR_FORMAT,              /* no xz magic: not an xz stream */
    XZ_ERR_HEADER,              /* corrupt stream or block header (bad CRC32,
                                   reserved bits set, bad size field) */
    XZ_ERR_UNSUPPORTED_CHECK,   /* check type other than none, CRC32, CRC64 */
    XZ_ERR_UNSUPPORTED_FILTER,  /* a filter chain other than [x86 BCJ +] LZMA2 */
    XZ_ERR_DATA,                /* corrupt compressed data (LZMA2 chunk
                                   header, distance, range coder end, sizes
                                   that disagree with the block header) */
    XZ_ERR_CHECK,               /* the block's CRC32/CRC64 does not match */
    XZ_ERR_INDEX,               /* corrupt index or stream footer, or one
                                   that disagrees with the blocks */
    XZ_ERR_TRUNCATED,           /* the input ends inside the stream */
    XZ_ERR_OUTPUT_TOO_SMALL,    /* the data does not fit in out_size bytes */
    XZ_ERR_TRAILING_DATA,       /* bytes after the stream that are not stream
                                   padding (zero bytes, a multiple of 4) */
    XZ_ERR_WORK_TOO_SMALL,      /* work area smaller than XZ_WORK_SIZE */
};

/* The decoder's scratch space (probabilities, CRC tables): 8-byte aligned. */
#define XZ_WORK_SIZE (40 * 1024)

/*
 * Decode the xz stream in[0, in_size) into out[0, out_size).  in must hold
 * exactly one stream, optionally followed by stream padding.  work is the
 * caller's scratch area of work_size >= XZ_WORK_SIZE bytes; in, out and
 * work must not overlap.  On XZ_OK, *out_len is the number of bytes decoded
 * (all of them checked against the blocks' checks and the index).
 */
enum xz_result xz_decode(const void *in, size_t in_size, void *out, size_t out_size,
                         void *work, size_t work_size, size_t *out_len);

/*
 * The total uncompressed size that the stream's index records, read from
 * the stream footer and index at the end of in[0, in_size) (stream padding
 * allowed) without decoding anything: to size the output buffer.  Checks
 * the stream header, the footer, the index and its CRC32, and that the
 * index's blocks fill the space between header and index exactly.
 */
enum xz_result xz_uncompressed_size(const void *in, size_t in_size, uint64_t *size);

/* A short phrase for an xz_result, e.g. "corrupt compressed data". */
const char *xz_strerror(enum xz_result r);

#endif
