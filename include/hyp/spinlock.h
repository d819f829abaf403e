/* SPDX-License-Identifier: MIT */
/*
 * Ticket spinlocks.  A CPU takes the next ticket and waits until the lock
 * serves it, so waiters are served in the order they came (no CPU starves
 * behind luckier ones, unlike a test-and-set lock).  A zeroed spinlock_t is
 * unlocked, so locks inside zeroed structures need no initialisation.
 *
 * The hypervisor runs with interrupts off, so spin_lock is enough on its
 * paths; spin_lock_irqsave is for code that may run with interrupts on (or
 * whose lock an interrupt handler also takes).  Never wait for a spinlock
 * in an interrupt handler if the interrupted code may hold it.
 *
 * For debugging, the lock records its holder (the CPU id + 1; in host unit
 * tests, a per-thread number): taking a lock the CPU already holds panics
 * instead of hanging, and spin_is_locked / spin_is_mine serve assertions.
 * Builds freestanding and on the host (KOAN_HOST_TEST).
 */
#ifndef KOAN_HYP_SPINLOCK_H
#define KOAN_HYP_SPINLOCK_H

#include <asm/atomic.h>
#include <hyp/types.h>

typedef struct spinlock {
    uint16_t head;     /* the ticket being served */
    uint16_t tail;     /* the next ticket to hand out */
    uint32_t holder;   /* debug: spin_self() of the holder, 0 = none */
} spinlock_t;

#define SPINLOCK_UNLOCKED { 0, 0, 0 }

static inline void spin_lock_init(spinlock_t *l)
{
    atomic_store32(&l->holder, 0);
    atomic_store16(&l->tail, 0);
    atomic_store16(&l->head, 0);
}

/* Who this CPU (or host thread) is, as recorded in `holder`: never 0. */
#ifdef KOAN_HOST_TEST
uint32_t spin_self(void);
#else
#include <asm/percpu.h>
static inline uint32_t spin_self(void) { return get_cpu_info()->cpu_id + 1; }
#endif

/*
 * One step of a wait for another CPU.  On the host the "CPUs" are threads
 * that may outnumber the cores: a waiter gives its core away, or a ticket
 * lock would convoy behind every descheduled waiter.  In the hypervisor a
 * waiter answers TLB shootdowns (hyp/mm/tlb.c): it waits with interrupts
 * off, and the CPU holding the lock may be waiting for it to flush.  It
 * answers nothing else: a parked or stopped CPU must never be one that
 * holds a ticket.
 */
#ifdef KOAN_HOST_TEST
void spin_pause(void);
#else
void tlb_flush_serve(void);
static inline void spin_pause(void)
{
    tlb_flush_serve();
    cpu_relax();
}
#endif

/* A lock used wrongly (taken twice, released by another CPU): panic. */
__attribute__((noreturn)) void spin_bug(const spinlock_t *l, const char *what);

static inline bool spin_is_locked(const spinlock_t *l)
{
    return atomic_load16(&l->head) != atomic_load16(&l->tail);
}

/* Does this CPU hold l?  (For assertions: exact, since only the holder writes its id.) */
static inline bool spin_is_mine(const spinlock_t *l)
{
    return atomic_load32(&l->holder) == spin_self();
}

static inline void spin_lock(spinlock_t *l)
{
    uint32_t self = spin_self();

    if (unlikely(atomic_load32(&l->holder) == self))
        spin_bug(l, "taken again by its holder");
    uint16_t ticket = atomic_fetch_add16(&l->tail, 1);
    while (atomic_load16(&l->head) != ticket)
        spin_pause();
    atomic_store32(&l->holder, self);
}

/* Take l only if it is free right now. */
static inline bool spin_trylock(spinlock_t *l)
{
    uint16_t head = atomic_load16(&l->head);

    /* Claim the ticket being served, only while nobody holds or waits. */
    if (atomic_cmpxchg16(&l->tail, head, (uint16_t)(head + 1)) != head)
        return false;
    atomic_store32(&l->holder, spin_self());
    return true;
}

static inline void spin_unlock(spinlock_t *l)
{
    if (unlikely(atomic_load32(&l->holder) != spin_self()))
        spin_bug(l, "released by a CPU that does not hold it");
    atomic_store32(&l->holder, 0);
    /* Only the holder writes head: serve the next ticket. */
    atomic_store16(&l->head, (uint16_t)(atomic_load16(&l->head) + 1));
}

/* Interrupts off (the previous state returned), then the lock. */
#ifdef KOAN_HOST_TEST
static inline unsigned long spin_irq_save(void) { return 0; }
static inline void spin_irq_restore(unsigned long flags) { (void)flags; }
#else
static inline unsigned long spin_irq_save(void)
{
    unsigned long flags;

    asm volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
    return flags;
}
static inline void spin_irq_restore(unsigned long flags)
{
    if (flags & (1UL << 9))   /* IF was set */
        asm volatile("sti" : : : "memory");
}
#endif

static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
    unsigned long flags = spin_irq_save();

    spin_lock(l);
    return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
    spin_unlock(l);
    spin_irq_restore(flags);
}

#endif
