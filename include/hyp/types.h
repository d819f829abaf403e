/* SPDX-License-Identifier: MIT */
/* Basic fixed-width types and the frame/address vocabulary used everywhere. */
#ifndef KOAN_HYP_TYPES_H
#define KOAN_HYP_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;  /* machine (physical) address */
typedef uint64_t vaddr_t;  /* virtual address, hypervisor or guest */
typedef uint64_t mfn_t;    /* machine frame number */
typedef uint64_t pfn_t;    /* guest pseudo-physical frame number */

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define PAGE_MASK  (~(PAGE_SIZE - 1))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)   (((x) + ((a) - 1)) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define unlikely(x) __builtin_expect(!!(x), 0)
#define likely(x)   __builtin_expect(!!(x), 1)

#endif
