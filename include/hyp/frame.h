/* SPDX-License-Identifier: MIT */
/*
 * This machine's frames: the one frame allocator of the hypervisor, set up
 * from the boot memory map, with the image, the loader's modules and the
 * first MiB kept out of it.  Frames come back unzeroed.
 */
#ifndef KOAN_HYP_FRAME_H
#define KOAN_HYP_FRAME_H

#include <hyp/boot_info.h>
#include <hyp/types.h>

#define MAX_MACHINE_FRAMES (1UL << 24)   /* 64 GiB of machine memory */

void machine_frames_init(const struct boot_info *bi);
/* 0, or -ENOMEM when no frame is left. */
int machine_frame_alloc(mfn_t *out);
/* count contiguous frames aligned to align frames; 0 or -ENOMEM. */
int machine_frames_alloc_contig(uint64_t count, uint64_t align, mfn_t *out);
void machine_frame_free(mfn_t mfn);
void machine_frames_free(mfn_t first, uint64_t count);
uint64_t machine_frames_free_count(void);
/* Highest machine frame number + 1 that the allocator manages. */
mfn_t machine_max_mfn(void);
/* The allocator itself, read-only (for the invariant checker). */
struct frame_allocator;
const struct frame_allocator *machine_frame_allocator(void);

/* Build the frame table (hyp/mm/mm_glue.c) once the allocator works. */
void frame_table_init(const struct boot_info *bi);

struct domain;
/*
 * 2^order fresh frames (contiguous, aligned) for d, zeroed and assigned;
 * counted in tot_pages (never beyond max_pages) or as shared hypervisor
 * pages.  0 or -ENOMEM; *first is the first frame.
 */
int domain_give_frames(struct domain *d, unsigned order, bool counted, mfn_t *first);

/* Hypervisor heap, page granular: zeroed, direct-mapped, NULL when out of memory. */
void *hyp_alloc_pages(uint64_t count);
void hyp_free_pages(void *p, uint64_t count);

#endif
