/* SPDX-License-Identifier: MIT */
/*
 * bzImage parsing (Linux's x86 boot protocol, Documentation/arch/x86/
 * boot.rst): the setup header lives in the first sector at fixed offsets;
 * the protected-mode part starts after (setup_sects + 1) sectors, and from
 * protocol 2.08 on, payload_offset/payload_length locate the compressed
 * vmlinux inside it.  Linux's build appends the uncompressed size as a
 * little-endian 32-bit word after the compressed stream.  See
 * include/hyp/bzimage.h.
 */
#include <hyp/bzimage.h>
#include <hyp/errno.h>
#include <hyp/string.h>
#include <hyp/xz.h>

#define SETUP_SECTS      0x1f1
#define BOOT_FLAG        0x1fe   /* 0xaa55 */
#define HEADER_MAGIC     0x202   /* "HdrS" */
#define PROTOCOL_VERSION 0x206
#define PAYLOAD_OFFSET   0x248
#define PAYLOAD_LENGTH   0x24c
#define SETUP_HEADER_END 0x250
#define SECTOR_SIZE      512
#define SIZE_TRAILER     4

static const char ERR_TRUNC[]    = "bzImage: setup header truncated";
static const char ERR_OLD[]      = "bzImage: boot protocol before 2.08 (no payload fields)";
static const char ERR_OUTSIDE[]  = "bzImage: payload outside the image";
static const char ERR_TRAILER[]  = "bzImage: payload size trailer disagrees with the xz index";
static const char ERR_TOO_BIG[]  = "bzImage: kernel over 256 MiB uncompressed";

static const struct {
    uint8_t magic[4];
    uint8_t len;
    const char *why;
} other_compressions[] = {
    { { 0x1f, 0x8b }, 2,             "bzImage: unsupported compression (gzip)" },
    { { 'B', 'Z', 'h' }, 3,          "bzImage: unsupported compression (bzip2)" },
    { { 0x5d, 0x00, 0x00 }, 3,       "bzImage: unsupported compression (lzma)" },
    { { 0x89, 'L', 'Z', 'O' }, 4,    "bzImage: unsupported compression (lzo)" },
    { { 0x02, 0x21, 0x4c, 0x18 }, 4, "bzImage: unsupported compression (lz4)" },
    { { 0x28, 0xb5, 0x2f, 0xfd }, 4, "bzImage: unsupported compression (zstd)" },
};

static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

/* The decoder's errors as refusal reasons (constant strings: no formatting). */
static const char *const xz_why[] = {
    [XZ_ERR_FORMAT]             = "bzImage payload: not an xz stream",
    [XZ_ERR_HEADER]             = "bzImage payload: corrupt xz header",
    [XZ_ERR_UNSUPPORTED_CHECK]  = "bzImage payload: unsupported xz check type",
    [XZ_ERR_UNSUPPORTED_FILTER] = "bzImage payload: unsupported xz filter",
    [XZ_ERR_DATA]               = "bzImage payload: corrupt compressed data",
    [XZ_ERR_CHECK]              = "bzImage payload: xz check mismatch",
    [XZ_ERR_INDEX]              = "bzImage payload: corrupt xz index or footer",
    [XZ_ERR_TRUNCATED]          = "bzImage payload: truncated xz stream",
    [XZ_ERR_OUTPUT_TOO_SMALL]   = "bzImage payload: larger than its index says",
    [XZ_ERR_TRAILING_DATA]      = "bzImage payload: data after the xz stream",
    [XZ_ERR_WORK_TOO_SMALL]     = "bzImage payload: xz work area too small",
};

static int fail(const char **why, const char *msg)
{
    *why = msg;
    return -EINVAL;
}

static int xz_fail(const char **why, enum xz_result r)
{
    return fail(why, (unsigned)r < ARRAY_SIZE(xz_why) && xz_why[r] ? xz_why[r]
                                                                  : "bzImage payload: xz error");
}

static uint32_t le32_at(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool bzimage_detect(const void *img, size_t size)
{
    const uint8_t *p = img;

    return size >= HEADER_MAGIC + 4 && p[BOOT_FLAG] == 0x55 && p[BOOT_FLAG + 1] == 0xaa &&
           !memcmp(p + HEADER_MAGIC, "HdrS", 4);
}

/* XZ, or the reason this payload's compression is not supported. */
static int check_compression(const uint8_t *payload, size_t len, const char **why)
{
    if (len >= sizeof(xz_magic) && !memcmp(payload, xz_magic, sizeof(xz_magic)))
        return 0;
    for (size_t i = 0; i < ARRAY_SIZE(other_compressions); i++)
        if (len >= other_compressions[i].len &&
            !memcmp(payload, other_compressions[i].magic, other_compressions[i].len))
            return fail(why, other_compressions[i].why);
    return fail(why, "bzImage: unsupported compression (unknown)");
}

int bzimage_parse(const void *img, size_t size, struct bzimage *out, const char **why)
{
    const uint8_t *p = img;
    uint64_t setup_size, start, len;

    if (!bzimage_detect(img, size) || size < SETUP_HEADER_END)
        return fail(why, ERR_TRUNC);
    out->version = (uint16_t)(p[PROTOCOL_VERSION] | p[PROTOCOL_VERSION + 1] << 8);
    if (out->version < 0x0208)
        return fail(why, ERR_OLD);
    setup_size = ((uint64_t)(p[SETUP_SECTS] ? p[SETUP_SECTS] : 4) + 1) * SECTOR_SIZE;
    start = setup_size + le32_at(p + PAYLOAD_OFFSET);   /* < 2^33: no overflow */
    len = le32_at(p + PAYLOAD_LENGTH);
    if (start > size || len > size - start || len <= SIZE_TRAILER)
        return fail(why, ERR_OUTSIDE);
    out->payload = p + start;
    out->payload_size = len - SIZE_TRAILER;
    out->size_trailer = le32_at(p + start + len - SIZE_TRAILER);
    return check_compression(out->payload, out->payload_size, why);
}

int bzimage_elf_size(const struct bzimage *bz, uint64_t *size, const char **why)
{
    enum xz_result r = xz_uncompressed_size(bz->payload, bz->payload_size, size);

    if (r)
        return xz_fail(why, r);
    if (*size != bz->size_trailer)
        return fail(why, ERR_TRAILER);
    if (*size > BZIMAGE_ELF_MAX)
        return fail(why, ERR_TOO_BIG);
    return 0;
}

int bzimage_decompress(const struct bzimage *bz, void *out, size_t out_size,
                       void *work, size_t work_size, size_t *out_len, const char **why)
{
    enum xz_result r = xz_decode(bz->payload, bz->payload_size, out, out_size, work,
                                 work_size, out_len);

    return r ? xz_fail(why, r) : 0;
}
