/* SPDX-License-Identifier: MIT */
/*
 * A domain's event-channel port table (include/hyp/evtchn_table.h):
 * buckets of 64 ports, one page each, added as the lowest free port needs
 * them.  Pure bookkeeping over the page allocator; the caller holds the
 * domain's evtchn lock.
 */
#include <hyp/errno.h>
#include <hyp/evtchn_table.h>
#include <hyp/frame.h>

_Static_assert(EVTCHN_PER_BUCKET * sizeof(struct evtchn) <= PAGE_SIZE, "a bucket fits a page");
_Static_assert(EVTCHN_2L_PORTS % EVTCHN_PER_BUCKET == 0, "whole buckets");

/* Storage for ports [valid, valid + 64): published only once it is zeroed. */
static int add_bucket(struct evtchn_table *t)
{
    uint32_t valid = t->valid;
    struct evtchn *b = hyp_alloc_pages(1);   /* zeroed: every port ECS_FREE */

    if (!b)
        return -ENOMEM;
    t->bucket[evtchn_bucket_of(valid)] = b;
    /* Readers without the lock check `valid` first (evtchn_port_valid). */
    __atomic_store_n(&t->valid, valid + EVTCHN_PER_BUCKET, __ATOMIC_RELEASE);
    return 0;
}

int evtchn_table_init(struct evtchn_table *t, uint32_t max_port)
{
    t->valid = 0;
    t->max_port = max_port < EVTCHN_2L_PORTS ? max_port : EVTCHN_2L_PORTS - 1;
    for (unsigned i = 0; i < EVTCHN_BUCKETS; i++)
        t->bucket[i] = NULL;
    int rc = add_bucket(t);
    if (rc)
        return rc;
    evtchn_from_port(t, 0)->state = ECS_RESERVED;   /* port 0 never names a channel */
    return 0;
}

int evtchn_table_free_port(struct evtchn_table *t)
{
    evtchn_port_t p;

    for (p = 0; p < t->valid && p <= t->max_port; p++)
        if (evtchn_from_port(t, p)->state == ECS_FREE)
            return (int)p;
    if (p > t->max_port)
        return -ENOSPC;
    int rc = add_bucket(t);
    return rc ? rc : (int)p;
}

void evtchn_table_destroy(struct evtchn_table *t)
{
    __atomic_store_n(&t->valid, 0, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < EVTCHN_BUCKETS; i++) {
        if (t->bucket[i])
            hyp_free_pages(t->bucket[i], 1);
        t->bucket[i] = NULL;
    }
}

unsigned evtchn_table_used(const struct evtchn_table *t)
{
    unsigned n = 0;

    for (evtchn_port_t p = 0; p < t->valid; p++)
        n += evtchn_from_port(t, p)->state != ECS_FREE;
    return n;
}
