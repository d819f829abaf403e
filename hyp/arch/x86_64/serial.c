/* SPDX-License-Identifier: MIT */
/* COM1 16550 UART, polled, 115200 8N1. */
#include <asm/serial.h>
#include <asm/x86.h>

#define COM1     0x3f8
#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THRE 0x20

void serial_init(void)
{
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, 0x80);   /* divisor latch */
    outb(COM1 + 0, 1);             /* 115200 baud */
    outb(COM1 + 1, 0);
    outb(COM1 + UART_LCR, 0x03);   /* 8N1 */
    outb(COM1 + UART_FCR, 0xc7);
    outb(COM1 + UART_MCR, 0x0b);
}

void serial_putc(char c)
{
    while (!(inb(COM1 + UART_LSR) & LSR_THRE))
        cpu_relax();
    outb(COM1 + UART_THR, (uint8_t)c);
}
