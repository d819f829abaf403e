// SPDX-License-Identifier: MIT
/*
 * Frames for descriptor tables (guest/include/guest/desc.h): pool frames
 * the descriptor and decoder cases fill with descriptors and hand to
 * set_gdt or SET_LDT.
 */
#include <guest/cpu.h>
#include <guest/desc.h>
#include <guest/mm.h>

unsigned long frame_new(void)
{
	unsigned long pfn = pool_alloc(true);

	return pfn ? pfn_mfn(pfn) : 0;
}

void frame_put(unsigned long mfn)
{
	if (mfn)
		pool_free(m2p_read(mfn));
}

bool frame_write(unsigned long mfn, unsigned int idx, const uint64_t *d,
		 unsigned int n)
{
	uint64_t *p = win_map(2, mfn, DATA_RW);
	unsigned int i;

	if (!p)
		return false;
	for (i = 0; i < n; i++)
		p[idx + i] = d[i];
	win_unmap(2);
	return true;
}

unsigned long desc_seg_load(enum desc_seg seg, unsigned long sel)
{
	cpu_trap_reset();
	if (seg == SEG_DS)
		__asm__ volatile(CPU_FAULT("mov %w0, %%ds") :: "r"(sel) : "memory");
	else if (seg == SEG_ES)
		__asm__ volatile(CPU_FAULT("mov %w0, %%es") :: "r"(sel) : "memory");
	else
		__asm__ volatile(CPU_FAULT("mov %w0, %%fs") :: "r"(sel) : "memory");
	cpu_resume_rip = 0;
	if (!cpu_last.count)
		return 0;
	return ((unsigned long)cpu_last.regs.vector << 16) | cpu_last.regs.error_code;
}

void desc_segs_save(struct desc_segs *s)
{
	s->ds = (uint16_t)SEG_READ(ds);
	s->es = (uint16_t)SEG_READ(es);
	s->fs = (uint16_t)SEG_READ(fs);
}

void desc_segs_restore(const struct desc_segs *s)
{
	desc_seg_load(SEG_DS, s->ds);
	desc_seg_load(SEG_ES, s->es);
	desc_seg_load(SEG_FS, s->fs);
	HYPERVISOR_set_segment_base(SEGBASE_FS, 0);
}
