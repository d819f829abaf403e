/* SPDX-License-Identifier: MIT */
/*
 * COM1 16550 UART, polled both ways, 115200 8N1, never waited on here (see
 * include/asm/serial.h).  With the FIFO on, THRE in the line status means
 * the whole transmit FIFO is empty, so that many bytes may be written at
 * once; a UART without a working FIFO takes one.
 */
#include <asm/serial.h>
#include <asm/x86.h>

#define COM1     0x3f8
#define UART_THR 0
#define UART_RBR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_IIR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR   0x01
#define LSR_THRE 0x20
#define IIR_FIFO_ON 0xc0   /* both bits: a 16550A with its FIFOs enabled */
#define FIFO_SIZE 16

static unsigned tx_batch = 1;

void serial_init(void)
{
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, 0x80);   /* divisor latch */
    outb(COM1 + 0, 1);             /* 115200 baud */
    outb(COM1 + 1, 0);
    outb(COM1 + UART_LCR, 0x03);   /* 8N1 */
    outb(COM1 + UART_FCR, 0xc7);   /* enable and clear the FIFOs */
    outb(COM1 + UART_MCR, 0x0b);
    if ((inb(COM1 + UART_IIR) & IIR_FIFO_ON) == IIR_FIFO_ON)
        tx_batch = FIFO_SIZE;
}

unsigned serial_tx_room(void)
{
    return (inb(COM1 + UART_LSR) & LSR_THRE) ? tx_batch : 0;
}

void serial_tx(char c)
{
    outb(COM1 + UART_THR, (uint8_t)c);
}

int serial_rx(void)
{
    return (inb(COM1 + UART_LSR) & LSR_DR) ? inb(COM1 + UART_RBR) : -1;
}
