/* SPDX-License-Identifier: MIT */
/*
 * Domain lifecycle: allocation, shutdown, crash, and the deferred teardown
 * of dying domains (include/hyp/domain.h).
 */
#include <hyp/console.h>
#include <hyp/domain.h>
#include <hyp/emul.h>
#include <hyp/errno.h>
#include <hyp/format.h>
#include <hyp/fpu.h>
#include <hyp/gdt.h>
#include <hyp/ldt.h>
#include <hyp/frame.h>
#include <hyp/frame_table.h>
#include <hyp/m2p.h>
#include <hyp/sched.h>
#include <hyp/string.h>
#include <hyp/work_budget.h>

static struct domain domains[MAX_DOMAINS];
struct domain dom_io = { .id = DOMID_IO, .name = "io", .state = DOMAIN_RUNNING,
                         .devalidate_head = FT_NIL, .relinquish_next = FT_NIL };
struct domain dom_xen = { .id = DOMID_XEN, .name = "xen", .state = DOMAIN_RUNNING,
                          .devalidate_head = FT_NIL, .relinquish_next = FT_NIL };
static domid_t next_domu_id = 1;
static bool any_crashed;

struct domain *domain_alloc(const char *name, bool is_dom0)
{
    for (unsigned i = 0; i < MAX_DOMAINS; i++) {
        struct domain *d = &domains[i];
        if (d->state != DOMAIN_FREE)
            continue;
        memset(d, 0, sizeof(*d));
        d->id = is_dom0 ? 0 : next_domu_id++;
        d->is_dom0 = d->privileged = is_dom0;
        if (name && name[0])
            strlcpy(d->name, name, sizeof(d->name));
        else
            fmt_snprintf(d->name, sizeof(d->name), "dom%u", d->id);
        d->vcpu0.domain = d;
        d->vcpu0.pv.kernel_mode = true;
        d->vcpu0.pv.dr[6] = 0xffff0ff0;   /* the architectural reset values */
        d->vcpu0.pv.dr[7] = 0x400;
        d->page_list_head = d->page_list_tail = FT_NIL;
        d->devalidate_head = d->relinquish_next = FT_NIL;
        d->state = DOMAIN_RUNNING;
        return d;
    }
    return NULL;
}

/*
 * Release what the vCPU holds: base pointers, GDT and LDT frames, FPU state,
 * debug registers.  Runs on the idle page tables with no vCPU of the domain
 * loaded, so nothing released here is in use by the CPU.
 */
static void vcpu_teardown(struct vcpu *v)
{
    if (v->kernel_l4)
        put_page_and_type(mfn_to_page(v->kernel_l4));
    if (v->user_l4)
        put_page_and_type(mfn_to_page(v->user_l4));
    v->kernel_l4 = v->user_l4 = 0;
    gdt_release(v);
    ldt_release(v);
    fpu_free(v);
    debugreg_reset(v);
}

/* One dying domain, as far as the budget goes: 0 when torn down, or -ERESTART. */
static int domain_teardown(struct domain *d)
{
    if (!d->vcpus_torn_down) {
        vcpu_teardown(&d->vcpu0);
        d->vcpus_torn_down = true;
    }
    return domain_relinquish_memory(d);
}

static bool teardown_waiting(const struct domain *d)
{
    return d->state == DOMAIN_DYING && d->relinquish_phase != RELINQUISH_DONE;
}

bool domain_teardown_pending(void)
{
    for (unsigned i = 0; i < MAX_DOMAINS; i++)
        if (teardown_waiting(&domains[i]))
            return true;
    return false;
}

int domain_teardown_run(void)
{
    for (unsigned i = 0; i < MAX_DOMAINS; i++)
        if (teardown_waiting(&domains[i]) && domain_teardown(&domains[i]))
            return -ERESTART;
    return 0;
}

void domain_check_gone(struct domain *d)
{
    if (d->state == DOMAIN_DYING && d->relinquish_phase == RELINQUISH_DONE &&
        d->tot_pages == 0 && d->xen_pages == 0)
        d->state = DOMAIN_FREE;
}

struct domain *domain_from_id(domid_t id)
{
    for (unsigned i = 0; i < MAX_DOMAINS; i++)
        if (domains[i].state != DOMAIN_FREE && domains[i].id == id)
            return &domains[i];
    return NULL;
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

/* Mark d dying and stop its vCPU; the teardown comes later (domain_teardown_run). */
static void domain_kill(struct domain *d)
{
    if (domain_is_dying(d))
        return;   /* crashed twice on the way out: once is enough */
    d->state = DOMAIN_DYING;
    d->relinquish_phase = RELINQUISH_UNPIN;
    d->relinquish_next = FT_NIL;
    sched_remove(&d->vcpu0);
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
    unsigned n = 0;

    for (unsigned i = 0; i < MAX_DOMAINS; i++)
        n += domains[i].state == DOMAIN_RUNNING;
    return n;
}

struct domain *domain_by_index(unsigned i)
{
    return i < MAX_DOMAINS ? &domains[i] : NULL;
}

bool domain_any_crashed(void)
{
    return any_crashed;
}
