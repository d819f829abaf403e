/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's side of the ACPI reader (hyp/lib/acpi*.c): physical
 * memory is read through the direct map, and only inside it, so a table
 * pointer into a hole or beyond RAM is an error line rather than a fault.
 * Firmware puts its tables in RAM (QEMU's at the top of the first 4 GiB,
 * in the reserved tail that the direct map's 2 MiB rounding covers) and
 * the RSDP in the BIOS area below 1 MiB, which the direct map covers too.
 *
 * Called once at boot after paging_init.  What it logs:
 *   koan: acpi: MADT lists 2 CPUs (apic ids 0 1), IO-APIC 0 at 0xfec00000
 * or, when the tables are unusable, why, and that Koan runs on one CPU:
 *   koan: warning: acpi: MADT checksum bad (RSDP at 0xf5a30, ...); going on ...
 */
#include <asm/paging.h>
#include <hyp/acpi.h>
#include <hyp/console.h>
#include <hyp/format.h>
#include <hyp/string.h>

static int directmap_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
    paddr_t end = paging_directmap_end();

    if (pa >= end || len > end - pa)
        return -1;
    memcpy(buf, phys_to_virt(pa), len);
    return 0;
}

/* Append to buf[size] at *used, never past its end. */
__attribute__((format(printf, 4, 5)))
static void append(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
    va_list ap;

    if (*used >= size)
        return;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf + *used, size - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used = MIN(*used + (size_t)n, size);
}

static void log_found(const struct acpi_machine *mc)
{
    char ids[ACPI_MAX_CPUS * 11 + 1], io[ACPI_MAX_IOAPICS * 32 + 1];
    size_t ni = 0, nio = 0;

    ids[0] = io[0] = '\0';
    for (unsigned i = 0; i < mc->nr_cpus; i++)
        if (mc->cpus[i].enabled)
            append(ids, sizeof(ids), &ni, "%s%u", ni ? " " : "", mc->cpus[i].apic_id);
    for (unsigned i = 0; i < mc->nr_ioapics; i++)
        append(io, sizeof(io), &nio, ", IO-APIC %u at %#x", mc->ioapics[i].id,
               mc->ioapics[i].address);
    log_info("acpi: MADT lists %u CPU%s (apic ids %s)%s\n", mc->nr_cpus_enabled,
             mc->nr_cpus_enabled == 1 ? "" : "s", ids, io);
    log_info("acpi: RSDP rev %u at %#lx, %s at %#lx, MADT at %#lx, local APIC at %#lx\n",
             mc->rsdp_revision, mc->rsdp_pa, mc->root_is_xsdt ? "XSDT" : "RSDT", mc->root_pa,
             mc->madt_pa, mc->lapic_pa);
    if (mc->nr_cpus > mc->nr_cpus_enabled)
        log_info("acpi: %u more CPU(s) listed as online-capable, not present\n",
                 mc->nr_cpus - mc->nr_cpus_enabled);
    if (mc->nr_cpus_ignored)
        log_warn("acpi: %u CPU(s) beyond Koan's cap of %u ignored\n", mc->nr_cpus_ignored,
                 ACPI_MAX_CPUS);
    if (mc->nr_cpus_duplicate)
        log_warn("acpi: %u entries repeat an APIC id; skipped\n", mc->nr_cpus_duplicate);
    if (mc->nr_ioapics_ignored || mc->nr_overrides_ignored)
        log_warn("acpi: %u IO-APIC(s) and %u override(s) beyond the caps ignored\n",
                 mc->nr_ioapics_ignored, mc->nr_overrides_ignored);
}

static void log_failure(int rc, const struct acpi_machine *mc)
{
    char where[160];
    size_t n = 0;

    where[0] = '\0';
    if (mc->rsdp_pa)
        append(where, sizeof(where), &n, " (RSDP at %#lx", mc->rsdp_pa);
    if (mc->root_pa)
        append(where, sizeof(where), &n, ", %s at %#lx", mc->root_is_xsdt ? "XSDT" : "RSDT",
               mc->root_pa);
    if (mc->madt_pa)
        append(where, sizeof(where), &n, ", MADT at %#lx", mc->madt_pa);
    if (n)
        append(where, sizeof(where), &n, ")");
    log_warn("acpi: %s%s; going on with one CPU\n", acpi_strerror(rc), where);
}

int acpi_find_cpus(struct acpi_machine *out)
{
    const struct acpi_mem mem = { .read = directmap_read, .ctx = NULL };

    int rc = acpi_parse_machine(&mem, 0, out);
    if (rc < 0)
        log_failure(rc, out);
    else
        log_found(out);
    return rc;
}
