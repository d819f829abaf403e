/* SPDX-License-Identifier: MIT */
/*
 * start_koan: the boot sequence, in order.  Each step relies on the ones
 * above it: the console first so that everything can report; CPU tables
 * before anything can fault; the loader's data copied out while the boot
 * page tables still map it; then our own tables, frames, M2P and APIC;
 * then the other CPUs (which idle), the domains, and the scheduler never
 * returns.
 */
#include <asm/apic.h>
#include <asm/paging.h>
#include <asm/smp.h>
#include <asm/spec_ctrl.h>
#include <asm/traps.h>
#include <hyp/acpi.h>
#include <hyp/boot_info.h>
#include <hyp/clock.h>
#include <hyp/time.h>
#include <hyp/console.h>
#include <hyp/fpu.h>
#include <hyp/frame.h>
#include <hyp/m2p.h>
#include <hyp/options.h>
#include <hyp/sched.h>

void boot_domains_create(const struct boot_info *bi);

static struct boot_info boot_info;
static struct acpi_machine acpi_machine;

/* selftest=fault: a hypervisor bug on purpose, through two frames. */
__attribute__((noinline)) static void selftest_fault_inner(volatile uint64_t *p)
{
    *p = 0x6b6f616e;
}

__attribute__((noinline)) static void selftest_fault(void)
{
    log_info("selftest: faulting in the hypervisor on purpose\n");
    uint64_t addr = 0x10;

    asm volatile("" : "+r"(addr));   /* hide the constant from the optimiser */
    selftest_fault_inner((volatile uint64_t *)addr);
}

__attribute__((noreturn)) void start_koan(uint32_t magic, uint32_t info_pa);

void start_koan(uint32_t magic, uint32_t info_pa)
{
    console_init();
    console_printf("\nKoan hypervisor (Xen 4.17 PV ABI, x86-64)\n");
    cpu_tables_init();
    boot_info_parse(&boot_info, magic, info_pa);
    options_parse(boot_info.cmdline);
    log_info("command line: %s\n", boot_info.cmdline);
    cpu_features_init();
    fpu_init();

    paddr_t ram_end = boot_info_report_memory(&boot_info);
    spec_ctrl_init(ram_end);
    paging_init(ram_end);
    machine_frames_init(&boot_info);
    paging_use_frame_allocator();
    m2p_init(machine_max_mfn());
    frame_table_init(&boot_info);
    m2p_share_frames();
    apic_init();
    int acpi = acpi_find_cpus(&acpi_machine);   /* on failure: one CPU, said in the log */
    cpu_gdt_window_init();
    clock_calibrate();   /* for the other CPUs' start-up, and every vCPU's runstate times */
    time_init();         /* guest time: pvclock scale, system time 0, the RTC's wallclock */
    apic_timer_calibrate();   /* the timers' one-shot counts (hyp/common/timer.c) */
    smp_boot_cpus(&boot_info, acpi == 0 ? &acpi_machine : NULL);

    if (koan_options.selftest_fault)
        selftest_fault();
    smp_selftests();
    log_info("%u boot module(s)\n", boot_info.nr_modules);
    sched_set_memory_baseline(machine_frames_free_count());
    boot_domains_create(&boot_info);
    sched_start();
}
