/* SPDX-License-Identifier: MIT */
/*
 * What the pieces of the xz decoder share (include/hyp/xz.h is the public
 * side): the work area's layout, the output window ("dictionary"), the
 * LZMA decoder's state and the entry points of each piece:
 *   xz_stream.c  the .xz container: stream header, blocks, index, footer;
 *   xz_check.c   CRC32 and CRC64;
 *   xz_lzma2.c   LZMA2 chunks (headers, resets, uncompressed chunks);
 *   xz_lzma.c    the LZMA symbol decoder, with xz_rc.h, the range decoder;
 *   xz_bcj.c     the x86 branch converter.
 * Nothing here keeps state between calls: it all lives in the caller's
 * work area or on the stack.
 */
#ifndef KOAN_HYP_LIB_XZ_INTERNAL_H
#define KOAN_HYP_LIB_XZ_INTERNAL_H

#include <hyp/xz.h>

/* ---- checks (xz_check.c) ---- */

struct xz_crc_tables {
    uint32_t crc32[8][256];   /* [k]: a byte followed by k zero bytes */
    uint64_t crc64[256];
};

void xz_crc_tables_init(struct xz_crc_tables *t);
/* Continue a CRC over p[0, n): start with crc 0. */
uint32_t xz_crc32(const struct xz_crc_tables *t, const uint8_t *p, size_t n, uint32_t crc);
uint64_t xz_crc64(const struct xz_crc_tables *t, const uint8_t *p, size_t n, uint64_t crc);
/* The same CRC32 without tables, for the few header bytes. */
uint32_t xz_crc32_small(const uint8_t *p, size_t n, uint32_t crc);

/* ---- LZMA (xz_lzma.c) ---- */

#define LZMA_STATES          12
#define LZMA_LIT_STATES      7    /* states 0-6: the last symbol was a literal */
#define LZMA_POS_STATES_MAX  16   /* pb <= 4 */
#define LZMA_LIT_CODERS_MAX  16   /* lc + lp <= 4 in LZMA2 */
#define LZMA_LIT_CODER_SIZE  0x300
#define LZMA_DIST_STATES     4
#define LZMA_DIST_SLOTS      64
#define LZMA_DIST_MODEL_END  14   /* slots below this code their low bits with probabilities */
#define LZMA_FULL_DISTANCES  128
#define LZMA_ALIGN_BITS      4

/* The adaptive probabilities of one length coder. */
struct lzma_len_probs {
    uint16_t choice;      /* length >= 10? */
    uint16_t choice2;     /* length >= 18? */
    uint16_t low[LZMA_POS_STATES_MAX][8];    /* 2-9 */
    uint16_t mid[LZMA_POS_STATES_MAX][8];    /* 10-17 */
    uint16_t high[256];                      /* 18-273 */
};

/* Every probability of the LZMA model: uint16_t only, so it can be reset as one array. */
struct lzma_probs {
    uint16_t is_match[LZMA_STATES][LZMA_POS_STATES_MAX];
    uint16_t is_rep[LZMA_STATES];
    uint16_t is_rep0[LZMA_STATES];
    uint16_t is_rep1[LZMA_STATES];
    uint16_t is_rep2[LZMA_STATES];
    uint16_t is_rep0_long[LZMA_STATES][LZMA_POS_STATES_MAX];
    uint16_t dist_slot[LZMA_DIST_STATES][LZMA_DIST_SLOTS];
    uint16_t dist_special[LZMA_FULL_DISTANCES - LZMA_DIST_MODEL_END];
    uint16_t dist_align[1 << LZMA_ALIGN_BITS];
    struct lzma_len_probs match_len;
    struct lzma_len_probs rep_len;
    uint16_t literal[LZMA_LIT_CODERS_MAX][LZMA_LIT_CODER_SIZE];
};

/* The LZMA model between chunks of one LZMA2 stream. */
struct lzma_dec {
    struct lzma_probs *probs;   /* in the work area */
    uint32_t rep[4];            /* the last four match distances (distance - 1) */
    unsigned state;             /* 0..11: which kinds of symbol came last */
    unsigned lc;                /* literal context bits */
    unsigned lp_mask, pb_mask;  /* (1 << lp) - 1, (1 << pb) - 1 */
};

/*
 * The output window.  In single-call mode the output buffer is the
 * dictionary: buf[start, pos) is the history a match may copy from (start
 * is where the last dictionary reset happened), buf[pos, end) is room.
 */
struct xz_dict {
    uint8_t *buf;
    size_t start, pos, end;
    uint32_t size;              /* the dictionary size the block header declared */
};

/* Set lc/lp/pb from an LZMA2 properties byte; false if invalid. */
bool lzma_set_props(struct lzma_dec *s, uint8_t props);
/* Reset the model: state, distances and every probability. */
void lzma_reset(struct lzma_dec *s);
/*
 * Decode one LZMA chunk, exactly in[0, in_size), to exactly out_size bytes
 * at d->pos (the caller made sure they fit before d->end).  XZ_OK or
 * XZ_ERR_DATA.
 */
enum xz_result lzma_decode_chunk(struct lzma_dec *s, struct xz_dict *d,
                                 const uint8_t *in, size_t in_size, size_t out_size);

/* ---- LZMA2 (xz_lzma2.c) ---- */

/*
 * Decode the LZMA2 data of one block from in[0, in_size) into d, up to and
 * including its end marker; *in_used is how many bytes it took.
 * XZ_ERR_TRUNCATED if in_size ends first, XZ_ERR_OUTPUT_TOO_SMALL if a
 * chunk does not fit before d->end.
 */
enum xz_result xz_lzma2_decode(struct lzma_probs *probs, struct xz_dict *d,
                               const uint8_t *in, size_t in_size, size_t *in_used);

/* ---- BCJ (xz_bcj.c) ---- */

/* Undo the x86 branch conversion on one block's data, in place. */
void xz_bcj_x86_decode(uint8_t *buf, size_t size, uint32_t start_offset);

/* ---- the work area ---- */

struct xz_work {
    struct xz_crc_tables crc;
    struct lzma_probs probs;
};

_Static_assert(sizeof(struct xz_work) <= XZ_WORK_SIZE, "XZ_WORK_SIZE is too small");

static inline uint32_t xz_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t xz_get_le64(const uint8_t *p)
{
    return (uint64_t)xz_get_le32(p) | (uint64_t)xz_get_le32(p + 4) << 32;
}

#endif
