/* SPDX-License-Identifier: MIT */
/*
 * CPU set-up, for the boot CPU and (smp_ap_start) every other: our own GDT
 * (with Xen's reserved flat selectors, so guests find 0xe033/0xe02b/0xe023
 * where the ABI puts them), a TSS per CPU with RSP0 and IST stacks in that
 * CPU's stack block, the IDT (one, shared), and CPU hygiene: CR0.WP,
 * EFER.NXE, SMEP, SMAP, and the syscall MSRs that make `syscall` the
 * hypercall entry, each CPU with its own entry stub.
 */
#include <asm/layout.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/traps.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/errno.h>
#include <hyp/frame.h>
#include <hyp/machine.h>
#include <hyp/string.h>
#include <hyp/xen_public.h>

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
    uint16_t offset_lo, selector;
    uint8_t ist, type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi, reserved;
} __attribute__((packed));

struct table_desc {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

uint8_t cpu0_stack[STACK_SIZE] __attribute__((aligned(STACK_SIZE)));
/*
 * CPU 0's GDT.  Its pages 0-13 stay zero and fill every CPU's window where
 * the running vCPU has no GDT frame (not-present descriptors: never
 * written); pages 14-15 hold CPU 0's reserved entries.  The other CPUs'
 * reserved entries are in two pages of their own (cpu_prepare).
 */
static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(4096)));
static struct idt_gate idt[256] __attribute__((aligned(4096)));
static struct tss64 tss[NR_CPUS_MAX] __attribute__((aligned(64)));
/* Each CPU's two pages of reserved GDT entries (physical). */
static paddr_t gdt_reserved_pa[NR_CPUS_MAX];
uint8_t cpu_has_smap;
static uint64_t cpu_cr4;   /* what cpu_features_init chose, for every CPU */

extern const uint64_t vector_table[256];
extern const uint64_t lstar_stubs[NR_CPUS_MAX], cstar_stubs[NR_CPUS_MAX];

#define GDT_RESERVED_PAGE (FIRST_RESERVED_GDT_ENTRY * 8 / PAGE_SIZE)
#define GDT_PAGES         (GDT_ENTRIES * 8 / PAGE_SIZE)
_Static_assert(GDT_RESERVED_PAGE == 14 && GDT_PAGES == 16, "GDT window layout");

#define SEG_CODE64_DPL0 0x00af9b000000ffffUL
#define SEG_DATA_DPL0   0x00cf93000000ffffUL
#define SEG_CODE32_DPL3 0x00cffb000000ffffUL
#define SEG_DATA_DPL3   0x00cff3000000ffffUL
#define SEG_CODE64_DPL3 0x00affb000000ffffUL
#define GATE_INTR_DPL0  0x8e
#define GATE_INTR_DPL3  0xee

/* Koan's reserved entries, from FIRST_RESERVED_GDT_ENTRY on, with t as the TSS. */
static void gdt_fill_reserved(uint64_t *res, const struct tss64 *t)
{
    uint64_t base = (uint64_t)t, limit = sizeof(*t) - 1;

#define RES(sel) res[((sel) >> 3) - FIRST_RESERVED_GDT_ENTRY]
    RES(HYP_CS64) = SEG_CODE64_DPL0;
    RES(HYP_DS) = SEG_DATA_DPL0;
    RES(GUEST_CS32) = SEG_CODE32_DPL3;
    RES(GUEST_DS) = SEG_DATA_DPL3;
    RES(GUEST_CS64) = SEG_CODE64_DPL3;
    /* 16-byte available 64-bit TSS descriptor. */
    RES(HYP_TSS) = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89UL << 40) |
                   ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
    RES(HYP_TSS + 8) = base >> 32;
#undef RES
}

/* Load a GDT and Koan's code and data selectors from it. */
static void gdt_load(uint64_t base)
{
    struct table_desc desc = { sizeof(gdt) - 1, base };

    asm volatile("lgdt %0\n\t"
                 "pushq %1\n\t"
                 "leaq 1f(%%rip), %%rax\n\t"
                 "pushq %%rax\n\t"
                 "lretq\n"
                 "1:\n\t"
                 "mov %2, %%ss\n\t"
                 "mov %3, %%ds\n\t"
                 "mov %3, %%es\n\t"
                 "mov %3, %%fs\n\t"
                 "mov %3, %%gs\n\t"
                 :: "m"(desc), "i"(HYP_CS64), "r"(HYP_DS), "r"(0) : "rax", "memory");
}

/* CPU cpu's TSS: entries from the guest push their frame into its cpu_info.guest_regs. */
static void tss_fill(unsigned cpu)
{
    struct tss64 *t = &tss[cpu];
    uint64_t block = (uint64_t)cpu_stack_block(cpu);

    t->rsp[0] = (uint64_t)&cpu_info_of(cpu)->guest_regs.es;
    for (int i = IST_NMI; i <= IST_DB; i++)
        t->ist[i - 1] = block + (uint64_t)i * IST_STACK_SIZE;
    t->iomap_base = sizeof(*t);   /* no I/O bitmap: ring 3 port access faults */
}

static void idt_set(unsigned vector, uint64_t handler, uint8_t type_attr, uint8_t ist)
{
    struct idt_gate *g = &idt[vector];

    g->offset_lo = handler & 0xffff;
    g->selector = HYP_CS64;
    g->ist = ist;
    g->type_attr = type_attr;
    g->offset_mid = (handler >> 16) & 0xffff;
    g->offset_hi = handler >> 32;
    g->reserved = 0;
}

static void idt_init(void)
{
    for (unsigned v = 0; v < 256; v++)
        idt_set(v, vector_table[v], GATE_INTR_DPL0, 0);
    /* int3 and into stay usable from ring 3, as on Xen. */
    idt_set(X86_EXC_BP, vector_table[X86_EXC_BP], GATE_INTR_DPL3, 0);
    idt_set(X86_EXC_OF, vector_table[X86_EXC_OF], GATE_INTR_DPL3, 0);
    /* int $0x80 traps straight in (no #GP), as on Xen: the legacy system-call vector. */
    idt_set(LEGACY_SYSCALL_VECTOR, vector_table[LEGACY_SYSCALL_VECTOR], GATE_INTR_DPL3, 0);
    idt[X86_EXC_NMI].ist = IST_NMI;
    idt[X86_EXC_DF].ist = IST_DF;
    idt[X86_EXC_MC].ist = IST_MC;
    idt[X86_EXC_DB].ist = IST_DB;
}

static void idt_load(void)
{
    struct table_desc desc = { sizeof(idt) - 1, (uint64_t)idt };

    asm volatile("lidt %0" :: "m"(desc));
}

/* Remap the legacy PIC away from the exception vectors and mask it. */
static void pic_disable(void)
{
    outb(0x20, 0x11); outb(0xa0, 0x11);   /* ICW1: init, expect ICW4 */
    outb(0x21, 0x20); outb(0xa1, 0x28);   /* ICW2: vectors 0x20 / 0x28 */
    outb(0x21, 0x04); outb(0xa1, 0x02);   /* ICW3: cascade */
    outb(0x21, 0x01); outb(0xa1, 0x01);   /* ICW4: 8086 mode */
    outb(0x21, 0xff); outb(0xa1, 0xff);   /* mask everything */
}

void cpu_tables_init(void)
{
    get_cpu_info()->cpu_id = 0;
    get_cpu_info()->current = NULL;
    get_cpu_info()->ldt_window = fixmap_va(fix_ldt(0, 0));
    tss_fill(0);
    gdt_fill_reserved(&gdt[FIRST_RESERVED_GDT_ENTRY], &tss[0]);
    gdt_load((uint64_t)gdt);
    asm volatile("ltr %w0" :: "r"(HYP_TSS));
    idt_init();
    idt_load();
    pic_disable();
}

/*
 * The GDT a CPU uses is a 16-page window of its own in the fixmap
 * (fix_gdt): pages 0-13 show the running vCPU's own GDT frames (set_gdt)
 * or zeroes, pages 14-15 that CPU's reserved entries (Xen's flat
 * selectors, our code, data, TSS and LDT descriptors).
 */
static vaddr_t gdt_window(unsigned cpu)
{
    return fixmap_va(fix_gdt(cpu, 0));
}

/* CPU cpu's window with no vCPU frames: zero pages, then its reserved entries. */
static void gdt_window_map(unsigned cpu)
{
    for (unsigned i = 0; i < GDT_PAGES; i++) {
        paddr_t pa = i < GDT_RESERVED_PAGE ? virt_to_phys((uint8_t *)gdt + i * PAGE_SIZE)
                                           : gdt_reserved_pa[cpu] + (i - GDT_RESERVED_PAGE) * PAGE_SIZE;
        paging_map_fixmap_ram(fix_gdt(cpu, i), pa);
    }
}

void cpu_gdt_window_init(void)
{
    gdt_reserved_pa[0] = virt_to_phys(&gdt[FIRST_RESERVED_GDT_ENTRY]);
    gdt_window_map(0);
    struct table_desc desc = { sizeof(gdt) - 1, gdt_window(0) };
    asm volatile("lgdt %0" :: "m"(desc));
}

int cpu_prepare(unsigned cpu)
{
    uint64_t *res = hyp_alloc_pages(GDT_PAGES - GDT_RESERVED_PAGE);

    if (!res)
        return -ENOMEM;
    tss_fill(cpu);
    gdt_fill_reserved(res, &tss[cpu]);
    gdt_reserved_pa[cpu] = virt_to_phys(res);
    gdt_window_map(cpu);
    return 0;
}

void cpu_tables_init_ap(void)
{
    gdt_load(gdt_window(smp_processor_id()));
    asm volatile("ltr %w0" :: "r"(HYP_TSS));
    idt_load();
}

void cpu_boot_gdtr(uint16_t *limit, uint64_t *base)
{
    *limit = sizeof(gdt) - 1;
    *base = (uint64_t)gdt;
}

void cpu_gdt_load_frames(const mfn_t *frames, unsigned nr)
{
    unsigned cpu = smp_processor_id();

    for (unsigned i = 0; i < GDT_RESERVED_PAGE; i++) {
        paddr_t pa = i < nr ? frames[i] << PAGE_SHIFT : virt_to_phys((uint8_t *)gdt + i * PAGE_SIZE);
        paging_map_fixmap_ram(fix_gdt(cpu, i), pa);
    }
}

void cpu_set_ldt_descriptor(uint64_t base, uint32_t limit)
{
    volatile uint64_t *g = (volatile uint64_t *)gdt_window(smp_processor_id());

    g[HYP_LDT >> 3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x82UL << 40) |
                      ((uint64_t)(limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
    g[(HYP_LDT >> 3) + 1] = base >> 32;
}

const uint64_t *cpu_gdt_entry(uint16_t sel)
{
    return (const uint64_t *)(gdt_window(smp_processor_id()) + (sel & ~7UL));
}

/*
 * CR0 and CR4 get known values, whatever the loader left in them.  CR4 in
 * particular must never keep PGE: Koan's L1 entries of different domains
 * may carry the global bit (a guest may set it, pt.c keeps it), and with
 * PGE on they would survive the CR3 reload of a domain switch and leak one
 * domain's mappings into the next.  Nothing flushes globals, so PGE stays
 * off.  PCIDE (CR3's low bits would tag TLB entries), FSGSBASE (a ring-3
 * guest kernel could change its bases behind Koan's back), DE, TSD, UMIP,
 * VME/PVI, PKE and CET stay off too.  OSXSAVE is added by fpu_init.  MCE
 * stays on where the CPU has machine checks, so one reaches Koan's #MC
 * handler instead of shutting the processor down.
 *
 * CR0: protected mode, paging, WP (Koan's own writes honour read-only
 * pages), NE (x87 errors as #MF), MP, ET; never EM (SSE would #UD), TS
 * (fpu.c manages it per vCPU), CD/NW (caches on) or AM (no alignment
 * checks for guest user mode).
 */
#define BOOT_CR0 (X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG)
#define BOOT_CR4 (X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

void cpu_features_init(void)
{
    uint32_t a, b, c, d;

    cpuid_count(1, 0, &a, &b, &c, &d);
    cpu_cr4 = BOOT_CR4 | ((d & (1u << 7)) ? X86_CR4_MCE : 0);
    cpuid_count(7, 0, &a, &b, &c, &d);
    if (b & (1u << 7))
        cpu_cr4 |= X86_CR4_SMEP;
    else
        log_warn("CPU lacks SMEP\n");
    if (b & (1u << 20)) {
        cpu_cr4 |= X86_CR4_SMAP;
        cpu_has_smap = 1;
    } else {
        log_warn("CPU lacks SMAP\n");
    }
    cpu_features_this_cpu();
    log_info("cpu: SMEP %s, SMAP %s, NX on, WP on\n",
             (cpu_cr4 & X86_CR4_SMEP) ? "on" : "off", cpu_has_smap ? "on" : "off");
}

void cpu_features_this_cpu(void)
{
    unsigned cpu = smp_processor_id();

    _Static_assert(!(BOOT_CR4 & X86_CR4_PGE), "global pages would leak across domains");
    write_cr4(cpu_cr4);
    write_cr0(BOOT_CR0);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE | EFER_SCE);

    /* syscall: CS/SS = HYP_CS64/HYP_DS; sysret: CS = base+16, SS = base+8. */
    wrmsr(MSR_STAR, ((uint64_t)SYSRET_CS_BASE << 48) | ((uint64_t)HYP_CS64 << 32));
    wrmsr(MSR_LSTAR, lstar_stubs[cpu]);
    wrmsr(MSR_CSTAR, cstar_stubs[cpu]);
    wrmsr(MSR_SFMASK, X86_EFLAGS_IF | X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_AC |
                      X86_EFLAGS_NT);
}
