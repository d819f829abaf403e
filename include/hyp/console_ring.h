/* SPDX-License-Identifier: MIT */
/*
 * The console's output ring and the per-domain output quota: pure code
 * (hyp/lib/console_ring.c), used by hyp/common/console.c and
 * hyp/pv/console_io.c and unit-tested on the host.
 *
 * Everything the console prints, hypervisor lines and guest lines alike,
 * goes through one ring in the order it was written, so the serial line
 * shows events in the order they happened.  The ring is drained to the
 * UART without waiting (only what the transmitter takes now) except when
 * the machine stops.
 *
 * A guest line is admitted by its domain's quota, a token bucket counted
 * in console ticks (the scheduler's timer tick, 10 ms under QEMU).  A line
 * that finds too little credit, or too little room in the ring, is dropped
 * and counted; the domain is then muted until it has earned
 * CONSOLE_QUOTA_RESUME bytes of credit back, and its next admitted line is
 * preceded by one note giving the number of bytes dropped.  docs/testing.md
 * ("Console contract") states the numbers and the note.
 */
#ifndef KOAN_HYP_CONSOLE_RING_H
#define KOAN_HYP_CONSOLE_RING_H

#include <hyp/types.h>

#define CONSOLE_RING_SIZE    (64u * 1024)   /* a power of two */
/* Room guest lines must leave free, so hypervisor lines rarely wait. */
#define CONSOLE_HYP_RESERVE  (8u * 1024)
#define CONSOLE_QUOTA_BURST  (16u * 1024)   /* bytes a domain may print at once */
#define CONSOLE_QUOTA_RATE   64u            /* bytes of credit a domain earns per tick */
#define CONSOLE_QUOTA_RESUME (4u * 1024)    /* credit a muted domain needs to speak again */

struct console_ring {
    uint32_t prod, cons;   /* free-running byte counts; prod - cons bytes are queued */
    char buf[CONSOLE_RING_SIZE];
};

static inline size_t console_ring_used(const struct console_ring *r)
{
    return r->prod - r->cons;
}

static inline size_t console_ring_free(const struct console_ring *r)
{
    return CONSOLE_RING_SIZE - console_ring_used(r);
}

/* Queue up to len bytes (as many as fit); returns how many were queued. */
size_t console_ring_put(struct console_ring *r, const char *s, size_t len);
/* The oldest queued byte, removed, or -1 if the ring is empty. */
int console_ring_get(struct console_ring *r);

/* A zero-filled quota is a fresh one: full credit, nothing dropped. */
struct console_quota {
    uint32_t spent;       /* bytes of the burst used and not yet earned back */
    bool muted;           /* dropped something; waiting for CONSOLE_QUOTA_RESUME */
    uint64_t last_tick;   /* when credit was last brought up to date */
    uint64_t dropped;     /* bytes dropped since the domain last spoke */
};

/*
 * May a guest line of `bytes` bytes (the domain's own bytes, newline
 * included) go out at tick `now`?  `room`: whether the ring has space for
 * it.  On true the line is charged and *report is set to the bytes dropped
 * before it (0 if none; the caller prints the note first); on false the
 * line is counted as dropped.
 */
bool console_quota_admit(struct console_quota *q, uint64_t now, size_t bytes, bool room,
                         uint64_t *report);
/*
 * Bytes a domain may print at tick `now` without being refused (0 while
 * muted).  A sender that can wait (a console ring) takes no more than this
 * and leaves the rest for later, so it loses nothing.
 */
uint32_t console_quota_credit(struct console_quota *q, uint64_t now);
/* The bytes dropped and not yet reported, now reported (the domain ends). */
uint64_t console_quota_take_dropped(struct console_quota *q);

#endif
