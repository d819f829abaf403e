/* SPDX-License-Identifier: MIT */
/*
 * Machine frame allocator over a caller-provided bitmap (one bit per frame,
 * set = free).  Single allocations are next-fit from a hint, so repeated
 * allocations cost O(1) amortised; contiguous runs are first-fit.  Each
 * allocator has its own lock, taken by every call that changes or counts
 * it (docs/memory.md, "Concurrency"); frame_alloc_is_free is a snapshot.
 */
#ifndef KOAN_HYP_FRAME_ALLOC_H
#define KOAN_HYP_FRAME_ALLOC_H

#include <hyp/spinlock.h>
#include <hyp/types.h>

struct frame_allocator {
    uint64_t *bitmap;       /* ceil(max_mfn / 64) words, bit set = frame free */
    uint64_t max_mfn;       /* manages frames [0, max_mfn) */
    uint64_t nr_free;
    uint64_t hint;          /* bitmap word where the next single search starts */
    spinlock_t lock;        /* the bitmap, nr_free and hint */
};

/* Words of bitmap needed for max_mfn frames. */
#define FRAME_ALLOC_BITMAP_WORDS(max_mfn) (((max_mfn) + 63) / 64)

/* Set up a over bitmap (FRAME_ALLOC_BITMAP_WORDS(max_mfn) words) with every frame reserved. */
void frame_alloc_init(struct frame_allocator *a, uint64_t *bitmap, uint64_t max_mfn);

/* Mark [start, start+count) free (idempotent); -EINVAL if it leaves [0, max_mfn). */
int frame_alloc_add_free(struct frame_allocator *a, mfn_t start, uint64_t count);

/* Mark [start, start+count) reserved (idempotent); -EINVAL if it leaves [0, max_mfn). */
int frame_alloc_reserve(struct frame_allocator *a, mfn_t start, uint64_t count);

/* Allocate one frame into *out; -ENOMEM when none is free. */
int frame_alloc(struct frame_allocator *a, mfn_t *out);

/*
 * Allocate count contiguous frames starting at a multiple of align_frames (a
 * power of two; 0 or 1 = no alignment) into *out.  -EINVAL for count 0 or a
 * bad alignment, -ENOMEM if no such run is free.
 */
int frame_alloc_contig(struct frame_allocator *a, uint64_t count, uint64_t align_frames,
                       mfn_t *out);

/* Free an allocated frame; -EINVAL (state unchanged) if mfn is out of range or already free. */
int frame_free(struct frame_allocator *a, mfn_t mfn);

/* True if mfn is in range and free. */
bool frame_alloc_is_free(const struct frame_allocator *a, mfn_t mfn);

/* Number of free frames. */
uint64_t frame_alloc_free_count(const struct frame_allocator *a);

#endif
