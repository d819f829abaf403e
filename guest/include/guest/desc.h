/* SPDX-License-Identifier: MIT */
/*
 * Descriptor tables from the guest's side (cpu suite, cases_cpu_desc.c,
 * cases_cpu_ldt.c, cases_cpu_decode.c; the fuzzer's CPU calls, fuzz_cpu.c):
 * the set_gdt and update_descriptor hypercalls, descriptor frames and
 * encodings, and segment-register access.
 */
#ifndef GUEST_DESC_H
#define GUEST_DESC_H

#include <stdbool.h>
#include <stdint.h>

#include <guest/hypercall.h>

/* A zeroed pool frame, mapped nowhere (0 when the pool is empty). */
unsigned long frame_new(void);
/* Give it back (0: nothing). */
void frame_put(unsigned long mfn);
/* Write n descriptors from index idx of frame mfn (through window 2). */
bool frame_write(unsigned long mfn, unsigned int idx, const uint64_t *d,
		 unsigned int n);

static inline long HYPERVISOR_set_gdt(const void *frames, unsigned long entries)
{
	return guest_hypercall3(__HYPERVISOR_set_gdt, (unsigned long)frames,
				entries, 0);
}

/* 64-bit ABI: (machine address of the descriptor, the descriptor). */
static inline long HYPERVISOR_update_descriptor(uint64_t ma, uint64_t desc)
{
	return guest_hypercall3(__HYPERVISOR_update_descriptor, ma, desc, 0);
}

/* A flat segment descriptor: limit 0xfffff, base 0, access byte, flags. */
#define DESC_SEG(access, flags)                                              \
	(0xffffUL | ((uint64_t)(access) << 40) | (0xfUL << 48) |              \
	 ((uint64_t)(flags) << 52))
#define DESC_DPL(d) ((uint64_t)(d) << 45)
#define DESC_DPL_MASK DESC_DPL(3)
#define DESC_P (1UL << 47)
/* Accessed bit already set, so the CPU never writes the table. */
#define DESC_CODE64 DESC_SEG(0x9b, 0xa)		/* DPL 0, L, G */
#define DESC_DATA DESC_SEG(0x93, 0xc)		/* DPL 0, D/B, G */
#define DESC_CODE32 DESC_SEG(0x9b, 0xc)

/* A code or data descriptor with any base and 20-bit limit (flags: G D L). */
static inline uint64_t desc_make(uint32_t base, uint32_t limit,
				 unsigned int access, unsigned int flags)
{
	return (limit & 0xffffUL) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)(limit >> 16 & 0xf) << 48) |
	       ((uint64_t)(flags & 0xf) << 52) | ((uint64_t)(base >> 24) << 56);
}
#define DESC_ACC_CODE3 0xfb	/* present, DPL 3, code, readable, accessed */
#define DESC_ACC_DATA3 0xf3	/* present, DPL 3, data, writable, accessed */
#define DESC_FLAG_G 0x8
#define DESC_FLAG_D 0x4
#define DESC_FLAG_L 0x2
/* System descriptors (first 8 bytes; the 64-bit ones are 16 bytes). */
#define DESC_TSS64 (0x67UL | (0x89UL << 40))
#define DESC_LDT64 (0xffffUL | (0x82UL << 40))
#define DESC_SYS(type) ((uint64_t)(0x80 | (type)) << 40)	/* present */

/* The low 8 bytes of a 64-bit call gate (the high 8: offset >> 32). */
static inline uint64_t desc_call_gate(uint16_t sel, uint64_t off,
				      unsigned int dpl)
{
	return (off & 0xffff) | ((uint64_t)sel << 16) |
	       ((uint64_t)(0x8c | (dpl << 5)) << 40) |
	       (((off >> 16) & 0xffff) << 48);
}

#define SEG_READ(seg)                                                        \
	({                                                                   \
		unsigned long _v;                                            \
		__asm__ volatile("mov %%" #seg ", %k0" : "=r"(_v));          \
		_v & 0xffff;                                                 \
	})

/* The data segment registers the cases load selectors into. */
enum desc_seg { SEG_DS, SEG_ES, SEG_FS };

/*
 * Load sel into a data segment register in guest kernel mode; a fault
 * resumes after the load.  0 if it loaded, else (vector << 16) | error
 * code of the bounce.
 */
unsigned long desc_seg_load(enum desc_seg seg, unsigned long sel);

/* ds, es and fs as the boot left them, to be put back after a case. */
struct desc_segs {
	uint16_t ds, es, fs;
};
void desc_segs_save(struct desc_segs *s);
/* Reload them; %fs's base (0 in the test guest) is set again too. */
void desc_segs_restore(const struct desc_segs *s);

#endif /* GUEST_DESC_H */
