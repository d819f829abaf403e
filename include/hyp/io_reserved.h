/* SPDX-License-Identifier: MIT */
/*
 * The I/O ports and device-memory frames Koan keeps for itself: no domain,
 * not even one with I/O rights, reaches them (hyp/lib/io_reserved.c has
 * the one list).  A denied port reads as all ones and ignores writes, as
 * Xen's hardware domain sees the ports Xen denies it; a denied frame
 * cannot be mapped (-EPERM, as on Xen).
 */
#ifndef KOAN_HYP_IO_RESERVED_H
#define KOAN_HYP_IO_RESERVED_H

#include <hyp/types.h>

/* Does an access of `size` bytes at `port` touch a port Koan keeps? */
bool io_port_reserved(uint16_t port, unsigned size);
/* Is the machine frame device memory Koan keeps (APICs, the MSI window)? */
bool io_mfn_reserved(mfn_t mfn);

#endif
