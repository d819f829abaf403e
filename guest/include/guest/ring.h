/* SPDX-License-Identifier: MIT */
/*
 * The paper's asynchronous I/O ring between two test guests (docs/grants.md,
 * "The I/O ring"): one shared page laid out by Xen's public io/ring.h
 * macros, granted by the frontend (guest/ring_front.c) and mapped by the
 * backend (guest/ring_back.c), with an interdomain event channel for the
 * notifications each side asks for through req_event / rsp_event.
 *
 * There is no xenstore to say where the ring is, so the two agree on it:
 * the frontend grants the ring page at grant reference RING_GREF and
 * allocates one unbound port for the backend's domain; the backend (which
 * must be privileged) finds that port with EVTCHNOP_status, as evtchn-ping
 * does.  A toolstack would have written both into xenstore ("ring-ref",
 * "event-channel").
 */
#ifndef GUEST_RING_H
#define GUEST_RING_H

#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>

#include <guest/guest.h>

/*
 * io/ring.h leaves the barriers to its user.  On x86 stores are not
 * reordered with stores nor loads with loads, so the write and read
 * barriers only stop the compiler; a store followed by a load of another
 * word (publish an index, then read the other side's event index) needs
 * a real fence.
 */
#define xen_mb() __asm__ volatile("mfence" : : : "memory")
#define xen_rmb() __asm__ volatile("" : : : "memory")
#define xen_wmb() __asm__ volatile("" : : : "memory")

#include <xen/io/ring.h>

/* What a request asks for. */
enum kring_op {
	KRING_OP_WORK = 1,	/* answer result = kring_work(arg) */
	KRING_OP_CLOSE = 2,	/* the last request: answer it, then disconnect */
};

struct kring_request {
	uint64_t id;		/* the frontend's tag, echoed in the response */
	uint32_t op;		/* enum kring_op */
	uint32_t pad;
	uint64_t arg;
};

struct kring_response {
	uint64_t id;		/* the request's */
	int32_t status;		/* 0, or -XEN_EINVAL for an unknown op */
	uint32_t pad;
	uint64_t result;
};

/* kring_sring (the page), kring_front_ring, kring_back_ring. */
DEFINE_RING_TYPES(kring, struct kring_request, struct kring_response);

/* The grant reference of the ring page (where xenstore would say). */
#define RING_GREF 8

/* Requests in flight at most: 128 entries of 24 bytes fit after the header. */
#define KRING_SIZE __CONST_RING_SIZE(kring, GUEST_PAGE_SIZE)
_Static_assert(sizeof(struct kring_request) == 24 && sizeof(struct kring_response) == 24,
	       "a slot is 24 bytes");
_Static_assert(KRING_SIZE == 128, "the tests expect 128 slots");

/* The backend's answer to a work request: a mix the frontend recomputes. */
static inline uint64_t kring_work(uint64_t arg)
{
	arg ^= arg >> 31;
	arg *= 0x9e3779b97f4a7c15UL;
	return arg ^ (arg >> 29);
}

/* The argument the frontend sends with request id. */
static inline uint64_t kring_arg(uint64_t id)
{
	return kring_work(id + 0x5eed);
}

/* Print `WORD: WHAT failed: RC` and crash the domain. */
void ring_fail(const char *word, const char *what, long rc) __attribute__((noreturn));

void ring_front(unsigned long requests, unsigned long trips, domid_t peer)
	__attribute__((noreturn));
void ring_back(domid_t peer) __attribute__((noreturn));
void ring_words(void);

#endif /* GUEST_RING_H */
