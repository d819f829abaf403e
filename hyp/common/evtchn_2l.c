/* SPDX-License-Identifier: MIT */
/*
 * The 2-level event-channel protocol on shared_info and vcpu_info
 * (include/hyp/evtchn_2l.h): locked bit operations on words the guest
 * changes too.  Each test-and-set/clear is a full barrier on x86, which
 * gives the strict order the protocol needs.
 */
#include <hyp/evtchn_2l.h>

#define BITS_PER_WORD 64u

_Static_assert(sizeof(((shared_info_t *)0)->evtchn_pending) * 8 == EVTCHN_2L_PORTS,
               "the pending bitmap has a bit per port");

static inline uint64_t port_bit(evtchn_port_t p) { return 1UL << (p % BITS_PER_WORD); }
static inline unsigned port_word(evtchn_port_t p) { return p / BITS_PER_WORD; }

static bool test_and_set(xen_ulong_t *w, uint64_t bit)
{
    return __atomic_fetch_or(w, bit, __ATOMIC_SEQ_CST) & bit;
}

static bool test_and_clear(xen_ulong_t *w, uint64_t bit)
{
    return __atomic_fetch_and(w, ~bit, __ATOMIC_SEQ_CST) & bit;
}

static bool test(const xen_ulong_t *w, uint64_t bit)
{
    return __atomic_load_n(w, __ATOMIC_SEQ_CST) & bit;
}

/* Selector bit for p's word, then upcall_pending: EVTCHN_2L_KICK if that went 0 -> 1. */
static unsigned tell_vcpu(struct vcpu_info *vi, evtchn_port_t p)
{
    if (test_and_set(&vi->evtchn_pending_sel, 1UL << port_word(p)))
        return 0;
    /* Bit 0 of the flag byte, as Xen's test_and_set_bit on it. */
    if (__atomic_fetch_or(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST) & 1)
        return 0;
    return EVTCHN_2L_KICK;
}

unsigned evtchn_2l_set_pending(shared_info_t *s, struct vcpu_info *vi, evtchn_port_t p)
{
    unsigned w = port_word(p) % ARRAY_SIZE(s->evtchn_pending);

    if (test_and_set(&s->evtchn_pending[w], port_bit(p)))
        return 0;
    if (test(&s->evtchn_mask[w], port_bit(p)))
        return EVTCHN_2L_NEWLY_PENDING;
    return EVTCHN_2L_NEWLY_PENDING | tell_vcpu(vi, p);
}

void evtchn_2l_clear_pending(shared_info_t *s, evtchn_port_t p)
{
    (void)test_and_clear(&s->evtchn_pending[port_word(p) % ARRAY_SIZE(s->evtchn_pending)],
                         port_bit(p));
}

unsigned evtchn_2l_unmask(shared_info_t *s, struct vcpu_info *vi, evtchn_port_t p)
{
    unsigned w = port_word(p) % ARRAY_SIZE(s->evtchn_pending);

    if (!test_and_clear(&s->evtchn_mask[w], port_bit(p)) ||
        !test(&s->evtchn_pending[w], port_bit(p)))
        return 0;
    return tell_vcpu(vi, p);
}

bool evtchn_2l_is_pending(const shared_info_t *s, evtchn_port_t p)
{
    return test(&s->evtchn_pending[port_word(p) % ARRAY_SIZE(s->evtchn_pending)], port_bit(p));
}

bool evtchn_2l_is_masked(const shared_info_t *s, evtchn_port_t p)
{
    return test(&s->evtchn_mask[port_word(p) % ARRAY_SIZE(s->evtchn_mask)], port_bit(p));
}
