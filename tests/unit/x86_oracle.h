/* SPDX-License-Identifier: MIT */
/*
 * The host CPU as the oracle of the x86 emulator's unit tests
 * (tests/unit/x86_oracle.c and x86_oracle_gen.c; used by test_x86_emulate.c
 * and test_x86_compat.c).  Simulated guest memory is a real host buffer (code
 * and data pages below 4 GiB); every memory-writing instruction form is
 * generated with random operands (fixed seed), run natively between a
 * prologue and an epilogue that load and save all registers, then emulated
 * over the same buffer, and memory, registers, rip and rflags compared.
 *
 * Compatibility-mode forms cannot run natively here (the host may have no
 * 32-bit code segment), so each is compared with its 64-bit twin, which
 * the host runs: the same operation with the 67 prefix (32-bit addresses,
 * as in a 32-bit code segment) and GS standing in for the segment the
 * compat form uses, both sides getting the same base below 4 GiB.
 */
#ifndef KOAN_TESTS_X86_ORACLE_H
#define KOAN_TESTS_X86_ORACLE_H

#include <stdbool.h>
#include <stdint.h>

#include <hyp/x86_emulate.h>

#define CODE_SIZE  4096
#define DATA_SIZE  8192
#define CASES      300      /* random cases per (form, width) */

/* ---- Simulated memory ---- */

extern uint8_t *code, *data;            /* MAP_32BIT: absolute disp32 reaches them */
extern unsigned insn_off;               /* where the instruction under test starts */
extern uint64_t fetch_end;              /* fetches at or past this address fault */
extern int fetch_rc;                    /* ...with this code */
extern unsigned n_read, n_write, n_cmpxchg;
extern unsigned races;                  /* fake concurrent changes left */
extern unsigned spurious;               /* RETRYs left that report an unchanged value */
extern const struct x86_emulate_ops sim_ops;
extern uint8_t data_init[DATA_SIZE];    /* scratch copy for the tests */

/* ---- The hardware side ---- */

struct hw {
    uint64_t r[16];     /* by register number; r[4] (rsp) is not loaded */
    uint64_t rflags;
};

extern uint64_t host_fs;
extern bool gs_settable;                /* arch_prctl(ARCH_SET_GS) works: GS cases run */

/* Put insn (and the epilogue after it) at the test rip, code + insn_off. */
void place_insn(const uint8_t *insn, unsigned len);
uint64_t *ureg(struct cpu_user_regs *u, unsigned n);

/* ---- Random numbers, forms, cases ---- */

uint64_t rnd(void);
uint64_t rnd_value(void);       /* 0, ~0, powers of two, small, random */

struct form {
    const char *name;
    uint8_t opc[2], nopc;
    int8_t ext;         /* ModRM.reg digit, or -1 for a register operand */
    uint8_t imm;        /* IMM_* */
    uint8_t widths;
    bool lockable;
    bool bitreg;        /* bt* with a register bit offset */
    uint64_t undef;     /* architecturally undefined flags, not compared */
};

/* Undefined after bt*; the emulator leaves them unchanged (so did the hosts tried). */
#define BT_UNDEF (X86_EFLAGS_OF | X86_EFLAGS_SF | X86_EFLAGS_AF | X86_EFLAGS_PF)

enum amode { M_BASE0, M_BASE8, M_BASE32, M_SIB, M_SIB_NOBASE, M_RIP, M_ABS, M_COUNT };

struct gen {
    const struct form *f;
    unsigned w;
    uint8_t b[16];      /* what the host runs (and 64-bit emulation decodes) */
    unsigned n;
    struct hw st;
    uint64_t fs, gs;
    bool rex;
    int reg, base, index;
    unsigned scale;
    enum amode mode;
    int seg;            /* 0 none, 0x64, 0x65 */
    int disp_at, disp_bytes;
    uint64_t ea;        /* the linear address the ModRM operand must name */
    /* compatibility-mode twin (cpu != X86_MODE_64) */
    enum x86_mode cpu;
    uint8_t cb[16];     /* the compat bytes */
    unsigned cn;
    uint64_t rip;       /* its offset in CS */
    uint64_t seg_base[X86_NR_SEGS];
    uint32_t cs_limit;
};

/* The generator (x86_oracle_gen.c): forms, and cases of them. */
extern struct form forms[];
extern unsigned n_forms;
void build_forms(void);
void gen_case(struct gen *g, const struct form *f, unsigned w);
/* A compat form and its 64-bit twin (widths 1, 2, 4; needs gs_settable). */
void gen_compat_case(struct gen *g, const struct form *f, unsigned w, enum x86_mode cpu);

/* Execute g natively and emulated from the same state; true if they agree. */
bool run_case(struct gen *g);
/*
 * Every form named, at every width it has, CASES times: in 64-bit mode, or
 * in a compatibility mode (cpu) against the 64-bit twin.  Fails the test on
 * a mismatch.
 */
void run_forms(const char *const names[], unsigned n_names, enum x86_mode cpu);

/* cmocka group setup and teardown (name: for the summary line). */
int oracle_setup(void);
void oracle_teardown(const char *name);

#endif
