/* SPDX-License-Identifier: MIT */
/*
 * The console's output ring and the per-domain token bucket that decides
 * which guest lines may enter it (see include/hyp/console_ring.h).  Pure
 * code: no hardware, no domains, so the unit tests run it on the host.
 */
#include <hyp/console_ring.h>

size_t console_ring_put(struct console_ring *r, const char *s, size_t len)
{
    size_t n = MIN(len, console_ring_free(r));

    for (size_t i = 0; i < n; i++)
        r->buf[(r->prod + i) & (CONSOLE_RING_SIZE - 1)] = s[i];
    r->prod += (uint32_t)n;
    return n;
}

int console_ring_get(struct console_ring *r)
{
    if (console_ring_used(r) == 0)
        return -1;
    return (unsigned char)r->buf[r->cons++ & (CONSOLE_RING_SIZE - 1)];
}

/* Earn back CONSOLE_QUOTA_RATE bytes for every tick since the last look. */
static void quota_refill(struct console_quota *q, uint64_t now)
{
    uint64_t elapsed = now - q->last_tick;

    q->last_tick = now;
    if (elapsed >= (CONSOLE_QUOTA_BURST + CONSOLE_QUOTA_RATE - 1) / CONSOLE_QUOTA_RATE)
        q->spent = 0;   /* also keeps elapsed * RATE from overflowing */
    else
        q->spent -= (uint32_t)MIN(q->spent, elapsed * CONSOLE_QUOTA_RATE);
}

bool console_quota_admit(struct console_quota *q, uint64_t now, size_t bytes, bool room,
                         uint64_t *report)
{
    quota_refill(q, now);
    uint32_t credit = CONSOLE_QUOTA_BURST - q->spent;
    bool allowed = room && bytes <= credit && !(q->muted && credit < CONSOLE_QUOTA_RESUME);

    if (!allowed) {
        q->muted = true;
        q->dropped += bytes;
        return false;
    }
    q->spent += (uint32_t)bytes;
    q->muted = false;
    *report = q->dropped;
    q->dropped = 0;
    return true;
}

uint32_t console_quota_credit(struct console_quota *q, uint64_t now)
{
    quota_refill(q, now);
    uint32_t credit = CONSOLE_QUOTA_BURST - q->spent;
    return q->muted && credit < CONSOLE_QUOTA_RESUME ? 0 : credit;
}

uint64_t console_quota_take_dropped(struct console_quota *q)
{
    uint64_t n = q->dropped;

    q->dropped = 0;
    return n;
}
