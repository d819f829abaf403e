/* SPDX-License-Identifier: MIT */
/* Hypervisor console: levelled "koan: " lines over the serial port. */
#include <asm/serial.h>
#include <hyp/console.h>
#include <hyp/errno.h>
#include <hyp/format.h>
#include <hyp/string.h>

static enum log_level console_level = LOG_INFO;

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

void console_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
    }
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
}
