/* SPDX-License-Identifier: MIT */
/* Per-CPU timers on the local APIC timer (include/hyp/timer.h). */
#include <asm/apic.h>
#include <asm/percpu.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <hyp/clock.h>
#include <hyp/spinlock.h>
#include <hyp/timer.h>

struct cpu_timers {
    spinlock_t lock;
    struct timer_queue queue;
    struct timer *running;      /* whose callback runs now (timer_kill waits for it) */
} __attribute__((aligned(64)));

static struct cpu_timers cpu_timers[NR_CPUS_MAX];

void timer_init(struct timer *t, timer_fn fn, void *data)
{
    *t = (struct timer){ .fn = fn, .data = data };
}

/* The APIC timer of this CPU, for the earliest deadline of its queue (held). */
static void program_local(struct cpu_timers *ct)
{
    uint64_t next = timer_queue_next(&ct->queue), now = clock_tsc();

    if (!next)
        apic_timer_stop();
    else
        apic_timer_oneshot_tsc(next > now ? next - now : 0);
}

/* Take t off the queue it is on; its CPU's lock is taken and left held. Returns that CPU's timers. */
static struct cpu_timers *lock_and_unqueue(struct timer *t)
{
    for (;;) {
        unsigned cpu = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
        struct cpu_timers *ct = &cpu_timers[cpu];
        spin_lock(&ct->lock);
        if (t->cpu == cpu) {   /* it did not move meanwhile */
            if (t->queued)
                timer_queue_remove(&ct->queue, t);
            return ct;
        }
        spin_unlock(&ct->lock);
    }
}

void timer_set(struct timer *t, unsigned cpu, uint64_t deadline)
{
    struct cpu_timers *old = lock_and_unqueue(t), *ct = &cpu_timers[cpu];

    if (old != ct) {
        __atomic_store_n(&t->cpu, cpu, __ATOMIC_RELEASE);
        spin_unlock(&old->lock);
        spin_lock(&ct->lock);
    }
    t->deadline = deadline;
    timer_queue_insert(&ct->queue, t);
    bool first = ct->queue.head == t;
    if (first && cpu == smp_processor_id())
        program_local(ct);
    spin_unlock(&ct->lock);
    if (first && cpu != smp_processor_id())
        ipi_send(cpu, IPI_WAKE_VECTOR);   /* it programs its APIC from its wake handler */
}

void timer_stop(struct timer *t)
{
    struct cpu_timers *ct = lock_and_unqueue(t);

    spin_unlock(&ct->lock);   /* an early interrupt finds nothing due: harmless */
}

void timer_kill(struct timer *t)
{
    timer_stop(t);
    for (unsigned cpu = 0; cpu < NR_CPUS_MAX; cpu++)
        while (__atomic_load_n(&cpu_timers[cpu].running, __ATOMIC_ACQUIRE) == t)
            spin_pause();
}

void timer_run_local(void)
{
    struct cpu_timers *ct = &cpu_timers[smp_processor_id()];
    struct timer *t;

    spin_lock(&ct->lock);
    while ((t = timer_queue_pop_expired(&ct->queue, clock_tsc()))) {
        __atomic_store_n(&ct->running, t, __ATOMIC_RELEASE);
        spin_unlock(&ct->lock);
        t->fn(t, t->data);
        spin_lock(&ct->lock);
        __atomic_store_n(&ct->running, NULL, __ATOMIC_RELEASE);
    }
    program_local(ct);
    spin_unlock(&ct->lock);
}
