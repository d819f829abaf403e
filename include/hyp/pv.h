/* SPDX-License-Identifier: MIT */
/* The PV guest interface: hypercall handlers and guest exception handling. */
#ifndef KOAN_HYP_PV_H
#define KOAN_HYP_PV_H

#include <hyp/types.h>
#include <hyp/xen_public.h>

/* An exception the guest raised (its frame is in cpu_info.guest_regs). */
void pv_guest_exception(struct cpu_user_regs *regs);

/* Hypercall handlers, named as in the Xen ABI. Arguments are guest-controlled. */
long do_console_io(uint64_t cmd, uint64_t count, uint64_t buffer);
long do_xen_version(uint64_t cmd, uint64_t arg);
long do_sched_op(uint64_t cmd, uint64_t arg);

/* Write guest console output, line-buffered, prefixed with the domain's name. */
struct domain;
void console_guest_write(struct domain *d, const char *buf, size_t len);

#endif
