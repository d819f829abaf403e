/* SPDX-License-Identifier: MIT */
/*
 * The out-of-line parts of the ticket spinlocks (include/hyp/spinlock.h):
 * what happens when a lock is misused, and, in host unit tests, the number
 * that stands for "this CPU" (one per thread).
 */
#include <hyp/spinlock.h>

#ifdef KOAN_HOST_TEST
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t threads_seen;
static __thread uint32_t thread_number;

uint32_t spin_self(void)
{
    if (!thread_number)
        thread_number = atomic_add_return32(&threads_seen, 1);
    return thread_number;
}

void spin_pause(void)
{
    sched_yield();
}

void spin_bug(const spinlock_t *l, const char *what)
{
    fprintf(stderr, "spinlock %p: %s (holder %u, self %u)\n", (const void *)l, what,
            atomic_load32(&l->holder), spin_self());
    abort();
}
#else
#include <hyp/machine.h>

void spin_bug(const spinlock_t *l, const char *what)
{
    panic("spinlock %p: %s (holder %u, self %u)\n", (const void *)l, what,
          atomic_load32(&l->holder), spin_self());
}
#endif
