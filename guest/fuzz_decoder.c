// SPDX-License-Identifier: MIT
/*
 * The decoder fuzzer (case fuzz_decoder, `fuzz-decoder=N` instructions,
 * 2000): random instruction bytes that the hypervisor's emulator must
 * decode -- writes whose memory operand lands in a read-only mapping of a
 * pinned L1 (#PF, writable page tables), privileged instructions (#GP,
 * the privileged-op emulator), and anything after the forced-emulation
 * prefix `ud2; .ascii "xen"` (#UD).  Each instruction is built from
 * prefixes, an opcode from those classes, a ModRM/SIB/displacement and an
 * immediate, written to an executable page of ours followed by NOPs and a
 * jump to fuzz_excursion_land, and run by an excursion (iret) with every
 * register pointing into the table mapping or holding a small or random
 * value.  Whatever happens -- it runs, or traps to us -- ends the
 * excursion; flags, debug registers, TS, segment bases and the LDT are put
 * back.  Never generated: control transfers, stack switches, syscall,
 * rip-relative or absolute addressing (they would reach our own memory),
 * and writes to %rsp.  Outcomes are logged for the oracle.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/fuzz.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#define DECODER_SLOT 8
#define L2_TABLE 20	/* the pinned L1 sits at this L2 index */
#define SLED 16
#define CODE_PAGE 300	/* far from the table view: no operand reaches it */

static struct {
	struct scratch sp;
	unsigned long table, code_mfn;
	uint8_t *code;		/* the executable page (writable too) */
	unsigned long view;	/* the table, mapped read-only */
	unsigned long stack_top;
	unsigned long landed, trapped[32];
} dc;

/* rsp sits in the middle page: no displacement we generate leaves this. */
static uint8_t sandbox_stack[3 * 4096] __attribute__((aligned(4096)));

static bool dc_hook(struct cpu_regs *r)
{
	if (r->vector == 1)
		HYPERVISOR_set_debugreg(7, 0);
	if (r->vector < 32)
		dc.trapped[r->vector]++;
	fuzz_excursion_end(-1000 - (long)r->vector);
}

static bool decoder_setup(void)
{
	unsigned long t = pool_alloc(true), c = pool_alloc(true);

	memset(&dc, 0, sizeof(dc));
	dc.sp.slot = DECODER_SLOT;
	if (!cpu_init() || !t || !c || !scratch_ensure(&dc.sp, 0))
		return false;
	dc.table = pfn_mfn(t);
	dc.code_mfn = pfn_mfn(c);
	if (pin_table(1, dc.table) ||
	    mmu_update1(pt_entry_ma(dc.sp.l2_mfn, L2_TABLE), pte_make(dc.table, PT_FLAGS)) ||
	    scratch_map(&dc.sp, 1, dc.table, DATA_RO) ||
	    scratch_map(&dc.sp, CODE_PAGE, dc.code_mfn, DATA_RW)) {
		test_fail("setting up the decoder's table and code page");
		return false;
	}
	dc.view = scratch_va(&dc.sp, 1);
	dc.code = (uint8_t *)scratch_va(&dc.sp, CODE_PAGE);
	dc.stack_top = (unsigned long)&sandbox_stack[2 * 4096];
	return true;
}

/* ---- building one instruction -------------------------------------------- */

struct insn {
	uint8_t b[32];
	unsigned int n;
	bool rex_r, rex_b;
};

static void put(struct insn *i, uint8_t byte)
{
	if (i->n < sizeof(i->b))
		i->b[i->n++] = byte;
}

static void prefixes(struct insn *i)
{
	static const uint8_t legacy[] = { 0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e,
					  0x26, 0x64, 0x65, 0x36 };

	while (fuzz_chance(25))
		put(i, FUZZ_PICK(legacy));
	if (fuzz_chance(50)) {
		uint8_t rex = 0x40 | (uint8_t)fuzz_below(16);

		i->rex_r = rex & 4;
		i->rex_b = rex & 1;
		put(i, rex);
	}
}

/*
 * A ModRM (and SIB, displacement) with a memory operand based on a
 * register (never rip-relative or absolute); `reg` is the /digit, or -1
 * for a register operand (never %rsp as a destination).  mod 3 (register
 * forms) only when `regs_ok`.
 */
static void modrm(struct insn *i, int reg, bool regs_ok)
{
	unsigned int mod = (unsigned int)fuzz_below(regs_ok && fuzz_chance(15) ? 4 : 3);
	unsigned int r = reg >= 0 ? (unsigned int)reg : (unsigned int)fuzz_below(8);
	unsigned int rm = (unsigned int)fuzz_below(8);

	if (reg < 0 && r == 4 && !i->rex_r)
		r = 0;
	if (mod == 3 && rm == 4 && !i->rex_b)
		rm = 0;
	if (mod == 0 && rm == 5)
		rm = 6;		/* not rip-relative */
	put(i, (uint8_t)(mod << 6 | r << 3 | rm));
	if (mod != 3 && rm == 4) {
		unsigned int base = (unsigned int)fuzz_below(8);

		if (mod == 0 && base == 5)
			base = 3;	/* not absolute */
		put(i, (uint8_t)(fuzz_below(4) << 6 | fuzz_below(8) << 3 | base));
	}
	if (mod == 1)
		put(i, (uint8_t)fuzz_below(256));
	if (mod == 2) {
		uint32_t d = (uint32_t)fuzz_below(8192) - 4096;

		put(i, (uint8_t)d);
		put(i, (uint8_t)(d >> 8));
		put(i, (uint8_t)(d >> 16));
		put(i, (uint8_t)(d >> 24));
	}
}

static void imm(struct insn *i, unsigned int bytes)
{
	while (bytes--)
		put(i, (uint8_t)fuzz_rnd());
}

/* Writes to memory: what ptwr emulates, or refuses. */
static void memory_write(struct insn *i)
{
	static const uint8_t rm_reg[] = { 0x88, 0x89, 0x86, 0x87, 0x00, 0x01, 0x08,
					  0x09, 0x20, 0x21, 0x28, 0x29, 0x30, 0x31 };
	static const uint8_t twobyte[] = { 0xb0, 0xb1, 0xc0, 0xc1, 0xab, 0xb3, 0xbb };
	bool wide;

	switch (fuzz_below(8)) {
	case 0: case 1: case 2:
		put(i, FUZZ_PICK(rm_reg));
		modrm(i, -1, false);
		break;
	case 3:
		wide = fuzz_chance(50);
		put(i, wide ? 0xc7 : 0xc6);
		modrm(i, 0, false);
		imm(i, wide ? 4 : 1);
		break;
	case 4:
		put(i, 0x80 + (uint8_t)fuzz_below(4));	/* group 1, 0x82 invalid */
		modrm(i, (int)fuzz_below(8), false);
		imm(i, 1);
		break;
	case 5:
		put(i, 0x0f);
		put(i, FUZZ_PICK(twobyte));
		modrm(i, -1, false);
		break;
	case 6:	/* bt* with an immediate, or cmpxchg8b/16b */
		wide = fuzz_chance(50);
		put(i, 0x0f);
		put(i, wide ? 0xba : 0xc7);
		modrm(i, wide ? 4 + (int)fuzz_below(4) : 1, false);
		if (wide)
			imm(i, 1);
		break;
	default:
		put(i, fuzz_chance(50) ? 0xfe : 0xff);
		modrm(i, (int)fuzz_below(2), false);	/* inc, dec */
	}
}

/* What a ring-3 kernel may not do: the privileged-op emulator's business. */
static void privileged(struct insn *i)
{
	static const uint8_t one[] = { 0xe4, 0xe5, 0xe6, 0xe7, 0xec, 0xed, 0xee,
				       0xef, 0x6c, 0x6d, 0x6e, 0x6f, 0xfa, 0xfb,
				       0xf4, 0xf1, 0xcc, 0xce };
	static const uint8_t two[] = { 0x06, 0x08, 0x09, 0x30, 0x31, 0x32, 0x33,
				       0xa2, 0x20, 0x21, 0x22, 0x23, 0x00, 0x01 };
	uint8_t op;

	switch (fuzz_below(3)) {
	case 0:
		put(i, op = FUZZ_PICK(one));
		if (op >= 0xe4 && op <= 0xe7)
			imm(i, 1);
		break;
	case 1:
		put(i, 0xcd);	/* int n */
		put(i, (uint8_t)fuzz_below(256));
		break;
	default:
		put(i, 0x0f);
		put(i, op = FUZZ_PICK(two));
		if (op >= 0x20 && op <= 0x23)	/* mov cr/dr: register forms */
			put(i, (uint8_t)(0xc0 | fuzz_below(8) << 3 | fuzz_below(4)));
		else if (op == 0x00 || op == 0x01) {
			modrm(i, (int)fuzz_below(8), false);
		}
	}
}

/* The forced-emulation prefix, then anything. */
static void forced(struct insn *i)
{
	put(i, 0x0f);
	put(i, 0x0b);
	put(i, 'x');
	put(i, 'e');
	put(i, 'n');
	if (fuzz_chance(30)) {
		put(i, 0x0f);
		put(i, 0xa2);	/* the one it is meant for: cpuid */
	} else if (fuzz_chance(50)) {
		privileged(i);
	} else {
		memory_write(i);
	}
}

static const char *build(struct insn *i)
{
	memset(i, 0, sizeof(*i));
	prefixes(i);
	switch (fuzz_below(10)) {
	case 0: case 1: case 2: case 3: case 4:
		memory_write(i);
		return "decode_write";
	case 5: case 6: case 7:
		privileged(i);
		return "decode_privileged";
	default:
		forced(i);
		return "decode_forced";
	}
}

/* ---- running it ----------------------------------------------------------- */

static uint64_t rand_reg(void)
{
	switch (fuzz_below(4)) {
	case 0:
	case 1:
		return dc.view + (fuzz_chance(70) ? fuzz_below(512) * 8 : fuzz_below(4096));
	case 2:
		return fuzz_below(64);
	default:
		return fuzz_rnd();
	}
}

static long run(const struct insn *in)
{
	static const uint8_t jump[] = { 0x48, 0xb8 };	/* movabs $land, %rax */
	uint64_t land = (uint64_t)fuzz_excursion_land;
	struct cpu_regs r;
	unsigned int k = in->n;
	uint64_t *g = &r.r15;

	memcpy(dc.code, in->b, in->n);
	memset(dc.code + k, 0x90, SLED);
	k += SLED;
	memcpy(dc.code + k, jump, 2);
	memcpy(dc.code + k + 2, &land, 8);
	dc.code[k + 10] = 0xff;	/* jmp *%rax */
	dc.code[k + 11] = 0xe0;
	memset(&r, 0, sizeof(r));
	for (k = 0; k < 15; k++)	/* r15 .. rcx */
		g[k] = rand_reg();
	r.rip = (uint64_t)dc.code;
	r.cs = 0xe030;
	r.ss = 0xe02b;
	r.rsp = dc.stack_top - 256;
	r.rflags = 0x202;
	return fuzz_excursion(&r);
}

/* What an instruction may have changed in our state. */
static void restore(void)
{
	HYPERVISOR_set_debugreg(7, 0);
	HYPERVISOR_fpu_taskswitch(0);
	HYPERVISOR_set_segment_base(SEGBASE_FS, 0);
	HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, 0);
	HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0);
	mmuext1(MMUEXT_SET_LDT, 0, 0);
	cpu_vcpu()->evtchn_upcall_mask = 1;
	__asm__ volatile("mov %w0, %%ds; mov %w0, %%es" :: "r"(0) : "memory");
}

static void describe(unsigned long no, const struct insn *in)
{
	char hex[100];
	unsigned int k, len = 0;

	for (k = 0; k < in->n && len < sizeof(hex) - 3; k++)
		len += snprintf(hex + len, sizeof(hex) - len, "%02x", in->b[k]);
	fuzz_trace("instruction %lu: %s", no, hex);
}

void case_fuzz_decoder(void)
{
	unsigned long seed = fuzz_arg("fuzz-seed", 1), n = fuzz_arg("fuzz-decoder", 2000);
	unsigned long every = fuzz_arg("fuzz-check-every", 1), i;
	struct insn in;

	fuzz_seed(seed + 2);
	if (!decoder_setup())
		return;
	fuzz_checks_reset();
	fuzz_log_start("decoder", seed);
	cpu_hook = dc_hook;
	for (i = 1; i <= n; i++) {
		const char *kind = build(&in);
		long v;

		describe(i, &in);
		v = run(&in);
		restore();
		if (v == 1)
			dc.landed++;
		/* 0: it ran through; -(vector + 1): that trap ended it. */
		fuzz_done(kind, v == 1 ? 0 : v + 999, NULL);
		if (every && i % every == 0 && fuzz_check()) {
			cpu_hook = NULL;
			EXPECT(false, "frame check after instruction %lu", i);
		}
	}
	cpu_hook = NULL;
	fuzz_log_stop();
	guest_printf("fuzz-decoder: seed %lu done: %lu instructions, %lu ran through, "
		     "#GP %lu, #PF %lu, #UD %lu, %lu checks\n", seed, n, dc.landed,
		     dc.trapped[13], dc.trapped[14], dc.trapped[6], fuzz_checks());
	fuzz_coverage_print("decoder");
	EXPECT_EQ(fuzz_check(), 0, "frame check after the decoder run");
}
