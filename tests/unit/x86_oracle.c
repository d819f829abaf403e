/* SPDX-License-Identifier: MIT */
/*
 * The host CPU as the x86 emulator's oracle (see tests/unit/x86_oracle.h):
 * simulated memory and ops, the native runner, and running each generated
 * case (x86_oracle_gen.c) on both sides and comparing them.
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

#include "x86_oracle.h"

/* ---- Simulated memory: real host addresses inside the data window ---- */

uint8_t *code, *data;
unsigned insn_off;
uint64_t fetch_end;
int fetch_rc = X86EMUL_EXCEPTION;
unsigned n_read, n_write, n_cmpxchg;
unsigned races;
unsigned spurious;

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

const struct x86_emulate_ops sim_ops = {
    .insn_fetch = sim_fetch, .read = sim_read, .write = sim_write, .cmpxchg = sim_cmpxchg,
};

/* ---- Hardware oracle: prologue, instruction, epilogue in an RWX page ---- */

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

void place_insn(const uint8_t *insn, unsigned len)
{
    memcpy(code + insn_off, insn, len);
    emit_epilogue(code + insn_off + len);
}

static void hw_run(const uint8_t *insn, unsigned len, struct hw *st)
{
    place_insn(insn, len);
    ((void (*)(struct hw *))(void *)code)(st);
}

uint64_t *ureg(struct cpu_user_regs *u, unsigned n)
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

/* ---- Running a case on both sides ---- */

uint64_t host_fs;
bool gs_settable;

uint8_t data_init[DATA_SIZE];
static uint8_t data_hw[DATA_SIZE];
static unsigned undef_differs, cases_run;

static void dump_case(const struct gen *g, const char *what)
{
    char hex[64] = "", chex[64] = "";

    for (unsigned k = 0; k < g->n; k++)
        snprintf(hex + 3 * k, sizeof(hex) - 3 * k, "%02x ", g->b[k]);
    for (unsigned k = 0; k < g->cn; k++)
        snprintf(chex + 3 * k, sizeof(chex) - 3 * k, "%02x ", g->cb[k]);
    print_message("%s/%u: %s mismatch, bytes %s\n", g->f->name, g->w, what, hex);
    if (g->cpu != X86_MODE_64)
        print_message("  as %u-bit code: %s (rip %#lx, CS base %#lx)\n",
                      g->cpu == X86_MODE_32 ? 32 : 16, chex, g->rip,
                      g->seg_base[X86_SEG_CS]);
}

static bool regs_match(const struct gen *g, const struct hw *hw, struct cpu_user_regs *u,
                       uint64_t rip)
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
    return u->rip == rip;
}

/* Run g->b on the host from g->st (GS base g->gs if used); data is put back. */
static void hw_side(const struct gen *g, struct hw *hw)
{
    *hw = g->st;
    memcpy(data_init, data, DATA_SIZE);
    if (g->seg == 0x65)
        syscall(SYS_arch_prctl, ARCH_SET_GS, g->gs);
    hw_run(g->b, g->n, hw);
    memcpy(data_hw, data, DATA_SIZE);
    memcpy(data, data_init, DATA_SIZE);
}

/* The emulator's result (rc, u, c, data) against the host's (hw, data_hw). */
static bool agrees(const struct gen *g, int rc, const struct hw *hw, struct cpu_user_regs *u,
                   const struct x86_emulate_ctxt *c, uint64_t rip, unsigned len)
{
    cases_run++;
    if (rc != X86EMUL_OKAY) {
        dump_case(g, "rc");
        print_message("rc %d\n", rc);
        return false;
    }
    if (!regs_match(g, hw, u, rip)) {
        dump_case(g, "registers");
        return false;
    }
    if (memcmp(data, data_hw, DATA_SIZE)) {
        dump_case(g, "memory");
        return false;
    }
    if (c->insn_len != len || (g->w && c->mem_bytes != g->w)) {
        dump_case(g, "length");
        print_message("insn_len %u mem_bytes %u\n", c->insn_len, c->mem_bytes);
        return false;
    }
    return true;
}

bool run_case(struct gen *g)
{
    struct hw hw;
    struct cpu_user_regs u;
    struct x86_emulate_ctxt c;
    int rc;

    hw_side(g, &hw);
    hw_to_regs(&g->st, &u);
    rc = emu_run(g->b, g->n, &u, g->fs, g->gs, &c);
    return agrees(g, rc, &hw, &u, &c, (uintptr_t)code + insn_off + g->n, g->n);
}

/* A compat twin: the host's result against the 64-bit form and the compat form. */
static bool run_compat_case(struct gen *g)
{
    static uint8_t before[DATA_SIZE];
    struct hw hw;
    struct cpu_user_regs u;
    struct x86_emulate_ctxt c;
    int rc;

    memcpy(before, data, DATA_SIZE);
    hw_side(g, &hw);
    hw_to_regs(&g->st, &u);
    rc = emu_run(g->b, g->n, &u, g->fs, g->gs, &c);
    if (!agrees(g, rc, &hw, &u, &c, (uintptr_t)code + insn_off + g->n, g->n))
        return false;
    memcpy(data, before, DATA_SIZE);
    hw_to_regs(&g->st, &u);
    u.rip = g->rip;
    place_insn(g->cb, g->cn);
    memset(&c, 0, sizeof(c));
    c.regs = &u;
    c.mode = g->cpu;
    memcpy(c.seg_base, g->seg_base, sizeof(c.seg_base));
    c.cs_limit = g->cs_limit;
    rc = x86_emulate(&c, &sim_ops);
    return agrees(g, rc, &hw, &u, &c, (uint32_t)(g->rip + g->cn), g->cn);
}

void run_forms(const char *const names[], unsigned n_names, enum x86_mode cpu)
{
    struct gen g;
    unsigned failures = 0;

    if (cpu != X86_MODE_64 && !gs_settable) {
        print_message("no GS oracle: compatibility-mode forms not checked\n");
        return;
    }
    for (unsigned k = 0; k < n_forms; k++) {
        bool want = false;

        for (unsigned j = 0; j < n_names; j++)
            want |= !strcmp(forms[k].name, names[j]);
        for (unsigned w = 1; want && w <= (cpu == X86_MODE_64 ? 8 : 4); w *= 2) {
            if (!(forms[k].widths & w))
                continue;
            for (unsigned i = 0; i < CASES && failures < 5; i++) {
                if (cpu == X86_MODE_64) {
                    gen_case(&g, &forms[k], w);
                    failures += !run_case(&g);
                } else {
                    gen_compat_case(&g, &forms[k], w, cpu);
                    failures += !run_compat_case(&g);
                }
            }
        }
    }
    assert_int_equal(failures, 0);
}

/* ---- Setup ---- */

int oracle_setup(void)
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

void oracle_teardown(const char *name)
{
    if (gs_settable)
        syscall(SYS_arch_prctl, ARCH_SET_GS, 0UL);
    print_message("%s: %u hardware-checked cases, %u differed only in undefined flags; "
                  "GS oracle %s\n", name, cases_run, undef_differs, gs_settable ? "on" : "off");
    munmap(code, CODE_SIZE + DATA_SIZE);
}
