// SPDX-License-Identifier: MIT
/*
 * The evtchn suite's infrastructure (guest/include/guest/evtchn.h): the
 * command helpers, loopback channels, shared_info's bits, and the C side
 * of the upcall, which records what it was given and consumes the events
 * the way Linux's 2-level handler does: clear upcall_pending, take the
 * selector word, then for each word it names take the pending, unmasked
 * bits, clearing each before it is handled.
 */
#include <xen/errno.h>

#include <guest/evtchn.h>
#include <guest/lib.h>
#include <guest/test.h>

volatile struct ev_upcall_rec ev_rec[SMP_MAX_VCPUS];
volatile ev_hook_t ev_hook;
volatile unsigned long ev_after_syscall;

/* ---- Commands ---- */

#define OP(cmd, arg) HYPERVISOR_event_channel_op((cmd), (arg))

long ev_alloc_unbound(domid_t dom, domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
	long rc = OP(EVTCHNOP_alloc_unbound, &a);

	if (!rc && port)
		*port = a.port;
	return rc;
}

long ev_bind_interdomain(domid_t remote, evtchn_port_t rport, evtchn_port_t *port)
{
	struct evtchn_bind_interdomain b = { .remote_dom = remote, .remote_port = rport };
	long rc = OP(EVTCHNOP_bind_interdomain, &b);

	if (!rc && port)
		*port = b.local_port;
	return rc;
}

long ev_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
	long rc = OP(EVTCHNOP_bind_virq, &b);

	if (!rc && port)
		*port = b.port;
	return rc;
}

long ev_bind_ipi(uint32_t vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_ipi b = { .vcpu = vcpu };
	long rc = OP(EVTCHNOP_bind_ipi, &b);

	if (!rc && port)
		*port = b.port;
	return rc;
}

long ev_close(evtchn_port_t port)
{
	struct evtchn_close c = { .port = port };

	return OP(EVTCHNOP_close, &c);
}

long ev_send(evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };

	return OP(EVTCHNOP_send, &s);
}

long ev_status(domid_t dom, evtchn_port_t port, struct evtchn_status *st)
{
	memset(st, 0, sizeof(*st));
	st->dom = dom;
	st->port = port;
	return OP(EVTCHNOP_status, st);
}

long ev_unmask(evtchn_port_t port)
{
	struct evtchn_unmask u = { .port = port };

	return OP(EVTCHNOP_unmask, &u);
}

long ev_bind_vcpu(evtchn_port_t port, uint32_t vcpu)
{
	struct evtchn_bind_vcpu b = { .port = port, .vcpu = vcpu };

	return OP(EVTCHNOP_bind_vcpu, &b);
}

long ev_reset(domid_t dom)
{
	struct evtchn_reset r = { .dom = dom };

	return OP(EVTCHNOP_reset, &r);
}

bool ev_loopback(evtchn_port_t *a, evtchn_port_t *b)
{
	long rc = ev_alloc_unbound(DOMID_SELF, DOMID_SELF, a);

	if (rc) {
		test_fail("alloc_unbound(self, self): %ld", rc);
		return false;
	}
	rc = ev_bind_interdomain(DOMID_SELF, *a, b);
	if (rc) {
		test_fail("bind_interdomain(self, %u): %ld", *a, rc);
		return false;
	}
	return true;
}

long ev_own_domid(void)
{
	struct evtchn_status st;
	evtchn_port_t p;
	long rc = ev_alloc_unbound(DOMID_SELF, DOMID_SELF, &p);

	if (rc)
		return rc;
	rc = ev_status(DOMID_SELF, p, &st);
	ev_close(p);
	return rc ? rc : st.u.unbound.dom;
}

long ev_state(evtchn_port_t port)
{
	struct evtchn_status st;
	long rc = ev_status(DOMID_SELF, port, &st);

	return rc ? rc : (long)st.status;
}

void ev_wait_port(evtchn_port_t port)
{
	struct sched_poll sp = { .nr_ports = 1, .timeout = 0 };

	set_xen_guest_handle(sp.ports, &port);
	while (!ev_is_pending(port))
		HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
	ev_clear_pending(port);
}

evtchn_port_t ev_find_peer_port(domid_t peer, domid_t self, unsigned long yields)
{
	struct evtchn_status st;

	for (unsigned long i = 0; i < yields; i++) {
		for (evtchn_port_t p = 1; ev_status(peer, p, &st) == 0; p++)
			if (st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == self)
				return p;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	return 0;
}

/* ---- shared_info ---- */

static xen_ulong_t *word(xen_ulong_t *bitmap, evtchn_port_t port)
{
	return &bitmap[(port / 64) % 64];
}

static xen_ulong_t bitof(evtchn_port_t port)
{
	return 1UL << (port % 64);
}

bool ev_is_pending(evtchn_port_t port)
{
	return __atomic_load_n(word(cpu_shared_info()->evtchn_pending, port),
			       __ATOMIC_SEQ_CST) & bitof(port);
}

bool ev_is_masked(evtchn_port_t port)
{
	return __atomic_load_n(word(cpu_shared_info()->evtchn_mask, port),
			       __ATOMIC_SEQ_CST) & bitof(port);
}

void ev_set_mask(evtchn_port_t port)
{
	__atomic_fetch_or(word(cpu_shared_info()->evtchn_mask, port), bitof(port),
			  __ATOMIC_SEQ_CST);
}

void ev_clear_mask(evtchn_port_t port)
{
	__atomic_fetch_and(word(cpu_shared_info()->evtchn_mask, port), ~bitof(port),
			   __ATOMIC_SEQ_CST);
}

void ev_clear_pending(evtchn_port_t port)
{
	__atomic_fetch_and(word(cpu_shared_info()->evtchn_pending, port),
			   ~bitof(port), __ATOMIC_SEQ_CST);
}

static struct vcpu_info *vinfo(unsigned int id)
{
	return id ? smp_vcpu_info(id) : cpu_vcpu();
}

void ev_quiesce(unsigned int id)
{
	struct shared_info *s = cpu_shared_info();
	struct vcpu_info *vi = vinfo(id);

	for (unsigned int w = 0; w < 64; w++) {
		__atomic_store_n(&s->evtchn_mask[w], ~0UL, __ATOMIC_SEQ_CST);
		__atomic_store_n(&s->evtchn_pending[w], 0, __ATOMIC_SEQ_CST);
	}
	__atomic_store_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
}

/* ---- The upcall ---- */

void ev_rec_reset(void)
{
	ev_hook = NULL;
	memset((void *)ev_rec, 0, sizeof(ev_rec));
}

bool ev_seen(unsigned int id, evtchn_port_t port)
{
	return (ev_rec[id].seen[(port / 64) % 64] >> (port % 64)) & 1;
}

void ev_consume(unsigned int id, struct cpu_regs *r)
{
	struct shared_info *s = cpu_shared_info();
	struct vcpu_info *vi = vinfo(id);
	volatile struct ev_upcall_rec *rec = &ev_rec[id];

	(void)r;
	__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
	xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned int w = (unsigned int)__builtin_ctzl(sel);
		xen_ulong_t pend;

		sel &= sel - 1;
		pend = __atomic_load_n(&s->evtchn_pending[w], __ATOMIC_SEQ_CST) &
		       ~__atomic_load_n(&s->evtchn_mask[w], __ATOMIC_SEQ_CST);
		while (pend) {
			unsigned int b = (unsigned int)__builtin_ctzl(pend);

			pend &= pend - 1;
			__atomic_fetch_and(&s->evtchn_pending[w], ~(1UL << b), __ATOMIC_SEQ_CST);
			rec->seen[w] |= 1UL << b;
			rec->last_port = w * 64 + b;
			rec->events++;
		}
	}
}

/* Called by guest/evtchn_entry.S on the interrupted stack, events masked. */
void evtchn_upcall(struct cpu_regs *r);
void evtchn_upcall(struct cpu_regs *r)
{
	unsigned int id = smp_self();
	volatile struct ev_upcall_rec *rec = &ev_rec[id];
	ev_hook_t hook = ev_hook;

	rec->tsc = tsc_read();
	rec->mask_at_entry = vinfo(id)->evtchn_upcall_mask;
	rec->rip = r->rip;
	rec->cs = r->cs;
	rec->rflags = r->rflags;
	if (!hook || !hook(id, r))
		ev_consume(id, r);
	__atomic_add_fetch(&rec->count, 1, __ATOMIC_RELEASE);
}

long ev_register_callback(void)
{
	struct callback_register cb = {
		.type = CALLBACKTYPE_event,
		.address = (unsigned long)evtchn_upcall_entry,
	};

	return HYPERVISOR_callback_op(CALLBACKOP_register, &cb);
}

long ev_hypercall_marked(unsigned long nr, unsigned long a1, unsigned long a2)
{
	register unsigned long r10 __asm__("r10") = 0;
	register unsigned long r8 __asm__("r8") = 0;
	register unsigned long r9 __asm__("r9") = 0;
	unsigned long a3 = 0;
	long ret;

	__asm__ volatile("movq $7701f, ev_after_syscall(%%rip)\n\t"
			 "syscall\n"
			 "7701:"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3),
			   "+r"(r10), "+r"(r8), "+r"(r9)
			 : "0"(nr)
			 : "rcx", "r11", "memory");
	return ret;
}

long ev_send_marked(evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };

	return ev_hypercall_marked(__HYPERVISOR_event_channel_op, EVTCHNOP_send,
				   (unsigned long)&s);
}

/* ---- Set-up ---- */

static void register_job(void *arg)
{
	*(long *)arg = ev_register_callback();
}

/* vCPU 1 may be blocked for good by the smp suite: an event to it ends that. */
static bool wake_worker(void)
{
	evtchn_port_t a, b;

	if (smp_job_done(1))
		return true;
	smp_vcpu_info(1)->evtchn_upcall_mask = 1;	/* it has no callback of ours yet */
	if (!ev_loopback(&a, &b) || ev_bind_vcpu(b, 1))
		return false;
	ev_clear_pending(b);
	ev_clear_mask(b);	/* a masked port would only be marked pending */
	ev_send(a);
	bool ok = smp_wait_job(1);
	ev_close(a);
	ev_close(b);
	return ok;
}

bool ev_setup(void)
{
	static bool ready;
	long rc;

	if (ready)
		return true;
	if (!cpu_init())
		return false;
	rc = ev_register_callback();
	if (rc) {
		test_fail("registering the event callback: %ld", rc);
		return false;
	}
	ev_quiesce(0);
	smp_vcpus_found = smp_nr_vcpus();
	if (smp_vcpus_found < 2) {
		test_fail("%u vCPU(s): the evtchn suite needs 2 (vcpus=2, dom0_max_vcpus=2)",
			  smp_vcpus_found);
		return false;
	}
	if (!(smp_worker_alive(1) ? wake_worker() : smp_start_worker(1)))
		return false;
	smp_vcpu_info(1)->evtchn_upcall_mask = 1;
	if (!smp_run(1, register_job, &rc))
		return false;
	if (rc) {
		test_fail("registering vCPU 1's event callback: %ld", rc);
		return false;
	}
	ev_rec_reset();
	ready = true;
	return true;
}
