/* SPDX-License-Identifier: MIT */
/*
 * What Koan keeps of the machine's I/O space, in one list each for ports
 * and device memory (see include/hyp/io_reserved.h).  The list follows
 * Xen 4.17's dom0_setup_permissions and its serial driver, limited to what
 * Koan itself drives or relies on:
 *
 * - Ports: the two PICs (Koan remaps and masks them; a domain unmasking
 *   them would inject stray vectors), the PIT and its channel-2 gate at
 *   0x61 (Xen denies both and emulates channel 2 for dom0; Koan has no
 *   emulation, so dom0 reads all ones there), COM1 (the console), the
 *   reset control register 0xcf9 (stopping the machine is Koan's job) and
 *   QEMU's isa-debug-exit at 0x501-0x502 (machine_stop's exit device).
 *   A 4-byte access at 0xcf8 is PCI CONFIG_ADDRESS, one register the
 *   chipset never forwards to 0xcf9, so it stays allowed.
 * - Memory: the IO-APIC at its architectural address 0xfec00000 and the
 *   local APIC inside the whole MSI window 0xfee00000-0xfeefffff (a write
 *   there is an interrupt message).  The IO-APICs the MADT lists
 *   (hyp/lib/acpi_madt.c) are not fed in here yet, so relocated or extra
 *   ones are not known.
 * - MMCONFIG is not denied: without ACPI's MCFG table its address is
 *   unknown (QEMU's default i440fx machine has none), and Koan itself never
 *   touches PCI configuration space, so dom0's use of it cannot disturb
 *   Koan.  Xen makes MMCONFIG read-only to dom0 because Xen owns MSI set-up;
 *   Koan should do the same once it parses MCFG and programs MSIs itself.
 */
#include <hyp/io_reserved.h>

struct io_range {
    uint64_t first, last;   /* inclusive */
};

static const struct io_range reserved_ports[] = {
    { 0x20, 0x21 },     /* master PIC */
    { 0x40, 0x43 },     /* PIT */
    { 0x61, 0x61 },     /* PIT channel 2 gate, speaker */
    { 0xa0, 0xa1 },     /* slave PIC */
    { 0x3f8, 0x3ff },   /* COM1: the console */
    { 0x501, 0x502 },   /* QEMU isa-debug-exit */
    { 0xcf9, 0xcf9 },   /* reset control */
};

#define PCI_CONFIG_ADDRESS 0xcf8

static const struct io_range reserved_mfns[] = {
    { 0xfec00, 0xfec00 },   /* IO-APIC */
    { 0xfee00, 0xfeeff },   /* MSI window, local APIC included */
};

static bool overlaps(const struct io_range *list, size_t n, uint64_t first, uint64_t last)
{
    for (size_t i = 0; i < n; i++)
        if (first <= list[i].last && last >= list[i].first)
            return true;
    return false;
}

bool io_port_reserved(uint16_t port, unsigned size)
{
    if (port == PCI_CONFIG_ADDRESS && size == 4)
        return false;
    return overlaps(reserved_ports, ARRAY_SIZE(reserved_ports), port,
                    (uint64_t)port + (size ? size : 1) - 1);
}

bool io_mfn_reserved(mfn_t mfn)
{
    return overlaps(reserved_mfns, ARRAY_SIZE(reserved_mfns), mfn, mfn);
}
