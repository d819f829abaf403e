/* SPDX-License-Identifier: MIT */
/*
 * What the ACPI reader's files share (hyp/lib/acpi*.c): checked reads,
 * little-endian field access, checksums and the common table-header check.
 * Tables are never mapped as C structs: fields are picked out of byte
 * copies at their spec offsets, so nothing depends on alignment or packing.
 */
#ifndef KOAN_HYP_LIB_ACPI_INTERNAL_H
#define KOAN_HYP_LIB_ACPI_INTERNAL_H

#include <hyp/acpi.h>

#define ACPI_HEADER_LEN   36   /* signature, length, revision, checksum, OEM ids */
#define ACPI_SIG_LEN      4

static inline uint16_t acpi_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t acpi_le32(const uint8_t *p)
{
    return (uint32_t)acpi_le16(p) | (uint32_t)acpi_le16(p + 2) << 16;
}

static inline uint64_t acpi_le64(const uint8_t *p)
{
    return (uint64_t)acpi_le32(p) | (uint64_t)acpi_le32(p + 4) << 32;
}

/* m->read, refusing ranges that wrap around the address space: 0 or -1. */
int acpi_read(const struct acpi_mem *m, uint64_t pa, void *buf, size_t len);
/* Byte sum of [pa, pa + len) into *sum: 0, or -1 if not all readable. */
int acpi_sum(const struct acpi_mem *m, uint64_t pa, uint64_t len, uint8_t *sum);

/* What is wrong with a table, in the order the checks run. */
enum acpi_table_fault {
    ACPI_TABLE_OK,
    ACPI_TABLE_HEADER_UNREADABLE,
    ACPI_TABLE_BAD_SIGNATURE,
    ACPI_TABLE_TOO_SHORT,
    ACPI_TABLE_TOO_LONG,
    ACPI_TABLE_BODY_UNREADABLE,
    ACPI_TABLE_BAD_CHECKSUM,
};

/*
 * Check the table at pa: signature sig, min_len <= length <= max_len, all
 * of it readable, bytes summing to 0.  *length is set once it is known.
 */
enum acpi_table_fault acpi_table_check(const struct acpi_mem *m, uint64_t pa, const char *sig,
                                       uint32_t min_len, uint32_t max_len, uint32_t *length);

/* The RSDP's facts that the rest needs. */
struct acpi_rsdp {
    uint64_t pa;
    uint8_t revision;
    uint32_t rsdt;
    uint64_t xsdt;   /* 0 unless revision >= 2 */
};

/* Check the RSDP at hint, or search for one when hint is 0 (acpi_rsdp.c). */
int acpi_rsdp_locate(const struct acpi_mem *m, uint64_t hint, struct acpi_rsdp *out);
/* Read the MADT at pa into out (acpi_madt.c). */
int acpi_madt_parse(const struct acpi_mem *m, uint64_t pa, struct acpi_machine *out);

#endif
