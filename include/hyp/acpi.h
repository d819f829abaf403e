/* SPDX-License-Identifier: MIT */
/*
 * Koan's own small ACPI reader: just enough to find the machine's CPUs and
 * interrupt controllers in the MADT.  It follows RSDP -> XSDT (or RSDT) ->
 * "APIC" table and trusts nothing on the way: every checksum is checked,
 * every length bounded, and every byte is fetched through a caller-given
 * read callback that says whether the physical range is readable at all.
 * The hypervisor reads through its direct map (hyp/common/acpi_boot.c);
 * unit tests hand in a fake memory image (tests/unit/test_acpi.c).
 *
 * Errors are ACPI_E_* codes rather than Xen errnos: "RSDP checksum bad" and
 * "MADT checksum bad" are different stories for whoever reads the boot log,
 * and acpi_strerror tells them apart.
 */
#ifndef KOAN_HYP_ACPI_H
#define KOAN_HYP_ACPI_H

#include <hyp/types.h>

/* Compile-time caps; what lies beyond them is counted, not stored. */
#define ACPI_MAX_CPUS       64
#define ACPI_MAX_IOAPICS    8
#define ACPI_MAX_OVERRIDES  16

/* Sanity bounds on what the firmware may claim. */
#define ACPI_MAX_ROOT_ENTRIES 1024       /* tables listed in the RSDT/XSDT */
#define ACPI_MAX_MADT_LENGTH  0x10000    /* 64 KiB: thousands of CPUs */
#define ACPI_MAX_RSDP_LENGTH  1024       /* the v2 RSDP is 36 bytes */

enum acpi_error {
    ACPI_OK = 0,
    ACPI_E_NO_RSDP = -1,            /* no RSDP with a good checksum found */
    ACPI_E_RSDP_UNREADABLE = -2,
    ACPI_E_RSDP_SIGNATURE = -3,     /* at an address the caller gave */
    ACPI_E_RSDP_CHECKSUM = -4,
    ACPI_E_RSDP_LENGTH = -5,
    ACPI_E_RSDP_EXT_CHECKSUM = -6,
    ACPI_E_ROOT_UNREADABLE = -7,    /* the RSDT or XSDT */
    ACPI_E_ROOT_SIGNATURE = -8,
    ACPI_E_ROOT_LENGTH = -9,
    ACPI_E_ROOT_CHECKSUM = -10,
    ACPI_E_TABLE_UNREADABLE = -11,  /* a table the RSDT/XSDT lists */
    ACPI_E_NO_MADT = -12,
    ACPI_E_MADT_TRUNCATED = -13,
    ACPI_E_MADT_TOO_LONG = -14,
    ACPI_E_MADT_CHECKSUM = -15,
    ACPI_E_MADT_ENTRY_LENGTH = -16, /* 0, or too short for its type */
    ACPI_E_MADT_ENTRY_OVERRUN = -17,
    ACPI_E_MADT_NO_CPU = -18,
};
#define ACPI_E_LAST ACPI_E_MADT_NO_CPU

/*
 * Copy len bytes of physical memory at pa into buf.  Returns 0, or a
 * negative value when any byte of [pa, pa + len) is not readable; then buf
 * may hold anything.  The parser never reads a byte it did not ask for.
 */
typedef int (*acpi_read_fn)(void *ctx, uint64_t pa, void *buf, size_t len);

struct acpi_mem {
    acpi_read_fn read;
    void *ctx;
};

struct acpi_cpu {
    uint32_t apic_id;        /* x2APIC ids may exceed 255 */
    uint32_t acpi_uid;       /* the processor's ACPI UID */
    bool enabled;            /* usable now; else online-capable (hot-plug) */
    bool x2apic;             /* from a type 9 entry */
};

struct acpi_ioapic {
    uint8_t id;
    uint32_t address;        /* physical base of its registers */
    uint32_t gsi_base;       /* first global system interrupt it serves */
};

/* An ISA IRQ that does not reach the GSI of the same number. */
struct acpi_override {
    uint8_t bus;             /* 0: ISA */
    uint8_t source;          /* the bus-relative IRQ */
    uint32_t gsi;
    uint16_t flags;          /* MPS INTI flags: polarity, trigger mode */
};

/*
 * What the tables say about the machine.  Where each table was found is
 * filled in as parsing goes, so that a failure can still say where.  The
 * lists keep MADT order, so cpus[0] is normally the boot CPU (the spec asks
 * firmware to list it first) but nothing here relies on that.
 */
struct acpi_machine {
    uint64_t rsdp_pa;
    uint8_t rsdp_revision;
    bool root_is_xsdt;
    uint64_t root_pa;        /* the RSDT or XSDT followed */
    uint64_t madt_pa;
    uint64_t lapic_pa;       /* type 5 overrides the MADT's 32-bit field */
    uint32_t madt_flags;     /* bit 0: PC-AT dual 8259 PICs present */

    unsigned nr_cpus;        /* entries in cpus[], in MADT order */
    unsigned nr_cpus_enabled;
    unsigned nr_cpus_ignored;      /* usable CPUs beyond ACPI_MAX_CPUS */
    unsigned nr_cpus_duplicate;    /* entries repeating an APIC id */
    unsigned nr_cpus_unusable;     /* neither enabled nor online-capable */
    struct acpi_cpu cpus[ACPI_MAX_CPUS];

    unsigned nr_ioapics, nr_ioapics_ignored;
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];

    unsigned nr_overrides, nr_overrides_ignored;
    struct acpi_override overrides[ACPI_MAX_OVERRIDES];
};

/*
 * Find and read the MADT.  rsdp_pa is where a loader said the RSDP is, or 0
 * to search for it (the EBDA's first KiB, then 0xe0000-0xfffff).  Returns 0
 * with *out filled (at least one enabled CPU), or an ACPI_E_* code; then
 * *out keeps only where the tables were found, and lists no CPU, IO-APIC
 * or override, so nothing is started from a table read halfway.
 */
int acpi_parse_machine(const struct acpi_mem *m, uint64_t rsdp_pa, struct acpi_machine *out);

/* A sentence for an ACPI_E_* code (or 0), e.g. "RSDP checksum bad". */
const char *acpi_strerror(int err);

/*
 * The hypervisor's entry (hyp/common/acpi_boot.c): parse through the direct
 * map and log the result in one line, or the reason and that boot goes on
 * with one CPU.  Returns 0 or an ACPI_E_* code.
 */
int acpi_find_cpus(struct acpi_machine *out);

#endif
