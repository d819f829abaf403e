/* SPDX-License-Identifier: MIT */
/*
 * The LZMA symbol decoder, one LZMA2 chunk at a time.  Each symbol is a
 * literal byte, a match (length and a new distance), a repeated match (one
 * of the last four distances) or a one-byte "short rep".  Every distance is
 * checked against the history written since the last dictionary reset and
 * against the declared dictionary size, every length against the chunk's
 * end, before a byte is copied; a chunk must also use exactly its
 * compressed bytes and leave the range decoder at zero, as a well-formed
 * encoder does.  Each loop turn writes at least one byte, so the work is
 * bounded by the chunk's output size.
 */
#include "xz_rc.h"

#define MATCH_LEN_MIN 2
#define END_MARKER    0xffffffffU   /* LZMA's end-of-data distance: not allowed in LZMA2 */

bool lzma_set_props(struct lzma_dec *s, uint8_t props)
{
    unsigned pb = props / 45, lp = props % 45 / 9, lc = props % 9;

    if (pb > 4 || lc + lp > 4)
        return false;
    s->lc = lc;
    s->lp_mask = (1U << lp) - 1;
    s->pb_mask = (1U << pb) - 1;
    return true;
}

void lzma_reset(struct lzma_dec *s)
{
    uint16_t *p = (uint16_t *)s->probs;

    for (size_t i = 0; i < sizeof(*s->probs) / sizeof(uint16_t); i++)
        p[i] = RC_PROB_ONE / 2;
    s->state = 0;
    s->rep[0] = s->rep[1] = s->rep[2] = s->rep[3] = 0;
}

static inline unsigned state_after_literal(unsigned state)
{
    return state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
}

/* A literal byte: coded alone after a literal, else against the byte at rep0. */
static inline void decode_literal(struct lzma_dec *s, struct rc *rc, struct xz_dict *d)
{
    size_t done = d->pos - d->start;
    unsigned prev = done ? d->buf[d->pos - 1] : 0;
    unsigned coder = ((done & s->lp_mask) << s->lc) + (prev >> (8 - s->lc));
    uint16_t *probs = s->probs->literal[coder];
    unsigned symbol = 1;

    if (s->state < LZMA_LIT_STATES) {
        while (symbol < 0x100)
            symbol = (symbol << 1) | rc_bit(rc, &probs[symbol]);
    } else {
        /* rep0 was checked when the match that set this state used it. */
        unsigned match = d->buf[d->pos - s->rep[0] - 1], split = 0x100;

        while (symbol < 0x100) {
            match <<= 1;
            unsigned match_bit = match & split;
            unsigned bit = rc_bit(rc, &probs[split + match_bit + symbol]);

            symbol = (symbol << 1) | bit;
            /* Once a bit differs from the match byte, the plain tree takes over. */
            split &= bit ? match_bit : ~match_bit;
        }
    }
    d->buf[d->pos++] = (uint8_t)symbol;
    s->state = state_after_literal(s->state);
}

static inline uint32_t decode_length(struct rc *rc, struct lzma_len_probs *l, unsigned pos_state)
{
    if (!rc_bit(rc, &l->choice))
        return MATCH_LEN_MIN + rc_tree(rc, l->low[pos_state], 3);
    if (!rc_bit(rc, &l->choice2))
        return MATCH_LEN_MIN + 8 + rc_tree(rc, l->mid[pos_state], 3);
    return MATCH_LEN_MIN + 16 + rc_tree(rc, l->high, 8);
}

/* A new distance: a 6-bit slot, then the bits below its top two. */
static inline uint32_t decode_distance(struct lzma_dec *s, struct rc *rc, uint32_t len)
{
    unsigned dist_state = len - MATCH_LEN_MIN < LZMA_DIST_STATES ? len - MATCH_LEN_MIN
                                                                 : LZMA_DIST_STATES - 1;
    uint32_t slot = rc_tree(rc, s->probs->dist_slot[dist_state], 6);

    if (slot < 4)
        return slot;
    unsigned nbits = (slot >> 1) - 1;
    uint32_t dist = (2 | (slot & 1)) << nbits;

    if (slot < LZMA_DIST_MODEL_END)
        return dist + rc_tree_reverse(rc, s->probs->dist_special, dist - slot, nbits);
    dist += rc_direct(rc, nbits - LZMA_ALIGN_BITS) << LZMA_ALIGN_BITS;
    return dist + rc_tree_reverse(rc, s->probs->dist_align, 0, LZMA_ALIGN_BITS);
}

static inline uint32_t decode_match(struct lzma_dec *s, struct rc *rc, unsigned pos_state)
{
    uint32_t len = decode_length(rc, &s->probs->match_len, pos_state);

    s->state = s->state < LZMA_LIT_STATES ? 7 : 10;
    s->rep[3] = s->rep[2];
    s->rep[2] = s->rep[1];
    s->rep[1] = s->rep[0];
    s->rep[0] = decode_distance(s, rc, len);
    return len;
}

/* A repeated distance; returns the length (1 for a short rep). */
static inline uint32_t decode_rep(struct lzma_dec *s, struct rc *rc, unsigned pos_state)
{
    struct lzma_probs *p = s->probs;
    unsigned state = s->state;
    uint32_t dist;

    if (!rc_bit(rc, &p->is_rep0[state])) {
        if (!rc_bit(rc, &p->is_rep0_long[state][pos_state])) {
            s->state = state < LZMA_LIT_STATES ? 9 : 11;
            return 1;
        }
    } else {
        if (!rc_bit(rc, &p->is_rep1[state])) {
            dist = s->rep[1];
        } else {
            if (!rc_bit(rc, &p->is_rep2[state])) {
                dist = s->rep[2];
            } else {
                dist = s->rep[3];
                s->rep[3] = s->rep[2];
            }
            s->rep[2] = s->rep[1];
        }
        s->rep[1] = s->rep[0];
        s->rep[0] = dist;
    }
    s->state = state < LZMA_LIT_STATES ? 8 : 11;
    return decode_length(rc, &p->rep_len, pos_state);
}

/* Copy len bytes from rep0 back; false if the distance or length is impossible. */
static inline bool copy_match(struct lzma_dec *s, struct xz_dict *d, uint32_t len, size_t limit)
{
    uint32_t dist = s->rep[0];

    if (dist >= d->pos - d->start || dist >= d->size || len > limit - d->pos)
        return false;
    uint8_t *dst = d->buf + d->pos;
    const uint8_t *src = dst - dist - 1;

    d->pos += len;
    while (len--)       /* forwards, byte by byte: source and destination may overlap */
        *dst++ = *src++;
    return true;
}

/* The symbol loop, on the caller's copies of the model and window (see below). */
static enum xz_result decode_symbols(struct lzma_dec *s, struct xz_dict *d, struct rc *rc,
                                     size_t limit)
{
    struct lzma_probs *p = s->probs;

    while (d->pos < limit && !rc->overrun) {
        unsigned pos_state = (d->pos - d->start) & s->pb_mask;
        uint32_t len;

        if (!rc_bit(rc, &p->is_match[s->state][pos_state])) {
            decode_literal(s, rc, d);
            continue;
        }
        if (rc_bit(rc, &p->is_rep[s->state]))
            len = decode_rep(s, rc, pos_state);
        else
            len = decode_match(s, rc, pos_state);
        if (s->rep[0] == END_MARKER || !copy_match(s, d, len, limit))
            return XZ_ERR_DATA;
    }
    return XZ_OK;
}

enum xz_result lzma_decode_chunk(struct lzma_dec *s, struct xz_dict *d,
                                 const uint8_t *in, size_t in_size, size_t out_size)
{
    /*
     * Local copies: the output bytes are written through a uint8_t
     * pointer, which may alias anything the caller can reach, so on the
     * caller's structures every write would force the state to be
     * reloaded.  Locals whose address never escapes stay in registers.
     */
    struct lzma_dec model = *s;
    struct xz_dict window = *d;
    struct rc rc;
    enum xz_result r;

    if (!rc_init(&rc, in, in_size))
        return XZ_ERR_DATA;
    r = decode_symbols(&model, &window, &rc, d->pos + out_size);
    *s = model;
    *d = window;
    if (r)
        return r;
    rc_normalize(&rc);
    if (rc.overrun || rc.in != rc.end || rc.code != 0)
        return XZ_ERR_DATA;
    return XZ_OK;
}
