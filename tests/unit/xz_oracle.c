/* SPDX-License-Identifier: MIT */
/*
 * liblzma wrappers for the xz unit tests (see xz_oracle.h).  Host code
 * only: it uses malloc and links with -llzma.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <cmocka.h>
#include <lzma.h>

#include "xz_oracle.h"

static uint64_t rng = 0x786b6f616e787a31ULL;

void oracle_seed(uint64_t seed)
{
    rng = seed ? seed : 1;
}

uint64_t oracle_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* The filter chain of o: [x86 | delta | ARM] + LZMA2. */
static void build_chain(const struct oracle_opts *o, lzma_filter *f, lzma_options_lzma *lz,
                        lzma_options_bcj *bcj, lzma_options_delta *delta)
{
    unsigned n = 0;

    assert_false(lzma_lzma_preset(lz, o->preset));
    if (o->dict_size)
        lz->dict_size = o->dict_size;
    if (o->lc >= 0)
        lz->lc = o->lc;
    if (o->lp >= 0)
        lz->lp = o->lp;
    if (o->pb >= 0)
        lz->pb = o->pb;
    *bcj = (lzma_options_bcj){ .start_offset = o->bcj_start };
    *delta = (lzma_options_delta){ .type = LZMA_DELTA_TYPE_BYTE, .dist = 4 };
    if (o->filter == ORACLE_X86)
        f[n++] = (lzma_filter){ LZMA_FILTER_X86, o->bcj_start ? bcj : NULL };
    else if (o->filter == ORACLE_DELTA)
        f[n++] = (lzma_filter){ LZMA_FILTER_DELTA, delta };
    else if (o->filter == ORACLE_ARM)
        f[n++] = (lzma_filter){ LZMA_FILTER_ARM, NULL };
    f[n++] = (lzma_filter){ LZMA_FILTER_LZMA2, lz };
    f[n] = (lzma_filter){ LZMA_VLI_UNKNOWN, NULL };
}

/* Run strm to the end of data[0, n), into a growing malloc'd buffer. */
static uint8_t *run_coder(lzma_stream *strm, const uint8_t *data, size_t n, size_t max_out,
                          size_t *out_n, bool *ok)
{
    size_t cap = n / 2 + 4096, used = 0;
    uint8_t *out = malloc(cap);
    lzma_ret ret;

    assert_non_null(out);
    strm->next_in = data;
    strm->avail_in = n;
    do {
        if (used == cap) {
            cap *= 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
        strm->next_out = out + used;
        strm->avail_out = cap - used;
        ret = lzma_code(strm, LZMA_FINISH);
        used = cap - strm->avail_out;
    } while (ret == LZMA_OK && used <= max_out);
    lzma_end(strm);
    *ok = ret == LZMA_STREAM_END && used <= max_out;
    *out_n = used;
    return out;
}

uint8_t *oracle_encode(const uint8_t *data, size_t n, const struct oracle_opts *o, size_t *out_n)
{
    lzma_filter f[4];
    lzma_options_lzma lz;
    lzma_options_bcj bcj;
    lzma_options_delta delta;
    lzma_stream strm = LZMA_STREAM_INIT;
    bool ok;

    build_chain(o, f, &lz, &bcj, &delta);
    if (o->mode == ORACLE_BUFFER) {
        size_t cap = lzma_stream_buffer_bound(n), pos = 0;
        uint8_t *out = malloc(cap);

        assert_non_null(out);
        assert_int_equal(lzma_stream_buffer_encode(f, o->check, NULL, data, n, out, &pos, cap),
                         LZMA_OK);
        *out_n = pos;
        return out;
    }
    if (o->mode == ORACLE_STREAMED) {
        assert_int_equal(lzma_stream_encoder(&strm, f, o->check), LZMA_OK);
    } else {
        lzma_mt mt = { .threads = 1, .block_size = o->block_size, .filters = f,
                       .check = o->check };
        assert_int_equal(lzma_stream_encoder_mt(&strm, &mt), LZMA_OK);
    }
    uint8_t *out = run_coder(&strm, data, n, SIZE_MAX, out_n, &ok);
    assert_true(ok);
    return out;
}

uint8_t *oracle_decode(const uint8_t *in, size_t n, size_t max_out, size_t *out_n)
{
    lzma_stream strm = LZMA_STREAM_INIT;
    bool ok;

    /* CONCATENATED: stream padding is accepted, anything else after the stream refused. */
    assert_int_equal(lzma_stream_decoder(&strm, UINT64_MAX, LZMA_CONCATENATED), LZMA_OK);
    uint8_t *out = run_coder(&strm, in, n, max_out, out_n, &ok);
    if (!ok) {
        free(out);
        return NULL;
    }
    return out;
}
