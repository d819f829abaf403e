/* SPDX-License-Identifier: MIT */
/*
 * Debian's liblzma as the oracle of the xz unit tests: it compresses test
 * inputs in the ways Linux's build (and other encoders) could, and decodes
 * streams so our decoder's verdict and bytes can be compared with its own.
 */
#ifndef KOAN_TESTS_UNIT_XZ_ORACLE_H
#define KOAN_TESTS_UNIT_XZ_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum oracle_mode {
    ORACLE_BUFFER,     /* lzma_stream_buffer_encode: sizes in the block header */
    ORACLE_STREAMED,   /* lzma_stream_encoder: no sizes in the block header */
    ORACLE_BLOCKS,     /* lzma_stream_encoder_mt, one thread: many blocks of block_size */
};

enum oracle_filter { ORACLE_NO_FILTER, ORACLE_X86, ORACLE_DELTA, ORACLE_ARM };

struct oracle_opts {
    enum oracle_mode mode;
    uint32_t preset;          /* 0-9, optionally | LZMA_PRESET_EXTREME */
    int check;                /* lzma_check */
    enum oracle_filter filter;
    uint32_t bcj_start;       /* x86 start offset (stored as a 4-byte property if not 0) */
    uint32_t dict_size;       /* 0: the preset's */
    int lc, lp, pb;           /* -1: the preset's */
    uint64_t block_size;      /* ORACLE_BLOCKS */
};

/* Compress data[0, n) into a malloc'd stream; *out_n its size.  Fails the test on error. */
uint8_t *oracle_encode(const uint8_t *data, size_t n, const struct oracle_opts *o, size_t *out_n);

/*
 * Decode in[0, n) with liblzma (one stream, stream padding allowed).
 * Returns the malloc'd output and sets *out_n, or NULL if liblzma refuses
 * the stream or it would decode to more than max_out bytes.
 */
uint8_t *oracle_decode(const uint8_t *in, size_t n, size_t max_out, size_t *out_n);

/* A fixed-seed xorshift generator, so failures repeat. */
uint64_t oracle_rand(void);
void oracle_seed(uint64_t seed);

#endif
