// SPDX-License-Identifier: MIT
/*
 * The concurrent fuzz mode (word `fuzz-smp=N`, run instead of the suite):
 * every vCPU of the domain (up to SMP_MAX_VCPUS; the workers started as
 * the smp suite starts them) makes N random MMU calls per round at one
 * shared pool of frames and tables (guest/fuzz_smp_ops.c), each vCPU from
 * its own stream of the seed (stream = vCPU id), so that they race on the
 * same frames and entries.  After a round each vCPU puts its own state
 * back (base pointers, LDT) and all meet at a barrier; vCPU 0 then runs
 * Koan's frame check, which must find nothing (dom0; elsewhere it does not
 * exist) -- or, in a domU with `fuzz-smp-sync`, waits until dom0
 * (`fuzz-smp-watch`, guest/fuzz_smp_watch.c) has run it -- and the next
 * round starts.  Which calls succeed depends on the interleaving; what
 * must hold does not: the hypervisor survives, every check finds nothing,
 * every vCPU's state goes back, and the domain powers off after printing
 *   fuzz-smp: seed S done: V vCPUs, R rounds, C calls, F refused, K checks
 * and its coverage.  Any failure prints a `fuzz-smp: ... FAILED` line and
 * crashes the domain.
 * Words: fuzz-smp=N, fuzz-smp-rounds=R (10), fuzz-seed=S (1), fuzz-smp-sync.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/fuzz.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/smp.h>

#include "fuzz_smp.h"

struct fsmp fs;

static union {
	struct fsmp_rendezvous rv;
	uint8_t page[GUEST_PAGE_SIZE];
} rv_page __attribute__((aligned(GUEST_PAGE_SIZE)));

static struct fsmp_barrier round_start, round_end;
static bool sync_with_dom0;

struct fsmp_rendezvous *fsmp_rendezvous_page(void)
{
	return &rv_page.rv;
}

/* ---- shared with the watcher: barrier, workers, coverage ---- */

bool fsmp_barrier(struct fsmp_barrier *b, unsigned int nr)
{
	unsigned long phase = __atomic_load_n(&b->phase, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&b->arrived, 1, __ATOMIC_ACQ_REL) == nr) {
		/* The last one: reset, then let the others go (release). */
		__atomic_store_n(&b->arrived, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&b->phase, phase + 1, __ATOMIC_RELEASE);
		return true;
	}
	for (unsigned long i = 0; i < FSMP_WAIT_YIELDS; i++) {
		if (__atomic_load_n(&b->phase, __ATOMIC_ACQUIRE) != phase)
			return true;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	return false;
}

unsigned int fsmp_start_workers(unsigned int want)
{
	unsigned int n = smp_nr_vcpus(), id;

	if (want > n)
		want = n;
	if (want > SMP_MAX_VCPUS)
		want = SMP_MAX_VCPUS;
	for (id = 1; id < want; id++)
		if (!smp_start_worker(id))
			break;
	return id;
}

/*
 * fuzz_count()'s table is not safe to share between vCPUs, so each keeps
 * its own tally; at the end vCPU 0 feeds the sums in, one count at a time
 * (fuzz_count's only way in), and prints them like every other mode.
 */
void fsmp_coverage(const char *mode, const char *const *names, unsigned int nr,
		   const struct fsmp_tally *per_vcpu, size_t stride,
		   unsigned int nr_vcpus)
{
	for (unsigned int k = 0; k < nr; k++) {
		unsigned long calls = 0, refused = 0;

		for (unsigned int i = 0; i < nr_vcpus; i++) {
			const struct fsmp_tally *t = (const void *)((const char *)per_vcpu +
								    i * stride);
			calls += t->calls[k];
			refused += t->refused[k];
		}
		for (unsigned long c = 0; c < calls; c++)
			fuzz_count(names[k], c < refused ? -1 : 0);
	}
	fuzz_coverage_print(mode);
}

/* ---- setup ---- */

/* The pool, the tables under slot FSMP_SLOT, the L4 copies; vCPU 0's traps. */
static bool setup(void)
{
	static struct trap_info traps[SMP_NR_TRAP_VECTORS + 1];
	unsigned int i;

	fs.sp.slot = FSMP_SLOT;
	if (!mm_init())
		return false;
	for (i = 0; i < FSMP_L1S; i++)
		if (!scratch_ensure(&fs.sp, i * 512UL))
			return false;
	for (i = 0; i < FSMP_FRAMES; i++) {
		unsigned long pfn = pool_alloc(true);

		if (!pfn)
			return false;
		fs.f[i].pfn = pfn;
		fs.f[i].mfn = fs.f[i].last_mfn = pfn_mfn(pfn);
	}
	for (i = 0; i < FSMP_L4S; i++)
		if (!(fs.l4[i] = mm_new_l4(FSMP_SLOT, pte_make(fs.sp.l3_mfn, PT_FLAGS))))
			return false;
	/* The write probes may fault on vCPU 0 too: the smp suite's stubs. */
	smp_trap_list(traps, 0);
	return HYPERVISOR_set_trap_table(traps) == 0;
}

/* What dom0 needs to find us and aim at our frames (fuzz-smp-sync). */
static void publish(void)
{
	struct fsmp_rendezvous *rv = &rv_page.rv;
	unsigned int i, n = 0;

	for (i = 0; i < FSMP_FRAMES; i++)
		rv->frame[n++] = fs.f[i].mfn;
	rv->frame[n++] = fs.sp.l3_mfn;
	rv->frame[n++] = fs.sp.l2_mfn;
	for (i = 0; i < FSMP_L1S; i++)
		rv->frame[n++] = fs.sp.l1_mfn[i];
	for (i = 0; i < FSMP_L4S; i++)
		rv->frame[n++] = fs.l4[i];
	rv->pfn = guest_va_to_pfn(rv);
	rv->rounds = fs.rounds;
	fsmp_store(&rv->magic, FSMP_RV_MAGIC);
}

static void failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failed(const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	guest_printf("fuzz-smp: vCPU %u: %s: FAILED\n", smp_self(), what);
	guest_shutdown(SHUTDOWN_crash);
}

/* Yield until dom0 has set `field` to at least `value`. */
static void wait_for_dom0(uint64_t *field, uint64_t value, const char *what)
{
	uint64_t *watcher = &rv_page.rv.watcher;

	for (unsigned long i = 0; i < FSMP_WAIT_YIELDS; i++) {
		if (fsmp_load(watcher) == FSMP_RV_ABORTED)
			failed("%s: dom0 failed", what);
		if (fsmp_load(field) >= value)
			return;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	failed("%s (waited for %lu)", what, (unsigned long)value);
}

/* Calls made (or refused) so far by every vCPU. */
static unsigned long made(bool refused)
{
	unsigned long sum = 0;

	for (unsigned int i = 0; i < fs.nr_vcpus; i++)
		sum += refused ? fs.v[i].refused : fs.v[i].made;
	return sum;
}

/* vCPU 0, everyone stopped: the check (dom0's, if it is dom0's to run). */
static void round_check(unsigned long r)
{
	struct fsmp_rendezvous *rv = &rv_page.rv;
	long problems;

	fsmp_repair();
	if (sync_with_dom0) {
		fsmp_store(&rv->round_done, r);
		wait_for_dom0(&rv->round_checked, r, "waiting for dom0's check");
	}
	problems = fuzz_check();
	if (problems)
		failed("round %lu: the frame check says %ld", r, problems);
	guest_printf("fuzz-smp: round %lu: %lu calls, %lu refused, %lu checks\n", r,
		     made(false), made(true), fuzz_checks());
}

/* ---- the rounds ---- */

/* Every vCPU: the rounds, each between two barriers. */
static void vcpu_rounds(unsigned int id)
{
	struct fsmp_vcpu *v = &fs.v[id];

	fuzz_seed_stream(fs.seed, id);
	for (unsigned long r = 1; r <= fs.rounds; r++) {
		if (!fsmp_barrier(&round_start, fs.nr_vcpus))
			failed("round %lu: the others never started it", r);
		for (unsigned long i = 0; i < fs.calls; i++)
			fsmp_call(v);
		fsmp_restore(v);
		if (v->restore_rc)
			failed("round %lu: putting its state back: %ld", r, v->restore_rc);
		if (!fsmp_barrier(&round_end, fs.nr_vcpus))
			failed("round %lu: the others never finished it", r);
		if (id == 0)
			round_check(r);
	}
}

static void worker_job(void *arg)
{
	vcpu_rounds((unsigned int)(unsigned long)arg);
}

void fuzz_smp_word(void)
{
	unsigned int i;

	fs.calls = fuzz_arg("fuzz-smp", 0);
	if (!fs.calls)
		return;
	fs.rounds = fuzz_arg("fuzz-smp-rounds", 10);
	fs.seed = fuzz_arg("fuzz-seed", 1);
	sync_with_dom0 = guest_cmdline_has("fuzz-smp-sync");
	fuzz_checks_reset();
	if (!setup())
		failed("setup (pool, tables, traps)");
	fs.nr_vcpus = fsmp_start_workers(SMP_MAX_VCPUS);
	publish();
	guest_printf("fuzz-smp: seed %lu, %u vCPUs, %lu rounds of %lu calls each%s\n",
		     fs.seed, fs.nr_vcpus, fs.rounds, fs.calls,
		     sync_with_dom0 ? ", checked by dom0" : "");
	if (sync_with_dom0)
		wait_for_dom0(&rv_page.rv.watcher, 1, "waiting for dom0 to find us");
	for (i = 1; i < fs.nr_vcpus; i++)
		smp_post(i, worker_job, (void *)(unsigned long)i);
	vcpu_rounds(0);
	for (i = 1; i < fs.nr_vcpus; i++)
		if (!smp_wait_job(i))
			failed("vCPU %u never ended its job", i);
	guest_printf("fuzz-smp: seed %lu done: %u vCPUs, %lu rounds, %lu calls, "
		     "%lu refused, %lu checks\n", fs.seed, fs.nr_vcpus, fs.rounds,
		     made(false), made(true), fuzz_checks());
	fsmp_coverage("smp", fsmp_kind_names, fsmp_nr_kinds, &fs.v[0].tally,
		      sizeof(fs.v[0]), fs.nr_vcpus);
	fsmp_store(&rv_page.rv.finished, 1);
	guest_shutdown(SHUTDOWN_poweroff);
}
