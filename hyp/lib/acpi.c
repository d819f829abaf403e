/* SPDX-License-Identifier: MIT */
/*
 * The ACPI reader's spine: checked reads and checksums, the table-header
 * check every table goes through, the walk of the RSDT or XSDT to the MADT,
 * and the error sentences.  The RSDP lives in acpi_rsdp.c, the MADT's
 * entries in acpi_madt.c.
 *
 * Which root table: the XSDT when the RSDP is revision 2 or later and names
 * one, else the RSDT (as the spec asks of a 64-bit OS).  A bad XSDT is an
 * error, not a reason to fall back to the RSDT: firmware whose tables
 * disagree should be reported, not guessed around.  The first "APIC" table
 * listed is the MADT; the walk reads each listed table's signature only,
 * so tables Koan does not use cannot fail the boot by their contents.
 */
#include <hyp/string.h>

#include "acpi_internal.h"

#define SUM_CHUNK 64

int acpi_read(const struct acpi_mem *m, uint64_t pa, void *buf, size_t len)
{
    if (len == 0)
        return 0;
    if (pa + (len - 1) < pa)
        return -1;
    return m->read(m->ctx, pa, buf, len) < 0 ? -1 : 0;
}

int acpi_sum(const struct acpi_mem *m, uint64_t pa, uint64_t len, uint8_t *sum)
{
    uint8_t chunk[SUM_CHUNK];
    uint8_t s = 0;

    if (len && pa + (len - 1) < pa)
        return -1;
    for (uint64_t off = 0; off < len; off += SUM_CHUNK) {
        size_t n = MIN(len - off, (uint64_t)SUM_CHUNK);
        if (acpi_read(m, pa + off, chunk, n) < 0)
            return -1;
        for (size_t i = 0; i < n; i++)
            s = (uint8_t)(s + chunk[i]);
    }
    *sum = s;
    return 0;
}

enum acpi_table_fault acpi_table_check(const struct acpi_mem *m, uint64_t pa, const char *sig,
                                       uint32_t min_len, uint32_t max_len, uint32_t *length)
{
    uint8_t head[ACPI_HEADER_LEN];
    uint8_t sum;

    if (pa == 0 || acpi_read(m, pa, head, sizeof(head)) < 0)
        return ACPI_TABLE_HEADER_UNREADABLE;
    if (memcmp(head, sig, ACPI_SIG_LEN) != 0)
        return ACPI_TABLE_BAD_SIGNATURE;
    *length = acpi_le32(head + 4);
    if (*length < min_len)
        return ACPI_TABLE_TOO_SHORT;
    if (*length > max_len)
        return ACPI_TABLE_TOO_LONG;
    if (acpi_sum(m, pa, *length, &sum) < 0)
        return ACPI_TABLE_BODY_UNREADABLE;
    return sum == 0 ? ACPI_TABLE_OK : ACPI_TABLE_BAD_CHECKSUM;
}

/* The RSDT or XSDT: checked whole; returns the number of entries or an error. */
static int root_open(const struct acpi_mem *m, const struct acpi_rsdp *r,
                     struct acpi_machine *out, unsigned *entry_size)
{
    uint32_t length = 0;

    out->root_is_xsdt = r->revision >= 2 && r->xsdt != 0;
    out->root_pa = out->root_is_xsdt ? r->xsdt : r->rsdt;
    *entry_size = out->root_is_xsdt ? 8 : 4;

    uint32_t max_len = ACPI_HEADER_LEN + ACPI_MAX_ROOT_ENTRIES * *entry_size;
    switch (acpi_table_check(m, out->root_pa, out->root_is_xsdt ? "XSDT" : "RSDT",
                             ACPI_HEADER_LEN, max_len, &length)) {
    case ACPI_TABLE_OK:
        break;
    case ACPI_TABLE_BAD_SIGNATURE:
        return ACPI_E_ROOT_SIGNATURE;
    case ACPI_TABLE_TOO_SHORT:
    case ACPI_TABLE_TOO_LONG:
        return ACPI_E_ROOT_LENGTH;
    case ACPI_TABLE_BAD_CHECKSUM:
        return ACPI_E_ROOT_CHECKSUM;
    default:
        return ACPI_E_ROOT_UNREADABLE;
    }
    if ((length - ACPI_HEADER_LEN) % *entry_size)
        return ACPI_E_ROOT_LENGTH;   /* a partial entry at the end */
    return (int)((length - ACPI_HEADER_LEN) / *entry_size);
}

/* The first table with signature sig listed in the root table, or 0. */
static int root_find(const struct acpi_mem *m, const struct acpi_machine *out, unsigned count,
                     unsigned entry_size, const char *sig, uint64_t *found)
{
    *found = 0;
    for (unsigned i = 0; i < count; i++) {
        uint8_t entry[8], table_sig[ACPI_SIG_LEN];
        uint64_t at = out->root_pa + ACPI_HEADER_LEN + (uint64_t)i * entry_size;

        if (acpi_read(m, at, entry, entry_size) < 0)
            return ACPI_E_ROOT_UNREADABLE;
        uint64_t pa = entry_size == 8 ? acpi_le64(entry) : acpi_le32(entry);
        if (pa == 0)
            continue;   /* an empty slot, not a table */
        if (acpi_read(m, pa, table_sig, sizeof(table_sig)) < 0)
            return ACPI_E_TABLE_UNREADABLE;
        if (memcmp(table_sig, sig, ACPI_SIG_LEN) == 0) {
            *found = pa;
            return 0;
        }
    }
    return 0;
}

static int parse(const struct acpi_mem *m, uint64_t rsdp_pa, struct acpi_machine *out)
{
    struct acpi_rsdp r;
    unsigned entry_size;

    int rc = acpi_rsdp_locate(m, rsdp_pa, &r);
    out->rsdp_pa = r.pa;
    out->rsdp_revision = r.revision;
    if (rc < 0)
        return rc;
    int count = root_open(m, &r, out, &entry_size);
    if (count < 0)
        return count;
    rc = root_find(m, out, (unsigned)count, entry_size, "APIC", &out->madt_pa);
    if (rc < 0)
        return rc;
    if (out->madt_pa == 0)
        return ACPI_E_NO_MADT;
    return acpi_madt_parse(m, out->madt_pa, out);
}

/* Nobody may start CPUs from a table read halfway: on error, lists are empty. */
static void forget_lists(struct acpi_machine *out)
{
    out->nr_cpus = out->nr_cpus_enabled = out->nr_cpus_ignored = 0;
    out->nr_cpus_duplicate = out->nr_cpus_unusable = 0;
    out->nr_ioapics = out->nr_ioapics_ignored = 0;
    out->nr_overrides = out->nr_overrides_ignored = 0;
    out->lapic_pa = 0;
    out->madt_flags = 0;
}

int acpi_parse_machine(const struct acpi_mem *m, uint64_t rsdp_pa, struct acpi_machine *out)
{
    memset(out, 0, sizeof(*out));
    int rc = parse(m, rsdp_pa, out);
    if (rc < 0)
        forget_lists(out);
    return rc;
}

static const char *const error_text[] = {
    [0] = "no error",
    [-ACPI_E_NO_RSDP] = "no RSDP found (EBDA, 0xe0000-0xfffff)",
    [-ACPI_E_RSDP_UNREADABLE] = "RSDP outside readable memory",
    [-ACPI_E_RSDP_SIGNATURE] = "RSDP signature bad",
    [-ACPI_E_RSDP_CHECKSUM] = "RSDP checksum bad",
    [-ACPI_E_RSDP_LENGTH] = "RSDP length bad",
    [-ACPI_E_RSDP_EXT_CHECKSUM] = "RSDP extended checksum bad",
    [-ACPI_E_ROOT_UNREADABLE] = "RSDT/XSDT outside readable memory",
    [-ACPI_E_ROOT_SIGNATURE] = "RSDT/XSDT signature bad",
    [-ACPI_E_ROOT_LENGTH] = "RSDT/XSDT length bad",
    [-ACPI_E_ROOT_CHECKSUM] = "RSDT/XSDT checksum bad",
    [-ACPI_E_TABLE_UNREADABLE] = "a table the RSDT/XSDT lists is outside readable memory",
    [-ACPI_E_NO_MADT] = "no MADT (APIC table) listed",
    [-ACPI_E_MADT_TRUNCATED] = "MADT truncated",
    [-ACPI_E_MADT_TOO_LONG] = "MADT length too large",
    [-ACPI_E_MADT_CHECKSUM] = "MADT checksum bad",
    [-ACPI_E_MADT_ENTRY_LENGTH] = "MADT entry length bad (0 or too short for its type)",
    [-ACPI_E_MADT_ENTRY_OVERRUN] = "MADT entry runs past the end of the table",
    [-ACPI_E_MADT_NO_CPU] = "MADT lists no enabled CPU",
};

const char *acpi_strerror(int err)
{
    if (err > 0 || err < ACPI_E_LAST || !error_text[-err])
        return "unknown ACPI error";
    return error_text[-err];
}
