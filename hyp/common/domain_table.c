/* SPDX-License-Identifier: MIT */
/*
 * The domain table (include/hyp/domain_table.h): domain records carved
 * from pages of the hypervisor heap as they are needed, reused once free,
 * and the two-level map from domain id to record.  Plain bookkeeping over
 * the page heap, unit-tested on the host (tests/unit/test_domain_table.c).
 */
#include <asm/nospec.h>
#include <asm/page.h>
#include <hyp/domain.h>
#include <hyp/domain_table.h>
#include <hyp/frame.h>
#include <hyp/spinlock.h>
#include <hyp/string.h>

/* Records come in chunks of whole pages: as many as fit. */
#define CHUNK_PAGES ((sizeof(struct domain) + PAGE_SIZE - 1) / PAGE_SIZE)
#define RECORDS_PER_CHUNK ((CHUNK_PAGES * PAGE_SIZE) / sizeof(struct domain))
#define DOMID_MAP_PAGES ((DOMID_FIRST_RESERVED + DOMID_MAP_PER_PAGE - 1) / DOMID_MAP_PER_PAGE)

_Static_assert(DOMID_MAP_PER_PAGE * sizeof(struct domain *) == PAGE_SIZE, "a map page");

static spinlock_t table_lock;
static struct domain *newest;                      /* the list of every record */
static struct domain *spare;                       /* records of the last chunk not yet listed */
static unsigned spare_count, nr_records;
static uint64_t nr_pages;
static struct domain **id_map[DOMID_MAP_PAGES];    /* pages of DOMID_MAP_PER_PAGE pointers */

/* A record nobody uses (under the lock): a free one, else the next of a chunk. */
static struct domain *free_record(void)
{
    struct domain *d;

    for_each_domain_record(d)
        if (__atomic_load_n(&d->state, __ATOMIC_ACQUIRE) == DOMAIN_FREE)
            return d;
    if (!spare_count) {
        if (!(spare = hyp_alloc_pages(CHUNK_PAGES)))   /* zeroed: every record FREE */
            return NULL;
        nr_pages += CHUNK_PAGES;
        spare_count = RECORDS_PER_CHUNK;
    }
    d = spare++;
    spare_count--;
    d->table_next = newest;
    __atomic_store_n(&newest, d, __ATOMIC_RELEASE);   /* readers see it zeroed and linked */
    nr_records++;
    return d;
}

/* The map page for id, made if it is the first id of its range (under the lock). */
static struct domain **map_page(domid_t id)
{
    struct domain ***slot = &id_map[id / DOMID_MAP_PER_PAGE];

    if (!*slot) {
        struct domain **page = hyp_alloc_pages(1);
        if (!page)
            return NULL;
        nr_pages++;
        __atomic_store_n(slot, page, __ATOMIC_RELEASE);
    }
    return *slot;
}

struct domain *domain_table_claim(domid_t id)
{
    struct domain *d, **page;

    if (id >= DOMID_FIRST_RESERVED)
        return NULL;
    spin_lock(&table_lock);
    if (domain_table_lookup(id) || !(page = map_page(id)) || !(d = free_record())) {
        spin_unlock(&table_lock);
        return NULL;
    }
    /* FREE, so readers look no further than its state: zero all but the link. */
    struct domain *next = d->table_next;
    memset(d, 0, sizeof(*d));
    d->table_next = next;
    d->id = id;
    __atomic_store_n(&page[id % DOMID_MAP_PER_PAGE], d, __ATOMIC_RELEASE);
    return d;
}

void domain_table_publish(struct domain *d)
{
    __atomic_store_n(&d->state, DOMAIN_RUNNING, __ATOMIC_RELEASE);
    spin_unlock(&table_lock);
}

struct domain *domain_table_lookup(domid_t id)
{
    if (id >= DOMID_FIRST_RESERVED)
        return NULL;
    uint64_t i = array_index_nospec(id, DOMID_FIRST_RESERVED);
    struct domain **page = __atomic_load_n(&id_map[i / DOMID_MAP_PER_PAGE], __ATOMIC_ACQUIRE);
    if (!page)
        return NULL;
    struct domain *d = __atomic_load_n(&page[i % DOMID_MAP_PER_PAGE], __ATOMIC_ACQUIRE);
    /* The record may hold another domain by now (reused), or none (FREE). */
    if (!d || __atomic_load_n(&d->state, __ATOMIC_ACQUIRE) == DOMAIN_FREE || d->id != id)
        return NULL;
    return d;
}

struct domain *domain_table_first(void)
{
    return __atomic_load_n(&newest, __ATOMIC_ACQUIRE);
}

unsigned domain_table_records(void)
{
    return __atomic_load_n(&nr_records, __ATOMIC_RELAXED);
}

uint64_t domain_table_pages(void)
{
    return __atomic_load_n(&nr_pages, __ATOMIC_RELAXED);
}

uint64_t domain_table_record_bytes(void)
{
    return CHUNK_PAGES * PAGE_SIZE / RECORDS_PER_CHUNK;
}
