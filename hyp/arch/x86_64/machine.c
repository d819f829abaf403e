/* SPDX-License-Identifier: MIT */
/* Machine stop and panic (which stops the other CPUs first: asm/smp.h). */
#include <asm/smp.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/format.h>
#include <hyp/machine.h>
#include <hyp/tlb.h>

#define DEBUG_EXIT_PORT 0x501

void machine_stop(enum koan_exit_status status)
{
    if (status != KOAN_EXIT_PANIC)
        tlb_log_stats();   /* the shootdown counters (hyp/mm/tlb.c), for the tests */
    console_printf("koan: stopping the machine (status %d)\n", (int)status);
    console_flush();   /* everything queued, register dumps included, goes out first */
    outw(DEBUG_EXIT_PORT, (uint16_t)status);
    /* No exit device (real hardware, or Xen-style QEMU runs): just halt. */
    halt_forever();
}

static void console_putc_raw(void *ctx, char c)
{
    (void)ctx;
    console_write(&c, 1);
}

void panic(const char *fmt, ...)
{
    va_list ap;

    asm volatile("cli");
    smp_stop_others();   /* first: from here on this CPU alone writes to the console */
    console_take_over();
    console_printf("koan: PANIC: ");
    va_start(ap, fmt);
    fmt_format(console_putc_raw, NULL, fmt, ap);
    va_end(ap);
    smp_report_stopped_cpus();
    machine_stop(KOAN_EXIT_PANIC);
}
