/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hyp/pv/x86_decode.c and x86_emulate.c in 64-bit mode.
 * The oracle is the host CPU (tests/unit/x86_oracle.h): every instruction
 * form is generated with random operands, executed natively and emulated,
 * and the results compared.  Targeted tests cover the locked retry paths,
 * unhandleable forms (no side effects), length limits, fetch faults,
 * addressing and the decode-only privileged instructions.  The
 * compatibility modes are test_x86_compat.c's.
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

static void test_hw_alu(void **state)
{
    static const char *const n[] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };

    run_forms(n, ARRAY_SIZE(n), X86_MODE_64);
}

static void test_hw_mov_xchg_cmpxchg(void **state)
{
    static const char *const n[] = { "mov", "xchg", "cmpxchg" };

    run_forms(n, ARRAY_SIZE(n), X86_MODE_64);
}

static void test_hw_bit_ops(void **state)
{
    static const char *const n[] = { "bt", "bts", "btr", "btc" };

    run_forms(n, ARRAY_SIZE(n), X86_MODE_64);
}

static void test_hw_unary(void **state)
{
    static const char *const n[] = { "inc", "dec", "not", "neg" };

    run_forms(n, ARRAY_SIZE(n), X86_MODE_64);
}

/* ---- Hand-written instructions ---- */

static struct cpu_user_regs regs;
static struct x86_emulate_ctxt ctxt;

/* Emulate bytes at the test rip with the global regs; counts reset. */
static int emulate(const uint8_t *insn, unsigned len)
{
    n_read = n_write = n_cmpxchg = 0;
    place_insn(insn, len);
    regs.rip = (uintptr_t)code + insn_off;
    memset(&ctxt, 0, sizeof(ctxt));
    ctxt.regs = &regs;
    ctxt.seg_base[X86_SEG_FS] = 0x1000;
    ctxt.seg_base[X86_SEG_GS] = (uintptr_t)data;
    return x86_emulate(&ctxt, &sim_ops);
}

#define EMULATE(...) emulate((const uint8_t[]){ __VA_ARGS__ }, \
                             sizeof((const uint8_t[]){ __VA_ARGS__ }))

static uint64_t mem64(unsigned off)
{
    uint64_t v;

    memcpy(&v, data + off, 8);
    return v;
}

static void set_mem64(unsigned off, uint64_t v)
{
    memcpy(data + off, &v, 8);
}

static void reset_state(void)
{
    memset(&regs, 0, sizeof(regs));
    memset(data, 0, DATA_SIZE);
    regs.rdi = (uintptr_t)data + 0x100;
    regs.rflags = 0x202;
    races = spurious = 0;
    fetch_end = (uintptr_t)code + CODE_SIZE;
    fetch_rc = X86EMUL_EXCEPTION;
}

/* Linux: clear_bit = lock andb; ptep_get_and_clear = xchg; test_and_clear_bit = lock btr. */
static void test_linux_ptwr_idioms(void **state)
{
    reset_state();
    set_mem64(0x100, 0x8000000012345067ULL);
    regs.rax = 0;
    assert_int_equal(EMULATE(0xf0, 0x80, 0x27, 0xfd), X86EMUL_OKAY);   /* lock andb $~2,(%rdi) */
    assert_int_equal(mem64(0x100), 0x8000000012345065ULL);
    assert_true(ctxt.lock);
    assert_int_equal(ctxt.mem_bytes, 1);
    assert_int_equal(n_cmpxchg, 1);
    assert_int_equal(EMULATE(0x48, 0x87, 0x07), X86EMUL_OKAY);         /* xchg %rax,(%rdi) */
    assert_int_equal(regs.rax, 0x8000000012345065ULL);
    assert_int_equal(mem64(0x100), 0);
    assert_true(ctxt.lock);
    set_mem64(0x100, 0x67);
    regs.rax = 5;                                                       /* _PAGE_BIT_ACCESSED */
    assert_int_equal(EMULATE(0xf0, 0x48, 0x0f, 0xb3, 0x07), X86EMUL_OKAY);
    assert_int_equal(mem64(0x100), 0x47);
    assert_true(regs.rflags & X86_EFLAGS_CF);
    assert_int_equal(EMULATE(0xf0, 0x48, 0x0f, 0xb3, 0x07), X86EMUL_OKAY);
    assert_false(regs.rflags & X86_EFLAGS_CF);
    assert_int_equal(regs.rip, (uintptr_t)code + insn_off + 5);
}

/* A concurrent change once: recompute from the new value. */
static void test_lock_retry_once(void **state)
{
    reset_state();
    set_mem64(0x100, 0x1000);
    regs.rax = 0x10;
    races = 1;
    assert_int_equal(EMULATE(0xf0, 0x48, 0x09, 0x07), X86EMUL_OKAY);   /* lock or %rax,(%rdi) */
    assert_int_equal(mem64(0x100), 0x1012);     /* includes the racer's bit 1 */
    assert_int_equal(n_read, 1);
    assert_int_equal(n_cmpxchg, 2);
    assert_int_equal(n_write, 0);
}

/* Always racing: give up with RETRY, registers untouched. */
static void test_lock_retry_gives_up(void **state)
{
    struct cpu_user_regs before;

    reset_state();
    set_mem64(0x100, 0x1000);
    regs.rax = 0x10;
    races = 1000;
    before = regs;
    assert_int_equal(EMULATE(0xf0, 0x48, 0x01, 0x07), X86EMUL_RETRY);
    before.rip = regs.rip;
    assert_memory_equal(&before, &regs, sizeof(regs));
    assert_true(n_cmpxchg >= 2 && n_cmpxchg <= 64);
    assert_int_equal(n_write, 0);
}

/* cmpxchg instruction: mismatch loads rax; a change back to rax is retried. */
static void test_cmpxchg_paths(void **state)
{
    reset_state();
    set_mem64(0x100, 0x1234);
    regs.rax = 0xffffffff00001234ULL;
    regs.rcx = 0xabcd;
    assert_int_equal(EMULATE(0xf0, 0x0f, 0xb1, 0x0f), X86EMUL_OKAY);   /* lock cmpxchg %ecx */
    assert_int_equal(mem64(0x100), 0xabcd);
    assert_true(regs.rflags & X86_EFLAGS_ZF);
    assert_int_equal(regs.rax, 0xffffffff00001234ULL);  /* success: rax untouched */
    assert_int_equal(EMULATE(0x0f, 0xb1, 0x0f), X86EMUL_OKAY);
    assert_false(regs.rflags & X86_EFLAGS_ZF);
    assert_int_equal(regs.rax, 0xabcd);                 /* mismatch: 32-bit load */
    spurious = 2;       /* RETRY reporting the expected value: not a mismatch */
    assert_int_equal(EMULATE(0x48, 0x0f, 0xb1, 0x0f), X86EMUL_OKAY);
    assert_int_equal(n_cmpxchg, 3);
    assert_true(regs.rflags & X86_EFLAGS_ZF);
}

static void test_access_pattern(void **state)
{
    reset_state();
    regs.rax = 0x1122334455667788ULL;
    assert_int_equal(EMULATE(0x48, 0x89, 0x07), X86EMUL_OKAY);         /* mov: write only */
    assert_int_equal(n_read + n_cmpxchg, 0);
    assert_int_equal(n_write, 1);
    assert_false(ctxt.lock);
    assert_int_equal(EMULATE(0x48, 0x01, 0x07), X86EMUL_OKAY);         /* add: read, write */
    assert_int_equal(n_read, 1);
    assert_int_equal(n_write, 1);
    assert_int_equal(EMULATE(0x48, 0x83, 0x3f, 0x01), X86EMUL_OKAY);   /* cmp: read only */
    assert_int_equal(n_read, 1);
    assert_int_equal(n_write + n_cmpxchg, 0);
    regs.rax = 3;
    assert_int_equal(EMULATE(0x48, 0x0f, 0xa3, 0x07), X86EMUL_OKAY);   /* bt: read only */
    assert_int_equal(n_write + n_cmpxchg, 0);
    regs.rdi = (uintptr_t)data + DATA_SIZE;                             /* read faults */
    assert_int_equal(EMULATE(0x48, 0x01, 0x07), X86EMUL_EXCEPTION);
    assert_int_equal(n_write, 0);
}

/* Each of these must return UNHANDLEABLE and touch nothing. */
static const struct { uint8_t b[16]; unsigned n; uint64_t rdi; } unhandleable[] = {
    { { 0x01, 0xc0 }, 2, 0 },                      /* add %eax,%eax: register destination */
    { { 0x88, 0xe0 }, 2, 0 },                      /* mov %ah,%al */
    { { 0xf0, 0x01, 0xc0 }, 3, 0 },                /* lock on a register destination */
    { { 0x03, 0x07 }, 2, 0 },                      /* add (%rdi),%eax: memory source */
    { { 0x8b, 0x07 }, 2, 0 },                      /* mov (%rdi),%eax */
    { { 0x90 }, 1, 0 },                            /* nop */
    { { 0x0f, 0x05 }, 2, 0 },                      /* syscall */
    { { 0xf6, 0x07, 0x01 }, 3, 0 },                /* test $1,(%rdi) */
    { { 0xff, 0x17 }, 2, 0 },                      /* call *(%rdi) */
    { { 0xc6, 0x4f, 0x00, 0x01 }, 4, 0 },          /* c6 /1 */
    { { 0x82, 0x07, 0x01 }, 3, 0 },                /* 82: invalid in 64-bit mode */
    { { 0x0f, 0xc1, 0x07 }, 3, 0 },                /* xadd: not supported */
    { { 0xf3, 0x89, 0x07 }, 3, 0 },                /* rep */
    { { 0xf2, 0x89, 0x07 }, 3, 0 },                /* repne */
    { { 0xf3, 0xa5 }, 2, 0 },                      /* rep movsd */
    { { 0xf0, 0x89, 0x07 }, 3, 0 },                /* lock mov */
    { { 0xf0, 0x39, 0x07 }, 3, 0 },                /* lock cmp */
    { { 0xf0, 0x0f, 0xa3, 0x07 }, 4, 0 },          /* lock bt */
    { { 0x0f, 0x30 }, 2, 0 },                      /* wrmsr: decode only */
    { { 0xfa }, 1, 0 },                            /* cli */
    { { 0x0f, 0x0b }, 2, 0 },                      /* ud2 */
    { { 0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x89, 0x07 }, 7, 0 },   /* forced prefix + mov */
    { { 0x0f, 0x0b, 0x78, 0x65, 0x6f, 0x0f, 0xa2 }, 7, 0 },   /* wrong signature */
    { { 0x39, 0x07 }, 2, 0 },                      /* cmp r/m,reg: only the group-1 cmp */
    { { 0x48, 0x89, 0x07 }, 3, 0xfffffffffffffffcULL },    /* wraps past 2^64 */
    { { 0x48, 0x89, 0x07 }, 3, 0x00007ffffffffffcULL },    /* runs into the hole */
    { { 0x88, 0x07 }, 2, 0x0000800000000000ULL },          /* non-canonical */
    { { 0x64, 0x88, 0x07 }, 3, 0xffff7fffffffffffULL - 0x1000 },  /* fs base makes it so */
};

static void test_unhandleable_no_side_effects(void **state)
{
    struct cpu_user_regs before;

    for (unsigned k = 0; k < ARRAY_SIZE(unhandleable); k++) {
        reset_state();
        for (unsigned n = 0; n < 16; n++)
            *ureg(&regs, n) = rnd();
        regs.rdi = unhandleable[k].rdi ? unhandleable[k].rdi : (uintptr_t)data + 0x100;
        memset(data, 0xa5, DATA_SIZE);
        memcpy(data_init, data, DATA_SIZE);
        before = regs;
        before.rip = (uintptr_t)code + insn_off;
        assert_int_equal(emulate(unhandleable[k].b, unhandleable[k].n), X86EMUL_UNHANDLEABLE);
        assert_memory_equal(&before, &regs, sizeof(regs));
        assert_memory_equal(data, data_init, DATA_SIZE);
        assert_int_equal(n_read + n_write + n_cmpxchg, 0);
    }
}

/* 15 bytes decode, 16 do not; every truncation propagates the fetch error. */
static void test_length_limits_and_fetch_faults(void **state)
{
    /* ds ds lock add qword $imm32, disp32(%rax,%rbx,8): 15 bytes */
    uint8_t b[17] = { 0x3e, 0x3e, 0xf0, 0x48, 0x81, 0x84, 0xd8, 0, 0, 0, 0, 1, 0, 0, 0 };
    uint8_t p[17];
    struct x86_insn insn;

    reset_state();
    regs.rax = (uintptr_t)data;
    assert_int_equal(emulate(b, 15), X86EMUL_OKAY);
    assert_int_equal(ctxt.insn_len, 15);
    assert_int_equal(mem64(0), 1);
    p[0] = 0x3e;
    memcpy(p + 1, b, 15);
    assert_int_equal(emulate(p, 16), X86EMUL_UNHANDLEABLE);
    memset(p, 0x66, 14);
    p[14] = 0x89;
    p[15] = 0x07;
    assert_int_equal(emulate(p, 16), X86EMUL_UNHANDLEABLE);     /* 14 prefixes */
    assert_int_equal(emulate(p + 1, 15), X86EMUL_OKAY);         /* 13 prefixes */
    assert_int_equal(ctxt.mem_bytes, 2);
    for (unsigned cut = 0; cut < 15; cut++) {
        reset_state();
        place_insn(b, 15);
        fetch_end = (uintptr_t)code + insn_off + cut;
        fetch_rc = cut % 2 ? X86EMUL_EXCEPTION : X86EMUL_RETRY;
        regs.rip = (uintptr_t)code + insn_off;
        ctxt.regs = &regs;
        assert_int_equal(x86_decode(&insn, &ctxt, &sim_ops), fetch_rc);
        assert_int_equal(x86_emulate(&ctxt, &sim_ops), fetch_rc);
        assert_int_equal(regs.rip, (uintptr_t)code + insn_off);
    }
}

static uint64_t decode_addr(const uint8_t *b, unsigned n)
{
    struct x86_insn insn;

    place_insn(b, n);
    regs.rip = (uintptr_t)code + insn_off;
    ctxt.regs = &regs;
    assert_int_equal(x86_decode(&insn, &ctxt, &sim_ops), X86EMUL_OKAY);
    assert_int_equal(insn.len, n);
    assert_int_equal(ctxt.mem_addr, insn.ea);
    return insn.ea;
}

#define ADDR(...) decode_addr((const uint8_t[]){ __VA_ARGS__ }, \
                              sizeof((const uint8_t[]){ __VA_ARGS__ }))

static void test_addressing(void **state)
{
    uint64_t rip;

    reset_state();
    ctxt.seg_base[X86_SEG_FS] = 0xffff888000000000ULL;
    ctxt.seg_base[X86_SEG_GS] = 0x10000;
    regs.rbx = 0x1000;
    regs.r12 = 0x30;
    regs.r13 = 0x500;
    regs.rbp = 0x7000;
    rip = (uintptr_t)code + insn_off;
    assert_int_equal(ADDR(0x89, 0x05, 0x10, 0, 0, 0), rip + 6 + 0x10);          /* rip */
    assert_int_equal(ADDR(0x64, 0x89, 0x05, 0xf0, 0xff, 0xff, 0xff),
                     0xffff888000000000ULL + rip + 7 - 0x10);                    /* fs:rip */
    assert_int_equal(ADDR(0x41, 0x89, 0x05, 0, 0, 0, 0), rip + 7);  /* REX.B: still rip */
    assert_int_equal(ADDR(0x65, 0x42, 0x89, 0x04, 0xa3), 0x10000 + 0x1000 + 0x30 * 4);
    assert_int_equal(ADDR(0x89, 0x04, 0x24), 0);            /* (%rsp), rsp = 0 here */
    assert_int_equal(ADDR(0x89, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12), 0x12345678);
    assert_int_equal(ADDR(0x89, 0x04, 0x65, 0xfc, 0xff, 0xff, 0xff), (uint64_t)-4);
    assert_int_equal(ADDR(0x41, 0x89, 0x04, 0x25, 8, 0, 0, 0), 8);  /* base r13, mod 0 */
    assert_int_equal(ADDR(0x41, 0x89, 0x45, 0x08), 0x508);          /* disp8(%r13) */
    assert_int_equal(ADDR(0x89, 0x44, 0x1d, 0xf8), 0x7000 + 0x1000 - 8);   /* (%rbp,%rbx) */
    assert_int_equal(ADDR(0x3e, 0x26, 0x64, 0x2e, 0x89, 0x03), ctxt.seg_base[X86_SEG_FS] + 0x1000);
    /* bt with a register offset picks the unit holding the bit, signed */
    regs.rax = (uint64_t)-1;
    assert_int_equal(ADDR(0x0f, 0xa3, 0x03), 0x1000 - 4);
    assert_int_equal(ADDR(0x66, 0x0f, 0xa3, 0x03), 0x1000 - 2);
    regs.rax = 0x00000000ffffffc0ULL;                       /* -64 as a 32-bit offset */
    assert_int_equal(ADDR(0x0f, 0xab, 0x03), 0x1000 - 8);
    assert_int_equal(ADDR(0x48, 0x0f, 0xab, 0x03), 0x1000 + 0x1ffffff8ULL);
    assert_int_equal(ADDR(0x48, 0x0f, 0xba, 0x23, 0xff), 0x1000);   /* imm: no adjust */
}

/* ah..bh without REX, spl..dil with any REX (even a bare 0x40). */
static void test_byte_registers(void **state)
{
    reset_state();
    regs.rax = 0x1111111111112211ULL;
    regs.rsp = 0x4444444444444444ULL;
    regs.rbx = 0x3333333333337733ULL;
    regs.rdi = (uintptr_t)data + 0x100;
    assert_int_equal(EMULATE(0x88, 0x27), X86EMUL_OKAY);                /* mov %ah,(%rdi) */
    assert_int_equal(data[0x100], 0x22);
    assert_int_equal(EMULATE(0x40, 0x88, 0x27), X86EMUL_OKAY);          /* mov %spl,(%rdi) */
    assert_int_equal(data[0x100], 0x44);
    data[0x100] = 0x99;
    assert_int_equal(EMULATE(0x86, 0x3f), X86EMUL_OKAY);                /* xchg %bh,(%rdi) */
    assert_int_equal(regs.rbx, 0x3333333333339933ULL);
    assert_int_equal(data[0x100], 0x77);
    assert_int_equal(EMULATE(0x40, 0x86, 0x3f), X86EMUL_OKAY);          /* xchg %dil,(%rdi) */
    assert_int_equal(data[0x100], (uint8_t)((uintptr_t)data + 0x100));
    assert_int_equal(regs.rdi & 0xff, 0x77);
    regs.rdi = (uintptr_t)data + 0x100;
    regs.r9 = 0x55;
    assert_int_equal(EMULATE(0x44, 0x00, 0x0f), X86EMUL_OKAY);          /* add %r9b,(%rdi) */
    assert_int_equal(data[0x100], (uint8_t)(0x55 + ((uintptr_t)data + 0x100)));
    assert_int_equal(EMULATE(0x48, 0x66, 0x89, 0x07), X86EMUL_OKAY);    /* REX then 66: ignored */
    assert_int_equal(ctxt.mem_bytes, 2);
}

/* Hand-picked edge cases checked against the host CPU. */
static void test_hw_edge_cases(void **state)
{
    static const struct { uint8_t b[8]; unsigned n; } cases[] = {
        { { 0x48, 0x66, 0x89, 0x07 }, 4 },      /* REX before 66: REX ignored */
        { { 0x66, 0x48, 0x89, 0x07 }, 4 },      /* 66 then REX.W: 8 bytes */
        { { 0x65, 0x3e, 0x89, 0x07 }, 4 },      /* DS after GS does not cancel it */
        { { 0x80, 0x17, 0x7f }, 3 },            /* adc $0x7f,(%rdi) */
        { { 0x66, 0x83, 0x1f, 0x80 }, 4 },      /* sbb $-128,(%rdi) */
        { { 0x48, 0x81, 0x07, 0, 0, 0, 0x80 }, 7 },     /* add $-2^31 (sign-extended) */
        { { 0xf0, 0x48, 0xf7, 0x1f }, 4 },      /* lock neg */
        { { 0x66, 0x0f, 0xbb, 0x07 }, 4 },      /* btc %ax,(%rdi) */
    };

    for (unsigned k = 0; k < ARRAY_SIZE(cases); k++) {
        struct form ef = { .name = "edge", .undef = k == 7 ? BT_UNDEF : 0 };

        for (unsigned i = 0; i < 200; i++) {
            struct gen g = { .f = &ef };

            for (unsigned n = 0; n < 16; n++)
                g.st.r[n] = rnd_value();
            g.st.r[4] = 0;
            g.st.r[0] = rnd() % 64;
            g.st.r[7] = (uintptr_t)data + 0x200 + (rnd() % 32) * 8;
            g.st.rflags = 0x202 | (rnd() & X86_EFLAGS_ARITH);
            g.gs = 0x12345000;
            g.seg = 0x65;
            if (cases[k].b[0] == 0x65)
                g.st.r[7] -= g.gs;
            memcpy(g.b, cases[k].b, cases[k].n);
            g.n = cases[k].n;
            for (unsigned j = 0; j < DATA_SIZE; j++)
                data[j] = (uint8_t)rnd();
            assert_true(!gs_settable || run_case(&g));
        }
    }
}

/* ---- Decode-only: privileged instructions ---- */

static const struct priv_case {
    uint8_t b[12];
    unsigned n;
    enum x86_op op;
    int reg, rm, op_bytes;      /* -1: not checked */
    bool forced, rep;
} priv[] = {
    { { 0x0f, 0x30 }, 2, X86_OP_WRMSR, -1, -1, -1, false, false },
    { { 0x0f, 0x32 }, 2, X86_OP_RDMSR, -1, -1, -1, false, false },
    { { 0x0f, 0x31 }, 2, X86_OP_RDTSC, -1, -1, -1, false, false },
    { { 0x0f, 0x01, 0xf9 }, 3, X86_OP_RDTSCP, -1, -1, -1, false, false },
    { { 0x0f, 0xa2 }, 2, X86_OP_CPUID, -1, -1, -1, false, false },
    { { 0x0f, 0x20, 0xc0 }, 3, X86_OP_MOV_FROM_CR, 0, 0, 8, false, false },
    { { 0x0f, 0x20, 0x00 }, 3, X86_OP_MOV_FROM_CR, 0, 0, 8, false, false },   /* mod ignored */
    { { 0x44, 0x0f, 0x20, 0xc1 }, 4, X86_OP_MOV_FROM_CR, 8, 1, 8, false, false },  /* cr8 */
    { { 0x41, 0x0f, 0x22, 0xdf }, 4, X86_OP_MOV_TO_CR, 3, 15, 8, false, false },
    { { 0x0f, 0x21, 0xf8 }, 3, X86_OP_MOV_FROM_DR, 7, 0, 8, false, false },
    { { 0x0f, 0x23, 0xc6 }, 3, X86_OP_MOV_TO_DR, 0, 6, 8, false, false },
    { { 0xe4, 0x71 }, 2, X86_OP_IN, -1, -1, 1, false, false },
    { { 0xe5, 0x71 }, 2, X86_OP_IN, -1, -1, 4, false, false },
    { { 0x66, 0xe5, 0x71 }, 3, X86_OP_IN, -1, -1, 2, false, false },
    { { 0xe6, 0x80 }, 2, X86_OP_OUT, -1, -1, 1, false, false },
    { { 0x48, 0xe7, 0x80 }, 3, X86_OP_OUT, -1, -1, 4, false, false },  /* REX.W: still 4 */
    { { 0xec }, 1, X86_OP_IN, -1, -1, 1, false, false },
    { { 0xed }, 1, X86_OP_IN, -1, -1, 4, false, false },
    { { 0x66, 0xef }, 2, X86_OP_OUT, -1, -1, 2, false, false },
    { { 0xee }, 1, X86_OP_OUT, -1, -1, 1, false, false },
    { { 0x6c }, 1, X86_OP_INS, -1, -1, 1, false, false },
    { { 0x66, 0x6d }, 2, X86_OP_INS, -1, -1, 2, false, false },
    { { 0xf3, 0x6e }, 2, X86_OP_OUTS, -1, -1, 1, false, true },
    { { 0xf3, 0x6f }, 2, X86_OP_OUTS, -1, -1, 4, false, true },
    { { 0xfa }, 1, X86_OP_CLI, -1, -1, -1, false, false },
    { { 0xfb }, 1, X86_OP_STI, -1, -1, -1, false, false },
    { { 0xf4 }, 1, X86_OP_HLT, -1, -1, -1, false, false },
    { { 0x0f, 0x06 }, 2, X86_OP_CLTS, -1, -1, -1, false, false },
    { { 0x0f, 0x09 }, 2, X86_OP_WBINVD, -1, -1, -1, false, false },
    { { 0x0f, 0x01, 0xd1 }, 3, X86_OP_XSETBV, -1, -1, -1, false, false },
    { { 0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0xa2 }, 7, X86_OP_CPUID, -1, -1, -1, true, false },
    { { 0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0x32 }, 7, X86_OP_RDMSR, -1, -1, -1, true, false },
};

static void test_decode_privileged(void **state)
{
    struct x86_insn insn;

    reset_state();
    for (unsigned k = 0; k < ARRAY_SIZE(priv); k++) {
        const struct priv_case *p = &priv[k];

        place_insn(p->b, p->n);
        regs.rip = (uintptr_t)code + insn_off;
        ctxt.regs = &regs;
        fetch_end = (uintptr_t)code + insn_off + p->n;      /* no fetch beyond the insn */
        assert_int_equal(x86_decode(&insn, &ctxt, &sim_ops), X86EMUL_OKAY);
        assert_int_equal(insn.op, p->op);
        assert_int_equal(insn.len, p->n);
        assert_int_equal(ctxt.insn_len, p->n);
        assert_false(insn.mem);
        assert_int_equal(insn.forced, p->forced);
        assert_int_equal(insn.rep, p->rep);
        if (p->reg >= 0)
            assert_int_equal(insn.reg, p->reg);
        if (p->rm >= 0)
            assert_int_equal(insn.rm, p->rm);
        if (p->op_bytes >= 0)
            assert_int_equal(insn.op_bytes, p->op_bytes);
        if (p->b[0] == 0xe4 || p->b[0] == 0xe5)
            assert_int_equal(insn.imm & 0xff, 0x71);
        assert_int_equal(x86_emulate(&ctxt, &sim_ops), X86EMUL_UNHANDLEABLE);
    }
    /* A forced-emulation prefix may not repeat; lock is not allowed here. */
    fetch_end = (uintptr_t)code + CODE_SIZE;
    place_insn((const uint8_t[]){ 0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0x0b, 0x78, 0x65,
                                  0x6e, 0x0f, 0xa2 }, 12);
    assert_int_equal(x86_decode(&insn, &ctxt, &sim_ops), X86EMUL_UNHANDLEABLE);
    place_insn((const uint8_t[]){ 0xf0, 0x0f, 0x30 }, 3);
    assert_int_equal(x86_decode(&insn, &ctxt, &sim_ops), X86EMUL_UNHANDLEABLE);
}

/* ---- Setup ---- */

static int setup(void **state)
{
    return oracle_setup();
}

static int teardown(void **state)
{
    oracle_teardown("x86_emulate");
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hw_alu),
        cmocka_unit_test(test_hw_mov_xchg_cmpxchg),
        cmocka_unit_test(test_hw_bit_ops),
        cmocka_unit_test(test_hw_unary),
        cmocka_unit_test(test_hw_edge_cases),
        cmocka_unit_test(test_linux_ptwr_idioms),
        cmocka_unit_test(test_lock_retry_once),
        cmocka_unit_test(test_lock_retry_gives_up),
        cmocka_unit_test(test_cmpxchg_paths),
        cmocka_unit_test(test_access_pattern),
        cmocka_unit_test(test_unhandleable_no_side_effects),
        cmocka_unit_test(test_length_limits_and_fetch_faults),
        cmocka_unit_test(test_addressing),
        cmocka_unit_test(test_byte_registers),
        cmocka_unit_test(test_decode_privileged),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
