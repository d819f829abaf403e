/* SPDX-License-Identifier: MIT */
/*
 * The range decoder under LZMA: it turns the chunk's bytes into bits, each
 * decoded against an adaptive 11-bit probability, or as a "direct" bit of
 * even odds.  Inline, because the LZMA loop calls it for every bit.
 *
 * Bounds: the decoder reads only in[0, in_size) of its chunk.  When a
 * corrupt chunk asks for more, it gets zero bytes and `overrun` is set; the
 * LZMA loop stops and the chunk is refused.  Each normalisation reads at
 * most one byte, so the work stays proportional to the output.
 */
#ifndef KOAN_HYP_LIB_XZ_RC_H
#define KOAN_HYP_LIB_XZ_RC_H

#include "xz_internal.h"

#define RC_TOP           (1U << 24)  /* refill below this range */
#define RC_PROB_BITS     11
#define RC_PROB_ONE      (1U << RC_PROB_BITS)
#define RC_ADAPT_SHIFT   5
#define RC_INIT_BYTES    5

struct rc {
    uint32_t range, code;
    const uint8_t *in, *end;
    bool overrun;
};

/* Start on a chunk: its first byte is always 0, the next four seed code. */
static inline bool rc_init(struct rc *rc, const uint8_t *in, size_t in_size)
{
    if (in_size < RC_INIT_BYTES || in[0] != 0)
        return false;
    rc->range = 0xffffffffU;
    rc->code = (uint32_t)in[1] << 24 | (uint32_t)in[2] << 16 | (uint32_t)in[3] << 8 | in[4];
    rc->in = in + RC_INIT_BYTES;
    rc->end = in + in_size;
    rc->overrun = false;
    return true;
}

static inline void rc_normalize(struct rc *rc)
{
    if (rc->range < RC_TOP) {
        uint8_t next = 0;

        if (likely(rc->in < rc->end))
            next = *rc->in++;
        else
            rc->overrun = true;
        rc->range <<= 8;
        rc->code = (rc->code << 8) | next;
    }
}

/* One bit against *prob (the probability of a 0), adapting it. */
static inline unsigned rc_bit(struct rc *rc, uint16_t *prob)
{
    uint32_t bound;

    rc_normalize(rc);
    bound = (rc->range >> RC_PROB_BITS) * *prob;
    if (rc->code < bound) {
        rc->range = bound;
        *prob += (RC_PROB_ONE - *prob) >> RC_ADAPT_SHIFT;
        return 0;
    }
    rc->range -= bound;
    rc->code -= bound;
    *prob -= *prob >> RC_ADAPT_SHIFT;
    return 1;
}

/* nbits bits, most significant first, through the binary tree probs[1 .. 2^nbits). */
static inline uint32_t rc_tree(struct rc *rc, uint16_t *probs, unsigned nbits)
{
    uint32_t node = 1;

    for (unsigned i = 0; i < nbits; i++)
        node = (node << 1) | rc_bit(rc, &probs[node]);
    return node - (1U << nbits);
}

/* nbits bits, least significant first, through the tree whose root is probs[root]. */
static inline uint32_t rc_tree_reverse(struct rc *rc, uint16_t *probs, size_t root, unsigned nbits)
{
    uint32_t node = 1, value = 0;

    for (unsigned i = 0; i < nbits; i++) {
        unsigned bit = rc_bit(rc, &probs[root + node - 1]);

        node = (node << 1) | bit;
        value |= bit << i;
    }
    return value;
}

/* nbits bits of even odds, most significant first. */
static inline uint32_t rc_direct(struct rc *rc, unsigned nbits)
{
    uint32_t value = 0;

    while (nbits--) {
        rc_normalize(rc);
        rc->range >>= 1;
        value <<= 1;
        if (rc->code >= rc->range) {
            rc->code -= rc->range;
            value |= 1;
        }
    }
    return value;
}

#endif
