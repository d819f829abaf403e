/* SPDX-License-Identifier: MIT */
/*
 * The fake memory and table builders of tests/unit/acpi_fake.h.  Table
 * layouts follow the ACPI spec; the reader under test never shares code
 * with these builders, so a misread offset shows up as a failed test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "acpi_fake.h"

static int fake_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
    struct fake_mem *f = ctx;

    assert_true(len > 0 && len <= FAKE_MAX_READ);
    assert_true(++f->reads <= FAKE_MAX_READS);
    for (unsigned i = 0; i < 3; i++) {
        const struct fake_region *r = &f->regions[i];
        if (pa >= r->base && pa - r->base <= r->size && len <= r->size - (pa - r->base)) {
            memcpy(buf, r->bytes + (pa - r->base), len);
            return 0;
        }
    }
    return -1;
}

void fake_init(struct fake_mem *f)
{
    static const uint64_t base[3] = { LOW_BASE, HIGH_BASE, ABOVE4G_BASE };
    static const size_t size[3] = { LOW_SIZE, HIGH_SIZE, ABOVE4G_SIZE };

    memset(f, 0, sizeof(*f));
    for (unsigned i = 0; i < 3; i++) {
        f->regions[i] = (struct fake_region){ base[i], size[i], calloc(1, size[i]) };
        assert_non_null(f->regions[i].bytes);
    }
    f->mem = (struct acpi_mem){ .read = fake_read, .ctx = f };
}

void fake_free(struct fake_mem *f)
{
    for (unsigned i = 0; i < 3; i++)
        free(f->regions[i].bytes);
}

uint8_t *fake_at(struct fake_mem *f, uint64_t pa, size_t len)
{
    for (unsigned i = 0; i < 3; i++) {
        struct fake_region *r = &f->regions[i];
        if (pa >= r->base && pa - r->base <= r->size && len <= r->size - (pa - r->base))
            return r->bytes + (pa - r->base);
    }
    fail_msg("test bug: %#lx+%zu is outside the fake memory", (unsigned long)pa, len);
    return NULL;
}

int fake_parse(struct fake_mem *f, uint64_t rsdp_hint, struct acpi_machine *out)
{
    f->reads = 0;
    return acpi_parse_machine(&f->mem, rsdp_hint, out);
}

void fix_checksum(uint8_t *p, size_t len, size_t csum_off)
{
    uint8_t sum = 0;

    p[csum_off] = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    p[csum_off] = (uint8_t)-sum;
}

static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void le64(uint8_t *p, uint64_t v)
{
    le32(p, (uint32_t)v);
    le32(p + 4, (uint32_t)(v >> 32));
}

void refresh_table_checksum(struct fake_mem *f, uint64_t pa)
{
    for (unsigned i = 0; i < 3; i++) {
        struct fake_region *r = &f->regions[i];
        if (pa < r->base || pa - r->base + 36 > r->size)
            continue;
        uint8_t *p = r->bytes + (pa - r->base);
        uint32_t len = p[4] | p[5] << 8 | p[6] << 16 | (uint32_t)p[7] << 24;
        size_t room = r->size - (pa - r->base);
        fix_checksum(p, len < 36 ? 36 : (len > room ? room : len), 9);
    }
}

void put_ebda_segment(struct fake_mem *f, uint16_t segment)
{
    uint8_t *p = fake_at(f, 0x40e, 2);
    p[0] = (uint8_t)segment;
    p[1] = (uint8_t)(segment >> 8);
}

static uint8_t *rsdp_common(struct fake_mem *f, uint64_t pa, size_t len, uint8_t rev, uint32_t rsdt)
{
    uint8_t *p = fake_at(f, pa, len);

    memset(p, 0, len);
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + 9, "KOANFW", 6);
    p[15] = rev;
    le32(p + 16, rsdt);
    return p;
}

void put_rsdp_v1(struct fake_mem *f, uint64_t pa, uint32_t rsdt)
{
    fix_checksum(rsdp_common(f, pa, 20, 0, rsdt), 20, 8);
}

void put_rsdp_v2(struct fake_mem *f, uint64_t pa, uint32_t rsdt, uint64_t xsdt)
{
    uint8_t *p = rsdp_common(f, pa, 36, 2, rsdt);

    le32(p + 20, 36);
    le64(p + 24, xsdt);
    fix_checksum(p, 20, 8);
    fix_checksum(p, 36, 32);
}

void put_table(struct fake_mem *f, uint64_t pa, const char *sig, const void *body, size_t body_len)
{
    uint8_t *p = fake_at(f, pa, 36 + body_len);

    memset(p, 0, 36);
    memcpy(p, sig, 4);
    le32(p + 4, (uint32_t)(36 + body_len));
    p[8] = 1;                                 /* revision */
    memcpy(p + 10, "KOANFW", 6);
    memcpy(p + 16, "KOANTEST", 8);
    if (body_len)
        memcpy(p + 36, body, body_len);
    fix_checksum(p, 36 + body_len, 9);
}

void put_root(struct fake_mem *f, uint64_t pa, bool xsdt, const uint64_t *tables, unsigned count)
{
    uint8_t body[8 * 64];
    size_t esize = xsdt ? 8 : 4;

    assert_true(count <= 64);
    for (unsigned i = 0; i < count; i++) {
        if (xsdt)
            le64(body + i * esize, tables[i]);
        else
            le32(body + i * esize, (uint32_t)tables[i]);
    }
    put_table(f, pa, xsdt ? "XSDT" : "RSDT", body, count * esize);
}

void madt_start(struct madt *m, uint32_t lapic_pa, uint32_t flags)
{
    le32(m->body, lapic_pa);
    le32(m->body + 4, flags);
    m->len = 8;
}

void madt_raw(struct madt *m, const uint8_t *entry, size_t len)
{
    assert_true(m->len + len <= sizeof(m->body));
    memcpy(m->body + m->len, entry, len);
    m->len += len;
}

void madt_lapic(struct madt *m, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
    uint8_t e[8] = { 0, 8, uid, apic_id };
    le32(e + 4, flags);
    madt_raw(m, e, sizeof(e));
}

void madt_x2apic(struct madt *m, uint32_t apic_id, uint32_t uid, uint32_t flags)
{
    uint8_t e[16] = { 9, 16 };
    le32(e + 4, apic_id);
    le32(e + 8, flags);
    le32(e + 12, uid);
    madt_raw(m, e, sizeof(e));
}

void madt_ioapic(struct madt *m, uint8_t id, uint32_t address, uint32_t gsi_base)
{
    uint8_t e[12] = { 1, 12, id };
    le32(e + 4, address);
    le32(e + 8, gsi_base);
    madt_raw(m, e, sizeof(e));
}

void madt_override(struct madt *m, uint8_t source, uint32_t gsi, uint16_t flags)
{
    uint8_t e[10] = { 2, 10, 0, source };
    le32(e + 4, gsi);
    e[8] = (uint8_t)flags;
    e[9] = (uint8_t)(flags >> 8);
    madt_raw(m, e, sizeof(e));
}

void madt_lapic_address(struct madt *m, uint64_t address)
{
    uint8_t e[12] = { 5, 12 };
    le64(e + 4, address);
    madt_raw(m, e, sizeof(e));
}

void madt_lapic_nmi(struct madt *m)
{
    static const uint8_t e[6] = { 4, 6, 0xff, 0, 0, 1 };
    madt_raw(m, e, sizeof(e));
}

void put_madt(struct fake_mem *f, uint64_t pa, const struct madt *m)
{
    put_table(f, pa, "APIC", m->body, m->len);
}

void build_qemu_like(struct fake_mem *f, unsigned ncpus)
{
    static struct madt m;
    const uint64_t tables[] = { QEMU_FACP, QEMU_MADT, QEMU_HPET };

    put_ebda_segment(f, EBDA_SEGMENT);
    put_rsdp_v1(f, QEMU_RSDP, QEMU_RSDT);
    put_root(f, QEMU_RSDT, false, tables, 3);
    put_table(f, QEMU_FACP, "FACP", "\0\0\0\0", 4);
    put_table(f, QEMU_HPET, "HPET", "\0\0\0\0", 4);
    madt_start(&m, 0xfee00000, 1);
    for (unsigned i = 0; i < ncpus; i++) {
        if (i < 255)
            madt_lapic(&m, (uint8_t)i, (uint8_t)i, 1);
        else
            madt_x2apic(&m, i, i, 1);
    }
    madt_ioapic(&m, 0, 0xfec00000, 0);
    madt_override(&m, 0, 2, 0);
    madt_override(&m, 5, 5, 0xd);
    madt_override(&m, 9, 9, 0xd);
    madt_override(&m, 10, 10, 0xd);
    madt_override(&m, 11, 11, 0xd);
    madt_lapic_nmi(&m);
    put_madt(f, QEMU_MADT, &m);
}
