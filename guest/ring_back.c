// SPDX-License-Identifier: MIT
/*
 * The I/O ring's backend (`ring-back`, a privileged domain with
 * `peer-domid=D`; guest/include/guest/ring.h has the layout).  It maps D's
 * ring page (GNTTABOP_map_grant_ref of RING_GREF, retried until D has
 * granted it), finds and binds the port D left unbound for it, and sends
 * the "connected" event.  Then, until the close request:
 *
 *   take every request published (req_prod), each copied out of the
 *   shared page before it is looked at (the frontend may change it under
 *   us), after checking that req_prod claims no more than the ring holds;
 *   answer the batch in a random order that moves every request (Sattolo's
 *   shuffle: one cycle through the batch), so responses come back out of
 *   order whenever two or more requests wait; push them, notifying only if
 *   the frontend asked (rsp_event); with nothing left, ask for a
 *   notification (req_event) and sleep in SCHEDOP_poll.
 *
 * After the close request: close our port (the frontend's becomes
 * unbound), unmap the ring, print what we did and power off.  The counts
 * mirror the frontend's, which bench/ring.py and test_ring_koan.py compare.
 */
#include <xen/errno.h>

#include <guest/evtchn.h>
#include <guest/gnttab.h>
#include <guest/ring.h>
#include <guest/test.h>

#define MAP_YIELDS 2000000UL

static struct kring_request batch[KRING_SIZE];

struct back {
	struct kring_back_ring ring;
	evtchn_port_t port;
	grant_handle_t handle;
	uint64_t va;
	uint64_t last_id;	/* of the last response */
	uint64_t rng;		/* xorshift state of the shuffle */
	bool closing;
	unsigned long answers, batches, out_of_order;
	unsigned long notifies, arms, waits;
};

/* The frontend's ring page, once it has granted it. */
static void map_ring(struct back *b, domid_t peer)
{
	unsigned long idx, n;
	int16_t st = GNTST_general_error;

	if (!(idx = gt_fresh_page()))
		ring_fail("ring-back", "a scratch page", -XEN_ENOMEM);
	b->va = gt_page_va(idx);
	for (n = 0; n < MAP_YIELDS && st != GNTST_okay; n++) {
		st = gt_map(peer, RING_GREF, GNTMAP_host_map, b->va, &b->handle, NULL);
		if (st != GNTST_okay)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	if (st != GNTST_okay)
		ring_fail("ring-back", "mapping the frontend's ring grant", st);
}

static void back_connect(struct back *b, domid_t peer)
{
	evtchn_port_t remote;
	long rc;

	if (!guest_privileged())
		ring_fail("ring-back", "finding the frontend's port (needs a privileged domain)",
			  -XEN_EPERM);
	if (!mm_init())
		ring_fail("ring-back", "mm_init", -XEN_EINVAL);
	map_ring(b, peer);
	/* The frontend allocated its port before it granted the ring. */
	remote = ev_find_peer_port(peer, (domid_t)ev_own_domid(), 1);
	if (!remote)
		ring_fail("ring-back", "finding the frontend's port", -XEN_ENOENT);
	if ((rc = ev_bind_interdomain(peer, remote, &b->port)))
		ring_fail("ring-back", "bind_interdomain", rc);
	ev_clear_pending(b->port);	/* set by the binding */
	BACK_RING_INIT(&b->ring, (struct kring_sring *)b->va, GUEST_PAGE_SIZE);
	b->rng = 0x2545f4914f6cdd1dUL ^ tsc_read();
	guest_printf("ring-back: mapped domain %u's ring ref %u (%u slots), "
		     "bound its port %u as %u\n", peer, RING_GREF, RING_SIZE(&b->ring),
		     remote, b->port);
	if ((rc = ev_send(b->port)))	/* connected */
		ring_fail("ring-back", "send", rc);
}

/* Copy out every request published: how many. */
static unsigned int collect(struct back *b)
{
	RING_IDX rp = b->ring.sring->req_prod;
	unsigned int n = 0;

	xen_rmb();	/* the requests, after the index that covers them */
	/* Each batch is answered whole, so req_cons == rsp_prod_pvt here. */
	if (RING_REQUEST_PROD_OVERFLOW(&b->ring, rp))
		ring_fail("ring-back", "the frontend's req_prod is past the ring",
			  (long)(rp - b->ring.rsp_prod_pvt));
	for (; b->ring.req_cons != rp; b->ring.req_cons++)
		RING_COPY_REQUEST(&b->ring, b->ring.req_cons, &batch[n++]);
	return n;
}

static uint64_t xorshift(struct back *b)
{
	b->rng ^= b->rng << 13;
	b->rng ^= b->rng >> 7;
	b->rng ^= b->rng << 17;
	return b->rng;
}

/* Sattolo's shuffle: a random single cycle, so no request keeps its place. */
static void shuffle(struct back *b, unsigned int n)
{
	for (unsigned int i = n - 1; i > 0; i--) {
		unsigned int j = (unsigned int)(xorshift(b) % i);
		struct kring_request t = batch[i];

		batch[i] = batch[j];
		batch[j] = t;
	}
}

static void respond(struct back *b, const struct kring_request *req)
{
	struct kring_response *rsp = RING_GET_RESPONSE(&b->ring, b->ring.rsp_prod_pvt);
	bool known = req->op == KRING_OP_WORK || req->op == KRING_OP_CLOSE;

	rsp->id = req->id;
	rsp->status = known ? 0 : -XEN_EINVAL;
	rsp->pad = 0;
	rsp->result = known ? kring_work(req->arg) : 0;
	b->ring.rsp_prod_pvt++;
	b->answers++;
	if (req->id < b->last_id)
		b->out_of_order++;
	b->last_id = req->id;
	b->closing |= req->op == KRING_OP_CLOSE;
}

static void answer(struct back *b, unsigned int n)
{
	int notify;
	long rc;

	shuffle(b, n);
	for (unsigned int i = 0; i < n; i++)
		respond(b, &batch[i]);
	b->batches++;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&b->ring, notify);
	if (!notify)
		return;
	b->notifies++;
	if ((rc = ev_send(b->port)))
		ring_fail("ring-back", "send", rc);
}

/* Nothing to take: ask for a notification (req_event), sleep unless one came meanwhile. */
static void await_requests(struct back *b)
{
	int more;

	if (!RING_HAS_UNCONSUMED_REQUESTS(&b->ring))
		b->arms++;
	RING_FINAL_CHECK_FOR_REQUESTS(&b->ring, more);
	if (!more) {
		b->waits++;
		ev_wait_port(b->port);
	}
}

void ring_back(domid_t peer)
{
	static struct back b;
	long closed;
	int16_t unmapped;

	back_connect(&b, peer);
	while (!b.closing) {
		unsigned int n = collect(&b);

		if (n)
			answer(&b, n);
		else
			await_requests(&b);
	}
	closed = ev_close(b.port);
	unmapped = gt_unmap(b.handle, b.va, 0);
	guest_printf("ring-back: %lu requests answered in %lu batches, %lu out of order\n",
		     b.answers, b.batches, b.out_of_order);
	guest_printf("ring-back: notifications: %lu sent, req_event set %lu times, %lu waits\n",
		     b.notifies, b.arms, b.waits);
	guest_printf("ring-back: port closed: %ld, ring unmapped: %d\n", closed, unmapped);
	guest_shutdown(!closed && unmapped == GNTST_okay ? SHUTDOWN_poweroff : SHUTDOWN_crash);
}
