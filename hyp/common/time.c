/* SPDX-License-Identifier: MIT */
/*
 * Guest time (include/hyp/time.h, docs/time.md).  Everything here is set
 * once by time_init on the boot CPU before any domain exists and only read
 * afterwards, so it needs no lock; the registered areas are fields of
 * their vCPU, changed by vcpu_op and read as the vCPU is switched (a torn
 * read there writes the old or the new area, each a guest address the
 * guest chose).
 */
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/x86.h>
#include <hyp/clock.h>
#include <hyp/console.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/guest_access.h>
#include <hyp/guest_range.h>
#include <hyp/options.h>
#include <hyp/pvclock.h>
#include <hyp/rtc.h>
#include <hyp/sched.h>
#include <hyp/string.h>
#include <hyp/time.h>
#include <xen/vcpu.h>

static struct pvclock_scale scale;
static uint64_t zero_tsc;           /* system time 0 */
static uint64_t wallclock_at_zero;  /* Unix time of system time 0, ns */
static bool tsc_stable;

static uint64_t tsc_hz_from_cpuid(const char **source)
{
    uint32_t max, a, b, c, d;

    cpuid_count(0, 0, &max, &b, &c, &d);
    if (max >= 0x15) {
        cpuid_count(0x15, 0, &a, &b, &c, &d);   /* TSC = crystal (c Hz) * b / a */
        if (a && b && c) {
            *source = "CPUID 0x15";
            return (uint64_t)c * b / a;
        }
    }
    if (max >= 0x16) {
        cpuid_count(0x16, 0, &a, &b, &c, &d);   /* base frequency, MHz */
        if (a & 0xffff) {
            *source = "CPUID 0x16";
            return (uint64_t)(a & 0xffff) * 1000000;
        }
    }
    return 0;
}

static void wallclock_init(void)
{
    struct date_time t;
    uint64_t tsc = clock_tsc();

    if (!rtc_read(&t)) {
        log_warn("time: the RTC gave no valid date; the wallclock starts at 1970\n");
        return;
    }
    /* The RTC counts whole seconds: it read t at some point of its second. */
    wallclock_at_zero = date_to_unix_seconds(&t) * 1000000000ull - time_system_ns(tsc);
    log_info("time: wallclock %04u-%02u-%02u %02u:%02u:%02u UTC (CMOS RTC)\n", t.year,
             t.month, t.day, t.hour, t.minute, t.second);
}

void time_init(void)
{
    const char *source = "PIT";
    uint64_t hz = tsc_hz_from_cpuid(&source);

    if (!hz)
        hz = clock_tsc_hz();
    else
        clock_set_tsc_hz(hz);
    scale = pvclock_scale_for(hz);
    zero_tsc = clock_tsc();
    tsc_stable = !koan_options.tsc_unstable;
    log_info("time: TSC %lu.%03lu MHz (%s), pvclock mul %u shift %d, %s\n", hz / 1000000,
             (hz / 1000) % 1000, source, scale.mul, scale.shift,
             tsc_stable ? "TSC stable" : "TSC not stable (tsc=unstable)");
    wallclock_init();
}

uint64_t time_system_ns(uint64_t tsc)
{
    return tsc > zero_tsc ? pvclock_scale_ticks(tsc - zero_tsc, scale) : 0;
}

uint64_t time_system_to_tsc(uint64_t ns)
{
    /* The scale's inverse by the clock's own rate; rounded up, so a timer
     * for ns never fires before the guest's clock has reached it. */
    return zero_tsc + clock_ns_to_ticks(ns) + 1;
}

uint64_t time_now(void)
{
    return time_system_ns(clock_tsc());
}

bool time_tsc_stable(void)
{
    return tsc_stable;
}

void time_fill_vcpu_time(struct vcpu_time_info *t)
{
    *t = (struct vcpu_time_info){
        .version = 2,
        .tsc_timestamp = zero_tsc,
        .system_time = 0,
        .tsc_to_system_mul = scale.mul,
        .tsc_shift = scale.shift,
        .flags = tsc_stable ? XEN_PVCLOCK_TSC_STABLE_BIT : 0,
    };
}

void time_fill_wallclock(shared_info_t *si)
{
    si->wc_version = 1;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    si->wc_sec = (uint32_t)(wallclock_at_zero / 1000000000ull);
    si->wc_sec_hi = (uint32_t)((wallclock_at_zero / 1000000000ull) >> 32);
    si->wc_nsec = (uint32_t)(wallclock_at_zero % 1000000000ull);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    si->wc_version = 2;
}

/* ---- Registered areas ---- */

static void write_time_area(const struct vcpu *v)
{
    struct vcpu_time_info t;

    time_fill_vcpu_time(&t);
    (void)copy_to_guest(v->time_area, &t, sizeof(t));   /* an unmapped area: the guest's loss, as on Xen */
}

/* With VMASST_TYPE_runstate_update_flag the guest sees XEN_RUNSTATE_UPDATE in state_entry_time while it changes. */
static void write_runstate_area(const struct vcpu *v)
{
    struct vcpu_runstate_info r;
    uint64_t entry_gva = v->runstate_area + offsetof(struct vcpu_runstate_info, state_entry_time);
    bool flag = v->domain->vm_assist & (1UL << VMASST_TYPE_runstate_update_flag);

    sched_runstate_get(v, &r, false);
    if (flag) {
        uint64_t marked = r.state_entry_time | XEN_RUNSTATE_UPDATE;
        if (copy_to_guest(entry_gva, &marked, sizeof(marked)))
            return;
        __atomic_thread_fence(__ATOMIC_RELEASE);
    }
    if (copy_to_guest(v->runstate_area, &r, sizeof(r)) || !flag)
        return;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    (void)copy_to_guest(entry_gva, &r.state_entry_time, sizeof(r.state_entry_time));
}

/*
 * Take the area's address from the guest's struct (one 64-bit field in
 * both), checked as Xen checks it: a guest address or 0 (none), else
 * -EFAULT.  A new area is written at once, in the caller's address space
 * (Xen's order).
 */
static long register_area(struct vcpu *v, uint64_t arg, size_t size, uint64_t *area,
                          void (*write)(const struct vcpu *))
{
    uint64_t gva;

    if (copy_from_guest(&gva, arg, sizeof(gva)) || (gva && !guest_range_ok(gva, size)))
        return -EFAULT;
    *area = gva;
    if (gva)
        write(v);
    return 0;
}

long time_register_time_area(struct vcpu *v, uint64_t arg)
{
    return register_area(v, arg, sizeof(struct vcpu_time_info), &v->time_area, write_time_area);
}

long time_register_runstate_area(struct vcpu *v, uint64_t arg)
{
    return register_area(v, arg, sizeof(struct vcpu_runstate_info), &v->runstate_area,
                         write_runstate_area);
}

void time_vcpu_areas_update(struct vcpu *v)
{
    if (!v->time_area && !v->runstate_area)
        return;
    bool user = !v->pv.kernel_mode;
    if (user)
        write_cr3(v->kernel_l4 << PAGE_SHIFT);   /* the areas are kernel addresses */
    if (v->time_area)
        write_time_area(v);
    if (v->runstate_area)
        write_runstate_area(v);
    if (user)
        write_cr3(v->user_l4 << PAGE_SHIFT);
}
