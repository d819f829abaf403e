/* SPDX-License-Identifier: MIT */
/*
 * Linux bzImages as PV kernels: the packaged `vmlinuz` is a real-mode setup
 * (with the boot protocol's setup header) followed by a compressed ELF
 * vmlinux, which is what a PV domain boots.  Like Xen's loader, Koan skips
 * the setup code and decompressor: it finds the payload from the setup
 * header (boot protocol 2.08 and later record where it is), checks it lies
 * inside the image, and decompresses it with its own xz decoder.  Only XZ
 * payloads are supported (Debian's kernels: CONFIG_KERNEL_XZ); others get
 * a clear error naming their compression.
 *
 * The image is hostile input: every field is bounds-checked before use.
 * Errors are -EINVAL with *why set to a fixed string, listed below.
 */
#ifndef KOAN_HYP_BZIMAGE_H
#define KOAN_HYP_BZIMAGE_H

#include <hyp/types.h>

/* The largest ELF Koan decompresses a payload to (Debian's 6.1 is 63 MiB). */
#define BZIMAGE_ELF_MAX (256UL << 20)

struct bzimage {
    uint16_t version;          /* boot protocol, e.g. 0x020f */
    const uint8_t *payload;    /* the xz stream, inside the image */
    size_t payload_size;       /* without Linux's 4-byte size trailer */
    uint32_t size_trailer;     /* the uncompressed size Linux's build appends */
};

/* Does img look like a bzImage (boot sector signature and "HdrS")?  Then it must parse. */
bool bzimage_detect(const void *img, size_t size);

/*
 * Parse the setup header and find the payload.  Reasons:
 *   "bzImage: setup header truncated"
 *   "bzImage: boot protocol before 2.08 (no payload fields)"
 *   "bzImage: payload outside the image"
 *   "bzImage: unsupported compression (gzip)"  (bzip2, lzma, lzo, lz4,
 *                                               zstd, unknown)
 */
int bzimage_parse(const void *img, size_t size, struct bzimage *out, const char **why);

/*
 * The ELF's size, from the xz stream's index (read from its end, nothing
 * decoded), which must agree with the size trailer.  Reasons: the xz ones
 * of bzimage_decompress, and
 *   "bzImage: payload size trailer disagrees with the xz index"
 *   "bzImage: kernel over 256 MiB uncompressed"
 */
int bzimage_elf_size(const struct bzimage *bz, uint64_t *size, const char **why);

/*
 * Decompress the payload into out[0, out_size); work is XZ_WORK_SIZE bytes
 * (include/hyp/xz.h).  *out_len is the ELF's size.  Reasons: "bzImage
 * payload: " and the decoder's error, e.g. "bzImage payload: xz check
 * mismatch", "bzImage payload: truncated xz stream".
 */
int bzimage_decompress(const struct bzimage *bz, void *out, size_t out_size,
                       void *work, size_t work_size, size_t *out_len, const char **why);

#endif
