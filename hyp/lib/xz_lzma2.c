/* SPDX-License-Identifier: MIT */
/*
 * LZMA2: the chunk layer over LZMA.  A block's data is a run of chunks,
 * each opened by a control byte, and closed by a 0x00 byte:
 *   0x01        dictionary reset, then an uncompressed chunk
 *   0x02        uncompressed chunk
 *   0x80-0xff   LZMA chunk; bits 5-6 say what to reset first:
 *               0 nothing, 1 the model, 2 the model with new properties,
 *               3 the dictionary too; bits 0-4 are the top of the size.
 * A block must start with a dictionary reset, and the first LZMA chunk
 * after one must bring properties.  Chunk sizes (at most 2 MiB out, 64 KiB
 * in) are checked against the input and the output room before anything
 * is decoded.
 */
#include <hyp/string.h>

#include "xz_internal.h"

#define CTRL_END          0x00
#define CTRL_COPY_RESET   0x01
#define CTRL_COPY         0x02
#define CTRL_LZMA         0x80
#define CTRL_STATE_RESET  0xa0
#define CTRL_NEW_PROPS    0xc0
#define CTRL_DICT_RESET   0xe0

struct lzma2_state {
    struct lzma_dec lzma;
    struct xz_dict *d;
    const uint8_t *in;
    size_t in_size, pos;
    bool need_dict_reset, need_props;
};

static enum xz_result copy_chunk(struct lzma2_state *s)
{
    size_t size;

    if (s->in_size - s->pos < 2)
        return XZ_ERR_TRUNCATED;
    size = ((size_t)s->in[s->pos] << 8 | s->in[s->pos + 1]) + 1;
    s->pos += 2;
    if (size > s->in_size - s->pos)
        return XZ_ERR_TRUNCATED;
    if (size > s->d->end - s->d->pos)
        return XZ_ERR_OUTPUT_TOO_SMALL;
    memcpy(s->d->buf + s->d->pos, s->in + s->pos, size);
    s->d->pos += size;
    s->pos += size;
    return XZ_OK;
}

static enum xz_result lzma_chunk(struct lzma2_state *s, uint8_t control)
{
    size_t out_size, in_size, header = control >= CTRL_NEW_PROPS ? 5 : 4;
    const uint8_t *h = s->in + s->pos;

    if (s->in_size - s->pos < header)
        return XZ_ERR_TRUNCATED;
    out_size = ((size_t)(control & 0x1f) << 16 | (size_t)h[0] << 8 | h[1]) + 1;
    in_size = ((size_t)h[2] << 8 | h[3]) + 1;
    if (control >= CTRL_NEW_PROPS) {
        if (!lzma_set_props(&s->lzma, h[4]))
            return XZ_ERR_DATA;
        s->need_props = false;
        lzma_reset(&s->lzma);
    } else if (s->need_props) {
        return XZ_ERR_DATA;
    } else if (control >= CTRL_STATE_RESET) {
        lzma_reset(&s->lzma);
    }
    s->pos += header;
    if (in_size > s->in_size - s->pos)
        return XZ_ERR_TRUNCATED;
    if (out_size > s->d->end - s->d->pos)
        return XZ_ERR_OUTPUT_TOO_SMALL;
    enum xz_result r = lzma_decode_chunk(&s->lzma, s->d, s->in + s->pos, in_size, out_size);
    s->pos += in_size;
    return r;
}

static enum xz_result next_chunk(struct lzma2_state *s, uint8_t control)
{
    if (control == CTRL_COPY_RESET || control >= CTRL_DICT_RESET) {
        s->d->start = s->d->pos;
        s->need_dict_reset = false;
        s->need_props = true;
    } else if (s->need_dict_reset) {
        return XZ_ERR_DATA;
    }
    if (control >= CTRL_LZMA)
        return lzma_chunk(s, control);
    if (control > CTRL_COPY)
        return XZ_ERR_DATA;
    return copy_chunk(s);
}

enum xz_result xz_lzma2_decode(struct lzma_probs *probs, struct xz_dict *d,
                               const uint8_t *in, size_t in_size, size_t *in_used)
{
    struct lzma2_state s = {
        .lzma = { .probs = probs }, .d = d, .in = in, .in_size = in_size,
        .need_dict_reset = true, .need_props = true,
    };

    for (;;) {
        enum xz_result r;

        if (s.pos == s.in_size)
            return XZ_ERR_TRUNCATED;
        uint8_t control = s.in[s.pos++];
        if (control == CTRL_END)
            break;
        if ((r = next_chunk(&s, control)))
            return r;
    }
    *in_used = s.pos;
    return XZ_OK;
}
