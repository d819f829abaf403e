/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's memory per domain, item by item, and the boot log's
 * report of it (include/hyp/domain_footprint.h).  It reads sizes the
 * allocations were made with; the report checks them against the frames
 * the allocator actually gave out.
 */
#include <asm/page.h>
#include <hyp/console.h>
#include <hyp/domain.h>
#include <hyp/domain_footprint.h>
#include <hyp/domain_table.h>
#include <hyp/grant_table.h>

void domain_footprint_add(const struct domain *d, struct domain_footprint *f)
{
    uint64_t buckets = __atomic_load_n(&d->evtchn.table.valid, __ATOMIC_ACQUIRE) /
                       EVTCHN_PER_BUCKET;
    const struct vcpu *v;
    uint64_t nr_vcpus = 0;

    for_each_vcpu(d, v)
        nr_vcpus++;
    f->record += domain_table_record_bytes();
    f->vcpus += nr_vcpus * domain_vcpu_pages() * PAGE_SIZE;
    f->shared_info += d->shared_info_mfn ? PAGE_SIZE : 0;
    f->evtchn += buckets * PAGE_SIZE;
    f->grant += grant_table_pages(d) * PAGE_SIZE;
}

uint64_t domain_footprint_total(const struct domain_footprint *f)
{
    return f->record + f->vcpus + f->shared_info + f->evtchn + f->grant;
}

void domain_footprint_log_end(const struct domain *d)
{
    struct domain_footprint f = { 0 };

    domain_footprint_add(d, &f);
    log_info("memory: domain %s held %lu bytes at its end: record %lu, vCPUs %lu, "
             "shared_info %lu, event channels %lu, grant table %lu\n", d->name,
             (unsigned long)domain_footprint_total(&f), (unsigned long)f.record,
             (unsigned long)f.vcpus, (unsigned long)f.shared_info, (unsigned long)f.evtchn,
             (unsigned long)f.grant);
}

void domain_footprint_report(uint64_t frames_taken)
{
    struct domain_footprint f = { 0 };
    uint64_t guest_pages = 0, n = 0;
    struct domain *d;

    for_each_domain_record(d) {
        if (d->state != DOMAIN_RUNNING)
            continue;
        domain_footprint_add(d, &f);
        guest_pages += d->tot_pages;
        n++;
    }
    if (!n)
        return;
    int64_t measured = (int64_t)((frames_taken - guest_pages) * PAGE_SIZE / n);
    int64_t other = measured - (int64_t)(domain_footprint_total(&f) / n);
    log_info("memory: hypervisor memory per domain: %ld bytes over %lu domains: record %lu, "
             "vCPUs %lu, shared_info %lu, event channels %lu, grant table %lu, other %ld\n",
             (long)measured, (unsigned long)n, (unsigned long)(f.record / n),
             (unsigned long)(f.vcpus / n), (unsigned long)(f.shared_info / n),
             (unsigned long)(f.evtchn / n), (unsigned long)(f.grant / n), (long)other);
}
