/* SPDX-License-Identifier: MIT */
/*
 * The random case generator of the x86 emulator's oracle (see
 * tests/unit/x86_oracle.h): random numbers and operands with a fixed seed,
 * the instruction forms, and cases -- in 64-bit mode, or as a
 * compatibility-mode form with the 64-bit twin the host runs for it.
 */
#include <stdbool.h>
#include <stdint.h>

#include <hyp/string.h>

#include "x86_oracle.h"

/* ---- Random numbers and operands (fixed seed) ---- */

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

uint64_t rnd_value(void)
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

struct form forms[160];
unsigned n_forms;

static void add_form(const char *name, uint8_t o0, int o1, int ext, uint8_t imm,
                     uint8_t widths, bool lockable, uint64_t undef)
{
    struct form *f = &forms[n_forms++];

    *f = (struct form){ name, { o0, (uint8_t)o1 }, o1 < 0 ? 1 : 2, (int8_t)ext, imm,
                        widths, lockable, false, undef };
    f->bitreg = o0 == 0x0f && ext < 0 && (o1 == 0xa3 || o1 == 0xab || o1 == 0xb3 ||
                                          o1 == 0xbb);
}

void build_forms(void)
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

/*
 * Registers and addressing mode, respecting what each encoding can name.
 * A compat twin has no REX, no RIP-relative form (in compat mode that
 * ModRM is an absolute disp32) and always GS, with a base below 4 GiB.
 */
static void gen_operands(struct gen *g)
{
    bool compat = g->cpu != X86_MODE_64;

    g->rex = !compat && (g->w == 8 || rnd() % 2);
    g->reg = g->base = g->index = -1;
    if (g->f->ext < 0)
        g->reg = pick_reg(g, g->w == 1 && !g->rex);     /* ah, not rsp */
    g->mode = (enum amode)(rnd() % M_COUNT);
    if (compat && g->mode == M_RIP)
        g->mode = M_ABS;
    g->seg = compat ? 0x65 : (int[]){ 0, 0, 0x64, 0x65 }[rnd() % 4];
    if (g->seg == 0x65 && !gs_settable && !compat)
        g->seg = 0;
    if (!compat && g->seg && (g->mode == M_RIP || g->mode == M_ABS || g->mode == M_SIB_NOBASE))
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

/* Registers, flags and operands of a new case whose operand lies at target. */
static void gen_start(struct gen *g, const struct form *f, unsigned w, enum x86_mode cpu,
                      uint64_t target, uint64_t gs)
{
    int64_t units = 0;

    memset(g, 0, sizeof(*g));
    g->f = f;
    g->w = w;
    g->cpu = cpu;
    for (unsigned n = 0; n < 16; n++)
        g->st.r[n] = rnd_value();
    g->st.r[4] = 0;
    g->st.rflags = 0x202 | (rnd() & X86_EFLAGS_ARITH);
    gen_operands(g);
    g->fs = host_fs;
    g->gs = gs;
    if (f->bitreg)
        g->st.r[g->reg] = gen_bit_offset(g, &units);
    g->ea = target - (uint64_t)units * w;
}

/* Opcode, ModRM/SIB/displacement and immediate after the prefixes in g->b. */
static void gen_body(struct gen *g, uint64_t target)
{
    memcpy(g->b + g->n, g->f->opc, g->f->nopc);
    g->n += g->f->nopc;
    gen_modrm(g);
    gen_imm(g);
    solve_address(g, (uintptr_t)code + insn_off);
    for (unsigned k = 0; k < g->w; k++)         /* cmpxchg: often equal to rax */
        ((uint8_t *)(uintptr_t)target)[k] = (uint8_t)(rnd() % 2 ? g->st.r[0] >> (8 * k) : rnd());
}

static uint64_t gen_target(unsigned w)
{
    uint64_t target = (uintptr_t)data + 64 + rnd() % (DATA_SIZE - 128);

    return target - ((target % 64) + w > 64 ? w : 0);   /* no split locks */
}

void gen_case(struct gen *g, const struct form *f, unsigned w)
{
    uint64_t target = gen_target(w);

    gen_start(g, f, w, X86_MODE_64, target, rnd() % (1ULL << 46));
    gen_prefixes(g);
    if (g->rex)
        g->b[g->n++] = (uint8_t)(0x40 | (w == 8 ? 8 : 0) | (g->reg >= 8 ? 4 : 0) |
                                 (g->index >= 8 ? 2 : 0) | (g->base >= 8 ? 1 : 0));
    gen_body(g, target);
}

static void shuffle(uint8_t *p, unsigned n)
{
    for (unsigned k = n; k > 1; k--) {
        unsigned j = (unsigned)(rnd() % k);
        uint8_t t = p[k - 1];

        p[k - 1] = p[j];
        p[j] = t;
    }
}

/*
 * The segment a compat form uses: its override prefix (0 = none), else DS,
 * or SS for an esp/ebp base -- the rule restated here, not the emulator's.
 */
static enum x86_seg compat_segment(const struct gen *g, int prefix)
{
    switch (prefix) {
    case 0x26: return X86_SEG_ES;
    case 0x2e: return X86_SEG_CS;
    case 0x36: return X86_SEG_SS;
    case 0x3e: return X86_SEG_DS;
    case 0x64: return X86_SEG_FS;
    case 0x65: return X86_SEG_GS;
    default:
        return g->mode != M_ABS && g->mode != M_SIB_NOBASE && (g->base == 4 || g->base == 5)
                   ? X86_SEG_SS : X86_SEG_DS;
    }
}

/*
 * Where the compat form sits: CS has a random base (the operand's segment
 * base if that is CS), rip is the offset of the test code in it (small in
 * 16-bit code), and the limit covers the instruction, sometimes exactly.
 */
static void gen_compat_cs(struct gen *g, enum x86_seg s)
{
    uint64_t at = (uintptr_t)code + insn_off;

    if (s == X86_SEG_CS)
        g->seg_base[X86_SEG_CS] = g->gs;
    else if (g->cpu == X86_MODE_16)
        g->seg_base[X86_SEG_CS] = at - rnd() % 0x1000;
    else
        g->seg_base[X86_SEG_CS] = rnd() % 2 ? 0 : rnd() % (1ULL << 32);
    g->rip = (uint32_t)(at - g->seg_base[X86_SEG_CS]);
    g->cs_limit = rnd() % 2 ? 0xffffffff : (uint32_t)(g->rip + g->cn - 1 + rnd() % 3);
}

/*
 * A compat twin: the host runs [lock] [66] 65 67 <body> with GS base
 * g->gs; the compat form is [lock] [override] [66] [67 in 16-bit code]
 * <body>, 66 where the operand size differs from the mode's default, and
 * the emulator gets g->gs as the base of the segment it uses, garbage as
 * the others'.
 */
void gen_compat_case(struct gen *g, const struct form *f, unsigned w, enum x86_mode cpu)
{
    static const int overrides[] = { 0, 0, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
    uint64_t target = gen_target(w);
    bool lock = f->lockable && rnd() % 2, op16 = w == 2;
    int prefix = overrides[rnd() % 8];
    unsigned body, np = 0;
    uint8_t p[4];
    enum x86_seg s;

    gen_start(g, f, w, cpu, target, rnd() % 0x20000000);   /* below any target */
    if (lock)
        g->b[g->n++] = 0xf0;
    if (op16)
        g->b[g->n++] = 0x66;
    g->b[g->n++] = 0x65;
    g->b[g->n++] = 0x67;
    shuffle(g->b, g->n);
    body = g->n;
    gen_body(g, target);
    if (lock)
        p[np++] = 0xf0;
    if (prefix)
        p[np++] = (uint8_t)prefix;
    if (op16 != (cpu == X86_MODE_16))
        p[np++] = 0x66;
    if (cpu == X86_MODE_16)
        p[np++] = 0x67;
    shuffle(p, np);
    memcpy(g->cb, p, np);
    memcpy(g->cb + np, g->b + body, g->n - body);
    g->cn = np + g->n - body;
    /* Only the low halves address: the upper ones must not matter. */
    if (g->base >= 0)
        g->st.r[g->base] = (uint32_t)g->st.r[g->base] | rnd() << 32;
    if (g->index >= 0)
        g->st.r[g->index] = (uint32_t)g->st.r[g->index] | rnd() << 32;
    for (unsigned k = 0; k < X86_NR_SEGS; k++)
        g->seg_base[k] = rnd() % (1ULL << 32);
    s = compat_segment(g, prefix);
    g->seg_base[s] = g->gs;
    gen_compat_cs(g, s);
}
