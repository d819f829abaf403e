/* SPDX-License-Identifier: MIT */
/*
 * A domain's event-channel ports (hyp/common/evtchn_table.c), as plain
 * data with no hardware in it, unit-tested on the host
 * (tests/unit/test_evtchn_table.c).  Ports live in buckets of
 * EVTCHN_PER_BUCKET, one page each, allocated when the lowest free port
 * needs one: a domain pays for the ports it uses, up to the 2-level ABI's
 * 4096.  Ports [0, valid) have storage; the others are answered -EINVAL,
 * as on Xen, whose buckets also hold 64 ports: a fresh domain may name
 * ports 0-63 (closed) but not 64.
 *
 * The caller (hyp/common/event_channel.c) holds the domain's evtchn lock
 * for everything but evtchn_port_valid and evtchn_from_port, which may be
 * used without it: a bucket is published (release) before `valid` covers
 * it and stays until the domain's teardown.
 */
#ifndef KOAN_HYP_EVTCHN_TABLE_H
#define KOAN_HYP_EVTCHN_TABLE_H

#include <asm/nospec.h>
#include <hyp/types.h>

typedef uint32_t evtchn_port_t;

#define EVTCHN_2L_PORTS   4096u   /* 64-bit guests: 64 x 64 (EVTCHN_2L_NR_CHANNELS) */
#define EVTCHN_PER_BUCKET 64u
#define EVTCHN_BUCKETS    (EVTCHN_2L_PORTS / EVTCHN_PER_BUCKET)

/*
 * A port's state, Xen's ECS_* numbering.  ECS_HYPERVISOR is Koan's own: the
 * far end is a hypervisor service (a boot-time domU's console, served
 * without a dom0 daemon); Xen's nearest is its "Xen-consumer" ports.
 */
enum evtchn_state {
    ECS_FREE, ECS_RESERVED, ECS_UNBOUND, ECS_INTERDOMAIN, ECS_PIRQ, ECS_VIRQ, ECS_IPI,
    ECS_HYPERVISOR,
};

struct domain;

/* Called when the guest sends on an ECS_HYPERVISOR port (no evtchn lock held). */
typedef void (*evtchn_hyp_fn)(struct domain *d);

struct evtchn {
    uint8_t state;                /* enum evtchn_state */
    uint16_t notify_vcpu;         /* the vCPU told of its events (read atomically) */
    union {
        uint16_t unbound_remote;  /* UNBOUND: the domain id allowed to bind to it */
        struct {
            struct domain *dom;   /* INTERDOMAIN: the other end */
            evtchn_port_t port;
        } peer;
        uint32_t virq;            /* VIRQ */
        evtchn_hyp_fn hyp_notify; /* HYPERVISOR: the service told of sends */
    } u;
};

struct evtchn_table {
    uint32_t valid;               /* ports [0, valid) have a bucket; atomic */
    uint32_t max_port;            /* the highest port the domain may have */
    struct evtchn *bucket[EVTCHN_BUCKETS];
};

/* Bucket and slot of a port (p < EVTCHN_2L_PORTS). */
static inline unsigned evtchn_bucket_of(evtchn_port_t p) { return p / EVTCHN_PER_BUCKET; }
static inline unsigned evtchn_slot_of(evtchn_port_t p) { return p % EVTCHN_PER_BUCKET; }

/* Has port p storage?  (Guest input: any 32-bit value.) */
static inline bool evtchn_port_valid(const struct evtchn_table *t, evtchn_port_t p)
{
    return p < __atomic_load_n(&t->valid, __ATOMIC_ACQUIRE);
}

/* The port's record; p must be valid (clamped so speculation stays in the table too). */
static inline struct evtchn *evtchn_from_port(const struct evtchn_table *t, evtchn_port_t p)
{
    p = (evtchn_port_t)array_index_nospec(p, EVTCHN_2L_PORTS);
    return &t->bucket[evtchn_bucket_of(p)][evtchn_slot_of(p)];
}

/* The first bucket; port 0 reserved.  max_port < EVTCHN_2L_PORTS.  0 or -ENOMEM. */
int evtchn_table_init(struct evtchn_table *t, uint32_t max_port);
/*
 * The lowest free port, adding a bucket if every port with storage is in
 * use: the port number, or -ENOSPC (none left up to max_port), -ENOMEM.
 * The port stays ECS_FREE until the caller binds it.
 */
int evtchn_table_free_port(struct evtchn_table *t);
/* Forget every port and free the buckets (the caller has closed them). */
void evtchn_table_destroy(struct evtchn_table *t);
/* Ports not ECS_FREE (for tests and the log). */
unsigned evtchn_table_used(const struct evtchn_table *t);

#endif
