/* SPDX-License-Identifier: MIT */
/*
 * Atomic operations on memory shared between CPUs: thin wrappers on GCC's
 * __atomic builtins, so that the same code builds freestanding (the
 * hypervisor) and on the host (unit tests with pthreads).
 *
 * Every operation here is sequentially consistent: on x86 a locked
 * read-modify-write costs the same whatever the ordering asked for, and
 * plain loads and stores of naturally aligned words are what the CPU does
 * anyway.  Code that wants weaker ordering says why, next to the call.
 *
 * cmpxchg returns the value found in memory (the swap happened if and only
 * if it equals `old`), so that retry loops read naturally:
 *
 *     for (x = atomic_load64(p); (y = atomic_cmpxchg64(p, x, f(x))) != x; x = y)
 *         ;
 *
 * cpu_relax() (the `pause` instruction, from asm/x86.h) goes in every spin.
 */
#ifndef KOAN_ASM_ATOMIC_H
#define KOAN_ASM_ATOMIC_H

#include <asm/x86.h>
#include <hyp/types.h>

#define ATOMIC_ORDER __ATOMIC_SEQ_CST

/* Any naturally aligned scalar of 1-8 bytes (an enum, a pointer, a flag). */
#define atomic_read(p)     __atomic_load_n((p), ATOMIC_ORDER)
#define atomic_write(p, v) __atomic_store_n((p), (v), ATOMIC_ORDER)

static inline uint16_t atomic_load16(const uint16_t *p) { return __atomic_load_n(p, ATOMIC_ORDER); }
static inline uint32_t atomic_load32(const uint32_t *p) { return __atomic_load_n(p, ATOMIC_ORDER); }
static inline uint64_t atomic_load64(const uint64_t *p) { return __atomic_load_n(p, ATOMIC_ORDER); }

/*
 * A snapshot that orders nothing: for reads whose value a later cmpxchg
 * confirms, or that follow an atomic read-modify-write (which already keeps
 * later loads after it).  The same mov, but the compiler may keep other
 * accesses where they are instead of reloading them around it.
 */
static inline uint64_t atomic_load64_relaxed(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }

static inline void atomic_store16(uint16_t *p, uint16_t v) { __atomic_store_n(p, v, ATOMIC_ORDER); }
static inline void atomic_store32(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, ATOMIC_ORDER); }
static inline void atomic_store64(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, ATOMIC_ORDER); }

/* Swap in `new` if *p == old; returns what *p held before. */
static inline uint16_t atomic_cmpxchg16(uint16_t *p, uint16_t old, uint16_t new)
{
    __atomic_compare_exchange_n(p, &old, new, false, ATOMIC_ORDER, ATOMIC_ORDER);
    return old;
}
static inline uint32_t atomic_cmpxchg32(uint32_t *p, uint32_t old, uint32_t new)
{
    __atomic_compare_exchange_n(p, &old, new, false, ATOMIC_ORDER, ATOMIC_ORDER);
    return old;
}
static inline uint64_t atomic_cmpxchg64(uint64_t *p, uint64_t old, uint64_t new)
{
    __atomic_compare_exchange_n(p, &old, new, false, ATOMIC_ORDER, ATOMIC_ORDER);
    return old;
}

static inline uint64_t atomic_xchg64(uint64_t *p, uint64_t v) { return __atomic_exchange_n(p, v, ATOMIC_ORDER); }

/* Add (or subtract, with a negative v) and return the value before. */
static inline uint16_t atomic_fetch_add16(uint16_t *p, uint16_t v) { return __atomic_fetch_add(p, v, ATOMIC_ORDER); }
static inline uint32_t atomic_fetch_add32(uint32_t *p, uint32_t v) { return __atomic_fetch_add(p, v, ATOMIC_ORDER); }
static inline uint64_t atomic_fetch_add64(uint64_t *p, uint64_t v) { return __atomic_fetch_add(p, v, ATOMIC_ORDER); }
/* Add and return the value after. */
static inline uint32_t atomic_add_return32(uint32_t *p, uint32_t v) { return __atomic_add_fetch(p, v, ATOMIC_ORDER); }
static inline uint64_t atomic_add_return64(uint64_t *p, uint64_t v) { return __atomic_add_fetch(p, v, ATOMIC_ORDER); }
static inline void atomic_inc32(uint32_t *p) { (void)__atomic_fetch_add(p, 1, ATOMIC_ORDER); }
static inline void atomic_dec32(uint32_t *p) { (void)__atomic_fetch_sub(p, 1, ATOMIC_ORDER); }
static inline void atomic_inc64(uint64_t *p) { (void)__atomic_fetch_add(p, 1, ATOMIC_ORDER); }

/* Set or clear bits; return the value before (test-and-set, test-and-clear). */
static inline uint32_t atomic_fetch_or32(uint32_t *p, uint32_t v) { return __atomic_fetch_or(p, v, ATOMIC_ORDER); }
static inline uint64_t atomic_fetch_or64(uint64_t *p, uint64_t v) { return __atomic_fetch_or(p, v, ATOMIC_ORDER); }
static inline uint32_t atomic_fetch_and32(uint32_t *p, uint32_t v) { return __atomic_fetch_and(p, v, ATOMIC_ORDER); }
static inline uint64_t atomic_fetch_and64(uint64_t *p, uint64_t v) { return __atomic_fetch_and(p, v, ATOMIC_ORDER); }

/* Full fence: no load or store moves across it (mfence). */
static inline void smp_mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
/* x86 keeps loads with loads and stores with stores: these only stop the compiler. */
static inline void smp_rmb(void) { __atomic_signal_fence(__ATOMIC_SEQ_CST); }
static inline void smp_wmb(void) { __atomic_signal_fence(__ATOMIC_SEQ_CST); }
/* The compiler alone. */
#define barrier() __asm__ __volatile__("" ::: "memory")

#endif
