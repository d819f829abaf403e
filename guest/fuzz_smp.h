/* SPDX-License-Identifier: MIT */
/*
 * What the files of the concurrent fuzz mode share (docs/test-guest.md,
 * "The fuzz suite", words fuzz-smp and fuzz-smp-watch): the shared pool
 * and tables every vCPU fires at (guest/fuzz_smp.c sets them up and runs
 * the rounds, guest/fuzz_smp_ops.c makes the calls), the per-vCPU tallies
 * and the barrier both sides use, and the rendezvous page through which a
 * domU's rounds wait for dom0's frame check (guest/fuzz_smp_watch.c,
 * guest/fuzz_smp_foreign.c).
 */
#ifndef GUEST_FUZZ_SMP_H
#define GUEST_FUZZ_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include <guest/fuzz.h>
#include <guest/mm.h>
#include <guest/smp.h>

#define FSMP_FRAMES 64		/* the shared pool */
#define FSMP_L1S 4		/* scratch L1s under L4 slot FSMP_SLOT */
#define FSMP_PAGES (FSMP_L1S * 512)	/* the VAs they map */
#define FSMP_L4S 2		/* copies of our L4 any vCPU may load */
#define FSMP_SLOT 6		/* the shared scratch space */
#define FSMP_HOOK_SLOT 13	/* the one slot of our own L4 the vCPUs rewrite */
#define FSMP_L4_SLOT0 16	/* slots 16..23 of the shared L4s are rewritten */
#define FSMP_NO_MFN (~0UL)

/* ---- tallies: calls and refusals per kind, one table per vCPU ---- */

#define FSMP_MAX_KINDS 32

struct fsmp_tally {
	unsigned long calls[FSMP_MAX_KINDS], refused[FSMP_MAX_KINDS];
};

static inline long fsmp_count(struct fsmp_tally *t, unsigned int kind, long rc)
{
	t->calls[kind]++;
	t->refused[kind] += rc < 0;
	return rc;
}

/* Every vCPU's tally summed into the coverage table, then printed. */
void fsmp_coverage(const char *mode, const char *const *names, unsigned int nr,
		   const struct fsmp_tally *per_vcpu, size_t stride,
		   unsigned int nr_vcpus);

/* ---- a barrier in guest memory: arrive, then yield until all have ---- */

struct fsmp_barrier {
	unsigned long arrived, phase;
};

/* False if the others did not all arrive within FSMP_WAIT_YIELDS yields. */
#define FSMP_WAIT_YIELDS 50000000UL
bool fsmp_barrier(struct fsmp_barrier *b, unsigned int nr);

/* Start workers 1..n-1 (as the smp suite does); the number running, 1 up. */
unsigned int fsmp_start_workers(unsigned int want);

/* ---- the shared pool and tables of fuzz-smp ---- */

struct fsmp_frame {
	unsigned long pfn;
	unsigned long mfn;	/* atomic; FSMP_NO_MFN while given back */
	unsigned long last_mfn;	/* the frame it had before (stale once given back) */
	unsigned long busy;	/* a vCPU is giving it back or repopulating it */
};

/* One vCPU's buffers (the hypervisor reads them) and tally. */
struct fsmp_vcpu {
	struct mmu_update req[4];
	struct mmuext_op op[4];
	multicall_entry_t mc[4];
	struct mmu_update mc_req[4];
	struct mmuext_op mc_op[4];
	xen_pfn_t list[2];
	struct xen_memory_reservation res;
	unsigned int done;
	unsigned long mask;		/* *_MULTI: which vCPUs */
	/* VAs it last mapped writable and the frames there: where its write
	 * probes go, and what the others retype under it (read racily). */
	unsigned long mapped[8], mapped_mfn[8];
	unsigned int next_mapped;
	long restore_rc;		/* first failure putting its state back */
	unsigned long made, refused;	/* calls, and calls that were refused */
	struct fsmp_tally tally;
} __attribute__((aligned(64)));

struct fsmp {
	unsigned int nr_vcpus;
	unsigned long seed, calls, rounds;
	struct scratch sp;		/* L4 slot FSMP_SLOT: L3, L2, FSMP_L1S L1s */
	struct fsmp_frame f[FSMP_FRAMES];
	unsigned long l4[FSMP_L4S];
	struct fsmp_vcpu v[SMP_MAX_VCPUS];
};
extern struct fsmp fs;

/* guest/fuzz_smp_args.c: what the calls name. */
unsigned long fsmp_pool_mfn(void);
unsigned long fsmp_garbage_mfn(void);
uint64_t fsmp_rand_flags(void);
uint64_t fsmp_rand_value(void);
unsigned long fsmp_rand_va(void);
void *fsmp_rand_mask(struct fsmp_vcpu *v);
uint64_t fsmp_rand_ptr(uint64_t *val);
void fsmp_fill_op(struct fsmp_vcpu *v, struct mmuext_op *o);

/* guest/fuzz_smp_ops.c: one random call by this vCPU; its state put back. */
void fsmp_call(struct fsmp_vcpu *v);
void fsmp_restore(struct fsmp_vcpu *v);
/* vCPU 0 between rounds: the shared L2 and L1s hooked back in. */
void fsmp_repair(void);
extern const char *const fsmp_kind_names[];
extern const unsigned int fsmp_nr_kinds;

/* ---- the rendezvous page: a domU's rounds, checked by dom0 ---- */

#define FSMP_RV_MAGIC 0x52504d534e414f4bUL	/* "KOANSMPR" */
#define FSMP_RV_ABORTED 2			/* dom0 failed: do not wait */
/* Frames dom0 aims at: the pool, then the L3, L2 and L1s, then the L4s. */
#define FSMP_RV_TABLES (FSMP_FRAMES + 2 + FSMP_L1S)
#define FSMP_RV_FRAMES (FSMP_RV_TABLES + FSMP_L4S)

/*
 * In the domU's image (so its pfn is the same in every domain of the test
 * guest: dom0 finds it through the M2P) and written by both sides with
 * atomics.  The domU sets `rounds` and the frames, then `magic`; dom0 sets
 * `watcher` once it has it mapped.  After round r the domU's vCPUs stop
 * and vCPU 0 sets `round_done` = r and yields until dom0, its own vCPUs
 * stopped too, has run the frame check and set `round_checked` = r.
 */
struct fsmp_rendezvous {
	uint64_t magic, pfn, rounds;
	uint64_t watcher;		/* dom0: 1 found it, FSMP_RV_ABORTED failed */
	uint64_t round_done, round_checked;
	uint64_t finished;		/* the domU is about to power off */
	uint64_t frame[FSMP_RV_FRAMES];	/* mfns, kept current (FSMP_NO_MFN: given back) */
};

/* Ours: a page of its own in the image (at the same pfn in every domain). */
struct fsmp_rendezvous *fsmp_rendezvous_page(void);

static inline uint64_t fsmp_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void fsmp_store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* ---- dom0's foreign calls at the domU (guest/fuzz_smp_foreign.c) ---- */

/* Aim at `peer`'s frames: those it published in rv, and a sample found
 * through the M2P; mappings go into entries of sp's first L1. */
void fsmp_foreign_setup(domid_t peer, struct fsmp_rendezvous *rv,
			struct scratch *sp);
/* One step of vCPU id: drop what expired, then maybe one call (new holds
 * only if may_take). */
void fsmp_foreign_step(unsigned int id, bool may_take);
/* Drop every mapping and pin vCPU id still holds. */
void fsmp_foreign_release(unsigned int id);
/* Calls made, and drops of our own mappings that failed (must be 0). */
unsigned long fsmp_foreign_calls(unsigned int nr_vcpus);
unsigned long fsmp_foreign_failures(unsigned int nr_vcpus);
void fsmp_foreign_coverage(unsigned int nr_vcpus);

/* The words (guest/fuzz_smp.c, guest/fuzz_smp_watch.c). */
void fuzz_smp_word(void);
void fuzz_smp_watch_word(void);

#endif /* GUEST_FUZZ_SMP_H */
