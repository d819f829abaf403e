// SPDX-License-Identifier: MIT
/*
 * Frames for descriptor tables (guest/include/guest/desc.h): pool frames
 * the descriptor and decoder cases fill with descriptors and hand to
 * set_gdt or SET_LDT.
 */
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
