/* SPDX-License-Identifier: MIT */
/*
 * Global state of the test guest: the start_info page the builder handed
 * us, our role, the command line, and the image's layout constants.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>

#define GUEST_VIRT_BASE 0xffffffff80000000UL
#define GUEST_PAGE_SIZE 4096UL
#define GUEST_EXPECTED_VERSION 0x40011L	/* Xen 4.17; Koan reports the same */

extern start_info_t *guest_start_info;

/* SIF_PRIVILEGED from start_info: the role every role-dependent case keys on. */
bool guest_privileged(void);

/* Is `word` one whitespace-separated word of the command line? */
bool guest_cmdline_has(const char *word);

/* Value of `key=value` on the command line, or NULL; copied into buf. */
const char *guest_cmdline_value(const char *key, char *buf, size_t size);
/* The decimal value of `key=N` on the command line, or dflt without one. */
unsigned long guest_cmdline_ulong(const char *key, unsigned long dflt);

/* The console words (console-flood=BYTES), guest/console_words.c. */
void console_special_words(void);

/* SCHEDOP_shutdown with the given SHUTDOWN_* reason; never returns. */
void guest_shutdown(unsigned int reason) __attribute__((noreturn));

/* Pseudo-physical frame of a guest kernel virtual address in the image. */
static inline unsigned long guest_va_to_pfn(const volatile void *va)
{
	return ((unsigned long)va - GUEST_VIRT_BASE) / GUEST_PAGE_SIZE;
}

#endif /* GUEST_GUEST_H */
