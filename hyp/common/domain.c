/* SPDX-License-Identifier: MIT */
/* Domain lifecycle: allocation, shutdown, crash, and release of memory. */
#include <asm/paging.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/domain.h>
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

static struct domain domains[MAX_DOMAINS];
struct domain dom_io = { .id = DOMID_IO, .name = "io", .state = DOMAIN_RUNNING };
struct domain dom_xen = { .id = DOMID_XEN, .name = "xen", .state = DOMAIN_RUNNING };
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
        d->state = DOMAIN_RUNNING;
        return d;
    }
    return NULL;
}

static void vcpu_drop_base_pointers(struct vcpu *v)
{
    /* Never free the tables the CPU is walking. */
    if (v->kernel_l4 && read_cr3() >> PAGE_SHIFT == v->kernel_l4)
        write_cr3(paging_idle_cr3());
    if (v->kernel_l4)
        put_page_and_type(mfn_to_page(v->kernel_l4));
    if (v->user_l4)
        put_page_and_type(mfn_to_page(v->user_l4));
    v->kernel_l4 = v->user_l4 = 0;
}

/* Give every frame back; those others still reference go when they let go. */
static void domain_release_memory(struct domain *d)
{
    vcpu_drop_base_pointers(&d->vcpu0);
    gdt_release(&d->vcpu0);
    ldt_release(&d->vcpu0);
    fpu_free(&d->vcpu0);
    d->state = DOMAIN_DYING;
    domain_relinquish_memory(d);
    domain_check_gone(d);
}

void domain_check_gone(struct domain *d)
{
    if (d->state == DOMAIN_DYING && d->tot_pages == 0 && d->xen_pages == 0)
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

void domain_free(struct domain *d)
{
    domain_release_memory(d);
}

static void domain_kill(struct domain *d)
{
    domain_release_memory(d);
    sched_remove(&d->vcpu0);
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
