/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor console: levelled "koan: " lines and guest lines, queued in
 * one ring in the order they were written and drained to the serial port
 * without waiting (see include/hyp/console.h).  One lock serialises the
 * CPUs: a whole line (or log message) goes into the ring at once, and only
 * one CPU drains it; a CPU that finds the lock taken skips its drain, as
 * the holder drains anyway.  After a panic stopped the other CPUs the lock
 * is ignored (one of them may have died holding it).
 */
#include <asm/serial.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/console_ring.h>
#include <hyp/errno.h>
#include <hyp/format.h>
#include <hyp/spinlock.h>
#include <hyp/string.h>

static enum log_level console_level = LOG_INFO;
struct console_ring console_out;
static uint64_t ticks;
static spinlock_t console_lock;
static bool taken_over;   /* a panic: this CPU alone runs, and ignores the lock */

static bool lock_console(void)
{
    if (__atomic_load_n(&taken_over, __ATOMIC_ACQUIRE))
        return false;
    spin_lock(&console_lock);
    return true;
}

static void unlock_console(bool locked)
{
    if (locked)
        spin_unlock(&console_lock);
}

void console_take_over(void)
{
    __atomic_store_n(&taken_over, true, __ATOMIC_RELEASE);
}

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

/* What the UART takes now; the caller holds the lock. */
static void drain_locked(void)
{
    unsigned room;

    while (console_ring_used(&console_out) && (room = serial_tx_room()) != 0)
        for (; room && console_ring_used(&console_out); room--)
            serial_tx((char)console_ring_get(&console_out));
}

void console_drain_some(void)
{
    bool taken = __atomic_load_n(&taken_over, __ATOMIC_ACQUIRE);

    if (!taken && !spin_trylock(&console_lock))
        return;   /* the holder drains */
    drain_locked();
    unlock_console(!taken);
}

/* The only waiting loop: bounded by the ring's size at the UART's speed. */
static void drain_until_free(size_t need)
{
    while (console_ring_free(&console_out) < need) {
        drain_locked();
        cpu_relax();
    }
}

void console_flush(void)
{
    bool locked = lock_console();

    drain_until_free(CONSOLE_RING_SIZE);
    /* Let the transmitter empty too, before anything stops the machine. */
    while (!serial_tx_room())
        cpu_relax();
    unlock_console(locked);
}

static void put_waiting(const char *s, size_t len)
{
    while (len) {
        drain_until_free(1);
        size_t n = console_ring_put(&console_out, s, len);
        s += n;
        len -= n;
    }
}

static void write_locked(const char *s, size_t len)
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

/*
 * The guest whose last text left the serial line open (no newline yet: a
 * shell's prompt), or NULL.  Its next text continues the line; anything
 * else ends the line first.  Only compared, never followed.
 */
static const void *open_line;

/* Before other output: end a guest's open line.  The caller holds the lock. */
static void end_open_line_locked(void)
{
    if (open_line) {
        put_waiting("\r\n", 2);
        open_line = NULL;
    }
}

void console_write(const char *s, size_t len)
{
    bool locked = lock_console();

    end_open_line_locked();
    write_locked(s, len);
    unlock_console(locked);
}

size_t console_guest_space(void)
{
    size_t free = console_ring_free(&console_out);

    return free > CONSOLE_HYP_RESERVE ? free - CONSOLE_HYP_RESERVE : 0;
}

bool console_guest_room(size_t len)
{
    return console_ring_free(&console_out) >= len + 2 + CONSOLE_HYP_RESERVE;
}

void console_queue_guest(const void *owner, const char *prefix, size_t prefix_len,
                         const char *s, size_t len, bool ends_line)
{
    bool locked = lock_console();
    bool continues = open_line == owner;
    size_t need = (continues ? 0 : 2 + prefix_len) + len + 2;

    /* console_guest_room said yes, but another CPU may have written since. */
    if (console_ring_free(&console_out) >= need) {
        if (!continues) {
            end_open_line_locked();
            console_ring_put(&console_out, prefix, prefix_len);
        }
        console_ring_put(&console_out, s, len);
        if (ends_line)
            console_ring_put(&console_out, "\r\n", 2);
        open_line = ends_line ? NULL : owner;
    }
    unlock_console(locked);
}

void console_guest_gone(const void *owner)
{
    bool locked = lock_console();

    if (open_line == owner)
        end_open_line_locked();
    unlock_console(locked);
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

/* fmt_format's output: the caller holds the lock for the whole message. */
static void console_putc(void *ctx, char c)
{
    (void)ctx;
    write_locked(&c, 1);
}

void console_vlog(enum log_level level, const char *fmt, va_list ap)
{
    if (level < console_level)
        return;
    bool locked = lock_console();
    end_open_line_locked();
    write_locked("koan: ", 6);
    if (level >= LOG_WARN)
        write_locked(level == LOG_WARN ? "warning: " : "error: ", level == LOG_WARN ? 9 : 7);
    fmt_format(console_putc, NULL, fmt, ap);
    unlock_console(locked);
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

    bool locked = lock_console();
    end_open_line_locked();
    va_start(ap, fmt);
    fmt_format(console_putc, NULL, fmt, ap);
    va_end(ap);
    unlock_console(locked);
    console_drain();
}
