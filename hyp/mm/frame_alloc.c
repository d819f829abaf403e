/* SPDX-License-Identifier: MIT */
/*
 * Bitmap machine frame allocator: range updates work a word at a time, single
 * allocations resume from the last word that had a free frame (next-fit), and
 * contiguous allocations skip past the first busy frame of each candidate.
 * The public calls take the allocator's lock; the helpers run under it.
 */
#include <hyp/errno.h>
#include <hyp/frame_alloc.h>
#include <hyp/string.h>

static uint64_t nr_words(const struct frame_allocator *a)
{
    return FRAME_ALLOC_BITMAP_WORDS(a->max_mfn);
}

static bool range_ok(const struct frame_allocator *a, uint64_t start, uint64_t count)
{
    return start <= a->max_mfn && count <= a->max_mfn - start;
}

/* Bits [lo, hi) of a word, 0 <= lo < hi <= 64. */
static uint64_t bit_mask(unsigned lo, unsigned hi)
{
    uint64_t upto = hi == 64 ? ~0ULL : (1ULL << hi) - 1;

    return upto & ~((1ULL << lo) - 1);
}

/* Bits set in x.  Not __builtin_popcountll: without -mpopcnt that needs libgcc. */
static unsigned popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (unsigned)((x * 0x0101010101010101ULL) >> 56);
}

/* Set (free) or clear (reserve) [start, start+count), keeping nr_free exact. */
static void update_range(struct frame_allocator *a, uint64_t start, uint64_t count, bool free)
{
    uint64_t end = start + count;

    while (start < end) {
        uint64_t w = start / 64;
        unsigned lo = start % 64, hi = (unsigned)MIN(end - w * 64, 64);
        uint64_t mask = bit_mask(lo, hi), old = a->bitmap[w];

        a->bitmap[w] = free ? old | mask : old & ~mask;
        a->nr_free += popcount64(a->bitmap[w] & mask);
        a->nr_free -= popcount64(old & mask);
        start = w * 64 + hi;
    }
}

void frame_alloc_init(struct frame_allocator *a, uint64_t *bitmap, uint64_t max_mfn)
{
    a->bitmap = bitmap;
    a->max_mfn = max_mfn;
    a->nr_free = 0;
    a->hint = 0;
    spin_lock_init(&a->lock);
    memset(bitmap, 0, nr_words(a) * sizeof(uint64_t));
}

static int change_range(struct frame_allocator *a, mfn_t start, uint64_t count, bool free)
{
    if (!range_ok(a, start, count))
        return -EINVAL;
    spin_lock(&a->lock);
    update_range(a, start, count, free);
    spin_unlock(&a->lock);
    return 0;
}

int frame_alloc_add_free(struct frame_allocator *a, mfn_t start, uint64_t count)
{
    return change_range(a, start, count, true);
}

int frame_alloc_reserve(struct frame_allocator *a, mfn_t start, uint64_t count)
{
    return change_range(a, start, count, false);
}

/* Take the lowest free frame in word w (which has one). */
static mfn_t take_from_word(struct frame_allocator *a, uint64_t w)
{
    unsigned bit = (unsigned)__builtin_ctzll(a->bitmap[w]);

    a->bitmap[w] &= ~(1ULL << bit);
    a->nr_free--;
    a->hint = w;
    return w * 64 + bit;
}

int frame_alloc(struct frame_allocator *a, mfn_t *out)
{
    uint64_t n = nr_words(a);
    int rc = -ENOMEM;

    spin_lock(&a->lock);
    /* nr_free > 0 guarantees a hit within one lap from the hint. */
    for (uint64_t i = 0; a->nr_free && i < n; i++) {
        uint64_t w = (a->hint + i) % n;

        if (a->bitmap[w]) {
            *out = take_from_word(a, w);
            rc = 0;
            break;
        }
    }
    spin_unlock(&a->lock);
    return rc;
}

/* First reserved frame in [from, to), or to if all are free. */
static uint64_t first_reserved(const struct frame_allocator *a, uint64_t from, uint64_t to)
{
    while (from < to) {
        uint64_t w = from / 64;
        uint64_t busy = ~a->bitmap[w] & bit_mask(from % 64, 64);

        if (busy)
            return MIN(w * 64 + (uint64_t)__builtin_ctzll(busy), to);
        from = (w + 1) * 64;
    }
    return to;
}

int frame_alloc_contig(struct frame_allocator *a, uint64_t count, uint64_t align_frames,
                       mfn_t *out)
{
    uint64_t align = align_frames ? align_frames : 1, start = 0;

    int rc = -ENOMEM;

    if (count == 0 || (align & (align - 1)))
        return -EINVAL;
    spin_lock(&a->lock);
    while (range_ok(a, start, count)) {
        uint64_t busy = first_reserved(a, start, start + count);

        if (busy == start + count) {
            update_range(a, start, count, false);
            *out = start;
            rc = 0;
            break;
        }
        if (busy + 1 > UINT64_MAX - (align - 1))
            break;
        start = ALIGN_UP(busy + 1, align);
    }
    spin_unlock(&a->lock);
    return rc;
}

bool frame_alloc_is_free(const struct frame_allocator *a, mfn_t mfn)
{
    return mfn < a->max_mfn && (a->bitmap[mfn / 64] >> (mfn % 64)) & 1;
}

int frame_free(struct frame_allocator *a, mfn_t mfn)
{
    int rc = -EINVAL;

    if (mfn >= a->max_mfn)
        return rc;
    spin_lock(&a->lock);
    if (!frame_alloc_is_free(a, mfn)) {
        a->bitmap[mfn / 64] |= 1ULL << (mfn % 64);
        a->nr_free++;
        rc = 0;
    }
    spin_unlock(&a->lock);
    return rc;
}

uint64_t frame_alloc_free_count(const struct frame_allocator *a)
{
    return atomic_read(&a->nr_free);   /* a snapshot, as soon stale as any */
}
