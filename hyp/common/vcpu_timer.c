/* SPDX-License-Identifier: MIT */
/* A vCPU's timers (include/hyp/vcpu_timer.h); Xen 4.17's rules and answers. */
#include <asm/percpu.h>
#include <hyp/clock.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/event.h>
#include <hyp/guest_access.h>
#include <hyp/time.h>
#include <hyp/timer.h>
#include <hyp/vcpu_timer.h>
#include <xen/vcpu.h>

#define MS                1000000ull
#define PERIOD_MIN_NS     (1 * MS)                /* Xen's lower bound */
#define PERIOD_MAX_NS     ((1ull << 62) - 1)      /* beyond it: -EINVAL, as Xen's STIME_DELTA_MAX */
#define FAR_FUTURE_NS     (1ull << 50)            /* about 13 days */
#define FAR_FUTURE_RETRY  (100 * MS)
#define DEFAULT_PERIOD_NS (10 * MS)               /* Xen 4.17 gives every PV vCPU one (refereed) */

static void arm(struct vcpu *v, struct timer *t, uint64_t deadline_ns)
{
    timer_set(t, __atomic_load_n(&v->processor, __ATOMIC_RELAXED), time_system_to_tsc(deadline_ns));
}

static void singleshot_fired(struct timer *t, void *data)
{
    struct vcpu *v = data;

    if (!domain_is_dying(v->domain))
        evtchn_send_virq(v, VIRQ_TIMER);
}

/*
 * The periodic timer counts only while the vCPU runs, as on Xen: it is
 * stopped when the vCPU leaves its CPU, and on its way back an event is
 * sent at once if a period passed meanwhile (so a blocked vCPU is not
 * woken by it).  Runs on switch-in and from the timer itself.
 */
static void periodic_work(struct vcpu *v)
{
    struct vcpu_timers *vt = &v->timers;
    uint64_t period = __atomic_load_n(&vt->period_ns, __ATOMIC_RELAXED);

    if (!period || domain_is_dying(v->domain))
        return;
    uint64_t now = time_now(), next = vt->periodic_last + period;
    if (now >= next) {
        evtchn_send_virq(v, VIRQ_TIMER);
        vt->periodic_last = now;   /* missed periods are not made up */
        next = now + period;
    }
    arm(v, &vt->periodic, next);
}

static void periodic_fired(struct timer *t, void *data)
{
    periodic_work(data);
}

static void poll_fired(struct timer *t, void *data)
{
    struct vcpu *v = data;

    if (!domain_is_dying(v->domain))
        evtchn_poll_timeout(v);
}

void vcpu_timers_init(struct vcpu *v)
{
    v->timers.period_ns = DEFAULT_PERIOD_NS;
    timer_init(&v->timers.singleshot, singleshot_fired, v);
    timer_init(&v->timers.periodic, periodic_fired, v);
    timer_init(&v->timers.poll, poll_fired, v);
}

void vcpu_timers_stop(struct vcpu *v)
{
    timer_stop(&v->timers.singleshot);
    timer_stop(&v->timers.periodic);
    timer_stop(&v->timers.poll);
}

void vcpu_timers_switch_in(struct vcpu *v)
{
    periodic_work(v);
}

void vcpu_timers_switch_out(struct vcpu *v)
{
    timer_stop(&v->timers.periodic);
}

void vcpu_timers_kill(struct vcpu *v)
{
    timer_kill(&v->timers.singleshot);
    timer_kill(&v->timers.periodic);
    timer_kill(&v->timers.poll);
}

long do_set_timer_op(uint64_t timeout)
{
    struct vcpu *v = current_vcpu();
    int64_t offset = (int64_t)(timeout - time_now());

    if (timeout == 0)
        timer_stop(&v->timers.singleshot);
    else if ((int64_t)timeout < 0 || (offset > 0 && (uint64_t)offset >= FAR_FUTURE_NS))
        /* Wrapped or far off (old Linux jiffies arithmetic): Xen fires in 100 ms instead. */
        arm(v, &v->timers.singleshot, time_now() + FAR_FUTURE_RETRY);
    else
        arm(v, &v->timers.singleshot, timeout);   /* in the past: fires at once */
    return 0;
}

/* VCPU_SSHOTTMR_future is ignored, as Xen 4.17 does: a past deadline fires at once. */
static long set_singleshot(struct vcpu *v, uint64_t arg)
{
    struct vcpu_set_singleshot_timer s;

    if (v != current_vcpu())
        return -EINVAL;
    if (copy_from_guest(&s, arg, sizeof(s)))
        return -EFAULT;
    arm(v, &v->timers.singleshot, s.timeout_abs_ns);
    return 0;
}

static long set_periodic(struct vcpu *v, uint64_t arg)
{
    struct vcpu_set_periodic_timer p;

    if (copy_from_guest(&p, arg, sizeof(p)))
        return -EFAULT;
    if (p.period_ns < PERIOD_MIN_NS || p.period_ns > PERIOD_MAX_NS)
        return -EINVAL;
    __atomic_store_n(&v->timers.period_ns, p.period_ns, __ATOMIC_RELAXED);
    if (v == current_vcpu())
        periodic_work(v);   /* else on its way back to a CPU, as Xen's reschedule does */
    return 0;
}

long vcpu_timer_op(struct vcpu *v, int cmd, uint64_t arg)
{
    switch (cmd) {
    case VCPUOP_set_singleshot_timer:
        return set_singleshot(v, arg);
    case VCPUOP_stop_singleshot_timer:
        if (v != current_vcpu())
            return -EINVAL;
        timer_stop(&v->timers.singleshot);
        return 0;
    case VCPUOP_set_periodic_timer:
        return set_periodic(v, arg);
    case VCPUOP_stop_periodic_timer:
        __atomic_store_n(&v->timers.period_ns, 0, __ATOMIC_RELAXED);
        timer_stop(&v->timers.periodic);
        return 0;
    default:
        return -ENOSYS;
    }
}

void vcpu_poll_deadline(struct vcpu *v, uint64_t deadline)
{
    if (deadline)
        arm(v, &v->timers.poll, deadline);
    else
        timer_stop(&v->timers.poll);
}
