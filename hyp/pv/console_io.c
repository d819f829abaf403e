/* SPDX-License-Identifier: MIT */
/*
 * console_io: guests write to the hypervisor console.  Unlike a Xen release
 * build, Koan accepts writes from every domain (a Xen debug build does too):
 * until the PV console ring exists this is how boot-time domUs are heard.
 * Each line appears on the serial console as "(name) text".
 *
 * A guest never waits for the UART: each finished line is admitted by the
 * domain's quota (include/hyp/console_ring.h) into the console ring, or
 * dropped and counted.  The count is reported once, in a line
 * "koan: domain NAME: N console bytes dropped", just before the domain's
 * next admitted line, or when the domain ends.
 */
#include <hyp/console.h>
#include <hyp/console_ring.h>
#include <hyp/dom_console.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/guest_access.h>
#include <hyp/guest_range.h>
#include <hyp/hypercall.h>
#include <hyp/pv.h>
#include <hyp/string.h>

#define CONSOLE_CHUNK 128

static void report_dropped(const struct domain *d, uint64_t bytes)
{
    /* Unconditional like the guest's own output, whatever the log level. */
    console_printf("koan: domain %s: %lu console bytes dropped\n", d->name, bytes);
}

/* Send the domain's buffered text out; ends_line: it ended with a newline. */
static void console_flush_line(struct domain *d, bool ends_line)
{
    char prefix[1 + DOMAIN_NAME_MAX + 2];
    size_t name_len = strnlen(d->name, sizeof(d->name)), n = 0;
    uint64_t dropped = 0;

    prefix[n++] = '(';
    memcpy(prefix + n, d->name, name_len);
    n += name_len;
    prefix[n++] = ')';
    prefix[n++] = ' ';
    /* The domain's own bytes are charged: its text and the newline. */
    bool admitted = console_quota_admit(&d->console.quota, console_now(),
                                        d->console.len + ends_line,
                                        console_guest_room(n + d->console.len), &dropped);
    size_t len = d->console.len;
    d->console.len = 0;
    if (!admitted)
        return;
    if (dropped)
        report_dropped(d, dropped);
    console_queue_guest(d, prefix, n, d->console.line, len, ends_line);
}

size_t console_guest_budget(struct domain *d)
{
    spin_lock(&d->console.lock);
    size_t credit = console_quota_credit(&d->console.quota, console_now());
    size_t held = d->console.len;
    spin_unlock(&d->console.lock);
    /* Each line adds its prefix and CRLF: half the space covers lines of 40 bytes. */
    size_t budget = MIN(credit, console_guest_space() / 2);
    /* The held line's text is charged when it goes out, and counts too. */
    return budget > held ? budget - held : 0;
}

void console_guest_flush_partial(struct domain *d)
{
    spin_lock(&d->console.lock);
    if (d->console.len)
        console_flush_line(d, false);
    spin_unlock(&d->console.lock);
}

void console_domain_end(struct domain *d)
{
    spin_lock(&d->console.lock);
    uint64_t dropped = console_quota_take_dropped(&d->console.quota);
    spin_unlock(&d->console.lock);

    if (dropped)
        report_dropped(d, dropped);
    console_guest_gone(d);
}

static void guest_write(struct domain *d, const char *buf, size_t len, bool terminal)
{
    spin_lock(&d->console.lock);   /* two vCPUs may write at once */
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '\n') {
            console_flush_line(d, true);
            continue;
        }
        if (c == '\r' || c == '\0')
            continue;
        /* Keep the serial line readable: no escape sequences from guests --
         * but a console ring being typed to is a terminal's peer, as under
         * `xl console`: its line editing needs backspaces and escapes. */
        if (((c < 0x20 && c != '\t') || c == 0x7f) && !terminal)
            c = '?';
        d->console.line[d->console.len++] = c;
        if (d->console.len == sizeof(d->console.line))
            console_flush_line(d, true);
    }
    spin_unlock(&d->console.lock);
}

void console_guest_write(struct domain *d, const char *buf, size_t len)
{
    guest_write(d, buf, len, false);
}

void console_guest_write_ring(struct domain *d, const char *buf, size_t len)
{
    guest_write(d, buf, len, dom_console_has_input(d));
}

static long console_write_from_guest(uint64_t count, uint64_t buffer)
{
    char chunk[CONSOLE_CHUNK];
    struct domain *d = current_domain();

    if (!guest_range_ok(buffer, count))
        return -EFAULT;
    for (uint64_t done = 0; done < count; done += CONSOLE_CHUNK) {
        size_t n = count - done < CONSOLE_CHUNK ? count - done : CONSOLE_CHUNK;
        /* A huge write goes out in pieces, letting other vCPUs run in between. */
        if (done && hypercall_preempt_check())
            return hypercall_create_continuation(__HYPERVISOR_console_io, 3,
                                                 (uint64_t)CONSOLEIO_write, count - done,
                                                 buffer + done);
        if (copy_from_guest(chunk, buffer + done, n))
            return -EFAULT;
        console_guest_write(d, chunk, n);
    }
    return 0;
}

long do_console_io(uint64_t cmd, uint64_t count, uint64_t buffer)
{
    /* The ABI's cmd and count are unsigned ints. */
    count = (uint32_t)count;
    switch ((uint32_t)cmd) {
    case CONSOLEIO_write:
        return console_write_from_guest(count, buffer);
    case CONSOLEIO_read:
        /* No console input yet; only the privileged domain may ask. */
        return current_domain()->privileged ? 0 : -EPERM;
    default:
        return hypercall_subop_missing(__HYPERVISOR_console_io, (uint32_t)cmd);
    }
}
