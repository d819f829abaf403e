/* SPDX-License-Identifier: MIT */
/*
 * Domain lifecycle: allocation (the domain and its vCPUs), shutdown, crash,
 * and the deferred teardown of dying domains (include/hyp/domain.h).
 */
#include <asm/nospec.h>
#include <asm/page.h>
#include <hyp/console.h>
#include <hyp/dom_console.h>
#include <hyp/domain.h>
#include <hyp/domain_footprint.h>
#include <hyp/domain_table.h>
#include <hyp/emul.h>
#include <hyp/errno.h>
#include <hyp/format.h>
#include <hyp/fpu.h>
#include <hyp/gdt.h>
#include <hyp/grant_table.h>
#include <hyp/ldt.h>
#include <hyp/frame.h>
#include <hyp/frame_table.h>
#include <hyp/m2p.h>
#include <hyp/sched.h>
#include <hyp/string.h>
#include <hyp/time.h>
#include <hyp/vcpu_timer.h>
#include <hyp/machine.h>
#include <hyp/work_budget.h>

struct domain dom_io = { .id = DOMID_IO, .name = "io", .state = DOMAIN_RUNNING,
                         .devalidate_head = FT_NIL, .relinquish_next = FT_NIL };
struct domain dom_xen = { .id = DOMID_XEN, .name = "xen", .state = DOMAIN_RUNNING,
                          .devalidate_head = FT_NIL, .relinquish_next = FT_NIL };
static unsigned next_domu_id = 1;   /* never reused (docs/boot.md, "How many domains") */
static bool any_crashed;
/*
 * Counters so that what runs on every switch or idle loop does not walk
 * every record: domains RUNNING, and domains DYING whose teardown has not
 * finished (atomic operations).
 */
static unsigned nr_alive, nr_unfinished;

struct domain *domain_alloc(const char *name, bool is_dom0)
{
    unsigned id = is_dom0 ? 0 : __atomic_fetch_add(&next_domu_id, 1, __ATOMIC_RELAXED);
    struct domain *d;

    if (id >= DOMID_FIRST_RESERVED || !(d = domain_table_claim((domid_t)id)))
        return NULL;   /* out of ids (a failed claim's id is not taken back) or memory */
    d->is_dom0 = d->privileged = is_dom0;
    if (name && name[0])
        strlcpy(d->name, name, sizeof(d->name));
    else
        fmt_snprintf(d->name, sizeof(d->name), "dom%u", d->id);
    d->page_list_head = d->page_list_tail = FT_NIL;
    d->devalidate_head = d->relinquish_next = FT_NIL;
    bvt_params_default(&d->sched_params);
    __atomic_add_fetch(&nr_alive, 1, __ATOMIC_RELAXED);
    domain_table_publish(d);
    return d;
}

struct vcpu *domain_vcpu(const struct domain *d, uint32_t id)
{
    if (id >= d->max_vcpus)
        return NULL;
    return d->vcpu[array_index_nospec(id, d->max_vcpus)];
}

/*
 * A vCPU and its XSAVE area are one allocation, the area (64-byte aligned)
 * after the structure: it fits in the tail of the structure's last page
 * on the CPUs seen so far (832 bytes under QEMU's TCG, about 2.7 KiB with
 * AVX-512), so it costs no page of its own.
 */
#define VCPU_FPU_OFFSET ALIGN_UP(sizeof(struct vcpu), 64)

uint64_t domain_vcpu_pages(void)
{
    return ALIGN_UP(VCPU_FPU_OFFSET + fpu_area_bytes(), PAGE_SIZE) / PAGE_SIZE;
}

/* A new vCPU: down, no context, in guest kernel mode, debug registers at reset. */
static struct vcpu *vcpu_create(struct domain *d, unsigned id)
{
    struct vcpu *v = hyp_alloc_pages(domain_vcpu_pages());   /* zeroed, the XSAVE area too */

    if (!v)
        return NULL;
    v->pv.fpu_area = (uint8_t *)v + VCPU_FPU_OFFSET;
    v->domain = d;
    v->id = id;
    v->down = true;
    v->pv.kernel_mode = true;
    debugreg_reset(v);
    /* The stand-in vcpu_info of ids past shared_info's 32 slots: events masked, as Xen's. */
    v->dummy_vcpu_info.evtchn_upcall_mask = 1;
    time_fill_vcpu_time(&v->dummy_vcpu_info.time);
    vcpu_timers_init(v);
    sched_vcpu_init(v);
    return v;
}

int domain_vcpus_create(struct domain *d, unsigned n)
{
    BUG_ON(n == 0 || n > MAX_VCPUS_PER_DOMAIN || d->max_vcpus);
    d->max_vcpus = n;
    for (unsigned i = 0; i < n; i++)
        if (!(d->vcpu[i] = vcpu_create(d, i)))
            return -ENOMEM;
    return 0;
}

/*
 * Release what the vCPU holds -- base pointers, GDT and LDT frames, the
 * registered vcpu_info frame, FPU state, debug registers -- and the vCPU
 * itself.  Runs on the idle page tables with no vCPU of the domain loaded
 * on any CPU, so nothing released here is in use.
 */
static void vcpu_teardown(struct vcpu *v)
{
    if (v->kernel_l4)
        put_page_and_type(mfn_to_page(v->kernel_l4));
    if (v->user_l4)
        put_page_and_type(mfn_to_page(v->user_l4));
    v->kernel_l4 = v->user_l4 = 0;
    if (v->vcpu_info_mfn)
        put_page_and_type(mfn_to_page(v->vcpu_info_mfn));
    v->vcpu_info_mfn = 0;
    gdt_release(v);
    ldt_release(v);
    debugreg_reset(v);
    hyp_free_pages(v, domain_vcpu_pages());   /* and its XSAVE area */
}

/* One dying domain, as far as the budget goes: 0 when torn down, or -ERESTART. */
static int domain_teardown(struct domain *d)
{
    if (!d->vcpus_torn_down) {
        struct vcpu *v;
        smp_mb();   /* d is dying: a foreign operation entered before may still look at its vCPUs */
        if (atomic_load32(&d->mm_foreign))
            return -ERESTART;
        for_each_vcpu(d, v)
            vcpu_timers_kill(v);    /* no callback may raise a VIRQ from here on */
        evtchn_domain_destroy(d);   /* first: peers' ports point at its vCPUs */
        dom_console_release(d);
        if (d->pirq_eoi_mfn)
            put_page_and_type(mfn_to_page(d->pirq_eoi_mfn));
        d->pirq_eoi_mfn = 0;
        for_each_vcpu(d, v) {
            d->vcpu[v->id] = NULL;
            vcpu_teardown(v);
        }
        d->vcpus_torn_down = true;
    }
    /* Its mappings of others' grants, and its table, before its memory. */
    int rc = grant_table_teardown(d);
    if (rc || (rc = domain_relinquish_memory(d)))
        return rc;
    __atomic_sub_fetch(&nr_unfinished, 1, __ATOMIC_RELEASE);   /* once: it is RELINQUISH_DONE */
    return 0;
}

/* Some CPU still has one of d's vCPUs loaded (it switches away at its next return to a guest). */
static bool domain_on_a_cpu(const struct domain *d)
{
    struct vcpu *v;

    for_each_vcpu(d, v)
        if (v->running)
            return true;
    return false;
}

/* Dying, not done, and neither run nor held in any CPU's CR3 (sched.c's dirty mask). */
static bool teardown_waiting(const struct domain *d)
{
    return __atomic_load_n(&d->state, __ATOMIC_ACQUIRE) == DOMAIN_DYING &&
           d->relinquish_phase != RELINQUISH_DONE && !domain_on_a_cpu(d) &&
           cpumask_empty(__atomic_load_n(&d->dirty_cpus, __ATOMIC_ACQUIRE));
}

bool domain_teardown_pending(void)
{
    struct domain *d;

    if (!__atomic_load_n(&nr_unfinished, __ATOMIC_ACQUIRE))
        return false;   /* every switch asks: no walk while nothing is dying */
    for_each_domain_record(d)
        if (teardown_waiting(d))
            return true;
    return false;
}

bool domain_teardown_unfinished(void)
{
    return __atomic_load_n(&nr_unfinished, __ATOMIC_ACQUIRE) != 0;
}

int domain_teardown_run(void)
{
    struct domain *d;

    for_each_domain_record(d)
        if (teardown_waiting(d) && domain_teardown(d))
            return -ERESTART;
    return 0;
}

void domain_check_gone(struct domain *d)
{
    enum domain_state dying = DOMAIN_DYING;

    /* Several CPUs may free its last frames at once: one of them frees the record. */
    if (d->relinquish_phase == RELINQUISH_DONE && d->tot_pages == 0 && d->xen_pages == 0)
        __atomic_compare_exchange_n(&d->state, &dying, DOMAIN_FREE, false, __ATOMIC_RELEASE,
                                    __ATOMIC_RELAXED);
}

struct domain *domain_from_id(domid_t id)
{
    return domain_table_lookup(id);
}

int domain_get_pg_owner(struct domain *d, domid_t domid, struct domain **out)
{
    if (domid == DOMID_SELF) {
        *out = d;
        return 0;
    }
    if (domid == d->id)
        return -ESRCH;
    if (domid == DOMID_IO)
        *out = &dom_io;
    else if (domid == DOMID_XEN)
        *out = &dom_xen;
    else if (!(*out = domain_from_id(domid)))
        return -ESRCH;
    return 0;
}

struct domain *domain_by_any_id(struct domain *d, domid_t domid)
{
    return domid == DOMID_SELF ? d : domain_from_id(domid);
}

bool domain_may_use(const struct domain *d, const struct domain *other)
{
    return d == other || d->privileged;
}

/* Mark d dying and stop its vCPUs; the teardown comes later (domain_teardown_run). */
static void domain_kill(struct domain *d)
{
    struct vcpu *v;

    enum domain_state running = DOMAIN_RUNNING;

    /* Once, even if two CPUs end it at the same moment.  The teardown's
     * cursor (relinquish_phase/_next) starts as domain_alloc left it. */
    if (!__atomic_compare_exchange_n(&d->state, &running, DOMAIN_DYING, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return;   /* crashed twice on the way out: once is enough */
    __atomic_add_fetch(&nr_unfinished, 1, __ATOMIC_RELEASE);
    __atomic_sub_fetch(&nr_alive, 1, __ATOMIC_RELEASE);
    domain_footprint_log_end(d);
    dom_console_stop(d);
    for_each_vcpu(d, v) {
        vcpu_timers_stop(v);
        sched_vcpu_update(v);   /* no longer runnable: off the run queue, off the CPU */
    }
}

void domain_free(struct domain *d)
{
    /* Never ran: nothing of it is loaded anywhere, so it goes at once. */
    domain_kill(d);
    work_budget_begin(0);
    (void)domain_teardown(d);
}

static const char *shutdown_reason_name(unsigned reason)
{
    static const char *const names[] = {
        [SHUTDOWN_poweroff] = "poweroff", [SHUTDOWN_reboot] = "reboot",
        [SHUTDOWN_suspend] = "suspend", [SHUTDOWN_crash] = "crash",
        [SHUTDOWN_watchdog] = "watchdog", [SHUTDOWN_soft_reset] = "soft_reset",
    };
    return reason < ARRAY_SIZE(names) ? names[reason] : "unknown";
}

void domain_shutdown(struct domain *d, unsigned reason)
{
    if (reason == SHUTDOWN_crash) {
        domain_crash(d, "the guest asked to crash (SHUTDOWN_crash)");
        return;
    }
    console_domain_end(d);
    log_info("domain %s shut down: %s\n", d->name, shutdown_reason_name(reason));
    domain_kill(d);
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
    char reason[160];
    va_list ap;

    va_start(ap, fmt);
    fmt_vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    console_domain_end(d);
    log_info("domain %s crashed: %s\n", d->name, reason);
    any_crashed = true;
    domain_kill(d);
}

unsigned domain_count_alive(void)
{
    return __atomic_load_n(&nr_alive, __ATOMIC_ACQUIRE);
}

bool domain_any_crashed(void)
{
    return any_crashed;
}
