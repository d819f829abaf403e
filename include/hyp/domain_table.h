/* SPDX-License-Identifier: MIT */
/*
 * The domain table (hyp/common/domain_table.c): every domain record, and
 * the map from a domain id to its record.  Both grow from the page heap as
 * domains are made: no limit but memory and the id space (ids below
 * Xen's DOMID_FIRST_RESERVED, 32752).
 *
 * Records are type-stable: once made, a record is never freed, only used
 * again by a later domain once the one in it is gone (DOMAIN_FREE).
 * Lookups take no lock and no reference -- domain_from_id from a hypercall
 * on any CPU, the teardown's walk, the frame checker -- and may hold a
 * record just as its domain ends: they still find a struct domain there,
 * whose state and id tell them it is no longer theirs.  Reuse is as safe
 * as it was with the static array this replaces because Koan makes
 * domains only at boot, before any guest runs; making them at run time
 * would need a grace period (RCU) before a record is zeroed for reuse.
 * The pages kept are the table's, not a domain's: domain_table_pages()
 * says how many, so the end-of-run check that every domain frame came back
 * counts them apart.
 *
 * Records are linked newest first through `table_next`, a list that only
 * grows at its head, so readers walk it without a lock.  The id map is a
 * directory of pointers to pages of 512 record pointers; a page is added
 * when an id in its range is first used, so a lookup is two loads.
 *
 * Locks: the table's own lock serialises the writers (domain_table_claim
 * to domain_table_publish); readers take none.  A record is linked only
 * once zeroed, and becomes DOMAIN_RUNNING (release) only once its domain
 * is filled in; readers load the state (acquire) before anything else.
 */
#ifndef KOAN_HYP_DOMAIN_TABLE_H
#define KOAN_HYP_DOMAIN_TABLE_H

#include <hyp/types.h>

struct domain;

/* Record pointers per page of the id map. */
#define DOMID_MAP_PER_PAGE 512u

/*
 * A zeroed record for a new domain `id` (< DOMID_FIRST_RESERVED, not in
 * use), its map entry set, its state still DOMAIN_FREE -- a FREE record
 * reused, else a new one.  Returns with the table's lock held: the caller
 * fills the domain in and calls domain_table_publish.  NULL (lock not
 * held): the id is out of range, or no memory for a record or map page.
 */
struct domain *domain_table_claim(domid_t id);
/* d (from domain_table_claim) is ready: DOMAIN_RUNNING from now on; drops the lock. */
void domain_table_publish(struct domain *d);
/*
 * The record mapped at `id` if it holds a live or dying domain of that id,
 * else NULL.  Any id (guest input): the map index is clamped against
 * speculation.  No lock.
 */
struct domain *domain_table_lookup(domid_t id);
/* The newest record (NULL: none yet); the others follow through d->table_next. */
struct domain *domain_table_first(void);
/* Records made so far (each in use or FREE). */
unsigned domain_table_records(void);
/* Pages the table holds: records and map pages. */
uint64_t domain_table_pages(void);
/* The part of a record page each record uses, in bytes (for the memory report). */
uint64_t domain_table_record_bytes(void);

/* Every record, in use or not (check d->state), newest first. */
#define for_each_domain_record(d) \
    for ((d) = domain_table_first(); (d); (d) = __atomic_load_n(&(d)->table_next, __ATOMIC_ACQUIRE))

#endif
