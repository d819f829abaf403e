/* SPDX-License-Identifier: MIT */
/* Domain lifecycle: allocation, shutdown, crash, and release of memory. */
#include <asm/paging.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/domain.h>
#include <hyp/format.h>
#include <hyp/frame.h>
#include <hyp/m2p.h>
#include <hyp/sched.h>
#include <hyp/string.h>

static struct domain domains[MAX_DOMAINS];
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
        d->state = DOMAIN_RUNNING;
        return d;
    }
    return NULL;
}

/* Give every frame back; the M2P forgets them. */
static void domain_release_memory(struct domain *d)
{
    /* Never free the tables the CPU is walking. */
    if (read_cr3() == d->vcpu0.cr3)
        write_cr3(paging_idle_cr3());
    for (uint64_t pfn = 0; d->p2m && pfn < d->tot_pages; pfn++) {
        m2p_set(d->p2m[pfn], M2P_INVALID);
        machine_frame_free(d->p2m[pfn]);
    }
    if (d->shared_info_mfn)
        machine_frame_free(d->shared_info_mfn);
    hyp_free_pages(d->p2m, d->p2m_alloc_pages);
    d->p2m = NULL;
    d->tot_pages = 0;
    d->shared_info_mfn = 0;
}

void domain_free(struct domain *d)
{
    domain_release_memory(d);
    d->state = DOMAIN_FREE;
}

static void domain_kill(struct domain *d)
{
    domain_release_memory(d);
    d->state = DOMAIN_DEAD;
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
