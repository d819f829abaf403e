// SPDX-License-Identifier: MIT
/*
 * User mode for the cpu suite: up to two processes, each with its own user
 * L4 (only user mappings: L4 slot 0 -> L3 -> L2 -> one L1 for
 * 0x400000-0x5fffff), installed with MMUEXT_NEW_USER_BASEPTR and entered
 * with HYPERVISOR_iret.  Their syscalls come back through the syscall
 * callback on the process's own kernel stack (stack_switch); page faults
 * on the demand-zero range and on the copy-on-write shared page are
 * handled by mapping a page and resuming; any other trap ends the process.
 * A yield switches to the other process: new user base pointer, new
 * kernel stack, TLB flush (user mappings are global), and HYPERVISOR_iret
 * into its saved context.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

struct user_proc user_procs[USER_NR_PROCS];
unsigned long user_shared_pfn;
bool user_cow_enabled = true;
bool user_dz_enabled = true;

static unsigned int cur;
static unsigned long kstacks[USER_NR_PROCS][1024] __attribute__((aligned(16)));
/* Kernel stack of the next process entered (0: its own). */
unsigned long user_kstack_override;
/* CS and SS user_run starts processes with (0: Xen's flat 0xe033/0xe02b). */
unsigned long user_cs_override, user_ss_override;
/* Extra rflags bits of a process's first entry (the IOPL, say). */
unsigned long user_rflags_extra;

#define L1_IDX(va) (((va) >> 12) & 511)

static unsigned long new_frame(void)
{
	return pool_alloc(true);
}

bool user_proc_create(unsigned int i)
{
	struct user_proc *p = &user_procs[i];
	unsigned long l4, l3, l2, l1, code_pfn, n, pg;
	uint64_t *t;
	long rc;

	if (!cpu_init())
		return false;
	memset(p, 0, sizeof(*p));
	p->pid = i;
	l4 = new_frame();
	l3 = new_frame();
	l2 = new_frame();
	l1 = new_frame();
	p->data_pfn = new_frame();
	p->stack_pfn = new_frame();
	if (!l4 || !l3 || !l2 || !l1 || !p->data_pfn || !p->stack_pfn)
		return false;
	if (!user_shared_pfn) {
		user_shared_pfn = new_frame();
		if (!user_shared_pfn || !frame_fill(pfn_mfn(user_shared_pfn), 77))
			return false;
	}
	p->l4_mfn = pfn_mfn(l4);
	p->l3_mfn = pfn_mfn(l3);
	p->l2_mfn = pfn_mfn(l2);
	p->l1_mfn = pfn_mfn(l1);

	/* Still plain frames: fill them through a window, then pin. */
	if (!(t = win_map(2, p->l4_mfn, DATA_RW)))
		return false;
	t[0] = pte_make(p->l3_mfn, PT_FLAGS);
	win_unmap(2);
	if (!(t = win_map(2, p->l3_mfn, DATA_RW)))
		return false;
	t[0] = pte_make(p->l2_mfn, PT_FLAGS);
	win_unmap(2);
	if (!(t = win_map(2, p->l2_mfn, DATA_RW)))
		return false;
	t[USER_CODE_VA >> 21] = pte_make(p->l1_mfn, PT_FLAGS);
	win_unmap(2);
	if (!(t = win_map(2, p->l1_mfn, DATA_RW)))
		return false;
	code_pfn = guest_va_to_pfn(user_text_start);
	n = ((unsigned long)user_text_end - (unsigned long)user_text_start) /
	    GUEST_PAGE_SIZE;
	for (pg = 0; pg < n; pg++)
		t[L1_IDX(USER_CODE_VA) + pg] =
			pte_make(pfn_mfn(code_pfn + pg), DATA_RO | PTE_US);
	t[L1_IDX(USER_DATA_VA)] = pte_make(pfn_mfn(p->data_pfn),
					   DATA_RW | PTE_US);
	t[L1_IDX(USER_SHARED_VA)] = pte_make(pfn_mfn(user_shared_pfn),
					     DATA_RO | PTE_US);
	t[L1_IDX(USER_STACK_TOP - GUEST_PAGE_SIZE)] =
		pte_make(pfn_mfn(p->stack_pfn), DATA_RW | PTE_US);
	win_unmap(2);
	rc = pin_table(4, p->l4_mfn);
	if (rc) {
		test_fail("pinning user L4 of process %u: %ld", i, rc);
		return false;
	}
	p->kstack_top = (unsigned long)&kstacks[i][1024];
	p->used = true;
	return true;
}

static void free_pfn_of(unsigned long mfn)
{
	if (mfn)
		pool_free(m2p_read(mfn));
}

void user_procs_destroy(void)
{
	unsigned int i, j;

	mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0);
	for (i = 0; i < USER_NR_PROCS; i++) {
		struct user_proc *p = &user_procs[i];

		if (!p->used)
			continue;
		unpin_table(p->l4_mfn);
		free_pfn_of(p->l4_mfn);
		free_pfn_of(p->l3_mfn);
		free_pfn_of(p->l2_mfn);
		free_pfn_of(p->l1_mfn);
		pool_free(p->data_pfn);
		pool_free(p->stack_pfn);
		for (j = 0; j < USER_DZ_PAGES; j++)
			if (p->dz_pfn[j])
				pool_free(p->dz_pfn[j]);
		if (p->cow_pfn)
			pool_free(p->cow_pfn);
		p->used = false;
	}
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
}

/* Make process i current: its user L4, its kernel stack, a flush. */
static bool switch_to(unsigned int i)
{
	struct user_proc *p = &user_procs[i];
	unsigned long sp = user_kstack_override ? user_kstack_override :
						  p->kstack_top;
	long rc;

	cur = i;
	rc = mmuext1(MMUEXT_NEW_USER_BASEPTR, p->l4_mfn, 0);
	if (!rc)
		rc = HYPERVISOR_stack_switch(FLAT_KERNEL_SS, sp);
	if (!rc)
		rc = mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
	if (rc) {
		guest_printf("# user: switching to process %u: %ld\n", i, rc);
		return false;
	}
	return true;
}

/* Continue with the next runnable process after cur, or end the run. */
static void schedule(struct cpu_regs *r, bool save)
{
	unsigned int k;

	if (save)
		user_procs[cur].ctx = *r;
	for (k = 1; k <= USER_NR_PROCS; k++) {
		unsigned int i = (cur + k) % USER_NR_PROCS;

		if (!user_procs[i].runnable)
			continue;
		if (i != cur && !switch_to(i))
			cpu_kernel_resume(-1);
		*r = user_procs[i].ctx;
		return;
	}
	cpu_kernel_resume(0);
}

static void user_exit(struct cpu_regs *r, long value)
{
	user_procs[cur].exit_value = value;
	user_procs[cur].runnable = false;
	schedule(r, false);
}

static bool map_user_page(struct user_proc *p, unsigned long va,
			  unsigned long pfn)
{
	long rc = mmu_update1(pt_entry_ma(p->l1_mfn, L1_IDX(va)),
			      pte_make(pfn_mfn(pfn), DATA_RW | PTE_US));

	if (!rc)
		rc = mmuext1(MMUEXT_INVLPG_LOCAL, va, 0);
	if (rc)
		guest_printf("# user: mapping 0x%lx: %ld\n", va, rc);
	return !rc;
}

/* Demand-zero and copy-on-write; false if the fault is not ours to fix. */
static bool user_page_fault(struct user_proc *p, struct cpu_regs *r)
{
	unsigned long va = cpu_last.cr2 & ~(GUEST_PAGE_SIZE - 1);
	unsigned long pfn;

	if (user_dz_enabled && !(r->error_code & 1) && va >= USER_DZ_VA &&
	    va < USER_DZ_VA + USER_DZ_PAGES * GUEST_PAGE_SIZE) {
		unsigned int j = (va - USER_DZ_VA) / GUEST_PAGE_SIZE;

		if (p->dz_pfn[j] || !(pfn = new_frame()))
			return false;
		p->dz_pfn[j] = pfn;
		p->dz_faults++;
		return map_user_page(p, va, pfn);
	}
	if (user_cow_enabled && (r->error_code & 3) == 3 &&
	    va == USER_SHARED_VA && !p->cow_pfn) {
		if (!(pfn = new_frame()))
			return false;
		if (mmuext1(MMUEXT_COPY_PAGE, pfn_mfn(pfn),
			    pfn_mfn(user_shared_pfn)))
			return false;
		p->cow_pfn = pfn;
		p->cow_faults++;
		return map_user_page(p, va, pfn);
	}
	return false;
}

void user_trap(struct cpu_regs *r)
{
	struct user_proc *p = &user_procs[cur];

	if (r->vector == CPU_VEC_SYSCALL) {
		switch (r->rax) {
		case SYS_EXIT:
			user_exit(r, (long)r->rdi);
			return;
		case SYS_YIELD:
			r->rax = 0;
			schedule(r, true);
			return;
		case SYS_REPORT:
			if (p->nr_reports < USER_REPORTS)
				p->reports[p->nr_reports++] = r->rdi;
			r->rax = 0;
			return;
		case SYS_GETPID:
			r->rax = p->pid;
			return;
		case SYS_HYP_YIELD:
			r->rax = (uint64_t)HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			return;
		default:
			r->rax = (uint64_t)-XEN_ENOSYS;
			return;
		}
	}
	if (r->vector == 14 && user_page_fault(p, r))
		return;
	p->faults++;
	user_exit(r, -1000 - (long)r->vector);
}

bool user_run(unsigned int nr, const unsigned long *entry, const uint64_t *arg)
{
	unsigned int i;
	long rc;

	for (i = 0; i < nr; i++) {
		struct user_proc *p = &user_procs[i];

		if (!p->used && !user_proc_create(i))
			return false;
		memset(&p->ctx, 0, sizeof(p->ctx));
		p->ctx.rip = entry[i];
		p->ctx.cs = user_cs_override ? user_cs_override : FLAT_USER_CS_;
		p->ctx.rflags = RFLAGS_IF | 0x2 | user_rflags_extra;
		p->ctx.rsp = USER_STACK_TOP;
		p->ctx.ss = user_ss_override ? user_ss_override : FLAT_USER_SS_;
		p->ctx.rdi = arg ? arg[i] : 0;
		p->runnable = true;
		p->exit_value = 0x7fffffff;
		p->nr_reports = 0;
		p->faults = p->dz_faults = p->cow_faults = 0;
	}
	for (; i < USER_NR_PROCS; i++)
		user_procs[i].runnable = false;
	if (!switch_to(0)) {
		test_fail("switching to process 0 failed");
		return false;
	}
	rc = cpu_enter_user(&user_procs[0].ctx);
	/* Back in the kernel: no user address space any more. */
	mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0);
	if (rc) {
		test_fail("user run ended with %ld", rc);
		return false;
	}
	return true;
}
