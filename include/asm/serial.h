/* SPDX-License-Identifier: MIT */
/* The 16550 UART on COM1: the hypervisor's console device. */
#ifndef KOAN_ASM_SERIAL_H
#define KOAN_ASM_SERIAL_H

void serial_init(void);
void serial_putc(char c);

#endif
