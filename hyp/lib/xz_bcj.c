/* SPDX-License-Identifier: MIT */
/*
 * The x86 BCJ filter, decoding side.  Before compression the encoder
 * turned the 32-bit relative operand of each plausible `call rel32` (E8)
 * and `jmp rel32` (E9) into an absolute one (operand + position after the
 * instruction): calls to one function then repeat, which LZMA likes.  Here
 * the operands go back to relative.
 *
 * "Plausible" is a heuristic both sides must apply identically: the
 * operand's top byte must be 0x00 or 0xff (a near target), and the opcode
 * bytes met in the three bytes before it that were left alone must not
 * make this one look like part of another instruction.  The positions are
 * block-relative plus the filter's start offset, modulo 2^32; the last four
 * bytes of a block are never converted (no whole operand fits).
 *
 * A block is filtered in place once LZMA2 has decoded all of it: the LZMA2
 * dictionary holds the filtered bytes, and blocks never share a dictionary.
 */
#include "xz_internal.h"

static inline bool near_top_byte(uint8_t b)
{
    return b == 0x00 || b == 0xff;
}

/*
 * An opcode at distance 1, 2 or 3 before this one that was left alone is a
 * reason to leave this one too, unless it is alone there and its own
 * operand top byte was not a near one.
 */
static inline bool convertible(uint8_t top, unsigned left_alone, unsigned left_alone_near)
{
    bool at_most_one = (left_alone & (left_alone - 1)) == 0;

    return near_top_byte(top) && left_alone_near == 0 && at_most_one;
}

/*
 * The decoded operand.  If an opcode left alone lies `back` bytes before
 * this one, the encoder's output byte that overlaps it must not look like
 * a near top byte either; when it does, the encoder had converted again
 * with that byte's bits flipped, so undo that round too.
 */
static uint32_t decode_operand(uint32_t value, uint32_t next_ip, unsigned left_alone)
{
    unsigned back = left_alone == 1 ? 1 : left_alone == 2 ? 2 : 3;

    for (;;) {
        uint32_t rel = value - next_ip;

        if (left_alone == 0 || !near_top_byte((uint8_t)(rel >> (24 - 8 * back))))
            return rel;
        value = rel ^ ((1U << (32 - 8 * back)) - 1);
    }
}

static void put_operand(uint8_t *p, uint32_t rel)
{
    /* Bit 24 decides the top byte: the operand stays a near one. */
    rel &= 0x01ffffff;
    rel |= 0U - (rel & 0x01000000);
    p[0] = (uint8_t)rel;
    p[1] = (uint8_t)(rel >> 8);
    p[2] = (uint8_t)(rel >> 16);
    p[3] = (uint8_t)(rel >> 24);
}

void xz_bcj_x86_decode(uint8_t *buf, size_t size, uint32_t start_offset)
{
    /* Opcodes left alone, relative to the last opcode seen at `last`:
     * bit k is the one k bytes before it (k = 0..3); `_near` the subset
     * whose operand top byte was 0x00/0xff. */
    unsigned alone = 0, alone_near = 0;
    size_t last = 0;

    for (size_t i = 0; size >= 5 && i <= size - 5;) {
        if ((buf[i] & 0xfe) != 0xe8) {
            i++;
            continue;
        }
        size_t shift = i - last - 1;   /* huge for the first opcode at 0: alone is 0 then */
        unsigned left = shift < 3 ? (alone << shift) & 7 : 0;
        unsigned left_near = shift < 3 ? (alone_near << shift) & 7 : 0;
        uint8_t top = buf[i + 4];

        last = i;
        if (convertible(top, left, left_near)) {
            uint32_t next_ip = start_offset + (uint32_t)i + 5;

            put_operand(buf + i + 1, decode_operand(xz_get_le32(buf + i + 1), next_ip, left));
            alone = alone_near = 0;
            i += 5;
        } else {
            alone = (left << 1) | 1;
            alone_near = (left_near << 1) | near_top_byte(top);
            i++;
        }
    }
}
