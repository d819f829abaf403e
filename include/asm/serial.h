/* SPDX-License-Identifier: MIT */
/*
 * The 16550 UART on COM1: the hypervisor's console device.  It never
 * waits: the console asks how many bytes the transmitter takes now and
 * writes no more (hyp/common/console.c does any waiting, and only when the
 * machine stops or a hypervisor line finds the console ring full).
 * Input is polled from the console's timer tick: no interrupt is used.
 */
#ifndef KOAN_ASM_SERIAL_H
#define KOAN_ASM_SERIAL_H

void serial_init(void);
/* Bytes the transmitter accepts now: its FIFO size when empty, else 0. */
unsigned serial_tx_room(void);
/* Hand one byte to the transmitter; only after serial_tx_room said so. */
void serial_tx(char c);
/* The next received byte, or -1 if none is waiting. */
int serial_rx(void);

#endif
