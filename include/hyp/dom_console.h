/* SPDX-License-Identifier: MIT */
/*
 * Boot-time domUs' consoles, served by the hypervisor (docs/boot.md,
 * "Consoles"): the xencons_interface page and event channel that
 * start_info names, as Xen's xenconsoled would serve them from dom0.
 *
 * Output: each send on the console port drains the page's `out` ring into
 * the serial console, the domain's name in front of every line (through
 * console_guest_write, with the quota of include/hyp/console_ring.h); text
 * without a newline yet (a prompt) goes out at once and the line stays
 * open for the domain's next text.  Text beyond the domain's console quota
 * stays in the ring, so the guest waits for room rather than losing it;
 * CPU 0's tick takes more as the quota allows.
 *
 * Input: serial bytes, polled from CPU 0's console tick, go into the `in`
 * ring of the one domain that has the input.  Ctrl-T pressed three times
 * in a row gives the input to the next console domain (Xen uses Ctrl-A,
 * which QEMU's own monitor escape takes); it starts with the first domU
 * built.  A full ring drops input (counted, reported when the domain ends).
 *
 * The page is the guest's and so are its indexes: every index is checked,
 * and a ring that claims more than it holds is reset, never followed.  The
 * hypervisor holds a frame reference on the page from the build to the
 * teardown, so the guest cannot hand it to anyone while it is served.
 *
 * Locks: input_lock (the input's owner and the console-domain list), then
 * a domain's console.ring_lock, then its console.lock (the line buffer),
 * then the evtchn and console-output locks.
 */
#ifndef KOAN_HYP_DOM_CONSOLE_H
#define KOAN_HYP_DOM_CONSOLE_H

#include <hyp/console_ring.h>
#include <hyp/evtchn_table.h>
#include <hyp/spinlock.h>
#include <hyp/types.h>

#define CONSOLE_LINE_MAX 256
#define CONSOLE_SWITCH_KEY   0x14   /* Ctrl-T */
#define CONSOLE_SWITCH_COUNT 3

struct domain;

/* A domain's console (struct domain.console); zeroed: no ring, empty line. */
struct dom_console {
    spinlock_t lock;                 /* line, len, quota */
    spinlock_t ring_lock;            /* the ring's indexes as Koan uses them */
    char line[CONSOLE_LINE_MAX];     /* text of the current line, not yet printed */
    size_t len;
    struct console_quota quota;      /* zeroed: full credit */
    mfn_t ring_mfn;                  /* the xencons_interface page; 0 = none (dom0) */
    evtchn_port_t port;              /* its event channel (ECS_HYPERVISOR) */
    uint64_t input_dropped;          /* serial bytes the full `in` ring refused */
    struct domain *next;             /* the console domains, in build order */
};

/*
 * Serve d's console ring at ring_mfn (one of d's frames, zeroed): take a
 * reference, bind a port, join the console domains (the first gets the
 * input).  The port for start_info, or -ENOSPC / -ENOMEM / -EINVAL.
 */
int dom_console_start(struct domain *d, mfn_t ring_mfn);
/* d is being killed: print what its ring still holds, give the input on. */
void dom_console_stop(struct domain *d);
/* d's teardown (no vCPU of it runs): the page's reference goes back. */
void dom_console_release(struct domain *d);
/* Does serial input go to d now? */
bool dom_console_has_input(const struct domain *d);
/* CPU 0's console tick: held-back output, and the bytes the UART received. */
void dom_console_poll_input(void);

#endif
