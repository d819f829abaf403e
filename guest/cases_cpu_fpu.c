// SPDX-License-Identifier: MIT
/*
 * cpu suite, Koan only (needs a second domain running the same case):
 * FPU/SSE state survives switches between domains.  Each domain loads
 * xmm0-15, the x87 stack, the x87 control word and MXCSR with values of
 * its own (seeded by its L4's MFN, which differs between domains), yields
 * 200 times and checks every register after each yield.  The guest is
 * built with -mgeneral-regs-only, so the registers are touched with inline
 * asm only; nothing else in the guest uses them.  The state is compared
 * as FXSAVE images.
 */
#include <guest/cpu.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#define FPU_YIELDS 200

struct fpu_image {
	uint64_t xmm[16][2];
	uint8_t x87[8][10];	/* st0..st7 as fstpt stores them */
	uint16_t fcw;
	uint32_t mxcsr;
};

static void fpu_load(const struct fpu_image *f)
{
	__asm__ volatile(
		"movdqu 0x00(%0), %%xmm0\n\tmovdqu 0x10(%0), %%xmm1\n\t"
		"movdqu 0x20(%0), %%xmm2\n\tmovdqu 0x30(%0), %%xmm3\n\t"
		"movdqu 0x40(%0), %%xmm4\n\tmovdqu 0x50(%0), %%xmm5\n\t"
		"movdqu 0x60(%0), %%xmm6\n\tmovdqu 0x70(%0), %%xmm7\n\t"
		"movdqu 0x80(%0), %%xmm8\n\tmovdqu 0x90(%0), %%xmm9\n\t"
		"movdqu 0xa0(%0), %%xmm10\n\tmovdqu 0xb0(%0), %%xmm11\n\t"
		"movdqu 0xc0(%0), %%xmm12\n\tmovdqu 0xd0(%0), %%xmm13\n\t"
		"movdqu 0xe0(%0), %%xmm14\n\tmovdqu 0xf0(%0), %%xmm15\n\t"
		"fninit\n\t"
		"fldt 0x146(%0)\n\tfldt 0x13c(%0)\n\tfldt 0x132(%0)\n\t"
		"fldt 0x128(%0)\n\tfldt 0x11e(%0)\n\tfldt 0x114(%0)\n\t"
		"fldt 0x10a(%0)\n\tfldt 0x100(%0)\n\t"
		"fldcw 0x150(%0)\n\tldmxcsr 0x154(%0)\n\t"
		:: "r"(f) : "memory");
}

/* The whole x87/SSE state as FXSAVE64 stores it. */
struct fxsave_area {
	uint8_t bytes[512];
} __attribute__((aligned(16)));

static void fpu_save(struct fxsave_area *a)
{
	__asm__ volatile("fxsaveq %0" : "=m"(*a) :: "memory");
}

/*
 * Compare two images: control/status/tag words, MXCSR, st0-7 and
 * xmm0-15 (bytes 0-7 and 24-415); FIP/FDP (8-23) are left out, some CPUs
 * do not keep them.
 */
static bool fpu_same(const struct fxsave_area *a, const struct fxsave_area *b)
{
	return !memcmp(a->bytes, b->bytes, 8) &&
	       !memcmp(a->bytes + 24, b->bytes + 24, 416 - 24);
}

_Static_assert(__builtin_offsetof(struct fpu_image, x87) == 0x100, "x87");
_Static_assert(__builtin_offsetof(struct fpu_image, fcw) == 0x150, "fcw");
_Static_assert(__builtin_offsetof(struct fpu_image, mxcsr) == 0x154, "mxcsr");

void case_cpu_fpu_two_domains(void)
{
	static struct fpu_image want;
	static struct fxsave_area ref, now;
	uint64_t seed;
	unsigned int i, j;

	if (!cpu_init())
		return;
	seed = mm.l4_mfn * 0x100000001UL;
	memset(&want, 0, sizeof(want));
	for (i = 0; i < 16; i++) {
		want.xmm[i][0] = pattern_word(seed, 2 * i);
		want.xmm[i][1] = pattern_word(seed, 2 * i + 1);
	}
	for (i = 0; i < 8; i++) {
		/* A normal 80-bit value: explicit integer bit, exponent 0x3fff+i. */
		uint64_t mant = pattern_word(seed, 100 + i) | (1UL << 63);

		memcpy(want.x87[i], &mant, 8);
		want.x87[i][8] = (uint8_t)(0x3fff + i + (seed & 7));
		want.x87[i][9] = 0x3f | ((seed >> 8) & 0x80);
	}
	/* Rounding control from the seed, exceptions masked. */
	want.fcw = 0x037f | (uint16_t)((seed & 3) << 10);
	want.mxcsr = 0x1f80 | (uint32_t)((seed & 3) << 13);
	fpu_load(&want);
	fpu_save(&ref);
	/* The image holds what we loaded (xmm at 160, MXCSR at 24). */
	EXPECT(!memcmp(ref.bytes + 160, want.xmm, 256), "xmm not loaded");
	EXPECT_EQ(*(uint32_t *)(ref.bytes + 24), want.mxcsr, "MXCSR loaded");
	EXPECT_EQ(*(uint16_t *)ref.bytes, want.fcw, "FCW loaded");
	for (j = 0; j < FPU_YIELDS; j++) {
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		fpu_save(&now);
		if (!fpu_same(&now, &ref)) {
			for (i = 0; i < 416; i += 16)
				if (memcmp(now.bytes + i, ref.bytes + i, 16))
					TEST_NOTE("fxsave bytes %u-%u differ\n",
						  i, i + 15);
			test_fail("FPU/SSE state changed after yield %u", j + 1);
			break;
		}
	}
	__asm__ volatile("fninit");
}
