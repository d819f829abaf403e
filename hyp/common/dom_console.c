/* SPDX-License-Identifier: MIT */
/*
 * The consoles of boot-time domUs, served by the hypervisor
 * (include/hyp/dom_console.h): their rings drained to the serial console,
 * and serial input given to one of them.
 */
#include <asm/page.h>
#include <asm/serial.h>
#include <hyp/console.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/event.h>
#include <hyp/frame_table.h>
#include <hyp/pv.h>
#include <hyp/string.h>
#include <xen/io/console.h>

#define INPUT_PER_TICK 64   /* more than the UART's FIFO holds */

static spinlock_t input_lock;
static struct domain *consoles;      /* the console domains, in build order */
static struct domain *input_to;      /* the one that gets serial input, or NULL */
static unsigned switch_presses;      /* Ctrl-T pressed so far in a row */

static struct xencons_interface *ring_of(const struct domain *d)
{
    return mfn_to_virt(d->console.ring_mfn);
}

static uint32_t load_index(const XENCONS_RING_IDX *i)
{
    return __atomic_load_n(i, __ATOMIC_ACQUIRE);
}

static void store_index(XENCONS_RING_IDX *i, uint32_t v)
{
    __atomic_store_n(i, v, __ATOMIC_RELEASE);
}

/* Everything in d's `out` ring to the serial console; ring_lock held.  Took any? */
static bool drain_output(struct domain *d)
{
    struct xencons_interface *r = ring_of(d);
    uint32_t cons = load_index(&r->out_cons), prod = load_index(&r->out_prod);
    char chunk[128];
    uint32_t first = cons;

    /* Indexes that claim more than the ring holds: skip to the producer. */
    if (prod - cons > sizeof(r->out))
        cons = prod;
    /* Beyond the quota and the console's room the text waits in the ring
     * (the guest waits for room), for the next send or tick. */
    size_t budget = console_guest_budget(d);
    if (prod - cons > budget)
        prod = cons + (uint32_t)budget;
    while (cons != prod) {
        uint32_t at = MASK_XENCONS_IDX(cons, r->out);
        uint32_t n = MIN(MIN(prod - cons, (uint32_t)sizeof(chunk)), (uint32_t)sizeof(r->out) - at);
        memcpy(chunk, r->out + at, n);
        console_guest_write_ring(d, chunk, n);
        cons += n;
    }
    store_index(&r->out_cons, cons);
    console_guest_flush_partial(d);
    return cons != first;
}

/*
 * The guest sent on its console port: its output, then word of the room
 * made.  Only then, as xenconsoled does: Linux sends after every read of
 * its input too, so answering every send would bounce events for ever.
 */
static void console_notified(struct domain *d)
{
    bool took = false;

    spin_lock(&d->console.ring_lock);
    if (d->console.ring_mfn)
        took = drain_output(d);
    spin_unlock(&d->console.ring_lock);
    if (took)
        evtchn_hypervisor_notify(d, d->console.port, console_notified);
}

int dom_console_start(struct domain *d, mfn_t ring_mfn)
{
    if (!get_page(mfn_to_page(ring_mfn), d))
        return -EINVAL;
    int port = evtchn_alloc_hypervisor(d, console_notified);
    if (port < 0) {
        put_page(mfn_to_page(ring_mfn));
        return port;
    }
    d->console.ring_mfn = ring_mfn;
    d->console.port = (evtchn_port_t)port;
    spin_lock(&input_lock);
    struct domain **tail = &consoles;
    while (*tail)
        tail = &(*tail)->console.next;
    *tail = d;
    if (!input_to) {
        input_to = d;
        log_info("console: serial input goes to domain %s (Ctrl-T three times switches)\n",
                 d->name);
    }
    spin_unlock(&input_lock);
    return port;
}

/* The console domain after d in the list, wrapping, other than d; NULL if none. */
static struct domain *next_console(const struct domain *d)
{
    struct domain *n = d->console.next ? d->console.next : consoles;

    return n == d ? NULL : n;
}

void dom_console_stop(struct domain *d)
{
    if (!d->console.ring_mfn)
        return;
    spin_lock(&input_lock);
    spin_lock(&d->console.ring_lock);
    drain_output(d);   /* its last words (Linux's "reboot: Power down") */
    spin_unlock(&d->console.ring_lock);
    if (input_to == d) {
        input_to = next_console(d);
        if (input_to)
            log_info("console: serial input goes to domain %s\n", input_to->name);
    }
    struct domain **p = &consoles;
    while (*p && *p != d)
        p = &(*p)->console.next;
    if (*p)
        *p = d->console.next;
    spin_unlock(&input_lock);
    if (d->console.input_dropped)
        log_info("domain %s: %lu console input bytes dropped (its ring was full)\n", d->name,
                 d->console.input_dropped);
}

void dom_console_release(struct domain *d)
{
    spin_lock(&d->console.ring_lock);
    mfn_t mfn = d->console.ring_mfn;
    d->console.ring_mfn = 0;
    spin_unlock(&d->console.ring_lock);
    if (mfn)
        put_page(mfn_to_page(mfn));
}

bool dom_console_has_input(const struct domain *d)
{
    return __atomic_load_n(&input_to, __ATOMIC_RELAXED) == d;
}

/* One byte into d's `in` ring; false if it is full (or its indexes are broken). */
static bool put_input(struct domain *d, char c)
{
    struct xencons_interface *r = ring_of(d);
    uint32_t cons = load_index(&r->in_cons), prod = load_index(&r->in_prod);

    if (prod - cons >= sizeof(r->in))
        return false;
    r->in[MASK_XENCONS_IDX(prod, r->in)] = c;
    store_index(&r->in_prod, prod + 1);
    return true;
}

/* Bytes for the input's owner; input_lock held.  The guest hears of them once. */
static void deliver(const char *s, unsigned n)
{
    struct domain *d = input_to;

    if (!d || !n)
        return;
    spin_lock(&d->console.ring_lock);
    for (unsigned i = 0; i < n && d->console.ring_mfn; i++)
        if (!put_input(d, s[i]))
            d->console.input_dropped++;
    spin_unlock(&d->console.ring_lock);
    evtchn_hypervisor_notify(d, d->console.port, console_notified);
}

static void switch_input(void)
{
    struct domain *next = input_to ? next_console(input_to) : consoles;

    if (next) {
        input_to = next;
        log_info("console: serial input goes to domain %s\n", next->name);
    } else {
        log_info("console: no other domain to give serial input to\n");
    }
}

/* Ctrl-T three times switches; fewer are the domain's after all. */
static unsigned take_byte(char c, char *out, unsigned n)
{
    if (c == CONSOLE_SWITCH_KEY) {
        if (++switch_presses == CONSOLE_SWITCH_COUNT) {
            switch_presses = 0;
            deliver(out, n);   /* what came before, to the old owner */
            switch_input();
            return 0;
        }
        return n;
    }
    for (; switch_presses; switch_presses--)
        out[n++] = CONSOLE_SWITCH_KEY;
    out[n++] = c;
    return n;
}

/* Has d's `out` ring text the quota held back?  input_lock held. */
static bool output_waiting(const struct domain *d)
{
    const struct xencons_interface *r = ring_of(d);

    return load_index(&r->out_prod) != load_index(&r->out_cons);
}

void dom_console_poll_input(void)
{
    char buf[INPUT_PER_TICK + CONSOLE_SWITCH_COUNT];
    unsigned n = 0;
    int c;

    spin_lock(&input_lock);
    for (struct domain *d = consoles; d; d = d->console.next)
        if (output_waiting(d))
            console_notified(d);
    for (unsigned i = 0; i < INPUT_PER_TICK && (c = serial_rx()) >= 0; i++)
        n = take_byte((char)c, buf, n);
    deliver(buf, n);
    spin_unlock(&input_lock);
}
