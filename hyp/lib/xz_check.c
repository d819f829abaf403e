/* SPDX-License-Identifier: MIT */
/*
 * The integrity checks of the .xz format: CRC32 (the IEEE 802.3 polynomial,
 * bit-reflected: headers, the index, and the check Linux uses) and CRC64
 * (ECMA-182, bit-reflected).  Table-driven, one byte per step; the tables
 * are built in the caller's work area on every decode, so there is no
 * global state to initialise or share between CPUs.
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
        t->crc32[i] = c32;
        t->crc64[i] = c64;
    }
}

uint32_t xz_crc32(const struct xz_crc_tables *t, const uint8_t *p, size_t n, uint32_t crc)
{
    crc = ~crc;
    while (n--)
        crc = t->crc32[(crc ^ *p++) & 0xff] ^ (crc >> 8);
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
