/* SPDX-License-Identifier: MIT */
/*
 * Host ("fake arch") implementation of the hooks that hyp/mm/frame_table.c,
 * pt.c and mm_check.c need, plus a small simulated machine for unit tests:
 * FAKE_FRAMES frames of real, page-aligned host memory that pt_map_frame
 * returns pointers into, a frame table over them, a registry of domains for
 * domain_from_id, and counters for every hook call (TLB flushes, frees).
 *
 * Never linked into the hypervisor (the top Makefile skips hyp/arch/fake/).
 */
#ifndef KOAN_ARCH_FAKE_MM_H
#define KOAN_ARCH_FAKE_MM_H

#include <hyp/domain.h>
#include <hyp/frame_table.h>
#include <hyp/pt.h>

#define FAKE_FRAMES     256u
/* Frames [FAKE_IO_FIRST, +FAKE_IO_COUNT) are I/O memory in the frame table. */
#define FAKE_IO_FIRST   240u
#define FAKE_IO_COUNT   16u
/* An MMIO hole beyond the frame table, also I/O memory for privileged domains. */
#define FAKE_MMIO_FIRST 0x100000u
#define FAKE_MMIO_COUNT 0x100u
/* What pt_hypervisor_l4_entry(slot) returns: recognisable, and no valid frame. */
#define FAKE_HYP_L4E(slot) (0x00007e5700000063UL | ((uint64_t)(slot) << 12))

/* PTE bits, spelled out for tests. */
#define F_P     (1UL << 0)
#define F_RW    (1UL << 1)
#define F_US    (1UL << 2)
#define F_PWT   (1UL << 3)
#define F_PCD   (1UL << 4)
#define F_A     (1UL << 5)
#define F_D     (1UL << 6)
#define F_PSE   (1UL << 7)   /* PAT at L1 */
#define F_G     (1UL << 8)
#define F_AVAIL (7UL << 9)
#define F_GK    (1UL << 52)  /* Xen's guest-kernel marker */
#define F_GNT   (1UL << 62)
#define F_NX    (1UL << 63)

struct fake_machine {
    uint8_t *mem;                 /* FAKE_FRAMES * 4 KiB, page aligned */
    struct page_info *table;      /* the frame table over mem */
    uint32_t *scratch;            /* for mm_check_frames */
    unsigned long flushes;        /* frame_table_flush_tlb calls */
    unsigned long frees;          /* frame_table_on_free calls */
    unsigned long check_gone;     /* domain_check_gone calls */
    uint32_t free_count[FAKE_FRAMES];    /* frame_table_on_free per frame */
    uint32_t assign_count[FAKE_FRAMES];  /* fake_assign per frame */
    bool quiet;                   /* do not print checker problems */
    uint32_t budget;              /* work budget per (continued) operation; 0 = unlimited */
    unsigned long restarts;       /* continuations fake_pin/fake_unpin/fake_drain went through */
    bool check_restarts;          /* fake_check (with these roots) at every one of them */
    const mfn_t *roots;
    unsigned nr_roots;
    unsigned long crashes;        /* domain_crash calls (recorded, nothing torn down) */
    char crash_reason[160];       /* the last one's reason */
};
extern struct fake_machine fake;

/* A fresh machine: zeroed memory, frame table set up, I/O frames marked. */
void fake_machine_init(void);
void fake_machine_fini(void);

/* A running domain registered for domain_from_id (no frames yet), with 2 blank vCPUs. */
void fake_domain_init(struct domain *d, domid_t id, bool privileged, uint64_t max_pages);
void fake_domain_forget(struct domain *d);

/* domain_assign_page (counted in tot_pages), recorded in fake.assign_count; contents kept. */
int fake_assign(struct domain *d, mfn_t mfn);
/* The lowest free RAM frame, zeroed and given to d; aborts if there is none. */
mfn_t fake_give(struct domain *d);

/* The simulated frame as 512 entries (any frame of the machine). */
uint64_t *fake_pt(mfn_t mfn);
/* A present entry mapping mfn with flags. */
static inline uint64_t fake_pte(mfn_t mfn, uint64_t flags) { return (mfn << 12) | flags; }

/*
 * Every consistency check the tests rely on: mm_check_frames with roots,
 * the linear counters recomputed from the validated tables, every domain
 * page list (links, owners, tot/xen_pages), and "each assigned frame freed
 * at most once, and exactly once if it is free again".  Returns the number
 * of problems (printed unless fake.quiet).
 */
unsigned fake_check(const mfn_t *roots, unsigned nr_roots);

/*
 * The pin/unpin operations exactly as hyp/mm/mmuext_op.c performs them:
 * queued devalidations drained first and after, each step under a budget of
 * fake.budget units, -ERESTART continued by calling again (as a guest's
 * re-issued hypercall does) until the operation has its answer.
 */
int fake_pin(struct domain *d, mfn_t mfn, unsigned level);
int fake_unpin(struct domain *d, mfn_t mfn);
/* The end of a hypercall: d's devalidation queue drained (under fake.budget, continued). */
void fake_drain(struct domain *d);

/* Frame table snapshot (into snap[FAKE_FRAMES]), to prove a failed operation changed nothing. */
void fake_snapshot(struct page_info *snap);
bool fake_same_as(const struct page_info *snap);
/* As fake_same_as, but a frame's (lazily kept) type may differ where its type count is 0. */
bool fake_same_counts(const struct page_info *snap);

#endif
