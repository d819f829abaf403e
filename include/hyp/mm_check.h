/* SPDX-License-Identifier: MIT */
/*
 * The frame-table invariant checker: recompute every frame's expected
 * general and type reference counts from scratch — ownership, pins, base
 * pointers, shared hypervisor pages and every entry of every validated page
 * table — and compare them with the frame table.  Also checks that entries
 * point at frames of the right type.  Used by a debug hypercall after every
 * fuzzer batch, and by unit tests.
 */
#ifndef KOAN_HYP_MM_CHECK_H
#define KOAN_HYP_MM_CHECK_H

#include <hyp/frame_table.h>

typedef void (*mm_report_fn)(mfn_t mfn, const char *what, uint64_t expected, uint64_t actual);

/*
 * roots: the frames vCPUs hold directly -- base pointers and GDT frames --
 * each with a reference and a type reference; scratch: 2 * frame_table_frames words.  Returns the
 * number of problems found, each also passed to report (if not NULL).
 */
unsigned mm_check_frames(const mfn_t *roots, unsigned nr_roots, uint32_t *scratch,
                         mm_report_fn report);

#endif
