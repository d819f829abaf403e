/* SPDX-License-Identifier: MIT */
/*
 * Stopping the machine.  Under QEMU the status reaches the host through the
 * isa-debug-exit device (port 0x501): QEMU exits with (status << 1) | 1 and
 * scripts/qemu-run.sh turns that back into the status.
 */
#ifndef KOAN_HYP_MACHINE_H
#define KOAN_HYP_MACHINE_H

enum koan_exit_status {
    KOAN_EXIT_OK = 0,              /* every domain shut down cleanly */
    KOAN_EXIT_DOMAIN_CRASHED = 1,  /* at least one domain crashed */
    KOAN_EXIT_PANIC = 2,           /* hypervisor panic or fatal exception */
    KOAN_EXIT_NOTHING_TO_RUN = 3,  /* no valid domain to start */
};

__attribute__((noreturn)) void machine_stop(enum koan_exit_status status);
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#define BUG_ON(cond) \
    do { if (unlikely(cond)) panic("BUG at %s:%d: %s\n", __FILE__, __LINE__, #cond); } while (0)

#endif
