/* SPDX-License-Identifier: MIT */
/*
 * The .xz container (the XZ file format, version 1.x): a stream header
 * (magic, flags naming the check, CRC32), blocks, an index listing every
 * block's sizes, and a stream footer (CRC32, the index's size, the flags
 * again, magic).  Each block has a header (sizes, the filter chain, CRC32),
 * LZMA2 data, zero padding to 4 bytes, and the check of its uncompressed
 * bytes.  Everything the format lets a decoder verify is verified: header
 * CRCs, reserved bits, padding bytes, declared sizes against real ones,
 * every block's check, and the index against the blocks (record by record,
 * through a CRC32 over the records, as no list of blocks is kept).
 *
 * Reading follows one rule: a field that runs past the input is
 * XZ_ERR_TRUNCATED, a field that is present but wrong says what it is.
 */
#include <hyp/string.h>

#include "xz_internal.h"

#define STREAM_HEADER_SIZE 12
#define STREAM_FOOTER_SIZE 12
#define CHECK_NONE         0x0
#define CHECK_CRC32        0x1
#define CHECK_CRC64        0x4
#define FILTER_X86         0x04
#define FILTER_LZMA2       0x21
#define FILTER_ID_RESERVED (1ULL << 62)   /* and above: never in a file */
#define BLOCK_FLAGS_FILTERS     0x03
#define BLOCK_FLAGS_RESERVED    0x3c
#define BLOCK_FLAGS_COMPRESSED  0x40
#define BLOCK_FLAGS_UNCOMPRESSED 0x80
#define VLI_MAX_BYTES      9              /* 63 bits */

static const uint8_t header_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
static const uint8_t footer_magic[2] = { 'Y', 'Z' };

/* What the blocks add up to, and what the index says they add up to. */
struct index_sum {
    uint64_t count, unpadded, uncompressed, padded;
    uint32_t records_crc;   /* CRC32 over every (unpadded, uncompressed), as two LE64s each */
};

struct stream {
    const uint8_t *in;
    size_t in_size, pos;
    uint8_t *out;
    size_t out_size, out_pos;
    struct xz_work *work;
    const uint8_t *flags;   /* the stream header's two flag bytes */
    unsigned check;
    struct index_sum blocks;
};

struct block_header {
    size_t size;
    bool has_compressed, has_uncompressed;
    uint64_t compressed, uncompressed;
    bool bcj;
    uint32_t bcj_start;
    uint32_t dict_size;
};

enum vli_result { VLI_OK, VLI_SHORT, VLI_BAD };

/* A variable-length integer at p[*pos], which must end before `end`. */
static enum vli_result read_vli(const uint8_t *p, size_t end, size_t *pos, uint64_t *out)
{
    uint64_t value = 0;

    for (unsigned i = 0; i < VLI_MAX_BYTES; i++) {
        if (*pos >= end)
            return VLI_SHORT;
        uint8_t b = p[(*pos)++];

        value |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if (b == 0 && i > 0)
                return VLI_BAD;   /* the shortest encoding is the only valid one */
            *out = value;
            return VLI_OK;
        }
    }
    return VLI_BAD;
}

static size_t check_size(unsigned check)
{
    return check == CHECK_CRC32 ? 4 : check == CHECK_CRC64 ? 8 : 0;
}

static enum xz_result read_stream_header(const uint8_t *in, size_t in_size, unsigned *check)
{
    if (memcmp(in, header_magic, MIN(in_size, sizeof(header_magic))))
        return XZ_ERR_FORMAT;
    if (in_size < STREAM_HEADER_SIZE)
        return XZ_ERR_TRUNCATED;
    if (xz_crc32_small(in + 6, 2, 0) != xz_get_le32(in + 8) || in[6] != 0 || (in[7] & 0xf0))
        return XZ_ERR_HEADER;
    *check = in[7];
    if (*check != CHECK_NONE && *check != CHECK_CRC32 && *check != CHECK_CRC64)
        return XZ_ERR_UNSUPPORTED_CHECK;
    return XZ_OK;
}

/* The footer f[0, 12); *index_size is the size it gives the index. */
static enum xz_result read_footer(const uint8_t *f, const uint8_t *flags, uint64_t *index_size)
{
    if (memcmp(f + 10, footer_magic, sizeof(footer_magic)) ||
        xz_crc32_small(f + 4, 6, 0) != xz_get_le32(f) || memcmp(f + 8, flags, 2))
        return XZ_ERR_INDEX;
    *index_size = ((uint64_t)xz_get_le32(f + 4) + 1) * 4;
    return XZ_OK;
}

static void add_record(struct index_sum *sum, uint64_t unpadded, uint64_t uncompressed)
{
    uint8_t record[16];

    for (int i = 0; i < 8; i++) {
        record[i] = (uint8_t)(unpadded >> (8 * i));
        record[8 + i] = (uint8_t)(uncompressed >> (8 * i));
    }
    sum->count++;
    sum->unpadded += unpadded;
    sum->uncompressed += uncompressed;
    sum->padded += ALIGN_UP(unpadded, 4);
    sum->records_crc = xz_crc32_small(record, sizeof(record), sum->records_crc);
}

static bool sums_equal(const struct index_sum *a, const struct index_sum *b)
{
    return a->count == b->count && a->unpadded == b->unpadded &&
           a->uncompressed == b->uncompressed && a->records_crc == b->records_crc;
}

/* One index record; sizes are bounded so the sums below cannot wrap. */
static enum xz_result read_record(const uint8_t *in, size_t end, size_t *pos, struct index_sum *sum)
{
    uint64_t unpadded, uncompressed;
    enum vli_result v;

    if ((v = read_vli(in, end, pos, &unpadded)) || (v = read_vli(in, end, pos, &uncompressed)))
        return v == VLI_SHORT ? XZ_ERR_TRUNCATED : XZ_ERR_INDEX;
    /* A stream is under 2^63 bytes, so each sum is too (spec §2). */
    if (unpadded == 0 || unpadded > (1ULL << 62) || uncompressed > (1ULL << 62) ||
        sum->padded + ALIGN_UP(unpadded, 4) > (1ULL << 62) ||
        sum->uncompressed + uncompressed > (1ULL << 62))
        return XZ_ERR_INDEX;
    add_record(sum, unpadded, uncompressed);
    return XZ_OK;
}

/*
 * The index at in[start] (its indicator byte, 0, already seen), ending
 * before `end`; *after is the position after its CRC32.
 */
static enum xz_result read_index(const uint8_t *in, size_t end, size_t start,
                                 struct index_sum *sum, size_t *after)
{
    size_t pos = start + 1;
    uint64_t count;
    enum vli_result v;
    enum xz_result r;

    if ((v = read_vli(in, end, &pos, &count)))
        return v == VLI_SHORT ? XZ_ERR_TRUNCATED : XZ_ERR_INDEX;
    for (uint64_t i = 0; i < count; i++)   /* each record takes input: bounded */
        if ((r = read_record(in, end, &pos, sum)))
            return r;
    for (; (pos - start) % 4; pos++) {
        if (pos >= end)
            return XZ_ERR_TRUNCATED;
        if (in[pos])
            return XZ_ERR_INDEX;
    }
    if (end - pos < 4)
        return XZ_ERR_TRUNCATED;
    if (xz_crc32_small(in + start, pos - start, 0) != xz_get_le32(in + pos))
        return XZ_ERR_INDEX;
    *after = pos + 4;
    return XZ_OK;
}

/* One filter of the chain at h[*pos]; `last` says whether it ends the chain. */
static enum xz_result read_filter(const uint8_t *h, size_t end, size_t *pos, bool last,
                                  struct block_header *bh)
{
    uint64_t id, props_size;

    if (read_vli(h, end, pos, &id) || read_vli(h, end, pos, &props_size) ||
        id >= FILTER_ID_RESERVED || props_size > end - *pos)
        return XZ_ERR_HEADER;
    const uint8_t *props = h + *pos;
    *pos += props_size;
    if (last && id == FILTER_LZMA2) {
        if (props_size != 1 || (props[0] & 0xc0) || props[0] > 40)
            return XZ_ERR_HEADER;
        bh->dict_size = props[0] == 40 ? 0xffffffffU
                                       : (2U | (props[0] & 1)) << (props[0] / 2 + 11);
        return XZ_OK;
    }
    if (!last && id == FILTER_X86 && !bh->bcj) {
        if (props_size != 0 && props_size != 4)
            return XZ_ERR_HEADER;
        bh->bcj = true;
        bh->bcj_start = props_size ? xz_get_le32(props) : 0;
        return XZ_OK;
    }
    return XZ_ERR_UNSUPPORTED_FILTER;
}

static enum xz_result parse_block_header(const uint8_t *h, struct block_header *bh)
{
    size_t pos = 2, end = bh->size - 4;
    uint8_t flags = h[1];
    unsigned filters = (flags & BLOCK_FLAGS_FILTERS) + 1;
    enum xz_result r;

    if (flags & BLOCK_FLAGS_RESERVED)
        return XZ_ERR_HEADER;
    bh->has_compressed = flags & BLOCK_FLAGS_COMPRESSED;
    bh->has_uncompressed = flags & BLOCK_FLAGS_UNCOMPRESSED;
    if (bh->has_compressed && (read_vli(h, end, &pos, &bh->compressed) || !bh->compressed))
        return XZ_ERR_HEADER;
    if (bh->has_uncompressed && read_vli(h, end, &pos, &bh->uncompressed))
        return XZ_ERR_HEADER;
    for (unsigned i = 0; i < filters; i++)
        if ((r = read_filter(h, end, &pos, i == filters - 1, bh)))
            return r;
    for (; pos < end; pos++)
        if (h[pos])
            return XZ_ERR_HEADER;
    return XZ_OK;
}

static enum xz_result read_block_header(const struct stream *s, struct block_header *bh)
{
    const uint8_t *h = s->in + s->pos;

    *bh = (struct block_header){ .size = ((size_t)h[0] + 1) * 4 };
    if (bh->size > s->in_size - s->pos)
        return XZ_ERR_TRUNCATED;
    if (xz_crc32_small(h, bh->size - 4, 0) != xz_get_le32(h + bh->size - 4))
        return XZ_ERR_HEADER;
    return parse_block_header(h, bh);
}

/* Block padding after `used` bytes of data, then the check of data[0, size). */
static enum xz_result finish_block(struct stream *s, size_t used, const uint8_t *data, size_t size)
{
    size_t n = check_size(s->check);

    for (; used % 4; used++, s->pos++) {
        if (s->pos >= s->in_size)
            return XZ_ERR_TRUNCATED;
        if (s->in[s->pos])
            return XZ_ERR_DATA;
    }
    if (s->in_size - s->pos < n)
        return XZ_ERR_TRUNCATED;
    const uint8_t *stored = s->in + s->pos;
    s->pos += n;
    if (s->check == CHECK_CRC32)
        return xz_crc32(&s->work->crc, data, size, 0) == xz_get_le32(stored) ? XZ_OK : XZ_ERR_CHECK;
    if (s->check == CHECK_CRC64)
        return xz_crc64(&s->work->crc, data, size, 0) == xz_get_le64(stored) ? XZ_OK : XZ_ERR_CHECK;
    return XZ_OK;
}

/* Decode the block's LZMA2 data into s->out; sizes checked against its header. */
static enum xz_result decode_block_data(struct stream *s, const struct block_header *bh,
                                        size_t *used, size_t *produced)
{
    size_t in_end = s->in_size;
    struct xz_dict d = { .buf = s->out, .start = s->out_pos, .pos = s->out_pos,
                         .end = s->out_size, .size = bh->dict_size };
    enum xz_result r;

    if (bh->has_compressed) {
        if (bh->compressed > s->in_size - s->pos)
            return XZ_ERR_TRUNCATED;
        in_end = s->pos + bh->compressed;
    }
    if (bh->has_uncompressed) {
        if (bh->uncompressed > s->out_size - s->out_pos)
            return XZ_ERR_OUTPUT_TOO_SMALL;
        d.end = s->out_pos + bh->uncompressed;
    }
    r = xz_lzma2_decode(&s->work->probs, &d, s->in + s->pos, in_end - s->pos, used);
    /* Running past a size the header declared is the data's fault. */
    if ((r == XZ_ERR_TRUNCATED && bh->has_compressed) ||
        (r == XZ_ERR_OUTPUT_TOO_SMALL && bh->has_uncompressed))
        r = XZ_ERR_DATA;
    if (r)
        return r;
    *produced = d.pos - s->out_pos;
    if ((bh->has_compressed && *used != bh->compressed) ||
        (bh->has_uncompressed && *produced != bh->uncompressed))
        return XZ_ERR_DATA;
    return XZ_OK;
}

static enum xz_result decode_block(struct stream *s)
{
    struct block_header bh;
    size_t used, produced;
    enum xz_result r;

    if ((r = read_block_header(s, &bh)))
        return r;
    s->pos += bh.size;
    if ((r = decode_block_data(s, &bh, &used, &produced)))
        return r;
    s->pos += used;
    uint8_t *data = s->out + s->out_pos;
    if (bh.bcj)
        xz_bcj_x86_decode(data, produced, bh.bcj_start);
    if ((r = finish_block(s, used, data, produced)))
        return r;
    /* In memory, so far below the format's 2^63 limits. */
    add_record(&s->blocks, bh.size + used + check_size(s->check), produced);
    s->out_pos += produced;
    return XZ_OK;
}

/* The index, the footer, and nothing but stream padding after them. */
static enum xz_result finish_stream(struct stream *s)
{
    struct index_sum index = { 0 };
    size_t index_start = s->pos, after;
    uint64_t index_size;
    enum xz_result r;

    if ((r = read_index(s->in, s->in_size, index_start, &index, &after)))
        return r;
    if (!sums_equal(&index, &s->blocks))
        return XZ_ERR_INDEX;
    if (s->in_size - after < STREAM_FOOTER_SIZE)
        return XZ_ERR_TRUNCATED;
    if ((r = read_footer(s->in + after, s->flags, &index_size)))
        return r;
    if (index_size != after - index_start)
        return XZ_ERR_INDEX;
    for (size_t pos = after + STREAM_FOOTER_SIZE; pos < s->in_size; pos++)
        if (s->in[pos])
            return XZ_ERR_TRAILING_DATA;
    if ((s->in_size - after) % 4)
        return XZ_ERR_TRAILING_DATA;
    return XZ_OK;
}

enum xz_result xz_decode(const void *in, size_t in_size, void *out, size_t out_size,
                         void *work, size_t work_size, size_t *out_len)
{
    struct stream s = { .in = in, .in_size = in_size, .out = out, .out_size = out_size,
                        .work = work, .pos = STREAM_HEADER_SIZE };
    enum xz_result r;

    if (!work || work_size < XZ_WORK_SIZE || ((uintptr_t)work & 7))
        return XZ_ERR_WORK_TOO_SMALL;
    if ((r = read_stream_header(s.in, in_size, &s.check)))
        return r;
    s.flags = s.in + 6;
    xz_crc_tables_init(&s.work->crc);
    for (;;) {
        if (s.pos >= in_size)
            return XZ_ERR_TRUNCATED;
        if (s.in[s.pos] == 0)     /* the index indicator: no more blocks */
            break;
        if ((r = decode_block(&s)))
            return r;
    }
    if ((r = finish_stream(&s)))
        return r;
    *out_len = s.out_pos;
    return XZ_OK;
}

enum xz_result xz_uncompressed_size(const void *in, size_t in_size, uint64_t *size)
{
    const uint8_t *p = in;
    struct index_sum index = { 0 };
    size_t end = in_size, index_start, after;
    uint64_t index_size;
    unsigned check;
    enum xz_result r;

    if ((r = read_stream_header(p, in_size, &check)))
        return r;
    if (in_size % 4)
        return XZ_ERR_INDEX;
    while (end > STREAM_HEADER_SIZE && !xz_get_le32(p + end - 4))
        end -= 4;   /* stream padding */
    if (end - STREAM_HEADER_SIZE < STREAM_FOOTER_SIZE ||
        (r = read_footer(p + end - STREAM_FOOTER_SIZE, p + 6, &index_size)))
        return XZ_ERR_INDEX;
    end -= STREAM_FOOTER_SIZE;
    if (index_size > end - STREAM_HEADER_SIZE)
        return XZ_ERR_INDEX;
    index_start = end - index_size;
    if (p[index_start] != 0 || read_index(p, end, index_start, &index, &after) || after != end ||
        index.padded != index_start - STREAM_HEADER_SIZE)
        return XZ_ERR_INDEX;
    *size = index.uncompressed;
    return XZ_OK;
}

const char *xz_strerror(enum xz_result r)
{
    switch (r) {
    case XZ_OK:                     return "success";
    case XZ_ERR_FORMAT:             return "not an xz stream";
    case XZ_ERR_HEADER:             return "corrupt xz header";
    case XZ_ERR_UNSUPPORTED_CHECK:  return "unsupported xz check type";
    case XZ_ERR_UNSUPPORTED_FILTER: return "unsupported xz filter";
    case XZ_ERR_DATA:               return "corrupt compressed data";
    case XZ_ERR_CHECK:              return "xz check mismatch";
    case XZ_ERR_INDEX:              return "corrupt xz index or footer";
    case XZ_ERR_TRUNCATED:          return "truncated xz stream";
    case XZ_ERR_OUTPUT_TOO_SMALL:   return "output buffer too small";
    case XZ_ERR_TRAILING_DATA:      return "data after the xz stream";
    case XZ_ERR_WORK_TOO_SMALL:     return "xz work area too small";
    }
    return "unknown xz error";
}
