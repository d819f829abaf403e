/* SPDX-License-Identifier: MIT */
/*
 * The 2-level event-channel protocol on the guest's pages
 * (hyp/common/evtchn_2l.c), pure and unit-tested on the host
 * (tests/unit/test_evtchn_2l.c).  shared_info holds a pending and a mask
 * bit per port; each vCPU's vcpu_info a selector word (bit i: word i of
 * the pending bitmap may hold an event for it) and the upcall_pending
 * flag.  The guest changes the same words at the same time, so every
 * step is an atomic read-modify-write, in Xen's order: pending bit, then
 * (only if unmasked) selector bit, then upcall_pending -- so a guest that
 * scans selector then pending, clearing each before it looks, never
 * misses an event.
 */
#ifndef KOAN_HYP_EVTCHN_2L_H
#define KOAN_HYP_EVTCHN_2L_H

#include <hyp/evtchn_table.h>
#include <hyp/types.h>
#include <hyp/xen_public.h>

/* What evtchn_2l_set_pending did. */
#define EVTCHN_2L_NEWLY_PENDING 1u   /* the port was not pending before */
#define EVTCHN_2L_KICK          2u   /* upcall_pending went 0 -> 1: tell the vCPU */

/*
 * Port p (< 4096) becomes pending, to be noticed by the vCPU whose
 * vcpu_info is vi.  Returns EVTCHN_2L_* bits: a port already pending
 * changes nothing; a masked one sets only its pending bit.
 */
unsigned evtchn_2l_set_pending(shared_info_t *s, struct vcpu_info *vi, evtchn_port_t p);
/* Clear p's pending bit (a port being closed). */
void evtchn_2l_clear_pending(shared_info_t *s, evtchn_port_t p);
/*
 * Clear p's mask bit; if it was masked and is pending, tell vi as a new
 * event would.  Returns EVTCHN_2L_KICK when vi's upcall_pending went 0 -> 1.
 */
unsigned evtchn_2l_unmask(shared_info_t *s, struct vcpu_info *vi, evtchn_port_t p);
bool evtchn_2l_is_pending(const shared_info_t *s, evtchn_port_t p);
bool evtchn_2l_is_masked(const shared_info_t *s, evtchn_port_t p);

#endif
