/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor console: formatted, levelled messages on the serial line.
 * Every hypervisor line starts with "koan: "; guest output is printed by
 * console_guest_write with the domain's name in front.
 */
#ifndef KOAN_HYP_CONSOLE_H
#define KOAN_HYP_CONSOLE_H

#include <stdarg.h>
#include <hyp/types.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void console_init(void);
/* Returns 0, or -EINVAL if name is not debug|info|warn|error. */
int console_set_level_name(const char *name);
void console_log(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void console_vlog(enum log_level level, const char *fmt, va_list ap);
/* Unconditional, unprefixed output (panic dumps). */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_write(const char *s, size_t len);

#define log_debug(...) console_log(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  console_log(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  console_log(LOG_WARN, __VA_ARGS__)
#define log_error(...) console_log(LOG_ERROR, __VA_ARGS__)

#endif
