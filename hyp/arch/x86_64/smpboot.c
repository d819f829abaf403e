/* SPDX-License-Identifier: MIT */
/*
 * Starting the other CPUs (docs/boot.md, "Starting the other CPUs").  The
 * boot CPU prepares everything a CPU needs -- a stack block from the frame
 * allocator mapped at its alias, its TSS, GDT entries and windows
 * (cpu_prepare), the trampoline's parameters -- then sends INIT, SIPI, SIPI
 * with the waits of Intel's MP start-up algorithm, and waits up to
 * AP_ANSWER_US for the CPU to come online.  One CPU at a time: the
 * trampoline has one parameter block.  A CPU that does not answer is left
 * out with a log line and the boot goes on with the others.  A started CPU
 * sets itself up (smp_ap_start) and idles.
 */
#include <asm/apic.h>
#include <asm/paging.h>
#include <asm/smp.h>
#include <asm/spec_ctrl.h>
#include <asm/trampoline.h>
#include <asm/traps.h>
#include <asm/delay.h>
#include <asm/x86.h>
#include <hyp/boot_info.h>
#include <hyp/console.h>
#include <hyp/fpu.h>
#include <hyp/frame.h>
#include <hyp/machine.h>
#include <hyp/sched.h>
#include <hyp/string.h>

#define INIT_WAIT_US   10000     /* INIT to the first start-up IPI */
#define SIPI_WAIT_US   200       /* after each start-up IPI */
#define AP_ANSWER_US   1000000   /* from the last start-up IPI to the CPU online */
#define LOW_MEMORY_END 0x100000  /* a start-up IPI names a page below 1 MiB */
#define STACK_PAGES    (STACK_SIZE / PAGE_SIZE)

/*
 * Which CPU may take the start-up in progress.  The starting CPU claims it
 * (cpu -> AP_CLAIMED) before anything else; the boot CPU, giving up on it,
 * withdraws it (cpu -> AP_NONE).  Whichever comes first wins, so a CPU that
 * answers too late halts instead of running beside a boot that went on.
 */
#define AP_NONE    0xffffffffu
#define AP_CLAIMED 0xfffffffeu
static uint32_t ap_expected = AP_NONE;

cpumask_t cpu_online_mask = 1;   /* the boot CPU */

extern const paddr_t boot_l4_phys;   /* boot.S */

/* The first thing a started CPU runs in C, on its own stack and the idle tables. */
__attribute__((noreturn)) void smp_ap_start(unsigned cpu);
void smp_ap_start(unsigned cpu)
{
    uint32_t expected = cpu;

    /*
     * Too late: the boot CPU went on without us.  Either it withdrew the
     * start-up, or it already asks another CPU (whose parameters we may have
     * read after checking our APIC id in the trampoline).
     */
    if (apic_id() != smp_apic_id(cpu) ||
        !__atomic_compare_exchange_n(&ap_expected, &expected, AP_CLAIMED, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        halt_forever();
    cpu_tables_init_ap();
    cpu_features_this_cpu();
    fpu_cpu_init();
    spec_ctrl_cpu_init();
    apic_cpu_init();
    __atomic_or_fetch(&cpu_online_mask, cpumask_of(cpu), __ATOMIC_RELEASE);
    sched_start_cpu();
}

struct page_overlap {
    paddr_t page;
    bool found;
};

static void check_overlap(void *ctx, paddr_t start, paddr_t end)
{
    struct page_overlap *o = ctx;

    o->found |= o->page < end && o->page + PAGE_SIZE > start;
}

/* Does the page hold loader data still in use (a module, their table or a command line)? */
static bool overlaps_module(const struct boot_info *bi, paddr_t pa)
{
    struct page_overlap o = { .page = pa };

    boot_info_loader_ranges(bi, check_overlap, &o);
    return o.found;
}

/*
 * The trampoline's page: the highest page of usable RAM below 1 MiB, above
 * page 0 (the real-mode interrupt table and BIOS data).  The frame
 * allocator never hands out the first MiB (frame.c), so the page is ours
 * for good; 0 if there is none.
 */
static paddr_t trampoline_page(const struct boot_info *bi)
{
    paddr_t best = 0;

    for (unsigned i = 0; i < bi->nr_regions; i++) {
        const struct mem_region *r = &bi->regions[i];
        paddr_t top = MIN(r->end, (paddr_t)LOW_MEMORY_END) & ~(paddr_t)(PAGE_SIZE - 1);
        if (r->type != 1 || top < 2 * PAGE_SIZE)
            continue;
        paddr_t page = top - PAGE_SIZE;
        if (page >= r->start && !overlaps_module(bi, page))
            best = MAX(best, page);
    }
    return best;
}

/* Copy the trampoline and fill in what every CPU shares; its parameters or NULL. */
static struct trampoline_params *trampoline_install(const struct boot_info *bi, paddr_t *pa)
{
    size_t size = (size_t)(trampoline_end - trampoline_start);

    BUG_ON(size > TRAMP_STACK_TOP - 64);   /* its stack is at the end of the page */
    *pa = trampoline_page(bi);
    if (!*pa)
        return NULL;
    uint8_t *page = phys_to_virt(*pa);
    memcpy(page, trampoline_start, size);
    struct trampoline_params *tp = (void *)(page + (trampoline_params - trampoline_start));
    tp->boot_cr3 = (uint32_t)boot_l4_phys;
    tp->idle_cr3 = paging_idle_cr3();
    uint16_t limit;
    uint64_t base;
    cpu_boot_gdtr(&limit, &base);
    tp->gdt_limit = limit;
    tp->gdt_base = base;
    return tp;
}

/* CPU cpu's stack block at its alias, its cpu_info, TSS and GDT; false if out of memory. */
static bool prepare_cpu(unsigned cpu, uint32_t apic)
{
    mfn_t mfn;

    if (machine_frames_alloc_contig(STACK_PAGES, STACK_PAGES, &mfn) < 0)
        return false;
    if (cpu_prepare(cpu) < 0) {
        machine_frames_free(mfn, STACK_PAGES);
        return false;
    }
    paging_map_4k_range((vaddr_t)cpu_stack_block(cpu), mfn << PAGE_SHIFT, STACK_SIZE);
    memset(cpu_stack_block(cpu), 0, STACK_SIZE);
    cpu_info_of(cpu)->cpu_id = cpu;
    cpu_info_of(cpu)->apic_id = apic;
    cpu_info_of(cpu)->ldt_window = fixmap_va(fix_ldt(cpu, 0));
    return true;
}

/* INIT, SIPI, SIPI (Intel SDM vol. 3, 9.4.4.1); false if the APIC would not send. */
static bool send_startup(uint32_t apic, paddr_t tramp)
{
    uint32_t sipi = APIC_DM_STARTUP | APIC_LEVEL_ASSERT | (uint32_t)(tramp >> PAGE_SHIFT);

    if (!apic_send_ipi(apic, APIC_DM_INIT | APIC_LEVEL_ASSERT))
        return false;
    udelay(INIT_WAIT_US);
    for (int i = 0; i < 2; i++) {
        if (!apic_send_ipi(apic, sipi))
            return false;
        udelay(SIPI_WAIT_US);
    }
    return true;
}

static bool wait_online(unsigned cpu, uint64_t us)
{
    struct time_limit limit = time_limit_us(us);

    while (!cpu_online(cpu))
        if (time_limit_passed(&limit))
            return false;
        else
            cpu_relax();
    return true;
}

static void start_cpu(unsigned cpu, struct trampoline_params *tp, paddr_t tramp)
{
    uint32_t apic = smp_apic_id(cpu), expected = cpu;

    if (apic > APIC_ID_MAX) {
        log_warn("smp: CPU%u has APIC id %u, which xAPIC IPIs cannot name; left out\n", cpu, apic);
        return;
    }
    if (!prepare_cpu(cpu, apic)) {
        log_warn("smp: no memory for CPU%u's stack and tables; left out\n", cpu);
        return;
    }
    tp->apic_id = apic;
    tp->cpu = cpu;
    tp->stack = (uint64_t)cpu_info_of(cpu);
    __atomic_store_n(&ap_expected, cpu, __ATOMIC_RELEASE);
    if (!send_startup(apic, tramp))
        log_warn("smp: the local APIC did not send CPU%u's start-up IPIs\n", cpu);
    if (wait_online(cpu, AP_ANSWER_US)) {
        log_info("smp: CPU%u (APIC id %u) up\n", cpu, apic);
        return;
    }
    if (__atomic_compare_exchange_n(&ap_expected, &expected, AP_NONE, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        /* Its stack and tables stay: a late start must find them to halt on. */
        log_warn("smp: CPU%u (APIC id %u) did not answer in %u ms; going on without it\n",
                 cpu, apic, AP_ANSWER_US / 1000);
        return;
    }
    /* It claimed the start-up in time; what follows cannot fail or take long. */
    if (!wait_online(cpu, AP_ANSWER_US))
        panic("smp: CPU%u started but did not finish its set-up\n", cpu);
    log_info("smp: CPU%u (APIC id %u) up\n", cpu, apic);
}

void smp_boot_cpus(const struct boot_info *bi, const struct acpi_machine *madt)
{
    struct trampoline_params *tp = NULL;
    paddr_t tramp = 0;

    get_cpu_info()->apic_id = apic_id();
    smp_cpus_find(madt);
    if (smp_cpu_count() > 1) {
        if (!(tp = trampoline_install(bi, &tramp)))
            log_warn("smp: no usable page below 1 MiB for the trampoline; only CPU0 runs\n");
        else
            log_info("smp: trampoline at %#lx\n", (unsigned long)tramp);
    }
    for (unsigned cpu = 1; tp && cpu < smp_cpu_count(); cpu++)
        start_cpu(cpu, tp, tramp);
    __atomic_store_n(&ap_expected, AP_NONE, __ATOMIC_RELEASE);
    unsigned n = cpu_online_count();
    log_info("smp: %u CPU%s online\n", n, n == 1 ? "" : "s");
}
