/* SPDX-License-Identifier: MIT */
/*
 * The trust boundary: the only way hypervisor code reads or writes guest
 * virtual memory.  Each helper first rejects ranges that are not guest
 * addresses (guest_range_ok), then copies with SMAP opened just for the copy;
 * a fault on the way returns -EFAULT.  Copy a guest structure once and
 * validate the copy, never the original.
 */
#ifndef KOAN_HYP_GUEST_ACCESS_H
#define KOAN_HYP_GUEST_ACCESS_H

#include <hyp/types.h>

/* 0 or -EFAULT. gva is a guest virtual address in the current address space. */
int copy_from_guest(void *dst, uint64_t gva, size_t len);
int copy_to_guest(uint64_t gva, const void *src, size_t len);
int clear_guest(uint64_t gva, size_t len);

#endif
