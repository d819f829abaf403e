/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hyp/pv/x86_emulate.c.  The oracle is the host CPU: every
 * instruction form is generated with random operands (fixed seed), executed
 * natively from an executable page on a host buffer, then emulated over the
 * same buffer through simulated ops, and memory, registers, rip and rflags
 * are compared.  Targeted tests cover the locked retry paths, unhandleable
 * forms (no side effects), length limits, fetch faults, addressing and the
 * decode-only privileged instructions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <cmocka.h>

#include <hyp/string.h>
#include <hyp/x86_emulate.h>

#define CODE_SIZE  4096
#define DATA_SIZE  8192
#define CASES      300      /* random cases per (form, width) */

/* ---- Simulated memory: real host addresses inside the data window ---- */

static uint8_t *code, *data;            /* MAP_32BIT: absolute disp32 reaches them */
static unsigned insn_off;               /* where the instruction under test starts */
static uint64_t fetch_end;              /* fetches at or past this address fault */
static int fetch_rc = X86EMUL_EXCEPTION;
static unsigned n_read, n_write, n_cmpxchg;
static unsigned races;          /* fake concurrent changes left */
static unsigned spurious;       /* RETRYs left that report an unchanged value */

static bool in_data(uint64_t a, unsigned n)
{
    return a >= (uintptr_t)data && a + n <= (uintptr_t)data + DATA_SIZE;
}

static int sim_fetch(uint64_t a, void *buf, unsigned n, struct x86_emulate_ctxt *c)
{
    if (a < (uintptr_t)code || a + n > fetch_end)
        return fetch_rc;
    memcpy(buf, (void *)(uintptr_t)a, n);
    return X86EMUL_OKAY;
}

static int sim_read(uint64_t a, void *buf, unsigned n, struct x86_emulate_ctxt *c)
{
    n_read++;
    if (!in_data(a, n))
        return X86EMUL_EXCEPTION;
    memcpy(buf, (void *)(uintptr_t)a, n);
    return X86EMUL_OKAY;
}

static int sim_write(uint64_t a, const void *buf, unsigned n, struct x86_emulate_ctxt *c)
{
    n_write++;
    if (!in_data(a, n))
        return X86EMUL_EXCEPTION;
    memcpy((void *)(uintptr_t)a, buf, n);
    return X86EMUL_OKAY;
}

/* While races > 0, another "CPU" flips bit 1 of the first byte before us. */
static int sim_cmpxchg(uint64_t a, void *old, const void *new, unsigned n,
                       struct x86_emulate_ctxt *c)
{
    uint8_t *p = (uint8_t *)(uintptr_t)a;

    n_cmpxchg++;
    if (!in_data(a, n))
        return X86EMUL_EXCEPTION;
    if (races) {
        races--;
        p[0] ^= 2;
    }
    if (spurious) {
        spurious--;
        memcpy(old, p, n);
        return X86EMUL_RETRY;
    }
    if (memcmp(p, old, n)) {
        memcpy(old, p, n);
        return X86EMUL_RETRY;
    }
    memcpy(p, new, n);
    return X86EMUL_OKAY;
}

static const struct x86_emulate_ops sim_ops = {
    .insn_fetch = sim_fetch, .read = sim_read, .write = sim_write, .cmpxchg = sim_cmpxchg,
};

/* ---- Hardware oracle: prologue, instruction, epilogue in an RWX page ---- */

struct hw {
    uint64_t r[16];     /* by register number; r[4] (rsp) is not loaded */
    uint64_t rflags;
};

static unsigned emit_movs(uint8_t *p, uint8_t opc)
{
    unsigned n = 0;

    for (unsigned r = 0; r < 16; r++) {
        if (r == 4 || r == 7)
            continue;
        p[n++] = r >= 8 ? 0x4c : 0x48;
        p[n++] = opc;                           /* 8b load / 89 store */
        p[n++] = 0x40 | (r & 7) << 3 | 7;       /* [rdi + disp8] */
        p[n++] = (uint8_t)(8 * r);
    }
    return n;
}

/* Save callee-saved regs and the state pointer, load rflags and all GPRs. */
static unsigned emit_prologue(uint8_t *p)
{
    static const uint8_t head[] = {
        0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57, 0x57,
        0xff, 0xb7, 0x80, 0, 0, 0,              /* push [rdi+128] */
        0x9d,                                   /* popfq */
    };
    static const uint8_t last[] = { 0x48, 0x8b, 0x7f, 0x38 };   /* mov rdi,[rdi+56] */
    unsigned n = sizeof(head);

    memcpy(p, head, n);
    n += emit_movs(p + n, 0x8b);
    memcpy(p + n, last, sizeof(last));
    return n + sizeof(last);
}

static unsigned emit_epilogue(uint8_t *p)
{
    static const uint8_t head[] = {
        0x9c, 0x57,                             /* pushfq; push rdi */
        0x48, 0x8b, 0x7c, 0x24, 0x10,           /* mov rdi,[rsp+16] */
        0x8f, 0x47, 0x38,                       /* pop [rdi+56] */
        0x8f, 0x87, 0x80, 0, 0, 0,              /* pop [rdi+128] */
    };
    static const uint8_t tail[] = {
        0x5f, 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3,
    };
    unsigned n = sizeof(head);

    memcpy(p, head, n);
    n += emit_movs(p + n, 0x89);
    memcpy(p + n, tail, sizeof(tail));
    return n + sizeof(tail);
}

static void place_insn(const uint8_t *insn, unsigned len)
{
    memcpy(code + insn_off, insn, len);
    emit_epilogue(code + insn_off + len);
}

static void hw_run(const uint8_t *insn, unsigned len, struct hw *st)
{
    place_insn(insn, len);
    ((void (*)(struct hw *))(void *)code)(st);
}

static uint64_t *ureg(struct cpu_user_regs *u, unsigned n)
{
    uint64_t *map[16] = { &u->rax, &u->rcx, &u->rdx, &u->rbx, &u->rsp, &u->rbp, &u->rsi,
                          &u->rdi, &u->r8, &u->r9, &u->r10, &u->r11, &u->r12, &u->r13,
                          &u->r14, &u->r15 };
    return map[n];
}

static void hw_to_regs(const struct hw *st, struct cpu_user_regs *u)
{
    memset(u, 0, sizeof(*u));
    for (unsigned n = 0; n < 16; n++)
        *ureg(u, n) = st->r[n];
    u->rsp = 0x5a5a5a5a5a5a5a5aULL;
    u->rflags = st->rflags;
    u->rip = (uintptr_t)code + insn_off;
}

static int emu_run(const uint8_t *insn, unsigned len, struct cpu_user_regs *u,
                   uint64_t fs, uint64_t gs, struct x86_emulate_ctxt *c)
{
    place_insn(insn, len);
    memset(c, 0, sizeof(*c));
    c->regs = u;
    c->seg_base[X86_SEG_FS] = fs;
    c->seg_base[X86_SEG_GS] = gs;
    return x86_emulate(c, &sim_ops);
}

/* ---- Random numbers and operands (fixed seed) ---- */

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd_value(void)
{
    switch (rnd() % 8) {
    case 0:  return 0;
    case 1:  return ~0ULL;
    case 2:  return 1ULL << (rnd() % 64);
    case 3:  return (1ULL << (rnd() % 64)) - 1;
    case 4:  return rnd() % 256;
    case 5:  return -(rnd() % 256);
    default: return rnd();
    }
}

/* ---- Instruction forms ---- */

enum { W1 = 1, W248 = 2 + 4 + 8 };
enum { IMM_NONE, IMM_8, IMM_Z };

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

static struct form forms[160];
static unsigned n_forms;

static void add_form(const char *name, uint8_t o0, int o1, int ext, uint8_t imm,
                     uint8_t widths, bool lockable, uint64_t undef)
{
    struct form *f = &forms[n_forms++];

    *f = (struct form){ name, { o0, (uint8_t)o1 }, o1 < 0 ? 1 : 2, (int8_t)ext, imm,
                        widths, lockable, false, undef };
    f->bitreg = o0 == 0x0f && ext < 0 && (o1 == 0xa3 || o1 == 0xab || o1 == 0xb3 ||
                                          o1 == 0xbb);
}

static void build_forms(void)
{
    static const char *alu[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
    static const char *bt[4] = { "bt", "bts", "btr", "btc" };

    n_forms = 0;
    /*
     * AF after and/or/xor is architecturally undefined, but Intel and AMD
     * both clear it and so does the emulator: compared strictly.
     */
    for (int k = 0; k < 7; k++) {
        add_form(alu[k], (uint8_t)(k * 8), -1, -1, IMM_NONE, W1, true, 0);
        add_form(alu[k], (uint8_t)(k * 8 + 1), -1, -1, IMM_NONE, W248, true, 0);
    }
    for (int k = 0; k < 8; k++) {
        add_form(alu[k], 0x80, -1, k, IMM_8, W1, k != 7, 0);
        add_form(alu[k], 0x81, -1, k, IMM_Z, W248, k != 7, 0);
        add_form(alu[k], 0x83, -1, k, IMM_8, W248, k != 7, 0);
    }
    add_form("xchg", 0x86, -1, -1, IMM_NONE, W1, true, 0);
    add_form("xchg", 0x87, -1, -1, IMM_NONE, W248, true, 0);
    add_form("mov", 0x88, -1, -1, IMM_NONE, W1, false, 0);
    add_form("mov", 0x89, -1, -1, IMM_NONE, W248, false, 0);
    add_form("mov", 0xc6, -1, 0, IMM_8, W1, false, 0);
    add_form("mov", 0xc7, -1, 0, IMM_Z, W248, false, 0);
    add_form("cmpxchg", 0x0f, 0xb0, -1, IMM_NONE, W1, true, 0);
    add_form("cmpxchg", 0x0f, 0xb1, -1, IMM_NONE, W248, true, 0);
    for (int k = 0; k < 4; k++) {
        add_form(bt[k], 0x0f, 0xa3 + 8 * k, -1, IMM_NONE, W248, k != 0, BT_UNDEF);
        add_form(bt[k], 0x0f, 0xba, 4 + k, IMM_8, W248, k != 0, BT_UNDEF);
    }
    add_form("inc", 0xfe, -1, 0, IMM_NONE, W1, true, 0);
    add_form("dec", 0xfe, -1, 1, IMM_NONE, W1, true, 0);
    add_form("inc", 0xff, -1, 0, IMM_NONE, W248, true, 0);
    add_form("dec", 0xff, -1, 1, IMM_NONE, W248, true, 0);
    add_form("not", 0xf6, -1, 2, IMM_NONE, W1, true, 0);
    add_form("neg", 0xf6, -1, 3, IMM_NONE, W1, true, 0);
    add_form("not", 0xf7, -1, 2, IMM_NONE, W248, true, 0);
    add_form("neg", 0xf7, -1, 3, IMM_NONE, W248, true, 0);
}

/* ---- Random instruction generator ---- */

enum mode { M_BASE0, M_BASE8, M_BASE32, M_SIB, M_SIB_NOBASE, M_RIP, M_ABS, M_COUNT };

struct gen {
    const struct form *f;
    unsigned w;
    uint8_t b[16];
    unsigned n;
    struct hw st;
    uint64_t fs, gs;
    bool rex;
    int reg, base, index;
    unsigned scale;
    enum mode mode;
    int seg;            /* 0 none, 0x64, 0x65 */
    int disp_at, disp_bytes;
    uint64_t ea;        /* the linear address the ModRM operand must name */
};

static uint64_t host_fs;
static bool gs_settable;

/* A register for the operand or addressing, distinct from those used so far. */
static int pick_reg(struct gen *g, bool allow_rsp)
{
    for (;;) {
        int r = (int)(rnd() % (g->rex ? 16 : 8));

        if (r == 4 && !allow_rsp)
            continue;
        if (r == g->reg || r == g->base || r == g->index)
            continue;
        if (!strcmp(g->f->name, "cmpxchg") && r == 0 && g->reg >= 0)
            continue;           /* keep rax for the accumulator */
        return r;
    }
}

static void gen_prefixes(struct gen *g)
{
    uint8_t p[6];
    unsigned n = 0;

    if (g->f->lockable && rnd() % 2)
        p[n++] = 0xf0;
    if (g->w == 2 || (g->w != 4 && rnd() % 8 == 0))
        p[n++] = 0x66;          /* ignored for bytes, overridden by REX.W */
    if (g->seg)
        p[n++] = (uint8_t)g->seg;
    if (rnd() % 8 == 0)
        p[n++] = (uint8_t[]){ 0x26, 0x2e, 0x36, 0x3e }[rnd() % 4];
    for (unsigned k = n; k > 1; k--) {      /* shuffle */
        unsigned j = (unsigned)(rnd() % k);
        uint8_t t = p[k - 1];

        p[k - 1] = p[j];
        p[j] = t;
    }
    memcpy(g->b, p, n);
    g->n = n;
}

static void gen_modrm(struct gen *g)
{
    unsigned regf = g->f->ext >= 0 ? (unsigned)g->f->ext : (unsigned)g->reg & 7;
    unsigned mod = g->mode == M_BASE8 ? 1 : g->mode == M_BASE32 ? 2 : 0;

    if (g->mode == M_SIB)
        mod = (unsigned)(rnd() % 3);
    if (g->mode == M_SIB && mod == 0 && (g->base & 7) == 5)
        mod = 1;                /* base rbp/r13 needs a displacement */
    g->disp_bytes = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    if (g->mode == M_RIP) {
        g->b[g->n++] = (uint8_t)(regf << 3 | 5);
        g->disp_bytes = 4;
    } else if (g->mode == M_SIB || g->mode == M_SIB_NOBASE || g->mode == M_ABS) {
        unsigned idx = g->index >= 0 ? (unsigned)g->index & 7 : 4;
        unsigned base = g->mode == M_SIB ? (unsigned)g->base & 7 : 5;

        g->b[g->n++] = (uint8_t)(mod << 6 | regf << 3 | 4);
        g->b[g->n++] = (uint8_t)(g->scale << 6 | idx << 3 | base);
        if (g->mode != M_SIB)
            g->disp_bytes = 4;
    } else {
        g->b[g->n++] = (uint8_t)(mod << 6 | regf << 3 | ((unsigned)g->base & 7));
    }
    g->disp_at = (int)g->n;
    g->n += (unsigned)g->disp_bytes;
}

static void gen_imm(struct gen *g)
{
    unsigned n = g->f->imm == IMM_8 ? 1 : g->f->imm == IMM_Z ? (g->w == 2 ? 2 : 4) : 0;
    uint64_t v = rnd_value();

    for (unsigned k = 0; k < n; k++, v >>= 8)
        g->b[g->n++] = (uint8_t)v;
}

/* Registers and addressing mode, respecting what each encoding can name. */
static void gen_operands(struct gen *g)
{
    g->rex = g->w == 8 || rnd() % 2;
    g->reg = g->base = g->index = -1;
    if (g->f->ext < 0)
        g->reg = pick_reg(g, g->w == 1 && !g->rex);     /* ah, not rsp */
    g->mode = (enum mode)(rnd() % M_COUNT);
    g->seg = (int[]){ 0, 0, 0x64, 0x65 }[rnd() % 4];
    if (g->seg == 0x65 && !gs_settable)
        g->seg = 0;
    if (g->seg && (g->mode == M_RIP || g->mode == M_ABS || g->mode == M_SIB_NOBASE))
        g->mode = M_BASE32;     /* the base is far from the data: use a register */
    if (g->mode <= M_BASE32)
        do g->base = pick_reg(g, false); while ((g->base & 7) == 4 ||
                                                 (g->mode == M_BASE0 && (g->base & 7) == 5));
    if (g->mode == M_SIB)
        g->base = pick_reg(g, false);
    if ((g->mode == M_SIB || g->mode == M_SIB_NOBASE) && rnd() % 4)
        g->index = pick_reg(g, false);
    g->scale = (unsigned)(rnd() % 4);
}

/* Bit offset for bt* reg forms, kept small where the address is a disp32. */
static uint64_t gen_bit_offset(struct gen *g, int64_t *units)
{
    bool small = g->mode == M_RIP || g->mode == M_ABS || g->mode == M_SIB_NOBASE;
    uint64_t v = small || rnd() % 2 ? (uint64_t)((int64_t)(rnd() % 4096) - 2048) : rnd();
    int64_t off = (int64_t)v;
    unsigned bits = g->w * 8;

    if (g->w < 8) {                     /* only the low w bytes count, signed */
        uint64_t sign = 1ULL << (bits - 1), m = (sign << 1) - 1;

        off = (int64_t)(((v & m) ^ sign) - sign);
    }
    *units = off >= 0 ? off / bits : -((-(off + 1)) / bits) - 1;
    return v;
}

static void fill_disp(struct gen *g, int64_t disp)
{
    for (int k = 0; k < g->disp_bytes; k++, disp >>= 8)
        g->b[g->disp_at + k] = (uint8_t)disp;
}

static int64_t rnd_disp(unsigned bytes)
{
    return bytes == 1 ? (int8_t)rnd() : bytes == 4 ? (int32_t)(rnd() >> 40) : 0;
}

/* Make the ModRM operand name g->ea: set disp and base/index registers. */
static void solve_address(struct gen *g, uint64_t insn_addr)
{
    uint64_t segbase = g->seg == 0x64 ? g->fs : g->seg == 0x65 ? g->gs : 0;
    uint64_t nominal = g->ea - segbase, idx = 0;
    int64_t disp;

    if (g->index >= 0) {
        idx = rnd() % 2 ? (uint64_t)((int64_t)(rnd() % 512) - 256) : rnd();
        if (g->mode == M_SIB_NOBASE)
            idx = rnd() % 256;
        g->st.r[g->index] = idx;
    }
    if (g->mode == M_RIP) {
        fill_disp(g, (int64_t)(nominal - (insn_addr + g->n)));
        return;
    }
    if (g->mode == M_ABS || g->mode == M_SIB_NOBASE) {
        fill_disp(g, (int64_t)(nominal - (idx << g->scale)));
        return;
    }
    disp = rnd_disp((unsigned)g->disp_bytes);
    fill_disp(g, disp);
    g->st.r[g->base] = nominal - (idx << g->scale) - (uint64_t)disp;
}

static void gen_case(struct gen *g, const struct form *f, unsigned w)
{
    uint64_t target = (uintptr_t)data + 64 + rnd() % (DATA_SIZE - 128);
    int64_t units = 0;

    memset(g, 0, sizeof(*g));
    g->f = f;
    g->w = w;
    target -= (target % 64) + w > 64 ? w : 0;       /* no split locks */
    for (unsigned n = 0; n < 16; n++)
        g->st.r[n] = rnd_value();
    g->st.r[4] = 0;
    g->st.rflags = 0x202 | (rnd() & X86_EFLAGS_ARITH);
    gen_operands(g);
    g->fs = host_fs;
    g->gs = rnd() % (1ULL << 46);
    if (f->bitreg)
        g->st.r[g->reg] = gen_bit_offset(g, &units);
    g->ea = target - (uint64_t)units * w;
    gen_prefixes(g);
    if (g->rex)
        g->b[g->n++] = (uint8_t)(0x40 | (w == 8 ? 8 : 0) | (g->reg >= 8 ? 4 : 0) |
                                 (g->index >= 8 ? 2 : 0) | (g->base >= 8 ? 1 : 0));
    memcpy(g->b + g->n, f->opc, f->nopc);
    g->n += f->nopc;
    gen_modrm(g);
    gen_imm(g);
    solve_address(g, (uintptr_t)code + insn_off);
    for (unsigned k = 0; k < w; k++)            /* cmpxchg: often equal to rax */
        ((uint8_t *)(uintptr_t)target)[k] = (uint8_t)(rnd() % 2 ? g->st.r[0] >> (8 * k) : rnd());
}

/* ---- Running a case on both sides ---- */

static uint8_t data_init[DATA_SIZE], data_hw[DATA_SIZE];
static unsigned undef_differs, cases_run;

static void dump_case(const struct gen *g, const char *what)
{
    char hex[64] = "";

    for (unsigned k = 0; k < g->n; k++)
        snprintf(hex + 3 * k, sizeof(hex) - 3 * k, "%02x ", g->b[k]);
    print_message("%s/%u: %s mismatch, bytes %s\n", g->f->name, g->w, what, hex);
}

static bool regs_match(const struct gen *g, const struct hw *hw, struct cpu_user_regs *u)
{
    for (unsigned n = 0; n < 16; n++) {
        if (n != 4 && hw->r[n] != *ureg(u, n)) {
            print_message("r%u: hw %#lx emu %#lx\n", n, hw->r[n], *ureg(u, n));
            return false;
        }
    }
    if ((hw->rflags ^ u->rflags) & ~g->f->undef) {
        print_message("rflags: in %#lx hw %#lx emu %#lx\n", g->st.rflags, hw->rflags,
                      u->rflags);
        return false;
    }
    if ((hw->rflags ^ u->rflags) & g->f->undef)
        undef_differs++;
    return u->rip == (uintptr_t)code + insn_off + g->n;
}

/* Execute g natively and emulated from the same state; true if they agree. */
static bool run_case(struct gen *g)
{
    struct hw hw = g->st;
    struct cpu_user_regs u;
    struct x86_emulate_ctxt c;
    int rc;

    memcpy(data_init, data, DATA_SIZE);
    if (g->seg == 0x65)
        syscall(SYS_arch_prctl, ARCH_SET_GS, g->gs);
    hw_run(g->b, g->n, &hw);
    memcpy(data_hw, data, DATA_SIZE);
    memcpy(data, data_init, DATA_SIZE);
    hw_to_regs(&g->st, &u);
    rc = emu_run(g->b, g->n, &u, g->fs, g->gs, &c);
    cases_run++;
    if (rc != X86EMUL_OKAY) {
        dump_case(g, "rc");
        print_message("rc %d\n", rc);
        return false;
    }
    if (!regs_match(g, &hw, &u)) {
        dump_case(g, "registers");
        return false;
    }
    if (memcmp(data, data_hw, DATA_SIZE)) {
        dump_case(g, "memory");
        return false;
    }
    if (c.insn_len != g->n || (g->w && c.mem_bytes != g->w)) {
        dump_case(g, "length");
        print_message("insn_len %u mem_bytes %u\n", c.insn_len, c.mem_bytes);
        return false;
    }
    return true;
}

static void run_forms(const char *const names[], unsigned n_names)
{
    struct gen g;
    unsigned failures = 0;

    for (unsigned k = 0; k < n_forms; k++) {
        bool want = false;

        for (unsigned j = 0; j < n_names; j++)
            want |= !strcmp(forms[k].name, names[j]);
        for (unsigned w = 1; want && w <= 8; w *= 2) {
            if (!(forms[k].widths & w))
                continue;
            for (unsigned i = 0; i < CASES && failures < 5; i++) {
                gen_case(&g, &forms[k], w);
                failures += !run_case(&g);
            }
        }
    }
    assert_int_equal(failures, 0);
}

static void test_hw_alu(void **state)
{
    static const char *const n[] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };

    run_forms(n, ARRAY_SIZE(n));
}

static void test_hw_mov_xchg_cmpxchg(void **state)
{
    static const char *const n[] = { "mov", "xchg", "cmpxchg" };

    run_forms(n, ARRAY_SIZE(n));
}

static void test_hw_bit_ops(void **state)
{
    static const char *const n[] = { "bt", "bts", "btr", "btc" };

    run_forms(n, ARRAY_SIZE(n));
}

static void test_hw_unary(void **state)
{
    static const char *const n[] = { "inc", "dec", "not", "neg" };

    run_forms(n, ARRAY_SIZE(n));
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
    { { 0x67, 0x89, 0x07 }, 3, 0 },                /* 32-bit addressing */
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
    uint8_t *m = mmap(NULL, CODE_SIZE + DATA_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

    if (m == MAP_FAILED)
        return -1;
    code = m;
    data = m + CODE_SIZE;
    insn_off = emit_prologue(code);
    fetch_end = (uintptr_t)code + CODE_SIZE;
    if (syscall(SYS_arch_prctl, ARCH_GET_FS, &host_fs))
        return -1;
    gs_settable = syscall(SYS_arch_prctl, ARCH_SET_GS, 0UL) == 0;
    build_forms();
    return 0;
}

static int teardown(void **state)
{
    if (gs_settable)
        syscall(SYS_arch_prctl, ARCH_SET_GS, 0UL);
    print_message("x86_emulate: %u hardware-checked cases, %u differed only in undefined "
                  "flags; GS oracle %s\n", cases_run, undef_differs,
                  gs_settable ? "on" : "off");
    munmap(code, CODE_SIZE + DATA_SIZE);
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
