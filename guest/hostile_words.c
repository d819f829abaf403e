// SPDX-License-Identifier: MIT
/*
 * Command-line words that attack the hypervisor the way issue 8's review
 * did, each from an ordinary domain; the system tests run them beside a
 * second domain that must not notice (tests/system/test_koan_hardening.py).
 * Each runs instead of the suite:
 *   user-crash=HOW  crash the domain while its vCPU is in guest user mode,
 *                   with an empty trap table: HOW is ud2 (an invalid opcode),
 *                   nm (an SSE instruction with the virtual CR0.TS set),
 *                   syscall32 (syscall from the 32-bit code segment 0xe023)
 *                   or bad-iret (HYPERVISOR_iret to user mode with cs 0x1233).
 *                   The hypervisor must crash the domain and nothing else.
 *   pt-amplify=N    build an L4 -> L3 -> L2s -> thousands of L1s tree (every
 *                   L1 entry present) from most of the domain's memory, then
 *                   one mmuext_op of N alternating PIN_L4_TABLE/UNPIN_TABLE on
 *                   it: millions of entries validated and devalidated in one
 *                   hypercall, which must stay preemptible.
 *   heartbeat=D     print "heartbeat N" lines, with a fixed amount of work in
 *                   between and no yield, until domain D is gone (privileged:
 *                   it asks for D's reservation), then print its vCPU's
 *                   running and runnable (waiting for a CPU) time since the
 *                   first beat and power
 *                   off; the gaps between beats show how long other domains
 *                   held the CPU.
 *   switch-crash    with no callbacks registered, load %ds from a GDT entry,
 *                   make the entry not present, and yield: the next switch
 *                   back to us cannot reload %ds and has no failsafe
 *                   callback, so the hypervisor crashes the domain in the
 *                   middle of its context switch (needs another domain).
 *   outlive-peer=D  (privileged) map a frame of domain D read-only, wait
 *                   until D has shut down and been torn down around that
 *                   frame, check that D's memory can no longer grow, then
 *                   let the frame go: D must vanish.  One line per check,
 *                   "outlive-peer: ok" at the end, then poweroff.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/desc.h>
#include <guest/guest.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/smp.h>
#include <guest/test.h>

extern char user_prog_ud[], user_prog_nm[], user_prog_syscall_only[];
extern unsigned long user_cs_override;

#define USER_CS32 0xe023UL

static __attribute__((noreturn)) void give_up(const char *word, const char *what)
{
	guest_printf("%s: %s\n", word, what);
	guest_shutdown(SHUTDOWN_crash);
}

/* A user-mode frame the CPU cannot load (cs 0x1233, a null GDT entry). */
static void bad_user_iret(void)
{
	struct cpu_regs regs;

	if (mmuext1(MMUEXT_NEW_USER_BASEPTR, user_procs[0].l4_mfn, 0) ||
	    HYPERVISOR_stack_switch(FLAT_KERNEL_SS, user_procs[0].kstack_top))
		give_up("user-crash", "setup failed");
	memset(&regs, 0, sizeof(regs));
	regs.rip = USER_CODE_VA;
	regs.cs = 0x1233;
	regs.rflags = 0x202;
	regs.rsp = USER_STACK_TOP;
	regs.ss = FLAT_USER_SS_;
	cpu_enter_user(&regs);
}

static void user_crash(const char *how)
{
	unsigned long entry = user_va(user_prog_ud);

	if (!cpu_init() || !user_proc_create(0))
		give_up("user-crash", "setup failed");
	if (!strcmp(how, "nm")) {
		entry = user_va(user_prog_nm);
		HYPERVISOR_fpu_taskswitch(1);
	} else if (!strcmp(how, "syscall32")) {
		entry = user_va(user_prog_syscall_only);
		user_cs_override = USER_CS32;
	} else if (strcmp(how, "ud2") && strcmp(how, "bad-iret")) {
		give_up("user-crash", "unknown kind");
	}
	guest_printf("user-crash=%s: empty trap table, then into user mode\n", how);
	if (HYPERVISOR_set_trap_table(NULL))
		give_up("user-crash", "set_trap_table(NULL) failed");
	if (!strcmp(how, "bad-iret"))
		bad_user_iret();
	else
		user_run(1, &entry, NULL);
	/* Not reached when the hypervisor crashes us, as it must. */
	guest_printf("user-crash=%s: came back, which it must not\n", how);
	guest_shutdown(SHUTDOWN_poweroff);
}

/* ---- pt-amplify ---------------------------------------------------------- */

#define AMP_MAX_L1 7168
#define AMP_BATCH 256

static unsigned long amp_l1[AMP_MAX_L1];
static struct mmuext_op amp_ops[AMP_BATCH];
static struct mmu_update amp_reqs[AMP_BATCH];

static unsigned long amp_frame(void)
{
	unsigned long pfn = pool_alloc(false);

	if (!pfn)
		give_up("pt-amplify", "out of frames");
	return pfn_mfn(pfn);
}

static void amp_mmuext(unsigned int n)
{
	unsigned int done = 0;

	if (HYPERVISOR_mmuext_op(amp_ops, n, &done, DOMID_SELF) || done != n)
		give_up("pt-amplify", "mmuext_op while building failed");
}

static void amp_mmu_update(unsigned int n)
{
	unsigned int done = 0;

	if (HYPERVISOR_mmu_update(amp_reqs, n, &done, DOMID_SELF) || done != n)
		give_up("pt-amplify", "mmu_update while building failed");
}

/* Frames that are not tables yet get their entries by plain mmu_update writes. */
static unsigned long amp_table(const unsigned long *children, unsigned long n,
			       unsigned int first)
{
	unsigned long mfn = amp_frame();
	unsigned long i;

	amp_ops[0].cmd = MMUEXT_CLEAR_PAGE;
	amp_ops[0].arg1.mfn = mfn;
	amp_mmuext(1);
	for (i = 0; i < n; i += AMP_BATCH) {
		unsigned int k, m = n - i < AMP_BATCH ? n - i : AMP_BATCH;

		for (k = 0; k < m; k++) {
			amp_reqs[k].ptr = pt_entry_ma(mfn, first + i + k);
			amp_reqs[k].val = pte_make(children[i + k], PT_FLAGS);
		}
		amp_mmu_update(m);
	}
	return mfn;
}

/* n_l1 L1s, each a copy of one whose 512 entries map one frame read-only. */
static void amp_make_l1s(unsigned long n_l1)
{
	unsigned long data = amp_frame(), tmpl = amp_frame();
	uint64_t *t = win_map(2, tmpl, DATA_RW);
	unsigned long i;

	if (!t)
		give_up("pt-amplify", "cannot map the template");
	for (i = 0; i < 512; i++)
		t[i] = pte_make(data, DATA_RO);
	win_unmap(2);
	for (i = 0; i < n_l1; i++)
		amp_l1[i] = amp_frame();
	for (i = 0; i < n_l1; i += AMP_BATCH) {
		unsigned int k, m = n_l1 - i < AMP_BATCH ? n_l1 - i : AMP_BATCH;

		for (k = 0; k < m; k++) {
			amp_ops[k].cmd = MMUEXT_COPY_PAGE;
			amp_ops[k].arg1.mfn = amp_l1[i + k];
			amp_ops[k].arg2.src_mfn = tmpl;
		}
		amp_mmuext(m);
	}
}

static void pt_amplify(unsigned long nops)
{
	unsigned long n_l1, n_l2, l2[AMP_MAX_L1 / 512], l3, l4, i;
	unsigned int done = 0;
	long rc;

	if (!mm_init())
		give_up("pt-amplify", "mm_init failed");
	n_l1 = pool_free_count() > 64 ? pool_free_count() - 64 : 0;
	n_l1 = n_l1 > AMP_MAX_L1 ? AMP_MAX_L1 : n_l1 & ~511UL;
	n_l2 = n_l1 / 512;
	if (!n_l2 || nops > AMP_BATCH)
		give_up("pt-amplify", "too little memory, or too many operations");
	amp_make_l1s(n_l1);
	for (i = 0; i < n_l2; i++)
		l2[i] = amp_table(&amp_l1[i * 512], 512, 0);
	l3 = amp_table(l2, n_l2, 0);
	l4 = amp_table(&l3, 1, 5);
	for (i = 0; i < nops; i++) {
		amp_ops[i].cmd = i % 2 ? MMUEXT_UNPIN_TABLE : MMUEXT_PIN_L4_TABLE;
		amp_ops[i].arg1.mfn = l4;
	}
	guest_printf("pt-amplify: %lu L1 tables under %lu L2s, %lu entries each; "
		     "%lu pin/unpin operations in one mmuext_op: start\n",
		     n_l1, n_l2, 512UL, nops);
	rc = HYPERVISOR_mmuext_op(amp_ops, nops, &done, DOMID_SELF);
	guest_printf("pt-amplify: done, rc %ld, %u of %lu done\n", rc, done, nops);
	guest_shutdown(rc == 0 && done == nops ? SHUTDOWN_poweroff : SHUTDOWN_crash);
}

/* ---- heartbeat ------------------------------------------------------------ */

#define HEARTBEAT_WORK 1000000UL

static long domain_reservation(domid_t d)
{
	return HYPERVISOR_memory_op(XENMEM_current_reservation, &d);
}

static __attribute__((noreturn)) void heartbeat(domid_t peer)
{
	struct vcpu_runstate_info a, b;
	long rc = smp_runstate(0, &a);

	for (unsigned long n = 0; domain_reservation(peer) != -XEN_ESRCH; n++) {
		for (volatile unsigned long i = 0; i < HEARTBEAT_WORK; i++)
			;
		guest_printf("heartbeat %lu\n", n);
	}
	guest_printf("heartbeat: domain %u is gone\n", peer);
	/* Time spent waiting for a CPU since the first beat: none if ours was never taken. */
	if (rc == 0 && smp_runstate(0, &b) == 0)
		guest_printf("heartbeat: running %lu ms, runnable %lu ms\n",
			     (unsigned long)((b.time[RUNSTATE_running] - a.time[RUNSTATE_running]) / 1000000),
			     (unsigned long)((b.time[RUNSTATE_runnable] - a.time[RUNSTATE_runnable]) / 1000000));
	guest_shutdown(SHUTDOWN_poweroff);
}

/* ---- switch-crash --------------------------------------------------------- */

#define SWITCH_SEL 0x3b		/* GDT entry 7, RPL 3 */

static void switch_crash(void)
{
	uint64_t d[8] = { [7] = DESC_DATA | DESC_DPL(3) };
	xen_pfn_t frames[1];
	unsigned long g;

	if (!mm_init() || !(g = frame_new()) || !frame_write(g, 0, d, 8))
		give_up("switch-crash", "setup failed");
	frames[0] = g;
	if (HYPERVISOR_set_gdt(frames, 8))
		give_up("switch-crash", "set_gdt failed");
	__asm__ volatile("mov %0, %%ds" :: "r"(SWITCH_SEL));
	if (HYPERVISOR_update_descriptor(pt_entry_ma(g, 7), d[7] & ~DESC_P))
		give_up("switch-crash", "update_descriptor failed");
	guest_printf("switch-crash: %%ds = 0x%x, its entry now not present, no failsafe callback\n",
		     SWITCH_SEL);
	for (unsigned int i = 0; i < 1000; i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	guest_printf("switch-crash: still alive after 1000 yields (no other domain?)\n");
	guest_shutdown(SHUTDOWN_poweroff);
}

/* ---- outlive-peer --------------------------------------------------------- */

#define OUTLIVE_MAX_YIELDS 1000000UL

static void outlive_check(bool ok, const char *what)
{
	guest_printf("outlive-peer: %s: %s\n", what, ok ? "yes" : "NO");
	if (!ok)
		guest_shutdown(SHUTDOWN_crash);
}

static void outlive_peer(domid_t peer)
{
	unsigned long mfn, idx, n;
	struct xen_memory_reservation grow = { .nr_extents = 1, .domid = peer };
	const volatile uint64_t *va;
	uint64_t word;

	if (!mm_init() || !(idx = scratch_take(1)) || !scratch_ensure(&mm_scratch, idx))
		give_up("outlive-peer", "setup failed");
	for (mfn = 0; mfn < mm.max_ram_page; mfn++)
		if (!mm_mfn_is_ours(mfn) && m2p_read(mfn) == 2)
			break;
	va = (const volatile uint64_t *)scratch_va(&mm_scratch, idx);
	{
		struct mmu_update r = { .ptr = scratch_pte_ma(&mm_scratch, idx),
					.val = pte_make(mfn, DATA_RO) };
		outlive_check(mfn < mm.max_ram_page &&
			      HYPERVISOR_mmu_update(&r, 1, NULL, peer) == 0,
			      "mapped the peer's pfn 2 read-only");
	}
	word = va[0];
	for (n = 0; n < OUTLIVE_MAX_YIELDS && domain_reservation(peer) != 1; n++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	outlive_check(domain_reservation(peer) == 1,
		      "the peer is down to the one frame we hold");
	outlive_check(HYPERVISOR_memory_op(XENMEM_increase_reservation, &grow) == 0,
		      "increase_reservation for the dying peer does nothing");
	outlive_check(domain_reservation(peer) == 1, "still one frame");
	outlive_check(va[0] == word, "the frame still reads as before");
	outlive_check(scratch_unmap(&mm_scratch, idx) == 0, "unmapped it");
	mmuext1(MMUEXT_INVLPG_LOCAL, (unsigned long)va, 0);
	outlive_check(domain_reservation(peer) == -XEN_ESRCH, "the peer is gone");
	guest_printf("outlive-peer: ok\n");
	guest_shutdown(SHUTDOWN_poweroff);
}

void hostile_words(void);
void hostile_words(void)
{
	char value[24];

	if (guest_cmdline_value("user-crash", value, sizeof(value)))
		user_crash(value);
	if (guest_cmdline_value("pt-amplify", value, sizeof(value)))
		pt_amplify(guest_cmdline_ulong("pt-amplify", 0));
	if (guest_cmdline_value("heartbeat", value, sizeof(value)))
		heartbeat((domid_t)guest_cmdline_ulong("heartbeat", 0));
	if (guest_cmdline_has("switch-crash"))
		switch_crash();
	if (guest_cmdline_value("outlive-peer", value, sizeof(value)))
		outlive_peer((domid_t)guest_cmdline_ulong("outlive-peer", 0));
}
