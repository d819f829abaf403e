/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor console: formatted, levelled messages on the serial line.
 * Every hypervisor line starts with "koan: "; guest output is printed by
 * console_guest_write with the domain's name in front.
 *
 * All output goes through one ring (include/hyp/console_ring.h) in the
 * order it was written and is drained to the UART without waiting: after
 * each hypervisor line, on every return to a guest and on every timer
 * tick.  Only a stopping machine (console_flush) and a hypervisor line
 * that finds the ring full wait for the UART; guest lines never do: what
 * does not fit, or exceeds the domain's quota, is dropped and counted.
 */
#ifndef KOAN_HYP_CONSOLE_H
#define KOAN_HYP_CONSOLE_H

#include <stdarg.h>
#include <hyp/console_ring.h>
#include <hyp/types.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

struct domain;

void console_init(void);
/* Returns 0, or -EINVAL if name is not debug|info|warn|error. */
int console_set_level_name(const char *name);
void console_log(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void console_vlog(enum log_level level, const char *fmt, va_list ap);
/* Unconditional, unprefixed output (panic dumps). */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Hypervisor output: never dropped; waits for the UART only if the ring is full. */
void console_write(const char *s, size_t len);

/* Write what the UART takes now, never waiting (inline: on every return to a guest). */
extern struct console_ring console_out;
void console_drain_some(void);
static inline void console_drain(void)
{
    if (console_ring_used(&console_out))
        console_drain_some();
}
/* A panic stopped the other CPUs: from now on this CPU writes without the lock. */
void console_take_over(void);
/* Write everything queued, waiting for the UART: the machine is stopping. */
void console_flush(void);
/* The scheduler's timer tick: the clock of the guests' console quotas. */
void console_tick(void);
uint64_t console_now(void);

/* Bytes of guest text the ring takes now beside the hypervisor's reserve. */
size_t console_guest_space(void);
/* Would a guest line of len bytes (newline not counted) fit beside the hypervisor's reserve? */
bool console_guest_room(size_t len);
/*
 * Queue guest text that console_guest_room admitted; never waits.  The
 * serial line starts with `prefix` ("(name) ") unless owner's last text
 * left it open (a prompt without a newline): then s continues it.
 * ends_line ends it; other output ends an open line first.
 */
void console_queue_guest(const void *owner, const char *prefix, size_t prefix_len,
                         const char *s, size_t len, bool ends_line);
/* owner (a domain) is going: a line it left open is ended. */
void console_guest_gone(const void *owner);
/* A domain ends: report the console bytes it had dropped (hyp/pv/console_io.c). */
void console_domain_end(struct domain *d);

#define log_debug(...) console_log(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  console_log(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  console_log(LOG_WARN, __VA_ARGS__)
#define log_error(...) console_log(LOG_ERROR, __VA_ARGS__)

#endif
