/* SPDX-License-Identifier: MIT */
/*
 * Eager FPU switching with XSAVE/XRSTOR (include/hyp/fpu.h), the virtual
 * CR0.TS of fpu_taskswitch, and guest XSETBV.  The hypervisor itself is
 * built without floating point (-mgeneral-regs-only), so a guest's FPU
 * registers stay untouched in the CPU while Koan runs.
 */
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/emul.h>
#include <hyp/errno.h>
#include <hyp/fpu.h>
#include <hyp/frame.h>
#include <hyp/pv.h>
#include <hyp/string.h>

#define XSTATE_X87 (1UL << 0)
#define XSTATE_SSE (1UL << 1)
#define XSTATE_YMM (1UL << 2)

static uint64_t xcr0_host;   /* the states Koan enabled (all user states the CPU has) */
static uint32_t xsave_size;
static bool have_xsave;

static void xsetbv(uint32_t idx, uint64_t v)
{
    asm volatile("xsetbv" :: "c"(idx), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void fpu_init(void)
{
    uint32_t a, b, c, d;

    cpuid_count(1, 0, &a, &b, &c, &d);
    if (!(c & (1u << 26))) {
        log_warn("fpu: no XSAVE: FPU state is switched with FXSAVE\n");
        xsave_size = 512;
        return;
    }
    write_cr4(read_cr4() | X86_CR4_OSXSAVE);
    cpuid_count(0xd, 0, &a, &b, &c, &d);
    xcr0_host = ((uint64_t)d << 32 | a) & (XSTATE_X87 | XSTATE_SSE | XSTATE_YMM | (7UL << 5));
    xsetbv(0, xcr0_host);
    cpuid_count(0xd, 0, &a, &b, &c, &d);
    xsave_size = b;
    have_xsave = true;
    log_info("fpu: XSAVE, XCR0 %#lx, %u-byte areas\n", xcr0_host, xsave_size);
}

void fpu_cpu_init(void)
{
    /* The boot CPU's choice: a vCPU's XSAVE area must fit on every CPU. */
    if (!have_xsave)
        return;
    write_cr4(read_cr4() | X86_CR4_OSXSAVE);
    xsetbv(0, xcr0_host);
}

uint64_t fpu_area_bytes(void)
{
    return xsave_size;
}

static void fpu_save(void *area)
{
    if (have_xsave)
        asm volatile("xsaveq (%0)" :: "r"(area), "a"((uint32_t)~0u), "d"((uint32_t)~0u) : "memory");
    else
        asm volatile("fxsaveq (%0)" :: "r"(area) : "memory");
}

/* XRSTOR (or FXRSTOR) with a fix-up: 0, or -1 if the image made it fault. */
static int fpu_try_restore(void *area)
{
    int failed = 0;

    if (have_xsave)
        asm volatile("1: xrstorq (%[a])\n"
                     "   jmp 3f\n"
                     "2: movl $-1, %[f]\n"
                     "3:\n"
                     ".pushsection .ex_table, \"a\"\n.balign 8\n.quad 1b, 2b\n.popsection"
                     : [f] "+r"(failed)
                     : [a] "r"(area), "a"((uint32_t)~0u), "d"((uint32_t)~0u) : "memory");
    else
        asm volatile("1: fxrstorq (%[a])\n"
                     "   jmp 3f\n"
                     "2: movl $-1, %[f]\n"
                     "3:\n"
                     ".pushsection .ex_table, \"a\"\n.balign 8\n.quad 1b, 2b\n.popsection"
                     : [f] "+r"(failed) : [a] "r"(area) : "memory");
    return failed;
}

/*
 * An image the guest supplied (a vCPU context) may be malformed: a fault on
 * restore puts the vCPU's FPU in its initial state instead.
 */
static void fpu_restore(void *area)
{
    if (fpu_try_restore(area) == 0)
        return;
    memset(area, 0, xsave_size);
    ((uint16_t *)area)[0] = 0x37f;            /* FCW */
    ((uint32_t *)area)[6] = 0x1f80;           /* MXCSR */
    fpu_try_restore(area);
}

void fpu_switch(struct vcpu *prev, struct vcpu *next)
{
    write_cr0(read_cr0() & ~X86_CR0_TS);   /* XSAVE itself would fault with TS set */
    if (prev && prev->pv.fpu_area)
        fpu_save(prev->pv.fpu_area);
    if (next->pv.fpu_area)
        fpu_restore(next->pv.fpu_area);
    if (next->pv.fpu_ts)
        write_cr0(read_cr0() | X86_CR0_TS);
}

void fpu_save_vcpu(struct vcpu *v)
{
    if (!v->pv.fpu_area)
        return;
    if (v->pv.fpu_ts)
        write_cr0(read_cr0() & ~X86_CR0_TS);
    fpu_save(v->pv.fpu_area);
    /* v may go on here without a reload (alone on its CPU): its TS stays as it was. */
    if (v->pv.fpu_ts)
        write_cr0(read_cr0() | X86_CR0_TS);
}

void pv_fpu_set_ts(struct vcpu *v, bool ts)
{
    v->pv.fpu_ts = ts;
    if (v == current_vcpu())
        write_cr0(ts ? read_cr0() | X86_CR0_TS : read_cr0() & ~X86_CR0_TS);
}

long do_fpu_taskswitch(uint64_t set)
{
    pv_fpu_set_ts(current_vcpu(), set != 0);
    return 0;
}

/* XSETBV from the guest: XCR0 only, x87 always, AVX only with SSE, nothing Koan lacks. */
bool pv_xsetbv(struct vcpu *v, uint32_t idx, uint64_t val)
{
    if (!have_xsave || idx != 0 || !(val & XSTATE_X87) || (val & ~xcr0_host) ||
        ((val & XSTATE_YMM) && !(val & XSTATE_SSE)))
        return false;
    (void)v;
    /* Koan keeps every state enabled so that its save/restore covers them all. */
    return true;
}
