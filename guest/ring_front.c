// SPDX-License-Identifier: MIT
/*
 * The I/O ring's frontend (`ring-front=N`, an unprivileged domain with
 * `peer-domid=D`; guest/include/guest/ring.h has the layout).  It grants
 * a fresh ring page to D at RING_GREF, allocates a port for D, and waits
 * for the backend's "connected" event.  Then:
 *
 *   ring_rtt        `ring-trips=T` requests (1000) one at a time, each
 *                   timed from its queueing to its response;
 *   ring_pipelined  N requests with the ring kept as full as it goes;
 *   a close request, answered last, after which the backend unmaps the
 *   ring and closes its end.
 *
 * Both phases print the bench lines of guest/include/guest/bench.h (for
 * bench/ring.py).  Every response is checked: its id must be one we sent
 * and not answered yet, its result the backend's work on our argument.  At
 * the end every id must have come back exactly once; the line says how
 * many came back out of order (an id below the one before it), how many
 * notifications we sent and how often we asked for one (rsp_event set).
 * We wait until the backend has unmapped the ring (the grant can be ended)
 * and its close left our port unbound, close our port and power off.
 */
#include <xen/errno.h>

#include <guest/evtchn.h>
#include <guest/gnttab.h>
#include <guest/ring.h>
#include <guest/test.h>

#define MAX_REQUESTS (1UL << 18)	/* ids we can tell apart (a 32 KiB bitmap) */
#define MAX_TRIPS 10000UL
#define END_YIELDS 2000000UL

static uint64_t answered_ids[MAX_REQUESTS / 64];
static uint64_t trips[MAX_TRIPS];

struct front {
	struct kring_front_ring ring;
	evtchn_port_t port;
	uint64_t next_id;	/* of the next request */
	uint64_t last_id;	/* of the last response */
	unsigned long answers, duplicates, unknown, wrong, out_of_order;
	unsigned long notifies, arms, waits;
};

static void front_connect(struct front *f, domid_t peer)
{
	unsigned long pfn, idx;
	struct kring_sring *s;
	long rc;

	if (!gt_init())
		ring_fail("ring-front", "setting up our grant table", -XEN_EINVAL);
	if (!(pfn = pool_alloc(true)) || !(idx = gt_fresh_page()) ||
	    (rc = scratch_map(&mm_scratch, idx, pfn_mfn(pfn), DATA_RW)))
		ring_fail("ring-front", "mapping a ring page", -XEN_ENOMEM);
	s = (struct kring_sring *)gt_page_va(idx);
	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&f->ring, s, GUEST_PAGE_SIZE);
	if ((rc = ev_alloc_unbound(DOMID_SELF, peer, &f->port)))
		ring_fail("ring-front", "alloc_unbound", rc);
	gt_grant(RING_GREF, peer, pfn_mfn(pfn), GTF_permit_access);
	guest_printf("ring-front: %u slots granted to domain %u at ref %u, port %u\n",
		     RING_SIZE(&f->ring), peer, RING_GREF, f->port);
	ev_wait_port(f->port);
	guest_printf("ring-front: backend connected\n");
}

static void queue(struct front *f, uint32_t op)
{
	struct kring_request *req = RING_GET_REQUEST(&f->ring, f->ring.req_prod_pvt);

	req->id = f->next_id;
	req->op = op;
	req->pad = 0;
	req->arg = kring_arg(f->next_id);
	f->next_id++;
	f->ring.req_prod_pvt++;
}

static void push(struct front *f)
{
	int notify;
	long rc;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->ring, notify);
	if (!notify)
		return;
	f->notifies++;
	if ((rc = ev_send(f->port)))
		ring_fail("ring-front", "send", rc);
}

/* One response, copied out of the ring: is it an answer we are owed? */
static void check(struct front *f, const struct kring_response *rsp)
{
	uint64_t id = rsp->id, bit = 1UL << (id % 64);

	if (id >= f->next_id) {
		f->unknown++;
		return;
	}
	if (answered_ids[id / 64] & bit) {
		f->duplicates++;
		return;
	}
	answered_ids[id / 64] |= bit;
	f->answers++;
	if (rsp->status || rsp->result != kring_work(kring_arg(id)))
		f->wrong++;
	if (id < f->last_id)
		f->out_of_order++;
	f->last_id = id;
}

/* Take every response there is: how many. */
static unsigned long take(struct front *f)
{
	RING_IDX rp = f->ring.sring->rsp_prod, n = 0;

	xen_rmb();	/* the responses, after the index that covers them */
	if ((RING_IDX)(rp - f->ring.rsp_cons) > (RING_IDX)(f->ring.req_prod_pvt - f->ring.rsp_cons))
		ring_fail("ring-front", "the backend's rsp_prod is past our requests", rp);
	for (; f->ring.rsp_cons != rp; f->ring.rsp_cons++, n++) {
		struct kring_response rsp;

		RING_COPY_RESPONSE(&f->ring, f->ring.rsp_cons, &rsp);
		check(f, &rsp);
	}
	return n;
}

/* Nothing to take: ask for a notification (rsp_event), sleep unless one came meanwhile. */
static void await_responses(struct front *f)
{
	int more;

	if (!RING_HAS_UNCONSUMED_RESPONSES(&f->ring))
		f->arms++;
	RING_FINAL_CHECK_FOR_RESPONSES(&f->ring, more);
	if (!more) {
		f->waits++;
		ev_wait_port(f->port);
	}
}

/* One request of op, pushed alone; back when its response is. */
static void round_trip(struct front *f, uint32_t op)
{
	queue(f, op);
	push(f);
	while (!take(f))
		await_responses(f);
}

static void phase_rtt(struct front *f, unsigned long n)
{
	uint64_t start;

	guest_printf("bench-begin ring_rtt\n");
	start = tsc_read();
	for (unsigned long i = 0; i < n; i++) {
		uint64_t t0 = tsc_read();

		round_trip(f, KRING_OP_WORK);
		trips[i] = tsc_read() - t0;
	}
	guest_printf("bench-end ring_rtt unit=op ops=%lu tsc=%lu\n", n,
		     (unsigned long)(tsc_read() - start));
	sort_u64(trips, n);
	guest_printf("ring-front: %lu round trips one at a time, median %lu cycles, "
		     "min %lu, max %lu, 90th percentile %lu, 99th %lu\n", n,
		     (unsigned long)trips[n / 2], (unsigned long)trips[0],
		     (unsigned long)trips[n - 1], (unsigned long)trips[n * 9 / 10],
		     (unsigned long)trips[n * 99 / 100]);
}

static void phase_pipelined(struct front *f, unsigned long n)
{
	unsigned long sent = 0, target = f->answers + n;
	unsigned int most = 0;
	uint64_t start;

	guest_printf("bench-begin ring_pipelined\n");
	start = tsc_read();
	while (f->answers < target) {
		while (sent < n && !RING_FULL(&f->ring)) {
			queue(f, KRING_OP_WORK);
			sent++;
		}
		if (f->ring.req_prod_pvt - f->ring.rsp_cons > most)
			most = f->ring.req_prod_pvt - f->ring.rsp_cons;
		push(f);
		if (!take(f))
			await_responses(f);
		if (f->unknown || f->duplicates)
			break;	/* answers would never add up: report below */
	}
	guest_printf("bench-end ring_pipelined unit=op ops=%lu tsc=%lu\n", n,
		     (unsigned long)(tsc_read() - start));
	guest_printf("ring-front: %lu requests pipelined, at most %u in flight\n", n, most);
}

static unsigned long missing_ids(uint64_t total)
{
	unsigned long missing = 0;

	for (uint64_t id = 0; id < total; id++)
		missing += !(answered_ids[id / 64] & (1UL << (id % 64)));
	return missing;
}

/* The backend unmaps the ring and closes its end after the close request. */
static bool front_disconnect(struct front *f, domid_t peer)
{
	struct evtchn_status st;
	unsigned long n;
	bool ended = false;

	for (n = 0; n < END_YIELDS && !(ended = gt_end(RING_GREF)); n++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	bool unbound = !ev_status(DOMID_SELF, f->port, &st) &&
		       st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == peer;
	long closed = ev_close(f->port);

	guest_printf("ring-front: ring grant %s, port %u %s, closed: %ld\n",
		     ended ? "ended (the backend unmapped it)" : "STILL MAPPED",
		     f->port, unbound ? "unbound by the backend's close" : "NOT unbound",
		     closed);
	return ended && unbound && !closed;
}

void ring_front(unsigned long requests, unsigned long nr_trips, domid_t peer)
{
	static struct front f;
	unsigned long missing;
	bool ok;

	if (nr_trips < 1 || nr_trips > MAX_TRIPS)
		nr_trips = nr_trips ? MAX_TRIPS : 1;
	if (requests + nr_trips + 1 > MAX_REQUESTS)
		requests = MAX_REQUESTS - nr_trips - 1;
	front_connect(&f, peer);
	phase_rtt(&f, nr_trips);
	phase_pipelined(&f, requests);
	if (!f.unknown && !f.duplicates)
		round_trip(&f, KRING_OP_CLOSE);
	missing = missing_ids(f.next_id);
	guest_printf("ring-front: %lu requests, %lu answers, %lu ids missing, %lu duplicates, "
		     "%lu unknown, %lu wrong results, %lu out of order\n", (unsigned long)f.next_id,
		     f.answers, missing, f.duplicates, f.unknown, f.wrong, f.out_of_order);
	guest_printf("ring-front: notifications: %lu sent, rsp_event set %lu times, %lu waits\n",
		     f.notifies, f.arms, f.waits);
	ok = !missing && !f.duplicates && !f.unknown && !f.wrong &&
	     f.answers == f.next_id;
	/* Without the close's answer the backend still maps the ring: no waiting. */
	guest_shutdown(ok && front_disconnect(&f, peer) ? SHUTDOWN_poweroff : SHUTDOWN_crash);
}
