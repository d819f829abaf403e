/* SPDX-License-Identifier: MIT */
/*
 * What the three files of the MM/CPU fuzzer share: its state (frames,
 * tables, the buffers calls point into), the argument generators
 * (guest/fuzz_mm_args.c) and the calls (guest/fuzz_mm_calls.c), which
 * guest/fuzz.c runs as the cases fuzz_mm and fuzz_oracle.
 */
#ifndef GUEST_FUZZ_MM_H
#define GUEST_FUZZ_MM_H

#include <stdbool.h>
#include <stdint.h>

#include <guest/fuzz.h>
#include <guest/mm.h>

#define FUZZ_FRAMES 48
#define FUZZ_SLOT 4
#define FUZZ_PAGES 512		/* the VA range its one L1 maps */
#define NO_MFN (~0UL)

struct fuzz_mm {

	bool oracle;		/* layout-independent garbage only */
	unsigned int peer;	/* peer-domid=N (only named unprivileged), or DOMID_SELF */
	struct scratch sp;
	unsigned long pfn[FUZZ_FRAMES], mfn[FUZZ_FRAMES];	/* NO_MFN: given back */
	/* Buffers the calls point into. */
	struct mmu_update req[8];
	struct mmuext_op op[4];
	multicall_entry_t mc[6];
	uint32_t mc_done[6];
	bool mc_asked[6];		/* the entry has a done pointer */
	unsigned long mc_domid[6];
	struct mmu_update mc_req[6][2];
	struct mmuext_op mc_op[6][2];
	xen_pfn_t list[4];
	struct xen_memory_reservation res;
	unsigned int done;
	unsigned long mask;
	domid_t domid;
};
extern struct fuzz_mm fz;

/* guest/fuzz_mm_args.c: frames, values and pointers, random but not suicidal */
const char *frame_role(unsigned long mfn);
bool is_fuzz_mfn(unsigned long mfn);
unsigned long garbage_mfn(void);
unsigned long pool_mfn(void);
unsigned long rand_mfn(void);
uint64_t rand_pte(void);
uint64_t rand_entry_ptr(void);
unsigned long rand_va(void);
unsigned long rand_buf(const void *real);
unsigned long rand_count(unsigned long n, bool preempt);
unsigned int rand_domid(void);
unsigned long rand_foreigndom(void);
unsigned long rand_uvmf(void);
void fill_req(struct mmu_update *r, unsigned int n);
void fill_op(struct mmuext_op *o, unsigned int n);

/* guest/fuzz_mm_calls.c: one call each, counted and logged */
long call_mmu_update(void);
long call_mmuext_op(void);
long call_update_va_mapping(void);
long call_memory_op(void);
long call_multicall(void);

/* guest/fuzz_cpu.c */
long fuzz_cpu_call(void);
bool fuzz_cpu_setup(void);
unsigned long fuzz_cpu_cleanup(void);

#endif /* GUEST_FUZZ_MM_H */
