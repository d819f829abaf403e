/* SPDX-License-Identifier: MIT */
/*
 * console_io: guests write to the hypervisor console.  Unlike a Xen release
 * build, Koan accepts writes from every domain (a Xen debug build does too):
 * until the PV console ring exists this is how boot-time domUs are heard.
 * Each line appears on the serial console as "(name) text".
 */
#include <hyp/console.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/guest_access.h>
#include <hyp/guest_range.h>
#include <hyp/hypercall.h>
#include <hyp/pv.h>
#include <hyp/string.h>

#define CONSOLE_CHUNK 128

static void console_flush_line(struct domain *d)
{
    console_write("(", 1);
    console_write(d->name, strnlen(d->name, sizeof(d->name)));
    console_write(") ", 2);
    console_write(d->console_line, d->console_len);
    console_write("\n", 1);
    d->console_len = 0;
}

void console_guest_write(struct domain *d, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '\n') {
            console_flush_line(d);
            continue;
        }
        if (c == '\r' || c == '\0')
            continue;
        /* Keep the serial line readable: no escape sequences from guests. */
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            c = '?';
        d->console_line[d->console_len++] = c;
        if (d->console_len == sizeof(d->console_line))
            console_flush_line(d);
    }
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
        return -ENOSYS;
    }
}
