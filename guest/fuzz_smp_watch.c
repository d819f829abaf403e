// SPDX-License-Identifier: MIT
/*
 * dom0's side of the two-domain concurrent mode (word `fuzz-smp-watch`,
 * instead of the suite): beside one domU running `fuzz-smp=N
 * fuzz-smp-sync`, every vCPU of dom0 makes foreign calls at the domU's
 * frames (guest/fuzz_smp_foreign.c) while the domU's vCPUs fire at them
 * too.  The two domains meet through the domU's rendezvous page
 * (guest/fuzz_smp.h), found through the M2P at the pfn it has in our own
 * image and mapped writable: when the domU says a round is done (its vCPUs
 * have stopped), dom0's vCPUs stop too, vCPU 0 runs Koan's frame check on
 * the quiet machine -- it must find nothing -- and says so, and both go on.
 * After the domU's last round dom0 keeps going while the domU powers off
 * and is torn down (taking nothing new once it is dying), lets go of
 * everything, waits until the domU is gone, checks once more, prints
 *   fuzz-smp-watch: done: domain D, R rounds checked, C checks, P problems, F foreign calls, U failures
 * and its coverage, and powers off; any problem crashes dom0 instead.
 */
#include <xen/errno.h>

#include <guest/fuzz.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/smp.h>

#include "fuzz_smp.h"

#define WATCH_SLOT 12		/* our L1 for foreign mappings */
#define RV_ENTRY 511		/* ... whose last entry maps the rendezvous page */
#define FIND_TRIES 20000	/* scans of the M2P, a few yields apart */
#define TEARDOWN_STEPS 400	/* per vCPU, while the domU dies */

static struct {
	domid_t peer;
	long initial;		/* its reservation at the start */
	struct scratch sp;
	struct fsmp_rendezvous *rv;	/* our mapping of its page */
	unsigned int nr_vcpus;
	unsigned long seed, checked, problems;
	unsigned long stop;	/* vCPU 0 to the others: a check is due */
	unsigned long end;	/* ... and the rounds are over */
	bool died;		/* the domU went before its last round */
	struct fsmp_barrier stopped, resumed;
} w;

static void failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failed(const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	guest_printf("fuzz-smp-watch: vCPU %u: %s: FAILED\n", smp_self(), what);
	if (w.rv)	/* the domU stops waiting for us */
		fsmp_store(&w.rv->watcher, FSMP_RV_ABORTED);
	guest_shutdown(SHUTDOWN_crash);
}

static long reservation_of(domid_t id)
{
	domid_t arg = id;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &arg);
}

/* The first other domain (ids 1..8). */
static bool find_peer(void)
{
	for (domid_t id = 1; id <= 8; id++)
		if ((w.initial = reservation_of(id)) >= 0) {
			w.peer = id;
			return true;
		}
	return false;
}

/* Dying: its reservation fell below half, or it is gone. */
static bool peer_alive(void)
{
	long now = reservation_of(w.peer);

	return now >= 0 && now * 2 >= w.initial;
}

/* A frame of the peer at the rendezvous pfn, mapped, with the magic. */
static bool map_rendezvous(void)
{
	unsigned long pfn = guest_va_to_pfn(fsmp_rendezvous_page());
	uint64_t pte_ma = scratch_pte_ma(&w.sp, RV_ENTRY);
	struct mmu_update r = { .ptr = pte_ma };
	struct fsmp_rendezvous *rv = (void *)scratch_va(&w.sp, RV_ENTRY);

	for (unsigned long mfn = 0x100; mfn < mm.max_ram_page; mfn++) {
		if (m2p_read(mfn) != pfn || mm_mfn_is_ours(mfn))
			continue;
		r.val = pte_make(mfn, DATA_RW);
		if (HYPERVISOR_mmu_update(&r, 1, NULL, w.peer))
			continue;
		mmuext1(MMUEXT_INVLPG_LOCAL, (unsigned long)rv, 0);
		if (fsmp_load(&rv->magic) == FSMP_RV_MAGIC && rv->pfn == pfn) {
			w.rv = rv;
			return true;
		}
		mmu_update1(pte_ma, 0);
	}
	return false;
}

static void setup(void)
{
	unsigned long tries;

	w.seed = fuzz_arg("fuzz-seed", 1) + 1000;
	w.sp.slot = WATCH_SLOT;
	if (!mm_init() || !scratch_ensure(&w.sp, 0))
		failed("setup (tables)");
	if (!find_peer())
		failed("no other domain");
	for (tries = 0; tries < FIND_TRIES && !map_rendezvous(); tries++)
		for (unsigned int i = 0; i < 100; i++)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	if (tries == FIND_TRIES)
		failed("domain %u's rendezvous page never showed up", w.peer);
	fsmp_foreign_setup(w.peer, w.rv, &w.sp);
	w.nr_vcpus = fsmp_start_workers(SMP_MAX_VCPUS);
	guest_printf("fuzz-smp-watch: domain %u, %lu rounds, %u vCPUs of ours\n",
		     w.peer, (unsigned long)w.rv->rounds, w.nr_vcpus);
	fsmp_store(&w.rv->watcher, 1);
}

/* vCPU 0 between steps: is a check due (or is the domU gone)? */
static void watch_peer(unsigned long step)
{
	if (fsmp_load(&w.rv->round_done) > w.checked) {
		__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
	} else if (step % 64 == 0 && !peer_alive()) {
		w.died = true;
		__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
	}
}

/* vCPU 0, every vCPU of both domains stopped: check, then let the domU on. */
static void check_round(void)
{
	uint64_t done = fsmp_load(&w.rv->round_done);
	long problems;

	if (w.died) {
		guest_printf("fuzz-smp-watch: domain %u died after %lu rounds\n",
			     w.peer, w.checked);
		__atomic_store_n(&w.end, 1, __ATOMIC_RELEASE);
		return;
	}
	problems = fuzz_check();
	if (problems)
		failed("after round %lu of domain %u: the frame check says %ld",
		       (unsigned long)done, w.peer, problems);
	w.checked = done;
	fsmp_store(&w.rv->round_checked, done);
	if (done >= fsmp_load(&w.rv->rounds))
		__atomic_store_n(&w.end, 1, __ATOMIC_RELEASE);
}

static void watch_vcpu(unsigned int id)
{
	unsigned long step = 0;

	fuzz_seed_stream(w.seed, id);
	for (;;) {
		while (!__atomic_load_n(&w.stop, __ATOMIC_ACQUIRE)) {
			fsmp_foreign_step(id, true);
			if (id == 0)
				watch_peer(++step);
		}
		if (!fsmp_barrier(&w.stopped, w.nr_vcpus))
			failed("the others never stopped");
		if (id == 0) {
			check_round();
			__atomic_store_n(&w.stop, 0, __ATOMIC_RELEASE);
		}
		if (!fsmp_barrier(&w.resumed, w.nr_vcpus))
			failed("the others never went on");
		if (__atomic_load_n(&w.end, __ATOMIC_ACQUIRE))
			break;
	}
	/* Its last round is checked: it powers off now; race its teardown. */
	for (unsigned long i = 0; i < TEARDOWN_STEPS; i++)
		fsmp_foreign_step(id, peer_alive());
	fsmp_foreign_release(id);
	if (!fsmp_barrier(&w.stopped, w.nr_vcpus))
		failed("the others never let go");
}

static void worker_job(void *arg)
{
	watch_vcpu((unsigned int)(unsigned long)arg);
}

/* Every vCPU let go: our mapping of its page goes, then so must the domU. */
static void wait_until_gone(void)
{
	unsigned long va = (unsigned long)w.rv;

	w.rv = NULL;
	mmu_update1(scratch_pte_ma(&w.sp, RV_ENTRY), 0);
	mmuext1(MMUEXT_INVLPG_LOCAL, va, 0);
	for (unsigned long i = 0; i < FSMP_WAIT_YIELDS; i++) {
		if (reservation_of(w.peer) == -XEN_ESRCH)
			return;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	failed("domain %u never went (reservation %ld)", w.peer, reservation_of(w.peer));
}

void fuzz_smp_watch_word(void)
{
	unsigned int i;

	if (!guest_cmdline_has("fuzz-smp-watch"))
		return;
	fuzz_checks_reset();
	setup();
	for (i = 1; i < w.nr_vcpus; i++)
		smp_post(i, worker_job, (void *)(unsigned long)i);
	watch_vcpu(0);
	for (i = 1; i < w.nr_vcpus; i++)
		if (!smp_wait_job(i))
			failed("vCPU %u never ended its job", i);
	wait_until_gone();
	w.problems = (unsigned long)fuzz_check();
	guest_printf("fuzz-smp-watch: done: domain %u, %lu rounds checked, %lu checks, "
		     "%lu problems, %lu foreign calls, %lu failures\n", w.peer,
		     w.checked, fuzz_checks(), w.problems, fsmp_foreign_calls(w.nr_vcpus),
		     fsmp_foreign_failures(w.nr_vcpus));
	fsmp_foreign_coverage(w.nr_vcpus);
	guest_shutdown(w.problems || w.died || fsmp_foreign_failures(w.nr_vcpus) ?
		       SHUTDOWN_crash : SHUTDOWN_poweroff);
}
