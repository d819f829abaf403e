// SPDX-License-Identifier: MIT
/*
 * The smp suite's workers and trap records (guest/include/guest/smp.h).
 * A worker is one of our vCPUs started at smp_worker_entry: it marks itself
 * alive, then forever runs the job vCPU 0 posted, if any, and yields.  The
 * mailbox is a sequence number pair: vCPU 0 bumps `posted` after writing
 * the job, the worker copies it into `done` after running it, both with
 * release/acquire ordering, so any interleaving of the two is correct.
 */
#include <xen/errno.h>

#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/smp.h>
#include <guest/test.h>

struct mailbox {
	smp_job_t fn;
	void *arg;
	unsigned long posted, done, alive;
};

static struct mailbox mail[SMP_MAX_VCPUS];
static uint8_t stacks[SMP_MAX_VCPUS][SMP_STACK_SIZE]
	__attribute__((aligned(SMP_STACK_SIZE)));
static struct vcpu_info *moved_info[SMP_MAX_VCPUS];

unsigned int smp_vcpus_found;
volatile struct smp_entry_regs smp_entry[SMP_MAX_VCPUS];
volatile struct smp_trap smp_traps[SMP_MAX_VCPUS];
volatile unsigned long smp_resume[SMP_MAX_VCPUS];

extern char smp_worker_entry[];
extern const unsigned long smp_stub_table[SMP_MAX_VCPUS][SMP_NR_TRAP_VECTORS];
const uint8_t smp_trap_vectors[SMP_NR_TRAP_VECTORS] = { 3, 6, 7, 13, 14 };

unsigned int smp_nr_vcpus(void)
{
	unsigned int n = 0;

	while (n < 4096 && HYPERVISOR_vcpu_op(VCPUOP_is_up, n, NULL) >= 0)
		n++;
	return n;
}

unsigned int smp_self(void)
{
	unsigned long sp = (unsigned long)__builtin_frame_address(0);
	unsigned long base = (unsigned long)stacks;

	if (sp >= base && sp < base + sizeof(stacks))
		return (unsigned int)((sp - base) / SMP_STACK_SIZE);
	return 0;	/* vCPU 0 runs on the boot stack */
}

unsigned long smp_stack_top(unsigned int id)
{
	return (unsigned long)stacks[id] + SMP_STACK_SIZE;
}

void smp_context(struct vcpu_guest_context *c, unsigned int id)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->flags = VGCF_in_kernel;
	c->user_regs.rip = (unsigned long)smp_worker_entry;
	c->user_regs.rsp = smp_stack_top(id);
	c->user_regs.rdi = id;
	c->user_regs.cs = FLAT_KERNEL_CS;
	c->user_regs.ss = FLAT_KERNEL_SS;
	c->user_regs.rflags = RFLAGS_IF;
	c->kernel_ss = FLAT_KERNEL_SS;
	c->kernel_sp = smp_stack_top(id);
	c->ctrlreg[3] = mm.l4_mfn << 12;
	for (i = 0; i < SMP_NR_TRAP_VECTORS; i++) {
		struct trap_info *t = &c->trap_ctxt[smp_trap_vectors[i]];

		t->vector = smp_trap_vectors[i];
		t->flags = t->vector == 3 ? 3 : 0;	/* int3 from anywhere */
		t->cs = FLAT_KERNEL_CS;
		t->address = smp_stub(id, t->vector);
	}
}

/* C entry of a worker: tell vCPU 0, then run jobs as they come. */
void smp_worker_main(unsigned long id);
void smp_worker_main(unsigned long id)
{
	struct mailbox *m = &mail[id];

	__atomic_store_n(&m->alive, 1, __ATOMIC_RELEASE);
	for (;;) {
		unsigned long seq = __atomic_load_n(&m->posted, __ATOMIC_ACQUIRE);

		if (seq != m->done) {
			m->fn(m->arg);
			__atomic_store_n(&m->done, seq, __ATOMIC_RELEASE);
		}
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

bool smp_worker_alive(unsigned int id)
{
	return __atomic_load_n(&mail[id].alive, __ATOMIC_ACQUIRE) != 0;
}

bool smp_wait_flag(volatile unsigned long *flag, unsigned long yields)
{
	for (unsigned long i = 0; i < yields; i++) {
		if (__atomic_load_n(flag, __ATOMIC_ACQUIRE))
			return true;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE) != 0;
}

bool smp_wait_alive(unsigned int id)
{
	if (smp_wait_flag(&mail[id].alive, SMP_WAIT_YIELDS))
		return true;
	test_fail("vCPU %u never started running", id);
	return false;
}

void smp_post(unsigned int id, smp_job_t fn, void *arg)
{
	struct mailbox *m = &mail[id];

	m->fn = fn;
	m->arg = arg;
	__atomic_store_n(&m->posted, m->posted + 1, __ATOMIC_RELEASE);
}

bool smp_job_done(unsigned int id)
{
	struct mailbox *m = &mail[id];

	return __atomic_load_n(&m->done, __ATOMIC_ACQUIRE) == m->posted;
}

bool smp_wait_job(unsigned int id)
{
	for (unsigned long i = 0; i < SMP_WAIT_YIELDS; i++) {
		if (smp_job_done(id))
			return true;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	test_fail("vCPU %u did not finish its job", id);
	return false;
}

bool smp_start_worker(unsigned int id)
{
	static struct vcpu_guest_context c;
	long rc;

	if (!mm_init())
		return false;
	smp_context(&c, id);
	if ((rc = HYPERVISOR_vcpu_op(VCPUOP_initialise, id, &c)) ||
	    (rc = HYPERVISOR_vcpu_op(VCPUOP_up, id, NULL))) {
		test_fail("starting vCPU %u: %ld", id, rc);
		return false;
	}
	return smp_wait_alive(id);
}

bool smp_run(unsigned int id, smp_job_t fn, void *arg)
{
	if (!smp_worker_alive(id)) {
		test_fail("vCPU %u is not running (smp_bring_up failed?)", id);
		return false;
	}
	smp_post(id, fn, arg);
	return smp_wait_job(id);
}

unsigned long smp_stub(unsigned int owner, unsigned int vector)
{
	for (unsigned int i = 0; owner < SMP_MAX_VCPUS && i < SMP_NR_TRAP_VECTORS; i++)
		if (smp_trap_vectors[i] == vector)
			return smp_stub_table[owner][i];
	return 0;
}

void smp_trap_list(struct trap_info *t, unsigned int owner)
{
	unsigned int i;

	for (i = 0; i < SMP_NR_TRAP_VECTORS; i++) {
		t[i].vector = smp_trap_vectors[i];
		t[i].flags = t[i].vector == 3 ? 3 : 0;
		t[i].cs = FLAT_KERNEL_CS;
		t[i].address = smp_stub(owner, t[i].vector);
	}
	memset(&t[i], 0, sizeof(t[i]));
}

struct vcpu_info *smp_vcpu_info(unsigned int id)
{
	if (moved_info[id])
		return moved_info[id];
	return &cpu_shared_info()->vcpu_info[id];
}

void smp_vcpu_info_moved(unsigned int id, struct vcpu_info *vi)
{
	moved_info[id] = vi;
	if (id == 0)
		cpu_vcpu_moved(vi);
}

long smp_runstate(unsigned int id, struct vcpu_runstate_info *r)
{
	memset(r, 0, sizeof(*r));
	return HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, id, r);
}

/* Called by smp_traps.S for every trap a stub of ours takes. */
void smp_trap_dispatch(struct cpu_regs *r);
void smp_trap_dispatch(struct cpu_regs *r)
{
	unsigned int self = smp_self();
	volatile struct smp_trap *t = &smp_traps[self];

	t->owner = r->vector >> 8;
	t->vector = r->vector & 0xff;
	t->error_code = r->error_code;
	t->rip = r->rip;
	t->cr2 = smp_vcpu_info(self)->arch.cr2;
	__atomic_store_n(&t->count, t->count + 1, __ATOMIC_RELEASE);
	if (smp_resume[self]) {
		r->rip = smp_resume[self];
		smp_resume[self] = 0;
		return;
	}
	if (t->vector == 3 || t->vector == 7)
		return;	/* int3 traps past itself; #NM cleared the virtual TS: retry */
	/* Nowhere to go: a fault would only repeat.  End the run loudly. */
	guest_printf("not ok: vCPU %u: unexpected trap %lu at 0x%lx (cr2 0x%lx)\n",
		     self, (unsigned long)t->vector, (unsigned long)r->rip,
		     (unsigned long)t->cr2);
	guest_shutdown(SHUTDOWN_crash);
}
