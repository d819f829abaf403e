/* SPDX-License-Identifier: MIT */
/*
 * The MADT ("APIC" table): the header, the local APIC's address (32 bits at
 * offset 36), flags (offset 40), then from offset 44 a run of entries, each
 * starting with type (1 byte) and length (1 byte, counting those two).
 *
 * Entries read (ACPI 6.5, 5.2.12):
 *   0  Processor Local APIC  8 bytes: ACPI UID (1), APIC id (1), flags (4)
 *   1  I/O APIC             12 bytes: id (1), reserved (1), address (4), GSI base (4)
 *   2  Interrupt Source Override 10 bytes: bus (1), source (1), GSI (4), flags (2)
 *   5  Local APIC Address Override 12 bytes: reserved (2), address (8)
 *   9  Processor Local x2APIC 16 bytes: reserved (2), x2APIC id (4), flags (4), UID (4)
 * Other types are stepped over by their length.  An entry longer than its
 * type needs is accepted (later spec revisions append fields); a shorter
 * one, a length below 2 (which would never advance) or one past the table's
 * end is an error, so a malformed table ends the walk instead of hanging it.
 *
 * CPU flags: bit 0 enabled; bit 1 online-capable (may be hot-added later).
 * An entry with neither is not a processor Koan may use and is only
 * counted.  An APIC id seen before (firmware listing a CPU both as xAPIC
 * and x2APIC) is counted and skipped: starting one CPU twice would be
 * worse than missing one.  APIC id 0xff in a type 0 entry is the broadcast
 * id, never a CPU.
 */
#include <hyp/string.h>

#include "acpi_internal.h"

#define MADT_ENTRIES_OFFSET 44
#define MADT_ENTRY_MAX      255

enum madt_type {
    MADT_LAPIC = 0,
    MADT_IOAPIC = 1,
    MADT_OVERRIDE = 2,
    MADT_LAPIC_ADDRESS = 5,
    MADT_X2APIC = 9,
};

#define CPU_ENABLED        (1u << 0)
#define CPU_ONLINE_CAPABLE (1u << 1)
#define XAPIC_BROADCAST_ID 0xff

/* The shortest entry of each type Koan reads; 2 for the others. */
static unsigned entry_min_length(uint8_t type)
{
    switch (type) {
    case MADT_LAPIC:         return 8;
    case MADT_IOAPIC:        return 12;
    case MADT_OVERRIDE:      return 10;
    case MADT_LAPIC_ADDRESS: return 12;
    case MADT_X2APIC:        return 16;
    default:                 return 2;
    }
}

static bool apic_id_known(const struct acpi_machine *out, uint32_t apic_id)
{
    for (unsigned i = 0; i < out->nr_cpus; i++)
        if (out->cpus[i].apic_id == apic_id)
            return true;
    return false;
}

static void add_cpu(struct acpi_machine *out, uint32_t apic_id, uint32_t uid, uint32_t flags,
                    bool x2apic)
{
    if (!(flags & (CPU_ENABLED | CPU_ONLINE_CAPABLE)) ||
        (!x2apic && apic_id == XAPIC_BROADCAST_ID)) {
        out->nr_cpus_unusable++;
        return;
    }
    if (apic_id_known(out, apic_id)) {
        out->nr_cpus_duplicate++;
        return;
    }
    if (out->nr_cpus == ACPI_MAX_CPUS) {
        out->nr_cpus_ignored++;
        return;
    }
    out->cpus[out->nr_cpus++] = (struct acpi_cpu){
        .apic_id = apic_id, .acpi_uid = uid, .enabled = flags & CPU_ENABLED, .x2apic = x2apic,
    };
    if (flags & CPU_ENABLED)
        out->nr_cpus_enabled++;
}

static void add_ioapic(struct acpi_machine *out, const uint8_t *e)
{
    if (out->nr_ioapics == ACPI_MAX_IOAPICS) {
        out->nr_ioapics_ignored++;
        return;
    }
    out->ioapics[out->nr_ioapics++] = (struct acpi_ioapic){
        .id = e[2], .address = acpi_le32(e + 4), .gsi_base = acpi_le32(e + 8),
    };
}

static void add_override(struct acpi_machine *out, const uint8_t *e)
{
    if (out->nr_overrides == ACPI_MAX_OVERRIDES) {
        out->nr_overrides_ignored++;
        return;
    }
    out->overrides[out->nr_overrides++] = (struct acpi_override){
        .bus = e[2], .source = e[3], .gsi = acpi_le32(e + 4), .flags = acpi_le16(e + 8),
    };
}

/* One entry, already checked to be long enough for its type. */
static void madt_entry(struct acpi_machine *out, const uint8_t *e)
{
    switch (e[0]) {
    case MADT_LAPIC:
        add_cpu(out, e[3], e[2], acpi_le32(e + 4), false);
        break;
    case MADT_X2APIC:
        add_cpu(out, acpi_le32(e + 4), acpi_le32(e + 12), acpi_le32(e + 8), true);
        break;
    case MADT_IOAPIC:
        add_ioapic(out, e);
        break;
    case MADT_OVERRIDE:
        add_override(out, e);
        break;
    case MADT_LAPIC_ADDRESS:
        out->lapic_pa = acpi_le64(e + 4);
        break;
    }
}

static int madt_check(const struct acpi_mem *m, uint64_t pa, uint32_t *length)
{
    switch (acpi_table_check(m, pa, "APIC", MADT_ENTRIES_OFFSET, ACPI_MAX_MADT_LENGTH, length)) {
    case ACPI_TABLE_OK:
        return 0;
    case ACPI_TABLE_HEADER_UNREADABLE:
        return ACPI_E_TABLE_UNREADABLE;
    case ACPI_TABLE_BAD_SIGNATURE:
        return ACPI_E_NO_MADT;   /* it changed since the root walk saw "APIC" */
    case ACPI_TABLE_TOO_LONG:
        return ACPI_E_MADT_TOO_LONG;
    case ACPI_TABLE_BAD_CHECKSUM:
        return ACPI_E_MADT_CHECKSUM;
    default:
        return ACPI_E_MADT_TRUNCATED;   /* shorter than its header, or memory ends */
    }
}

/* Walk the entries; each step advances by at least 2, so it ends. */
static int madt_entries(const struct acpi_mem *m, uint64_t pa, uint32_t length,
                        struct acpi_machine *out)
{
    uint8_t e[MADT_ENTRY_MAX];
    uint32_t off = MADT_ENTRIES_OFFSET;

    while (off < length) {
        if (length - off < 2)
            return ACPI_E_MADT_ENTRY_OVERRUN;   /* a lone byte: half a header */
        if (acpi_read(m, pa + off, e, 2) < 0)
            return ACPI_E_MADT_TRUNCATED;
        uint8_t len = e[1];
        if (len < entry_min_length(e[0]))   /* never below 2: each step advances */
            return ACPI_E_MADT_ENTRY_LENGTH;
        if (len > length - off)
            return ACPI_E_MADT_ENTRY_OVERRUN;
        if (acpi_read(m, pa + off + 2, e + 2, len - 2) < 0)
            return ACPI_E_MADT_TRUNCATED;
        madt_entry(out, e);
        off += len;
    }
    return 0;
}

int acpi_madt_parse(const struct acpi_mem *m, uint64_t pa, struct acpi_machine *out)
{
    uint8_t fixed[8];
    uint32_t length = 0;

    int rc = madt_check(m, pa, &length);
    if (rc < 0)
        return rc;
    if (acpi_read(m, pa + ACPI_HEADER_LEN, fixed, sizeof(fixed)) < 0)
        return ACPI_E_MADT_TRUNCATED;
    out->lapic_pa = acpi_le32(fixed);
    out->madt_flags = acpi_le32(fixed + 4);
    rc = madt_entries(m, pa, length, out);
    if (rc < 0)
        return rc;
    return out->nr_cpus_enabled ? 0 : ACPI_E_MADT_NO_CPU;
}
