// SPDX-License-Identifier: MIT
/*
 * The sched suite (`suite=sched`): Koan's scheduler operation, hypercall
 * 54 (docs/scheduler.md, "Setting the parameters").  Xen has no hypercall in
 * that slot (-ENOSYS), so every case is Koan-only (K in guest/tests.c).
 * They run in dom0 with `peer-domid=N` naming a domU, and in that domU:
 * dom0 reads and sets its own and the peer's parameters and checks every
 * refusal; the domU must get -EPERM for anything, hostile or not.
 * `expect-bvt=M:W:L:U` gives the parameters dom0's own module line set
 * (mcu_advance, warp, warp limit and unwarp in ns); without it the
 * defaults (10:0:0:0).  `expect-ctx-allow=NS` the hypervisor's ctx_allow=
 * (without it: 5 ms).
 */
#include <xen/errno.h>

#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#define MS 1000000UL
#define HOUR_NS 3600000000000UL
#define WARP_MAX 36000000000UL		/* an hour of run at mcu_advance 1000 */
#define HYPERVISOR_VA 0xffff830000000000UL
#define NONCANONICAL_VA 0x0000800000000000UL

static long get_bvt(domid_t domid, struct koan_sched_bvt *out)
{
	*out = (struct koan_sched_bvt){ .domid = domid };
	return HYPERVISOR_koan_sched(KOAN_SCHED_GET_BVT, (unsigned long)out);
}

static long set_bvt(domid_t domid, uint32_t m, uint64_t w, uint64_t l, uint64_t u)
{
	struct koan_sched_bvt a = { .domid = domid, .mcu_advance = m, .warp = w,
				    .warp_limit_ns = l, .unwarp_ns = u };

	return HYPERVISOR_koan_sched(KOAN_SCHED_SET_BVT, (unsigned long)&a);
}

static long ctx_allow(unsigned long cmd, uint64_t *ns)
{
	return HYPERVISOR_koan_sched(cmd, (unsigned long)ns);
}

static bool same_bvt(const struct koan_sched_bvt *a, const struct koan_sched_bvt *b)
{
	return a->mcu_advance == b->mcu_advance && a->warp == b->warp &&
	       a->warp_limit_ns == b->warp_limit_ns && a->unwarp_ns == b->unwarp_ns;
}

/* `peer-domid=N`, or DOMID_INVALID with the case failed. */
static domid_t peer_domid(void)
{
	char value[8];

	if (!guest_cmdline_value("peer-domid", value, sizeof(value))) {
		test_fail("needs peer-domid=N (a second domain)");
		return DOMID_INVALID;
	}
	return (domid_t)guest_cmdline_ulong("peer-domid", DOMID_INVALID);
}

/* What dom0's module line set: `expect-bvt=M:W:L:U`, else the defaults. */
static struct koan_sched_bvt expected_own(void)
{
	struct koan_sched_bvt e = { .mcu_advance = 10 };
	char value[96];
	uint64_t f[4] = { 0 };
	const char *p = value;

	if (!guest_cmdline_value("expect-bvt", value, sizeof(value)))
		return e;
	for (unsigned int i = 0; i < 4 && *p; i++, p += *p == ':') {
		for (; *p >= '0' && *p <= '9'; p++)
			f[i] = f[i] * 10 + (uint64_t)(*p - '0');
	}
	e.mcu_advance = (uint32_t)f[0];
	e.warp = f[1];
	e.warp_limit_ns = f[2];
	e.unwarp_ns = f[3];
	return e;
}

/* A domU: every command is refused before anything is looked at. */
static void unprivileged_refusals(void)
{
	struct koan_sched_bvt own;
	uint64_t ns = 5 * MS;

	test_check(get_bvt(DOMID_SELF, &own), -XEN_EPERM, "get_bvt of itself");
	test_check(set_bvt(DOMID_SELF, 1, 0, 0, 0), -XEN_EPERM,
		   "set_bvt of itself to weight 1000");
	test_check(set_bvt(0, 1000, 0, 0, 0), -XEN_EPERM, "set_bvt of dom0");
	test_check(ctx_allow(KOAN_SCHED_GET_CTX_ALLOW, &ns), -XEN_EPERM, "get_ctx_allow");
	test_check(ctx_allow(KOAN_SCHED_SET_CTX_ALLOW, &ns), -XEN_EPERM, "set_ctx_allow");
	test_check(HYPERVISOR_koan_sched(4, 0), -XEN_EPERM, "an unknown command");
}

/*
 * dom0 reads its own parameters (the module line's), sets the peer's and
 * its own and reads them back, and sets the context-switch allowance;
 * everything is put back as it was.
 */
void case_sched_bvt_params(void)
{
	struct koan_sched_bvt own, own0, peer, peer_was, want = expected_own();
	uint64_t c, c_was;
	domid_t p;

	if (!guest_privileged()) {
		unprivileged_refusals();
		return;
	}
	EXPECT((p = peer_domid()) != DOMID_INVALID, "no peer");
	EXPECT_EQ(get_bvt(DOMID_SELF, &own), 0, "get_bvt(DOMID_SELF)");
	EXPECT(same_bvt(&own, &want), "own parameters %u:%lu:%lu:%lu, expected %u:%lu:%lu:%lu",
	       own.mcu_advance, (unsigned long)own.warp, (unsigned long)own.warp_limit_ns,
	       (unsigned long)own.unwarp_ns, want.mcu_advance, (unsigned long)want.warp,
	       (unsigned long)want.warp_limit_ns, (unsigned long)want.unwarp_ns);
	EXPECT_EQ(get_bvt(0, &own0), 0, "get_bvt(0)");
	EXPECT(same_bvt(&own, &own0), "DOMID_SELF and 0 differ");
	EXPECT_EQ(own0.domid, 0, "domid left as given");

	EXPECT_EQ(get_bvt(p, &peer_was), 0, "get_bvt(peer)");
	EXPECT_EQ(set_bvt(p, 20, 500, 10 * MS, 30 * MS), 0, "set_bvt(peer)");
	EXPECT_EQ(get_bvt(p, &peer), 0, "get_bvt(peer) again");
	EXPECT(peer.mcu_advance == 20 && peer.warp == 500 && peer.warp_limit_ns == 10 * MS &&
	       peer.unwarp_ns == 30 * MS, "the peer's new parameters did not stick");
	EXPECT_EQ(set_bvt(p, peer_was.mcu_advance, peer_was.warp, peer_was.warp_limit_ns,
			  peer_was.unwarp_ns), 0, "set_bvt(peer) back");
	EXPECT_EQ(get_bvt(p, &peer), 0, "get_bvt(peer) restored");
	EXPECT(same_bvt(&peer, &peer_was), "the peer's parameters were not restored");

	/* Our own, while we run: the running vCPU's slice is recomputed. */
	EXPECT_EQ(set_bvt(DOMID_SELF, 1000, WARP_MAX, HOUR_NS, HOUR_NS), 0, "set_bvt(self), edges");
	EXPECT_EQ(get_bvt(DOMID_SELF, &own0), 0, "get_bvt(self) after");
	EXPECT(own0.mcu_advance == 1000 && own0.warp == WARP_MAX &&
	       own0.warp_limit_ns == HOUR_NS && own0.unwarp_ns == HOUR_NS, "own edges did not stick");
	EXPECT_EQ(set_bvt(0, own.mcu_advance, own.warp, own.warp_limit_ns, own.unwarp_ns), 0,
		  "set_bvt(0) back");

	EXPECT_EQ(ctx_allow(KOAN_SCHED_GET_CTX_ALLOW, &c_was), 0, "get_ctx_allow");
	EXPECT_EQ(c_was, guest_cmdline_ulong("expect-ctx-allow", 5 * MS), "the boot's allowance");
	c = 100000;	/* the least: one MCU */
	EXPECT_EQ(ctx_allow(KOAN_SCHED_SET_CTX_ALLOW, &c), 0, "set_ctx_allow(100 us)");
	EXPECT_EQ(ctx_allow(KOAN_SCHED_GET_CTX_ALLOW, &c), 0, "get_ctx_allow again");
	EXPECT_EQ(c, 100000, "the allowance did not stick");
	EXPECT_EQ(ctx_allow(KOAN_SCHED_SET_CTX_ALLOW, &c_was), 0, "set_ctx_allow back");
}

/* One hostile set_bvt: the values, or the domain, or the padding is wrong. */
struct bad_set {
	const char *what;
	struct koan_sched_bvt a;
	long rc;
};

static void bad_sets(domid_t p)
{
	const struct bad_set t[] = {
		{ "mcu_advance 0", { p, 0, 0, 0, 0, 0 }, -XEN_EINVAL },
		{ "mcu_advance 1001", { p, 0, 1001, 0, 0, 0 }, -XEN_EINVAL },
		{ "mcu_advance 2^32-1", { p, 0, ~0u, 0, 0, 0 }, -XEN_EINVAL },
		{ "warp past an hour", { p, 0, 10, WARP_MAX + 1, 0, 0 }, -XEN_EINVAL },
		{ "warp 2^64-1", { p, 0, 10, ~0UL, 0, 0 }, -XEN_EINVAL },
		{ "warp limit 1 ns", { p, 0, 10, 0, 1, 0 }, -XEN_EINVAL },
		{ "warp limit 99999 ns", { p, 0, 10, 100, 99999, 0 }, -XEN_EINVAL },
		{ "warp limit past an hour", { p, 0, 10, 100, HOUR_NS + 1, 0 }, -XEN_EINVAL },
		{ "unwarp past an hour", { p, 0, 10, 100, MS, HOUR_NS + 1 }, -XEN_EINVAL },
		{ "unwarp 2^64-1", { p, 0, 10, 0, 0, ~0UL }, -XEN_EINVAL },
		{ "pad set", { p, 1, 10, 0, 0, 0 }, -XEN_EINVAL },
		{ "pad 0x8000", { p, 0x8000, 10, 0, 0, 0 }, -XEN_EINVAL },
		{ "no such domain (9)", { 9, 0, 10, 0, 0, 0 }, -XEN_ESRCH },
		{ "DOMID_IO", { DOMID_IO, 0, 10, 0, 0, 0 }, -XEN_ESRCH },
		{ "DOMID_XEN", { DOMID_XEN, 0, 10, 0, 0, 0 }, -XEN_ESRCH },
		{ "DOMID_INVALID", { DOMID_INVALID, 0, 10, 0, 0, 0 }, -XEN_ESRCH },
		{ "domid 0xffff", { 0xffff, 0, 10, 0, 0, 0 }, -XEN_ESRCH },
		/* Values are checked before the domain is looked up. */
		{ "bad values for no domain", { 9, 0, 0, 0, 0, 0 }, -XEN_EINVAL },
	};

	for (unsigned int i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct koan_sched_bvt a = t[i].a;
		test_check(HYPERVISOR_koan_sched(KOAN_SCHED_SET_BVT, (unsigned long)&a), t[i].rc,
			   t[i].what);
	}
}

/* Pointers the hypervisor may not read, or write; windows 14 and 15 of guest/mm.c. */
static void bad_pointers(void)
{
	const unsigned long bad[] = { 0, 8, HYPERVISOR_VA, NONCANONICAL_VA, ~0UL - 7 };
	unsigned long pfn;
	const struct koan_sched_bvt *ro;

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (unsigned long cmd = 0; cmd < 4; cmd++)
			test_check(HYPERVISOR_koan_sched(cmd, bad[i]), -XEN_EFAULT, "bad pointer");
	if (!mm_init() || !(pfn = pool_alloc(true)))
		return;
	/* Read-only: the argument is read (a zeroed frame names dom0), the answer cannot be written. */
	if (!(ro = win_map(14, pfn_mfn(pfn), DATA_RO)))
		return;
	test_check(HYPERVISOR_koan_sched(KOAN_SCHED_GET_BVT, (unsigned long)ro), -XEN_EFAULT,
		   "get_bvt into a read-only page");
	test_check(HYPERVISOR_koan_sched(KOAN_SCHED_GET_CTX_ALLOW, (unsigned long)ro),
		   -XEN_EFAULT, "get_ctx_allow into a read-only page");
	/* Across into an unmapped page: the last 16 of the 32 bytes are missing. */
	if (!win_map(14, pfn_mfn(pfn), DATA_RW))
		return;
	if (HYPERVISOR_update_va_mapping(win_va(15), 0, UVMF_INVLPG | UVMF_LOCAL)) {
		test_fail("could not unmap window 15");
		return;
	}
	for (unsigned long cmd = 0; cmd < 2; cmd++)
		test_check(HYPERVISOR_koan_sched(cmd, win_va(15) - 16), -XEN_EFAULT,
			   "a struct across into an unmapped page");
	test_check(HYPERVISOR_koan_sched(KOAN_SCHED_SET_CTX_ALLOW, win_va(15) - 4), -XEN_EFAULT,
		   "an allowance across into an unmapped page");
	test_check(win_unmap(15), 0, "window 15 back");
	test_check(win_unmap(14), 0, "window 14 back");
	pool_free(pfn);
}

/*
 * dom0: every refusal, and nothing changed by any of them.  A domU: the
 * same hostile arguments, each -EPERM.
 */
void case_sched_bvt_bad_args(void)
{
	struct koan_sched_bvt before, after;
	uint64_t c_before, c_after, c;
	domid_t p;

	EXPECT((p = peer_domid()) != DOMID_INVALID, "no peer");
	if (!guest_privileged()) {
		struct koan_sched_bvt a = { .domid = 9, .pad = 1 };
		unprivileged_refusals();
		test_check(HYPERVISOR_koan_sched(KOAN_SCHED_SET_BVT, (unsigned long)&a), -XEN_EPERM,
			   "set_bvt, bad domain and pad");
		test_check(HYPERVISOR_koan_sched(KOAN_SCHED_GET_BVT, HYPERVISOR_VA), -XEN_EPERM,
			   "get_bvt into the hypervisor");
		test_check(HYPERVISOR_koan_sched(KOAN_SCHED_SET_CTX_ALLOW, 0), -XEN_EPERM,
			   "set_ctx_allow from NULL");
		test_check(HYPERVISOR_koan_sched(~0UL, ~0UL), -XEN_EPERM, "command 2^64-1");
		return;
	}
	EXPECT_EQ(get_bvt(p, &before), 0, "get_bvt(peer)");
	EXPECT_EQ(ctx_allow(KOAN_SCHED_GET_CTX_ALLOW, &c_before), 0, "get_ctx_allow");
	test_check(HYPERVISOR_koan_sched(4, (unsigned long)&c), -XEN_ENOSYS, "command 4");
	test_check(HYPERVISOR_koan_sched(~0UL, 0), -XEN_ENOSYS, "command 2^64-1");
	test_check(HYPERVISOR_koan_sched(1UL << 32, (unsigned long)&before), -XEN_ENOSYS,
		   "command 2^32 (get_bvt in the low half)");
	bad_sets(p);
	{
		struct koan_sched_bvt a = { .domid = p, .pad = 2 };
		test_check(HYPERVISOR_koan_sched(KOAN_SCHED_GET_BVT, (unsigned long)&a), -XEN_EINVAL,
			   "get_bvt, pad set");
		a = (struct koan_sched_bvt){ .domid = 9 };
		test_check(HYPERVISOR_koan_sched(KOAN_SCHED_GET_BVT, (unsigned long)&a), -XEN_ESRCH,
			   "get_bvt, no such domain");
	}
	{
		const uint64_t bad_c[] = { 0, 99999, 1000 * MS + 1, ~0UL };
		for (unsigned int i = 0; i < sizeof(bad_c) / sizeof(bad_c[0]); i++) {
			c = bad_c[i];
			test_check(ctx_allow(KOAN_SCHED_SET_CTX_ALLOW, &c), -XEN_EINVAL,
				   "set_ctx_allow out of range");
		}
	}
	bad_pointers();
	EXPECT_EQ(get_bvt(p, &after), 0, "get_bvt(peer) after");
	EXPECT(same_bvt(&before, &after), "a refused call changed the peer's parameters");
	EXPECT_EQ(ctx_allow(KOAN_SCHED_GET_CTX_ALLOW, &c_after), 0, "get_ctx_allow after");
	EXPECT_EQ(c_after, c_before, "a refused call changed the allowance");
}
