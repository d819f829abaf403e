/* SPDX-License-Identifier: MIT */
/*
 * The integrity checks of the .xz format: CRC32 (the IEEE 802.3 polynomial,
 * bit-reflected: headers, the index, and the check Linux uses) and CRC64
 * (ECMA-182, bit-reflected).  Table-driven: CRC32, which covers Linux's
 * whole payload, eight bytes per step ("slicing by 8": table k gives the
 * CRC of a byte followed by k zero bytes), CRC64 one byte per step.  The
 * tables are built in the caller's work area on every decode, so there is
 * no global state to initialise or share between CPUs.
 */
#include "xz_internal.h"

#define CRC32_POLY 0xedb88320U
#define CRC64_POLY 0xc96c5795d7870f42ULL

void xz_crc_tables_init(struct xz_crc_tables *t)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c32 = i;
        uint64_t c64 = i;

        for (int bit = 0; bit < 8; bit++) {
            c32 = (c32 >> 1) ^ (c32 & 1 ? CRC32_POLY : 0);
            c64 = (c64 >> 1) ^ (c64 & 1 ? CRC64_POLY : 0);
        }
        t->crc32[0][i] = c32;
        t->crc64[i] = c64;
    }
    for (unsigned k = 1; k < 8; k++)
        for (unsigned i = 0; i < 256; i++) {
            uint32_t prev = t->crc32[k - 1][i];
            t->crc32[k][i] = (prev >> 8) ^ t->crc32[0][prev & 0xff];
        }
}

uint32_t xz_crc32(const struct xz_crc_tables *t, const uint8_t *p, size_t n, uint32_t crc)
{
    const uint32_t (*tab)[256] = t->crc32;

    crc = ~crc;
    for (; n >= 8; n -= 8, p += 8) {
        uint32_t lo = crc ^ xz_get_le32(p), hi = xz_get_le32(p + 4);

        crc = tab[7][lo & 0xff] ^ tab[6][(lo >> 8) & 0xff] ^ tab[5][(lo >> 16) & 0xff] ^
              tab[4][lo >> 24] ^ tab[3][hi & 0xff] ^ tab[2][(hi >> 8) & 0xff] ^
              tab[1][(hi >> 16) & 0xff] ^ tab[0][hi >> 24];
    }
    while (n--)
        crc = tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

uint64_t xz_crc64(const struct xz_crc_tables *t, const uint8_t *p, size_t n, uint64_t crc)
{
    crc = ~crc;
    while (n--)
        crc = t->crc64[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

uint32_t xz_crc32_small(const uint8_t *p, size_t n, uint32_t crc)
{
    crc = ~crc;

    while (n--) {
        crc ^= *p++;
        for (int bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (crc & 1 ? CRC32_POLY : 0);
    }
    return ~crc;
}
