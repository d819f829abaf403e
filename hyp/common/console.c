/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor console: levelled "koan: " lines and guest lines, queued in
 * one ring in the order they were written and drained to the serial port
 * without waiting (see include/hyp/console.h).
 */
#include <asm/serial.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/console_ring.h>
#include <hyp/errno.h>
#include <hyp/format.h>
#include <hyp/string.h>

static enum log_level console_level = LOG_INFO;
static struct console_ring ring;
static uint64_t ticks;

static const char *const level_names[] = {
    [LOG_DEBUG] = "debug", [LOG_INFO] = "info", [LOG_WARN] = "warn", [LOG_ERROR] = "error",
};

void console_init(void)
{
    serial_init();
}

int console_set_level_name(const char *name)
{
    for (unsigned i = 0; i < ARRAY_SIZE(level_names); i++) {
        if (strcmp(name, level_names[i]) == 0) {
            console_level = (enum log_level)i;
            return 0;
        }
    }
    return -EINVAL;
}

void console_drain(void)
{
    unsigned room;

    while (console_ring_used(&ring) && (room = serial_tx_room()) != 0)
        for (; room && console_ring_used(&ring); room--)
            serial_tx((char)console_ring_get(&ring));
}

/* The only waiting loop: bounded by the ring's size at the UART's speed. */
static void drain_until_free(size_t need)
{
    while (console_ring_free(&ring) < need) {
        console_drain();
        cpu_relax();
    }
}

void console_flush(void)
{
    drain_until_free(CONSOLE_RING_SIZE);
    /* Let the transmitter empty too, before anything stops the machine. */
    while (!serial_tx_room())
        cpu_relax();
}

static void put_waiting(const char *s, size_t len)
{
    while (len) {
        drain_until_free(1);
        size_t n = console_ring_put(&ring, s, len);
        s += n;
        len -= n;
    }
}

void console_write(const char *s, size_t len)
{
    size_t start = 0;

    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\n')
            continue;
        put_waiting(s + start, i - start);
        put_waiting("\r\n", 2);
        start = i + 1;
    }
    put_waiting(s + start, len - start);
}

bool console_guest_room(size_t len)
{
    return console_ring_free(&ring) >= len + 2 + CONSOLE_HYP_RESERVE;
}

void console_queue_guest_line(const char *s, size_t len)
{
    if (console_ring_free(&ring) < len + 2)
        return;   /* console_guest_room said yes: cannot happen */
    console_ring_put(&ring, s, len);
    console_ring_put(&ring, "\r\n", 2);
}

void console_tick(void)
{
    ticks++;
    console_drain();
}

uint64_t console_now(void)
{
    return ticks;
}

static void console_putc(void *ctx, char c)
{
    (void)ctx;
    console_write(&c, 1);
}

void console_vlog(enum log_level level, const char *fmt, va_list ap)
{
    if (level < console_level)
        return;
    console_write("koan: ", 6);
    if (level >= LOG_WARN)
        console_write(level == LOG_WARN ? "warning: " : "error: ", level == LOG_WARN ? 9 : 7);
    fmt_format(console_putc, NULL, fmt, ap);
    console_drain();
}

void console_log(enum log_level level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    console_vlog(level, fmt, ap);
    va_end(ap);
}

void console_printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fmt_format(console_putc, NULL, fmt, ap);
    va_end(ap);
    console_drain();
}
