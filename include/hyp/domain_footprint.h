/* SPDX-License-Identifier: MIT */
/*
 * What the hypervisor itself holds for a domain, item by item
 * (hyp/common/domain_footprint.c): the paper's Xen keeps 20 kB per domain.
 * The guest's own memory (tot_pages) is not in it; the frames Koan shares
 * with the guest (shared_info, grant-table frames) are.
 */
#ifndef KOAN_HYP_DOMAIN_FOOTPRINT_H
#define KOAN_HYP_DOMAIN_FOOTPRINT_H

#include <hyp/types.h>

struct domain;

/* Bytes, each item as allocated (whole pages; the record's share of its page). */
struct domain_footprint {
    uint64_t record;        /* struct domain, in the domain table */
    uint64_t vcpus;         /* each vCPU: its structure and XSAVE area */
    uint64_t shared_info;
    uint64_t evtchn;        /* event-channel buckets */
    uint64_t grant;         /* grant table: structure, frames, active entries, map handles */
};

/* Add d's items to *f (a snapshot: d is not being built or torn down). */
void domain_footprint_add(const struct domain *d, struct domain_footprint *f);
/* The sum of the items. */
uint64_t domain_footprint_total(const struct domain_footprint *f);
/*
 * The log line of a domain that ends (it still holds everything): its
 * items as allocated then, grants and ports it used included.
 */
void domain_footprint_log_end(const struct domain *d);
/*
 * The boot log's report after the boot-time domains were built: the
 * hypervisor memory per domain as the allocator saw it -- frames_taken
 * (free frames before the domains minus after) less the guests' own
 * pages -- and its items, averaged over the live domains; what the items
 * do not explain shows as "other".
 */
void domain_footprint_report(uint64_t frames_taken);

#endif
