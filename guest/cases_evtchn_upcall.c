// SPDX-License-Identifier: MIT
/*
 * The evtchn suite, delivery (docs/test-guest.md, "The evtchn suite"):
 * the upcall on the way back from the hypercall that raised the event,
 * with events masked in the handler and unmasked by its iret; the mask at
 * vCPU and at port level; an event raised in the handler arriving right
 * after its iret; events to vCPU 1 (moved there, or its IPI) arriving on
 * vCPU 1; an event entering vCPU 0's kernel from guest user mode;
 * SCHEDOP_block woken by an event and SCHEDOP_poll by its port.
 * vCPU 0 waits for vCPU 1 only by yielding, never with a delay.
 */
#include <xen/errno.h>

#include <guest/evtchn.h>
#include <guest/lib.h>
#include <guest/test.h>

#define SPIN_CYCLES 8000000000UL	/* a spinning vCPU gives up after so long */
#define QUIET_YIELDS 200		/* "still blocked" means: after so many yields */

static struct vcpu_info *v0(void) { return cpu_vcpu(); }

/* A loopback a -> b with b unmasked and nothing pending, notifying vCPU `to`. */
static bool channel_to(unsigned int to, evtchn_port_t *a, evtchn_port_t *b)
{
	ev_quiesce(0);
	ev_quiesce(1);
	ev_rec_reset();
	if (!ev_loopback(a, b))
		return false;
	if (to && ev_bind_vcpu(*b, to)) {
		test_fail("bind_vcpu(%u, %u)", *b, to);
		return false;
	}
	ev_clear_pending(*b);
	ev_clear_mask(*b);
	return true;
}

static void close_pair(evtchn_port_t a, evtchn_port_t b)
{
	ev_quiesce(0);
	test_check(ev_close(a), 0, "close(a)");
	test_check(ev_close(b), 0, "close(b)");
}

/* The frame of an upcall from guest kernel mode at rip, events unmasked before it. */
static void check_frame(unsigned int id, unsigned long rip, const char *what)
{
	volatile struct ev_upcall_rec *r = &ev_rec[id];
	char w[96];

	snprintf(w, sizeof(w), "%s: frame rip (after the syscall)", what);
	test_check((long)r->rip, (long)rip, w);
	snprintf(w, sizeof(w), "%s: frame cs (kernel, RPL 0 shown; saved mask 0)", what);
	test_check((long)r->cs, FLAT_KERNEL_CS & ~3L, w);
	snprintf(w, sizeof(w), "%s: frame IF (events were unmasked)", what);
	test_check((long)(r->rflags & RFLAGS_IF), (long)RFLAGS_IF, w);
	snprintf(w, sizeof(w), "%s: events masked in the handler", what);
	test_check(r->mask_at_entry, 1, w);
}

/* A send to ourselves, events unmasked: the upcall before the next instruction. */
void case_evtchn_upcall_self(void)
{
	evtchn_port_t a, b;

	EXPECT(ev_setup(), "set-up");
	if (!channel_to(0, &a, &b))
		return;
	v0()->evtchn_upcall_mask = 0;	/* nothing is pending: no upcall before the send */
	long rc = ev_send_marked(a);
	unsigned long count = ev_rec[0].count;
	uint8_t mask_after = v0()->evtchn_upcall_mask;
	v0()->evtchn_upcall_mask = 1;
	test_check(rc, 0, "send(a)");
	EXPECT_EQ(count, 1, "upcalls by the time send returned");
	check_frame(0, ev_after_syscall, "send");
	test_check(ev_seen(0, b), 1, "the handler found b pending");
	test_check(ev_rec[0].events, 1, "one event");
	test_check(mask_after, 0, "iret with IF set unmasked events again");
	test_check(v0()->evtchn_upcall_pending, 0, "upcall_pending cleared (by the handler)");
	close_pair(a, b);
}

/* Masked at the vCPU: nothing until it unmasks and enters the hypervisor. At port level: unmask. */
void case_evtchn_upcall_masked(void)
{
	evtchn_port_t a, b;

	EXPECT(ev_setup(), "set-up");
	if (!channel_to(0, &a, &b))
		return;
	EXPECT_EQ(ev_send(a), 0, "send(a), events masked");
	test_check(ev_rec[0].count, 0, "no upcall while masked");
	test_check(v0()->evtchn_upcall_pending, 1, "upcall_pending set");
	v0()->evtchn_upcall_mask = 0;
	/* Any way into the hypervisor and back delivers it now (or an interrupt did). */
	long rc = ev_hypercall_marked(__HYPERVISOR_xen_version, XENVER_version, 0);
	v0()->evtchn_upcall_mask = 1;
	test_check(rc, 0x40011, "xen_version");
	EXPECT_EQ(ev_rec[0].count, 1, "one upcall once unmasked");
	test_check(ev_seen(0, b), 1, "for b");
	if ((long)ev_rec[0].rip != (long)ev_after_syscall)
		TEST_NOTE("upcall came before the hypercall (an interrupt), rip %#lx\n",
			  (unsigned long)ev_rec[0].rip);
	/* Masked at port level, events unmasked: nothing until EVTCHNOP_unmask. */
	ev_rec_reset();
	ev_set_mask(b);
	v0()->evtchn_upcall_mask = 0;
	EXPECT_EQ(ev_send(a), 0, "send(a), b masked");
	test_check(ev_rec[0].count, 0, "no upcall for a masked port");
	test_check(ev_is_pending(b), 1, "b pending");
	struct evtchn_unmask u = { .port = b };
	rc = ev_hypercall_marked(__HYPERVISOR_event_channel_op, EVTCHNOP_unmask,
				 (unsigned long)&u);
	v0()->evtchn_upcall_mask = 1;
	test_check(rc, 0, "unmask(b)");
	EXPECT_EQ(ev_rec[0].count, 1, "the upcall on unmask's way back");
	check_frame(0, ev_after_syscall, "unmask");
	test_check(ev_seen(0, b), 1, "for b");
	close_pair(a, b);
}

static unsigned long nested, in_handler;
static evtchn_port_t again_port;

/* First upcall: raise the event again from the handler (events masked there). */
static bool send_again(unsigned int id, struct cpu_regs *r)
{
	if (in_handler)
		nested++;
	in_handler = 1;
	ev_consume(id, r);
	if (ev_rec[id].count == 0)
		ev_send(again_port);
	in_handler = 0;
	return true;
}

/* An event raised in the handler waits for its iret, then comes at once. */
void case_evtchn_upcall_after_iret(void)
{
	evtchn_port_t a, b;

	EXPECT(ev_setup(), "set-up");
	if (!channel_to(0, &a, &b))
		return;
	nested = in_handler = 0;
	again_port = a;
	ev_hook = send_again;
	v0()->evtchn_upcall_mask = 0;
	long rc = ev_send_marked(a);
	unsigned long count = ev_rec[0].count;
	v0()->evtchn_upcall_mask = 1;
	ev_hook = NULL;
	test_check(rc, 0, "send(a)");
	test_check(count, 2, "two upcalls: the second right after the first's iret");
	test_check(nested, 0, "none inside the handler");
	check_frame(0, ev_after_syscall, "second upcall");
	test_check(ev_rec[0].events, 2, "b twice");
	close_pair(a, b);
}

/* ---- vCPU 1 ---- */

static volatile unsigned long spinning;
static volatile uint64_t spin_waited;

/* On vCPU 1: unmask, say so, spin without a hypercall until an upcall came. */
static void spin_job(void *arg)
{
	struct vcpu_info *vi = smp_vcpu_info(1);
	uint64_t start;

	(void)arg;
	vi->evtchn_upcall_mask = 0;
	start = tsc_read();
	__atomic_store_n(&spinning, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&ev_rec[1].count, __ATOMIC_ACQUIRE) &&
	       tsc_read() - start < SPIN_CYCLES)
		__asm__ volatile("pause");
	spin_waited = tsc_read() - start;
	vi->evtchn_upcall_mask = 1;
}

static bool send_to_spinning_vcpu1(evtchn_port_t send_port, const char *what)
{
	spinning = 0;
	smp_post(1, spin_job, NULL);
	if (!smp_wait_flag(&spinning, SMP_WAIT_YIELDS)) {
		test_fail("%s: vCPU 1 never started spinning", what);
		return false;
	}
	uint64_t t0 = tsc_read();
	if (ev_send(send_port)) {
		test_fail("%s: send failed", what);
		return false;
	}
	if (!smp_wait_job(1))
		return false;
	TEST_NOTE("%s: vCPU 1 took the upcall %lu cycles after the send (it spun %lu)\n",
		  what, (unsigned long)(ev_rec[1].tsc - t0), (unsigned long)spin_waited);
	return true;
}

/* A port moved to vCPU 1, and an IPI of vCPU 1: the upcall on vCPU 1, not on vCPU 0. */
void case_evtchn_upcall_vcpu1(void)
{
	evtchn_port_t a, b, ipi;

	EXPECT(ev_setup(), "set-up");
	if (!channel_to(1, &a, &b))
		return;
	if (!send_to_spinning_vcpu1(a, "bind_vcpu"))
		return;
	test_check(ev_rec[1].count, 1, "one upcall on vCPU 1");
	test_check(ev_seen(1, b), 1, "for b");
	test_check(ev_rec[1].mask_at_entry, 1, "vCPU 1's events masked in its handler");
	test_check(ev_rec[0].count, 0, "none on vCPU 0");
	test_check(v0()->evtchn_upcall_pending, 0, "vCPU 0 was not told");
	close_pair(a, b);
	ev_quiesce(1);
	ev_rec_reset();
	EXPECT_EQ(ev_bind_ipi(1, &ipi), 0, "bind_ipi(1)");
	ev_clear_pending(ipi);
	ev_clear_mask(ipi);
	if (!send_to_spinning_vcpu1(ipi, "IPI"))
		return;
	test_check(ev_rec[1].count, 1, "one upcall on vCPU 1");
	test_check(ev_seen(1, ipi), 1, "for the IPI port");
	test_check(ev_rec[0].count, 0, "none on vCPU 0");
	ev_quiesce(0);
	test_check(ev_close(ipi), 0, "close(ipi)");
}

static volatile unsigned long in_user;
static volatile long user_send_rc;
static volatile uint64_t user_frame_cs;
extern char user_prog_wait_event[];

#define USER_MARK 0xe7e7UL
#define USER_CYCLES 8000000000UL	/* the user program gives up after so long */

/* On vCPU 1: once vCPU 0 is about to enter user mode, send to it. */
static void send_to_user_job(void *arg)
{
	smp_wait_flag(&in_user, SMP_WAIT_YIELDS);
	user_send_rc = ev_send((evtchn_port_t)(unsigned long)arg);
}

/* vCPU 0's handler: an upcall that interrupted user mode marks its r12. */
static bool mark_user(unsigned int id, struct cpu_regs *r)
{
	if (id == 0 && (r->cs & 3) == 3) {
		user_frame_cs = r->cs;
		r->r12 = USER_MARK;
	}
	return false;	/* and consume as usual */
}

/* An event while vCPU 0 runs in guest user mode: the upcall enters its kernel from there. */
void case_evtchn_upcall_user(void)
{
	evtchn_port_t a, b;
	unsigned long entry = user_va(user_prog_wait_event);
	uint64_t cycles = USER_CYCLES;

	EXPECT(ev_setup(), "set-up");
	if (!channel_to(0, &a, &b))
		return;
	in_user = 0;
	user_send_rc = -1;
	user_frame_cs = 0;
	ev_hook = mark_user;
	smp_post(1, send_to_user_job, (void *)(unsigned long)a);
	__atomic_store_n(&in_user, 1, __ATOMIC_RELEASE);
	bool ran = user_run(1, &entry, &cycles);
	v0()->evtchn_upcall_mask = 1;
	ev_hook = NULL;
	EXPECT(ran, "the user program did not run");
	if (!smp_wait_job(1))
		return;
	test_check(user_send_rc, 0, "vCPU 1's send");
	test_check((long)user_procs[0].exit_value, (long)USER_MARK,
		   "the user program saw the handler's mark (it was interrupted)");
	test_check((long)user_frame_cs, FLAT_USER_CS_, "frame cs: user mode, saved mask 0");
	test_check(ev_rec[0].count, 1, "one upcall on vCPU 0");
	test_check(ev_seen(0, b), 1, "for b");
	close_pair(a, b);
}

static volatile long block_rc;

static void block_job(void *arg)
{
	struct vcpu_info *vi = smp_vcpu_info(1);

	(void)arg;
	block_rc = HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	block_rc |= (long)vi->evtchn_upcall_mask << 8;	/* block unmasked, the iret kept it so */
	vi->evtchn_upcall_mask = 1;
}

/* Wait (yielding) until vCPU 1 is blocked; false after SMP_WAIT_YIELDS. */
static bool wait_blocked(void)
{
	struct vcpu_runstate_info r;

	for (unsigned long i = 0; i < SMP_WAIT_YIELDS; i++) {
		if (smp_runstate(1, &r) == 0 && r.state == RUNSTATE_blocked)
			return true;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	test_fail("vCPU 1 never blocked");
	return false;
}

/* Is vCPU 1 still blocked after QUIET_YIELDS of ours, its job not done? */
static bool stays_blocked(void)
{
	struct vcpu_runstate_info r;

	for (unsigned int i = 0; i < QUIET_YIELDS; i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	return smp_runstate(1, &r) == 0 && r.state == RUNSTATE_blocked && !smp_job_done(1);
}

/* SCHEDOP_block ends with an event: at once if one is pending, else when one comes. */
void case_evtchn_block_wakes(void)
{
	evtchn_port_t a, b;

	EXPECT(ev_setup(), "set-up");
	if (!channel_to(0, &a, &b))
		return;
	/* vCPU 0, an event pending while masked: block returns at once, with the upcall. */
	EXPECT_EQ(ev_send(a), 0, "send(a), masked");
	long rc = ev_hypercall_marked(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
	uint8_t mask = v0()->evtchn_upcall_mask;
	v0()->evtchn_upcall_mask = 1;
	test_check(rc, 0, "block with an event pending");
	EXPECT_EQ(ev_rec[0].count, 1, "the upcall on block's way back (block unmasks)");
	check_frame(0, ev_after_syscall, "block");
	test_check(mask, 0, "events unmasked after block");
	close_pair(a, b);
	/* vCPU 1 blocks; an event to it wakes it. */
	if (!channel_to(1, &a, &b))
		return;
	smp_post(1, block_job, NULL);
	if (!wait_blocked())
		return;
	test_check(smp_job_done(1), 0, "block has not returned");
	test_check(smp_vcpu_info(1)->evtchn_upcall_mask, 0, "block unmasked vCPU 1's events");
	EXPECT_EQ(ev_send(a), 0, "send to vCPU 1");
	if (!smp_wait_job(1))
		return;
	test_check(block_rc, 0, "block returned 0, events still unmasked after the upcall");
	test_check(ev_rec[1].count, 1, "vCPU 1 took the upcall");
	test_check(ev_seen(1, b), 1, "for b");
	close_pair(a, b);
}

/* SCHEDOP_poll's answers without sleeping (events masked throughout). */
void case_evtchn_poll(void)
{
	struct sched_poll sp = { .nr_ports = 1, .timeout = 0 };
	evtchn_port_t a, b, c, d, list[2];

	EXPECT(ev_setup(), "set-up");
	ev_quiesce(0);
	if (!ev_loopback(&a, &b) || !ev_loopback(&c, &d))
		return;
	ev_clear_pending(d);
	set_xen_guest_handle(sp.ports, list);
	list[0] = b;	/* pending since its binding */
	test_check(HYPERVISOR_sched_op(SCHEDOP_poll, &sp), 0, "a pending port: at once");
	ev_clear_pending(b);
	sp.timeout = 1;	/* 1 ns after boot: long past */
	test_check(HYPERVISOR_sched_op(SCHEDOP_poll, &sp), 0,
		   "nothing pending, a deadline already past");
	sp.nr_ports = 0;
	test_check(HYPERVISOR_sched_op(SCHEDOP_poll, &sp), 0, "no ports, a past deadline");
	sp.nr_ports = 129;
	test_check(HYPERVISOR_sched_op(SCHEDOP_poll, &sp), -XEN_EINVAL, "129 ports");
	sp.nr_ports = 1;
	static const evtchn_port_t refused[] = { 4096, 0xffffffffu, 0, 63 };
	for (unsigned int i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char w[48];
		list[0] = refused[i];
		snprintf(w, sizeof(w), "port %u", refused[i]);
		test_check(HYPERVISOR_sched_op(SCHEDOP_poll, &sp), -XEN_EINVAL, w);
	}
	/* Every port is looked at, in order, until one answers. */
	sp.nr_ports = 2;
	list[0] = d;
	list[1] = 4096;
	test_check(HYPERVISOR_sched_op(SCHEDOP_poll, &sp), -XEN_EINVAL, "not pending, then 4096");
	EXPECT_EQ(ev_send(a), 0, "send(a)");
	list[1] = b;
	test_check(HYPERVISOR_sched_op(SCHEDOP_poll, &sp), 0, "not pending, then pending");
	list[0] = b;
	list[1] = 4096;
	test_check(HYPERVISOR_sched_op(SCHEDOP_poll, &sp), 0, "pending, then 4096: at once");
	sp.nr_ports = 1;
	set_xen_guest_handle(sp.ports, (evtchn_port_t *)SMP_UNMAPPED);
	test_check(HYPERVISOR_sched_op(SCHEDOP_poll, &sp), -XEN_EFAULT, "ports unmapped");
	set_xen_guest_handle(sp.ports, (evtchn_port_t *)EV_HYP_ADDR);
	test_check(HYPERVISOR_sched_op(SCHEDOP_poll, &sp), -XEN_EFAULT, "ports in the hypervisor");
	test_check(HYPERVISOR_sched_op(SCHEDOP_poll, SMP_UNMAPPED), -XEN_EFAULT,
		   "the argument unmapped");
	close_pair(a, b);
	test_check(ev_close(c), 0, "close(c)");
	test_check(ev_close(d), 0, "close(d)");
}

static evtchn_port_t poll_list[2];
static volatile long poll_rc;

static void poll_job(void *arg)
{
	struct sched_poll sp = { .nr_ports = (unsigned int)(unsigned long)arg, .timeout = 0 };

	set_xen_guest_handle(sp.ports, poll_list);
	poll_rc = HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
}

/* vCPU 1 polls: an event on another port leaves it asleep, one on its port wakes it. */
void case_evtchn_poll_wakes(void)
{
	evtchn_port_t a, b, c, d;

	EXPECT(ev_setup(), "set-up");
	ev_quiesce(0);
	ev_quiesce(1);
	ev_rec_reset();
	if (!ev_loopback(&a, &b) || !ev_loopback(&c, &d))
		return;
	ev_clear_pending(b);
	ev_clear_pending(d);
	poll_list[0] = b;
	poll_rc = -1;
	smp_post(1, poll_job, (void *)1UL);
	if (!wait_blocked())
		return;
	EXPECT_EQ(ev_send(c), 0, "send(c): d, not polled for");
	test_check(stays_blocked(), 1, "vCPU 1 still polling");
	EXPECT_EQ(ev_send(a), 0, "send(a): b, polled for (masked: no upcall)");
	if (!smp_wait_job(1))
		return;
	test_check(poll_rc, 0, "poll returned 0");
	test_check(ev_rec[1].count, 0, "no upcall (masked)");
	/* No ports: any port of the domain wakes it. */
	ev_clear_pending(b);
	ev_clear_pending(d);
	poll_rc = -1;
	smp_post(1, poll_job, (void *)0UL);
	if (!wait_blocked())
		return;
	EXPECT_EQ(ev_send(c), 0, "send(c)");
	if (!smp_wait_job(1))
		return;
	test_check(poll_rc, 0, "poll with no ports returned 0");
	close_pair(a, b);
	test_check(ev_close(c), 0, "close(c)");
	test_check(ev_close(d), 0, "close(d)");
}
