/* SPDX-License-Identifier: MIT */
/*
 * A fake physical memory for the ACPI reader's unit tests, and builders of
 * the tables that go into it.  Memory is a few regions, each its own
 * exact-size heap block, so a read past a region is refused by the fake
 * and any stray access by the parser's own buffers is caught by ASan.
 * The read callback asserts what the parser promises: small reads only,
 * and a bounded number of them per parse.
 */
#ifndef KOAN_TESTS_ACPI_FAKE_H
#define KOAN_TESTS_ACPI_FAKE_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#include <hyp/acpi.h>

/* The places QEMU's pc machine with 512 MiB uses (tests/unit/acpi_qemu_tables.h). */
#define LOW_BASE      0x0UL
#define LOW_SIZE      0x100000UL          /* the first MiB: BDA, EBDA, BIOS area */
#define HIGH_BASE     0x1ffe0000UL        /* SeaBIOS's tables, top of 512 MiB */
#define HIGH_SIZE     0x20000UL
#define ABOVE4G_BASE  0x100000000UL       /* where some firmware puts the XSDT */
#define ABOVE4G_SIZE  0x10000UL
#define EBDA_SEGMENT  0x9fc0
#define EBDA_BASE     0x9fc00UL

#define FAKE_MAX_READ     255             /* the longest read the parser makes */
#define FAKE_MAX_READS    200000          /* per parse: the whole BIOS area is ~8200 */

struct fake_region {
    uint64_t base;
    size_t size;
    uint8_t *bytes;
};

struct fake_mem {
    struct fake_region regions[3];
    unsigned long reads;
    struct acpi_mem mem;
};

/* Fresh, zeroed memory with the three regions above. */
void fake_init(struct fake_mem *f);
void fake_free(struct fake_mem *f);
/* A pointer to [pa, pa + len), which must lie inside one region. */
uint8_t *fake_at(struct fake_mem *f, uint64_t pa, size_t len);
/* Parse with the read counter reset. */
int fake_parse(struct fake_mem *f, uint64_t rsdp_hint, struct acpi_machine *out);

/* Set the byte at csum_off so that [p, p + len) sums to 0. */
void fix_checksum(uint8_t *p, size_t len, size_t csum_off);
/* Recompute a table's checksum over its own length field (clamped to its region). */
void refresh_table_checksum(struct fake_mem *f, uint64_t pa);

void put_ebda_segment(struct fake_mem *f, uint16_t segment);
void put_rsdp_v1(struct fake_mem *f, uint64_t pa, uint32_t rsdt);
void put_rsdp_v2(struct fake_mem *f, uint64_t pa, uint32_t rsdt, uint64_t xsdt);
/* A table: 36-byte header with sig and length 36 + body_len, then body. */
void put_table(struct fake_mem *f, uint64_t pa, const char *sig, const void *body,
               size_t body_len);
/* An RSDT (4-byte entries) or XSDT (8-byte entries) listing tables[]. */
void put_root(struct fake_mem *f, uint64_t pa, bool xsdt, const uint64_t *tables,
              unsigned count);

/* A MADT under construction: body bytes after the header. */
struct madt {
    uint8_t body[ACPI_MAX_MADT_LENGTH * 2];
    size_t len;
};

void madt_start(struct madt *m, uint32_t lapic_pa, uint32_t flags);
void madt_raw(struct madt *m, const uint8_t *entry, size_t len);
void madt_lapic(struct madt *m, uint8_t uid, uint8_t apic_id, uint32_t flags);
void madt_x2apic(struct madt *m, uint32_t apic_id, uint32_t uid, uint32_t flags);
void madt_ioapic(struct madt *m, uint8_t id, uint32_t address, uint32_t gsi_base);
void madt_override(struct madt *m, uint8_t source, uint32_t gsi, uint16_t flags);
void madt_lapic_address(struct madt *m, uint64_t address);
void madt_lapic_nmi(struct madt *m);   /* type 4, which Koan skips */
void put_madt(struct fake_mem *f, uint64_t pa, const struct madt *m);

/*
 * A QEMU-shaped machine: EBDA word, v1 RSDP at 0xf5250, RSDT in the high
 * region listing FACP, APIC, HPET; the MADT has ncpus CPUs (x2APIC entries
 * from APIC id 255 on), one IO-APIC, QEMU's five overrides and an NMI entry.
 */
#define QEMU_RSDP  0xf5250UL
#define QEMU_RSDT  0x1ffe2390UL
#define QEMU_FACP  0x1ffe1000UL
#define QEMU_MADT  0x1ffe4000UL   /* room for a 64 KiB MADT */
#define QEMU_HPET  0x1ffe3000UL
void build_qemu_like(struct fake_mem *f, unsigned ncpus);

#endif
