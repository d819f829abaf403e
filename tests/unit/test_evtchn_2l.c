/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the 2-level protocol (hyp/common/evtchn_2l.c): which bits
 * a send, an unmask and a close set or leave, when the vCPU must be
 * kicked, and -- with host threads as CPUs -- that a guest consuming
 * events the way Linux does (clear upcall_pending, take the selector,
 * then each word's pending bits) never leaves one behind while senders
 * set them at the same moment.  Checked by breaking it: with the selector
 * set before the pending bit, the last test failed in 2 of 3 runs.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <hyp/evtchn_2l.h>

static shared_info_t *s;
static struct vcpu_info *vi;

static int setup(void **state)
{
    s = calloc(1, sizeof(*s));
    vi = &s->vcpu_info[0];
    return 0;
}

static int teardown(void **state)
{
    free(s);
    return 0;
}

static bool bit(const xen_ulong_t *w, unsigned p) { return (w[p / 64] >> (p % 64)) & 1; }

static void test_send_unmasked(void **state)
{
    assert_int_equal(evtchn_2l_set_pending(s, vi, 70),
                     EVTCHN_2L_NEWLY_PENDING | EVTCHN_2L_KICK);
    assert_true(bit(s->evtchn_pending, 70));
    assert_int_equal(vi->evtchn_pending_sel, 1UL << 1);
    assert_int_equal(vi->evtchn_upcall_pending, 1);
    assert_true(evtchn_2l_is_pending(s, 70));
    /* Already pending: nothing changes, nobody is told. */
    assert_int_equal(evtchn_2l_set_pending(s, vi, 70), 0);
    /* Same word: selector already set, no new kick. */
    assert_int_equal(evtchn_2l_set_pending(s, vi, 71), EVTCHN_2L_NEWLY_PENDING);
    /* Another word, the upcall already pending: a selector bit, no kick. */
    assert_int_equal(evtchn_2l_set_pending(s, vi, 5), EVTCHN_2L_NEWLY_PENDING);
    assert_int_equal(vi->evtchn_pending_sel, (1UL << 1) | 1UL);
}

static void test_send_masked_then_unmask(void **state)
{
    s->evtchn_mask[4000 / 64] |= 1UL << (4000 % 64);
    assert_true(evtchn_2l_is_masked(s, 4000));
    assert_int_equal(evtchn_2l_set_pending(s, vi, 4000), EVTCHN_2L_NEWLY_PENDING);
    assert_true(bit(s->evtchn_pending, 4000));
    assert_int_equal(vi->evtchn_pending_sel, 0);
    assert_int_equal(vi->evtchn_upcall_pending, 0);
    /* Unmasking a pending port tells the vCPU as a new event would. */
    assert_int_equal(evtchn_2l_unmask(s, vi, 4000), EVTCHN_2L_KICK);
    assert_false(evtchn_2l_is_masked(s, 4000));
    assert_int_equal(vi->evtchn_pending_sel, 1UL << 62);
    assert_int_equal(vi->evtchn_upcall_pending, 1);
    /* Unmasking again (not masked): nothing. */
    assert_int_equal(evtchn_2l_unmask(s, vi, 4000), 0);
}

static void test_unmask_not_pending(void **state)
{
    s->evtchn_mask[0] = ~0UL;
    assert_int_equal(evtchn_2l_unmask(s, vi, 3), 0);
    assert_int_equal(s->evtchn_mask[0], ~(1UL << 3));
    assert_int_equal(vi->evtchn_pending_sel, 0);
    assert_int_equal(vi->evtchn_upcall_pending, 0);
}

static void test_guest_flag_values(void **state)
{
    /* A guest may leave upcall_pending at any non-zero value: bit 0 decides, as on Xen. */
    vi->evtchn_upcall_pending = 2;
    assert_int_equal(evtchn_2l_set_pending(s, vi, 9), EVTCHN_2L_NEWLY_PENDING | EVTCHN_2L_KICK);
    assert_int_equal(vi->evtchn_upcall_pending, 3);
    /* A selector bit the guest left set: no upcall flag, no kick (Xen's order). */
    vi->evtchn_upcall_pending = 0;
    assert_int_equal(evtchn_2l_set_pending(s, vi, 10), EVTCHN_2L_NEWLY_PENDING);
    assert_int_equal(vi->evtchn_upcall_pending, 0);
}

static void test_clear_pending(void **state)
{
    evtchn_2l_set_pending(s, vi, 4095);
    evtchn_2l_clear_pending(s, 4095);
    assert_false(evtchn_2l_is_pending(s, 4095));
    /* The selector is the guest's to clear. */
    assert_int_equal(vi->evtchn_pending_sel, 1UL << 63);
    evtchn_2l_clear_pending(s, 4095);   /* twice: harmless */
    assert_false(evtchn_2l_is_pending(s, 4095));
}

/* ---- Senders and a consuming guest at the same time ---- */

#define SENDERS 3
#define PORTS_PER_SENDER 21   /* one port per word: no other event rescues a lost one */
#define ROUNDS 2000000

static unsigned long consumed[4096], sent_total[4096];
static int senders_done;

/* Each sender owns ports in words of their own; it re-sends a port once it was consumed. */
static void *sender(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    unsigned long sent[PORTS_PER_SENDER] = { 0 };

    for (unsigned r = 0; r < ROUNDS; r++)
        for (unsigned i = 0; i < PORTS_PER_SENDER; i++) {
            unsigned p = 64 * (1 + id * PORTS_PER_SENDER + i) + (i * 7) % 64;
            if (__atomic_load_n(&consumed[p], __ATOMIC_ACQUIRE) == sent[i]) {
                sent[i]++;
                sent_total[p] = sent[i];   /* this sender's port alone */
                evtchn_2l_set_pending(s, vi, p);
            }
        }
    __atomic_add_fetch(&senders_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* The guest's upcall: Linux's order. */
static void consume(void)
{
    __atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned w = (unsigned)__builtin_ctzl(sel);
        sel &= sel - 1;
        xen_ulong_t pend = __atomic_load_n(&s->evtchn_pending[w], __ATOMIC_SEQ_CST) &
                           ~s->evtchn_mask[w];
        while (pend) {
            unsigned b = (unsigned)__builtin_ctzl(pend);
            pend &= pend - 1;
            __atomic_fetch_and(&s->evtchn_pending[w], ~(1UL << b), __ATOMIC_SEQ_CST);
            __atomic_add_fetch(&consumed[w * 64 + b], 1, __ATOMIC_RELEASE);
        }
    }
}

static void test_no_event_left_behind(void **state)
{
    pthread_t t[SENDERS];

    memset(consumed, 0, sizeof(consumed));
    memset(sent_total, 0, sizeof(sent_total));
    senders_done = 0;
    for (unsigned i = 0; i < SENDERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, sender, (void *)(uintptr_t)i), 0);
    /* The guest acts only on upcall_pending, as an upcall would make it. */
    while (__atomic_load_n(&senders_done, __ATOMIC_ACQUIRE) < SENDERS ||
           __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST))
        if (__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST))
            consume();
    for (unsigned i = 0; i < SENDERS; i++)
        pthread_join(t[i], NULL);
    for (unsigned w = 0; w < 64; w++)
        assert_int_equal(s->evtchn_pending[w], 0);
    /* Every send seen exactly once (a port is sent again only once consumed). */
    unsigned long total = 0;
    for (unsigned p = 0; p < 4096; p++) {
        assert_int_equal(consumed[p], sent_total[p]);
        total += consumed[p];
    }
    assert_true(total >= SENDERS * PORTS_PER_SENDER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_send_unmasked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_masked_then_unmask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unmask_not_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guest_flag_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clear_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_event_left_behind, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
