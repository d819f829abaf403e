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
long do_mmu_update(uint64_t ureqs, uint64_t count, uint64_t pdone, uint64_t foreigndom);
long do_mmuext_op(uint64_t uops, uint64_t count, uint64_t pdone, uint64_t foreigndom);
long do_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags);
long do_update_va_mapping_otherdomain(uint64_t va, uint64_t val, uint64_t flags, uint64_t domid);
long do_multicall(uint64_t call_list, uint64_t nr_calls);
long do_memory_op(uint64_t cmd, uint64_t arg);
/* XENMEM_exchange (hyp/mm/memory_exchange.c), for do_memory_op. */
long memory_exchange(uint64_t arg);
long do_vm_assist(uint64_t cmd, uint64_t type);
long do_set_trap_table(uint64_t traps);
long do_stack_switch(uint64_t ss, uint64_t sp);
long do_set_callbacks(uint64_t event, uint64_t failsafe, uint64_t syscall);
long do_callback_op(uint64_t cmd, uint64_t arg);
long do_fpu_taskswitch(uint64_t set);
long do_iret(void);
long do_set_segment_base(uint64_t which, uint64_t base);
long do_set_gdt(uint64_t frame_list, uint64_t entries);
long do_update_descriptor(uint64_t maddr, uint64_t desc);
long do_set_debugreg(uint64_t reg, uint64_t value);
long do_get_debugreg(uint64_t reg);
long do_physdev_op(uint64_t cmd, uint64_t arg);

/* Koan's debug hypercall (Xen's arch-specific slot 7): see hyp/pv/koan_debug.c. */
#define KOAN_HYPERCALL_debug  __HYPERVISOR_arch_7
#define KOAN_DEBUG_check_frames 0
long do_koan_debug_op(uint64_t cmd, uint64_t arg);
/* Koan's scheduler operation (Xen's arch-specific slot 6): include/hyp/koan_sched.h. */
#define KOAN_HYPERCALL_sched  __HYPERVISOR_arch_6
long do_koan_sched_op(uint64_t cmd, uint64_t arg);

/* Hypercall 40: no virtual PMU, as Xen's default (hyp/pv/xenpmu.c). */
long do_xenpmu_op(uint64_t op, uint64_t arg);

/* Write guest console output, line-buffered, prefixed with the domain's name. */
struct domain;
void console_guest_write(struct domain *d, const char *buf, size_t len);
/* The same for text from d's console ring: raw control bytes while d has the serial input. */
void console_guest_write_ring(struct domain *d, const char *buf, size_t len);
/* Bytes the domain may write now without any being dropped (quota and room). */
size_t console_guest_budget(struct domain *d);
/* Text written without a newline yet goes out now, leaving the line open (a prompt). */
void console_guest_flush_partial(struct domain *d);

#endif
