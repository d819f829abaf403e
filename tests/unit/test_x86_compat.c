/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hyp/pv/x86_decode.c and x86_emulate.c in the
 * compatibility modes of a PV guest: 32-bit and 16-bit code segments.
 * Every memory-writing form is checked against the host CPU through its
 * 64-bit twin (tests/unit/x86_oracle.h), with random CS and data segment
 * bases.  Targeted tests cover what has no twin: 0x40-0x4f as opcodes,
 * default sizes, which segment an operand uses, rip and linear addresses
 * wrapping at 4 GiB, the CS limit, and the decode-only instructions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <hyp/string.h>
#include <hyp/x86_emulate.h>

#include "x86_oracle.h"

static const char *const all_forms[] = {
    "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "mov", "xchg", "cmpxchg",
    "bt", "bts", "btr", "btc", "inc", "dec", "not", "neg",
};

static void test_hw_compat32(void **state)
{
    run_forms(all_forms, ARRAY_SIZE(all_forms), X86_MODE_32);
}

static void test_hw_compat16(void **state)
{
    run_forms(all_forms, ARRAY_SIZE(all_forms), X86_MODE_16);
}

/* ---- Hand-written instructions ---- */

static struct cpu_user_regs regs;
static struct x86_emulate_ctxt ctxt;
static struct x86_insn insn;

#define DS_BASE 0x11110000ULL
#define SS_BASE 0x22220000ULL
#define ES_BASE 0x33330000ULL
#define CS_BASE 0x44440000ULL
#define FS_BASE 0x55550000ULL
#define GS_BASE 0x66660000ULL

/*
 * A context for mode with distinct segment bases; the instruction bytes at
 * code + insn_off, rip their offset in CS (base cs_base, 4 GiB limit).
 */
static void reset(enum x86_mode mode, uint64_t cs_base)
{
    memset(&regs, 0, sizeof(regs));
    memset(&ctxt, 0, sizeof(ctxt));
    ctxt.regs = &regs;
    ctxt.mode = mode;
    ctxt.seg_base[X86_SEG_ES] = ES_BASE;
    ctxt.seg_base[X86_SEG_CS] = cs_base;
    ctxt.seg_base[X86_SEG_SS] = SS_BASE;
    ctxt.seg_base[X86_SEG_DS] = DS_BASE;
    ctxt.seg_base[X86_SEG_FS] = FS_BASE;
    ctxt.seg_base[X86_SEG_GS] = GS_BASE;
    ctxt.cs_limit = 0xffffffff;
    regs.rip = (uint32_t)((uintptr_t)code + insn_off - cs_base);
    regs.rflags = 0x202;
    n_read = n_write = n_cmpxchg = 0;
    fetch_end = (uintptr_t)code + CODE_SIZE;
    fetch_rc = X86EMUL_EXCEPTION;
}

static int decode(const uint8_t *b, unsigned n)
{
    place_insn(b, n);
    return x86_decode(&insn, &ctxt, &sim_ops);
}

#define DECODE(...) decode((const uint8_t[]){ __VA_ARGS__ }, \
                           sizeof((const uint8_t[]){ __VA_ARGS__ }))

static int emulate(const uint8_t *b, unsigned n)
{
    place_insn(b, n);
    return x86_emulate(&ctxt, &sim_ops);
}

#define EMULATE(...) emulate((const uint8_t[]){ __VA_ARGS__ }, \
                             sizeof((const uint8_t[]){ __VA_ARGS__ }))

/* In compat code 0x40-0x4f are inc/dec: never emulated, nothing touched. */
static void test_rex_bytes_are_opcodes(void **state)
{
    struct cpu_user_regs before;

    for (enum x86_mode m = X86_MODE_32; m <= X86_MODE_16; m++) {
        reset(m, 0);
        regs.rdi = (uintptr_t)data + 0x100;
        regs.rax = 0x1234;
        before = regs;
        assert_int_equal(EMULATE(0x48, 0x89, 0x07), X86EMUL_UNHANDLEABLE);
        assert_int_equal(EMULATE(0x40, 0x88, 0x27), X86EMUL_UNHANDLEABLE);
        assert_int_equal(DECODE(0x41, 0x0f, 0x30), X86EMUL_UNHANDLEABLE);
        assert_memory_equal(&before, &regs, sizeof(regs));
        assert_int_equal(n_read + n_write + n_cmpxchg, 0);
    }
    reset(X86_MODE_64, 0);
    regs.rdi = (uintptr_t)data + 0x100;
    assert_int_equal(EMULATE(0x48, 0x89, 0x07), X86EMUL_OKAY);     /* 64-bit: REX.W */
    assert_int_equal(ctxt.mem_bytes, 8);
}

/* Operand and address sizes by mode, 66 and 67 toggling them. */
static void test_default_sizes(void **state)
{
    static const struct {
        enum x86_mode m;
        uint8_t b[4];
        unsigned n;
        int rc;
        unsigned op, addr;
    } c[] = {
        { X86_MODE_32, { 0x89, 0x03 }, 2, X86EMUL_OKAY, 4, 4 },
        { X86_MODE_32, { 0x66, 0x89, 0x03 }, 3, X86EMUL_OKAY, 2, 4 },
        { X86_MODE_32, { 0x67, 0x89, 0x07 }, 3, X86EMUL_UNHANDLEABLE, 0, 0 },  /* [bx] */
        { X86_MODE_16, { 0x89, 0x07 }, 2, X86EMUL_UNHANDLEABLE, 0, 0 },        /* [bx] */
        { X86_MODE_16, { 0x67, 0x89, 0x03 }, 3, X86EMUL_OKAY, 2, 4 },
        { X86_MODE_16, { 0x66, 0x67, 0x89, 0x03 }, 4, X86EMUL_OKAY, 4, 4 },
        { X86_MODE_16, { 0x89, 0xc3 }, 2, X86EMUL_OKAY, 2, 2 },   /* registers only */
        { X86_MODE_64, { 0x67, 0x89, 0x03 }, 3, X86EMUL_OKAY, 4, 4 },
        { X86_MODE_64, { 0x66, 0x89, 0x03 }, 3, X86EMUL_OKAY, 2, 8 },
    };

    for (unsigned k = 0; k < ARRAY_SIZE(c); k++) {
        reset(c[k].m, 0);
        assert_int_equal(decode(c[k].b, c[k].n), c[k].rc);
        if (c[k].rc != X86EMUL_OKAY)
            continue;
        assert_int_equal(insn.len, c[k].n);
        assert_int_equal(insn.op_bytes, c[k].op);
        assert_int_equal(insn.addr_bytes, c[k].addr);
    }
}

static uint64_t addr(const uint8_t *b, unsigned n, enum x86_seg seg)
{
    assert_int_equal(decode(b, n), X86EMUL_OKAY);
    assert_int_equal(insn.len, n);
    assert_true(insn.mem);
    assert_int_equal(insn.seg, seg);
    assert_int_equal(ctxt.mem_addr, insn.ea);
    return insn.ea;
}

#define ADDR(seg, ...) addr((const uint8_t[]){ __VA_ARGS__ }, \
                            sizeof((const uint8_t[]){ __VA_ARGS__ }), seg)

/* Which segment an operand uses, its base, and 32-bit linear addresses. */
static void test_segments(void **state)
{
    reset(X86_MODE_32, CS_BASE);
    regs.rbx = 0xffffffff00001000ULL;   /* the upper half does not count */
    regs.rbp = 0x2000;
    regs.rsp = 0x3000;
    assert_int_equal(ADDR(X86_SEG_DS, 0x89, 0x03), DS_BASE + 0x1000);
    assert_int_equal(ADDR(X86_SEG_SS, 0x89, 0x45, 0x08), SS_BASE + 0x2008);
    assert_int_equal(ADDR(X86_SEG_SS, 0x89, 0x04, 0x24), SS_BASE + 0x3000);
    assert_int_equal(ADDR(X86_SEG_DS, 0x89, 0x04, 0x2b), DS_BASE + 0x3000);  /* ebp index */
    assert_int_equal(ADDR(X86_SEG_ES, 0x26, 0x89, 0x03), ES_BASE + 0x1000);
    assert_int_equal(ADDR(X86_SEG_CS, 0x2e, 0x89, 0x03), CS_BASE + 0x1000);
    assert_int_equal(ADDR(X86_SEG_DS, 0x3e, 0x89, 0x45, 0x00), DS_BASE + 0x2000);
    assert_int_equal(ADDR(X86_SEG_FS, 0x64, 0x89, 0x03), FS_BASE + 0x1000);
    assert_int_equal(ADDR(X86_SEG_ES, 0x65, 0x26, 0x89, 0x03), ES_BASE + 0x1000);  /* last */
    /* mod 0, rm 5: an absolute disp32, not rip-relative */
    assert_int_equal(ADDR(X86_SEG_DS, 0x89, 0x05, 0x78, 0x56, 0x34, 0x12), DS_BASE + 0x12345678);
    /* base + offset wraps at 4 GiB */
    ctxt.seg_base[X86_SEG_DS] = 0xfffff000;
    regs.rbx = 0x2000;
    assert_int_equal(ADDR(X86_SEG_DS, 0x89, 0x03), 0x1000);
    /* 64-bit mode: only FS and GS have bases; ES/CS/SS/DS prefixes do nothing */
    reset(X86_MODE_64, 0);
    regs.rbx = 0xffffffff00001000ULL;
    regs.rbp = 0x2000;
    assert_int_equal(ADDR(X86_SEG_DS, 0x26, 0x89, 0x03), 0xffffffff00001000ULL);
    assert_int_equal(ADDR(X86_SEG_SS, 0x89, 0x45, 0x08), 0x2008);
    assert_int_equal(ADDR(X86_SEG_GS, 0x65, 0x26, 0x89, 0x03), GS_BASE + 0xffffffff00001000ULL);
    assert_int_equal(ADDR(X86_SEG_DS, 0x67, 0x89, 0x03), 0x1000);
    assert_int_equal(ADDR(X86_SEG_FS, 0x64, 0x67, 0x89, 0x03), FS_BASE + 0x1000);
}

/* A context for mode, flat DS, CS based at cs_base, rdi at data + 0x100. */
static void reset_flat(enum x86_mode mode, uint64_t cs_base)
{
    reset(mode, cs_base);
    ctxt.seg_base[X86_SEG_DS] = 0;
    regs.rdi = (uintptr_t)data + 0x100;
}

/* rip is an offset: it wraps at 4 GiB, bytes come from CS base + offset. */
static void test_rip_and_cs_limit(void **state)
{
    uint64_t at = (uintptr_t)code + insn_off;

    /* mov $1,(%edi) at offset 0xfffffffd: ends at 2^32, rip wraps to 0 */
    reset_flat(X86_MODE_32, (uint32_t)(at + 3));
    assert_int_equal(regs.rip, 0xfffffffd);
    assert_int_equal(EMULATE(0xc6, 0x07, 0x01), X86EMUL_OKAY);
    assert_int_equal(regs.rip, 0);
    assert_int_equal(data[0x100], 1);
    /* one byte further, it would run past offset 0xffffffff: refused */
    reset_flat(X86_MODE_32, (uint32_t)(at + 2));
    assert_int_equal(EMULATE(0xc6, 0x07, 0x02), X86EMUL_UNHANDLEABLE);
    assert_int_equal(regs.rip, 0xfffffffe);
    assert_int_equal(data[0x100], 1);
    /* the CS limit: the last byte may sit on it, not beyond */
    reset_flat(X86_MODE_32, 0);
    ctxt.cs_limit = (uint32_t)(regs.rip + 2);
    assert_int_equal(EMULATE(0xc6, 0x07, 0x03), X86EMUL_OKAY);
    assert_int_equal(regs.rip, at + 3);
    regs.rip = at;
    ctxt.cs_limit = (uint32_t)(regs.rip + 1);
    assert_int_equal(EMULATE(0xc6, 0x07, 0x04), X86EMUL_UNHANDLEABLE);
    assert_int_equal(data[0x100], 3);
    assert_int_equal(n_read + n_write + n_cmpxchg, 1);
    /* 16-bit code, CS based at the instruction */
    reset_flat(X86_MODE_16, at - 0x10);
    assert_int_equal(regs.rip, 0x10);
    assert_int_equal(EMULATE(0x67, 0xc6, 0x07, 0x05), X86EMUL_OKAY);
    assert_int_equal(regs.rip, 0x14);
}

/* An operand that would wrap at 4 GiB is refused, untouched. */
static void test_operand_wrap(void **state)
{
    reset(X86_MODE_32, 0);
    ctxt.seg_base[X86_SEG_DS] = 0;
    regs.rbx = 0xfffffffe;
    assert_int_equal(EMULATE(0x89, 0x03), X86EMUL_UNHANDLEABLE);
    assert_int_equal(EMULATE(0x66, 0x89, 0x03), X86EMUL_EXCEPTION);  /* fits: tried */
    assert_int_equal(n_write, 1);
    ctxt.seg_base[X86_SEG_DS] = 0xffffff00;
    regs.rbx = 0xfe;
    assert_int_equal(EMULATE(0x89, 0x03), X86EMUL_UNHANDLEABLE);
    assert_int_equal(n_write, 1);
}

/* The privileged instructions in compat code: sizes and the forced prefix. */
static void test_decode_privileged(void **state)
{
    static const struct {
        enum x86_mode m;
        uint8_t b[8];
        unsigned n;
        enum x86_op op;
        unsigned op_bytes;
    } c[] = {
        { X86_MODE_16, { 0xe4, 0x71 }, 2, X86_OP_IN, 1 },
        { X86_MODE_16, { 0xe5, 0x71 }, 2, X86_OP_IN, 2 },
        { X86_MODE_16, { 0x66, 0xe5, 0x71 }, 3, X86_OP_IN, 4 },
        { X86_MODE_16, { 0xef }, 1, X86_OP_OUT, 2 },
        { X86_MODE_32, { 0xed }, 1, X86_OP_IN, 4 },
        { X86_MODE_32, { 0x66, 0xed }, 2, X86_OP_IN, 2 },
        { X86_MODE_32, { 0x0f, 0x22, 0xd8 }, 3, X86_OP_MOV_TO_CR, 4 },
        { X86_MODE_16, { 0x0f, 0x20, 0xc0 }, 3, X86_OP_MOV_FROM_CR, 4 },
        { X86_MODE_32, { 0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0xa2 }, 7, X86_OP_CPUID, 4 },
    };

    for (unsigned k = 0; k < ARRAY_SIZE(c); k++) {
        reset(c[k].m, CS_BASE & 0xffff0000);
        fetch_end = (uintptr_t)code + insn_off + c[k].n;     /* no fetch beyond */
        assert_int_equal(decode(c[k].b, c[k].n), X86EMUL_OKAY);
        assert_int_equal(insn.op, c[k].op);
        assert_int_equal(insn.len, c[k].n);
        assert_int_equal(ctxt.next_rip, regs.rip + c[k].n);
        if (c[k].op != X86_OP_CPUID)
            assert_int_equal(insn.op_bytes, c[k].op_bytes);
    }
}

static int setup(void **state)
{
    return oracle_setup();
}

static int teardown(void **state)
{
    oracle_teardown("x86_emulate (compatibility modes)");
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hw_compat32),
        cmocka_unit_test(test_hw_compat16),
        cmocka_unit_test(test_rex_bytes_are_opcodes),
        cmocka_unit_test(test_default_sizes),
        cmocka_unit_test(test_segments),
        cmocka_unit_test(test_rip_and_cs_limit),
        cmocka_unit_test(test_operand_wrap),
        cmocka_unit_test(test_decode_privileged),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
