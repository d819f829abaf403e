/* SPDX-License-Identifier: MIT */
/*
 * Finding and checking the RSDP, ACPI's root pointer.  On a BIOS machine it
 * sits on a 16-byte boundary in the first KiB of the Extended BIOS Data
 * Area (whose segment the BIOS leaves at 0x40e) or in the BIOS area
 * 0xe0000-0xfffff; a loader may also name it (multiboot2 carries a copy's
 * address), and then only that address is tried.
 *
 * Layout: "RSD PTR " (8), checksum (1), OEM id (6), revision (1), RSDT
 * address (4) -- the 20 bytes of ACPI 1.0, summing to 0.  From revision 2:
 * length (4), XSDT address (8), extended checksum (1), reserved (3), and
 * all `length` bytes sum to 0 as well.
 *
 * A signature with a bad checksum does not stop the search (stray copies
 * of the string exist); if nothing good turns up, the first bad one's
 * reason is the error, since it is likelier the story than "no RSDP".
 */
#include <hyp/string.h>

#include "acpi_internal.h"

#define RSDP_SIGNATURE     "RSD PTR "
#define RSDP_SIG_LEN       8
#define RSDP_V1_LEN        20
#define RSDP_V2_LEN        36
#define RSDP_ALIGN         16

#define BDA_EBDA_SEGMENT   0x40e
#define EBDA_SEARCH_LEN    1024
#define EBDA_LOWEST        0x400     /* above the real-mode IVT and BDA */
#define EBDA_END           0xa0000   /* the EBDA lies in conventional memory */
#define BIOS_AREA_START    0xe0000
#define BIOS_AREA_END      0x100000

static int rsdp_check(const struct acpi_mem *m, uint64_t pa, struct acpi_rsdp *out)
{
    uint8_t b[RSDP_V2_LEN], sum;

    out->pa = pa;
    if (acpi_read(m, pa, b, RSDP_V1_LEN) < 0)
        return ACPI_E_RSDP_UNREADABLE;
    if (memcmp(b, RSDP_SIGNATURE, RSDP_SIG_LEN) != 0)
        return ACPI_E_RSDP_SIGNATURE;
    if (acpi_sum(m, pa, RSDP_V1_LEN, &sum) < 0)
        return ACPI_E_RSDP_UNREADABLE;
    if (sum != 0)
        return ACPI_E_RSDP_CHECKSUM;
    out->revision = b[15];
    out->rsdt = acpi_le32(b + 16);
    out->xsdt = 0;
    if (out->revision < 2)
        return 0;

    if (acpi_read(m, pa, b, RSDP_V2_LEN) < 0)
        return ACPI_E_RSDP_UNREADABLE;
    uint32_t length = acpi_le32(b + 20);
    if (length < RSDP_V2_LEN || length > ACPI_MAX_RSDP_LENGTH)
        return ACPI_E_RSDP_LENGTH;
    if (acpi_sum(m, pa, length, &sum) < 0)
        return ACPI_E_RSDP_UNREADABLE;
    if (sum != 0)
        return ACPI_E_RSDP_EXT_CHECKSUM;
    out->xsdt = acpi_le64(b + 24);
    return 0;
}

/* The first bad candidate met while searching: its reason and place. */
struct rsdp_miss {
    int err;
    uint64_t pa;
};

/*
 * Try every 16-byte boundary in [start, end): a candidate must start inside
 * the window, its bytes may run beyond.  0 when found, else -1.
 */
static int rsdp_scan(const struct acpi_mem *m, uint64_t start, uint64_t end,
                     struct acpi_rsdp *out, struct rsdp_miss *miss)
{
    for (uint64_t pa = start; pa < end; pa += RSDP_ALIGN) {
        uint8_t sig[RSDP_SIG_LEN];

        if (acpi_read(m, pa, sig, sizeof(sig)) < 0 ||
            memcmp(sig, RSDP_SIGNATURE, RSDP_SIG_LEN) != 0)
            continue;
        int rc = rsdp_check(m, pa, out);
        if (rc == 0)
            return 0;
        if (miss->err == ACPI_E_NO_RSDP)
            *miss = (struct rsdp_miss){ rc, pa };
    }
    return -1;
}

/* The EBDA's start from the BIOS Data Area, or 0 if it makes no sense. */
static uint64_t ebda_start(const struct acpi_mem *m)
{
    uint8_t seg[2];

    if (acpi_read(m, BDA_EBDA_SEGMENT, seg, sizeof(seg)) < 0)
        return 0;
    uint64_t pa = (uint64_t)acpi_le16(seg) << 4;
    return pa >= EBDA_LOWEST && pa < EBDA_END ? pa : 0;
}

int acpi_rsdp_locate(const struct acpi_mem *m, uint64_t hint, struct acpi_rsdp *out)
{
    struct rsdp_miss miss = { ACPI_E_NO_RSDP, 0 };

    memset(out, 0, sizeof(*out));
    if (hint)
        return rsdp_check(m, hint, out);
    uint64_t ebda = ebda_start(m);
    if (ebda && rsdp_scan(m, ebda, ebda + EBDA_SEARCH_LEN, out, &miss) == 0)
        return 0;
    if (rsdp_scan(m, BIOS_AREA_START, BIOS_AREA_END, out, &miss) == 0)
        return 0;
    memset(out, 0, sizeof(*out));
    out->pa = miss.pa;
    return miss.err;
}
