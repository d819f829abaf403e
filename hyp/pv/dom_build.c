/* SPDX-License-Identifier: MIT */
/*
 * The boot-time domain builder.  It does what Xen's toolstack and dom0
 * builder do for a PV kernel (see docs/boot.md): check the image and its Xen
 * notes, give the domain its frames, copy the kernel and module in, write the
 * p2m list, start_info and the initial page tables (read-only to the guest,
 * hypervisor slots installed), fill the hypercall page if asked for, and
 * point vCPU 0 at the entry with rsi = start_info.  Images are hostile: the
 * parser and the layout refuse them before any memory is touched.
 */
#include <asm/layout.h>
#include <asm/paging.h>
#include <hyp/console.h>
#include <hyp/dom_build.h>
#include <hyp/dom_bzimage.h>
#include <hyp/dom_console.h>
#include <hyp/dom_layout.h>
#include <hyp/elf.h>
#include <hyp/errno.h>
#include <hyp/frame.h>
#include <hyp/frame_table.h>
#include <hyp/grant_table.h>
#include <hyp/m2p.h>
#include <hyp/options.h>
#include <hyp/string.h>
#include <hyp/time.h>

/* As Xen's builder: upper levels user-accessible, L1 entries without the
 * user bit (validation adds it, marking them as guest-kernel mappings). */
#define GUEST_TABLE_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define GUEST_L1_FLAGS    (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED)

/* The builder's own pfn -> mfn record while it fills the domain. */
struct build_state {
    mfn_t *p2m;
    uint64_t p2m_alloc_pages;
};

static struct build_state bs;

static void *guest_page(struct domain *d, pfn_t pfn)
{
    (void)d;
    return mfn_to_virt(bs.p2m[pfn]);
}

/* Copy len bytes to the guest at pseudo-physical byte offset off. */
static void copy_to_pseudo_phys(struct domain *d, uint64_t off, const uint8_t *src, size_t len)
{
    while (len) {
        size_t in_page = PAGE_SIZE - (off & (PAGE_SIZE - 1));
        size_t n = MIN(len, in_page);
        memcpy((uint8_t *)guest_page(d, off >> PAGE_SHIFT) + (off & (PAGE_SIZE - 1)), src, n);
        off += n;
        src += n;
        len -= n;
    }
}

static int allocate_memory(struct domain *d, uint64_t nr_pages)
{
    bs.p2m_alloc_pages = ALIGN_UP(nr_pages * sizeof(mfn_t), PAGE_SIZE) >> PAGE_SHIFT;
    bs.p2m = hyp_alloc_pages(bs.p2m_alloc_pages);
    if (!bs.p2m)
        return -ENOMEM;
    /* dom0 has no ceiling (Xen: ~0U); others may not grow beyond their size. */
    d->max_pages = d->is_dom0 ? 0xffffffffUL : nr_pages;
    for (pfn_t pfn = 0; pfn < nr_pages; pfn++) {
        if (domain_give_frames(d, 0, true, &bs.p2m[pfn]))
            return -ENOMEM;
        m2p_set(bs.p2m[pfn], pfn);
    }
    /* shared_info: the hypervisor's page, shared writable for good. */
    if (domain_give_frames(d, 0, false, &d->shared_info_mfn))
        return -ENOMEM;
    return get_page_type(mfn_to_page(d->shared_info_mfn), PGT_writable, d);
}

static void load_segments(struct domain *d, const struct pv_image *img, const uint8_t *file)
{
    for (unsigned i = 0; i < img->nr_segments; i++) {
        const struct pv_segment *s = &img->seg[i];
        copy_to_pseudo_phys(d, s->load_va - img->virt_base, file + s->file_offset, s->file_size);
        /* The rest of mem_size is bss: the frames were zeroed. */
    }
}

/* Page-table pages the builder hands out, in order: [next, end). */
struct table_pool {
    pfn_t next, end;
};

/*
 * Map [va, end) onto the frames from pfn on, taking the tables it lacks
 * from pool; pfns in [ro_first, ro_end) are mapped read-only (the tables
 * themselves).  -ENOMEM if the pool runs dry: the layout promised enough.
 */
static int map_range(pte_t *l4, vaddr_t va, vaddr_t end, pfn_t pfn, struct table_pool *pool,
                     pfn_t ro_first, pfn_t ro_end)
{
    for (; va < end; va += PAGE_SIZE, pfn++) {
        pte_t *table = l4;
        for (unsigned level = 4; level > 1; level--) {
            pte_t *e = &table[pt_index(va, level)];
            if (!pte_present(*e)) {
                if (pool->next == pool->end)
                    return -ENOMEM;
                *e = pte_make(bs.p2m[pool->next++] << PAGE_SHIFT, GUEST_TABLE_FLAGS);
            }
            table = mfn_to_virt(pte_mfn(*e));
        }
        bool is_table = pfn >= ro_first && pfn < ro_end;
        table[pt_index(va, 1)] = pte_make(bs.p2m[pfn] << PAGE_SHIFT,
                                          GUEST_L1_FLAGS & ~(is_table ? _PAGE_RW : 0));
    }
    return 0;
}

/*
 * Map [virt_base, mapped_end) 1:1 onto pfn 0.., page tables read-only;
 * and a separate p2m list at its own address, with its own tables.
 */
static int build_page_tables(struct domain *d, const struct pv_image *img,
                             const struct dom_layout *lay)
{
    pfn_t tables_end = lay->pt_pfn + lay->pt_pages;
    struct table_pool main = { lay->pt_pfn + 1, tables_end };
    pte_t *l4 = guest_page(d, lay->pt_pfn);

    paging_copy_hypervisor_slots(l4);
    int rc = map_range(l4, img->virt_base, lay->mapped_end_va, 0, &main, lay->pt_pfn, tables_end);
    if (rc || !lay->p2m_separate)
        return rc;
    struct table_pool apart = { lay->p2m_pt_pfn, lay->p2m_pt_pfn + lay->p2m_pt_pages };
    return map_range(l4, lay->p2m_va, lay->p2m_va + (lay->p2m_pages << PAGE_SHIFT), lay->p2m_pfn,
                     &apart, 0, 0);
}

/* 128 stubs of 32 bytes: push rcx; push r11; mov $nr, %eax; syscall; pop r11; pop rcx; ret. */
static void fill_hypercall_page(uint8_t *page)
{
    memset(page, 0xcc, PAGE_SIZE);   /* int3 between stubs */
    for (uint32_t nr = 0; nr < PAGE_SIZE / 32; nr++) {
        uint8_t *p = page + nr * 32;
        if (nr == __HYPERVISOR_iret) {
            /* iret does not return: push rcx; push r11; push rax; mov $23, %eax; syscall */
            static const uint8_t iret_stub[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 23, 0, 0, 0, 0x0f, 0x05 };
            memcpy(p, iret_stub, sizeof(iret_stub));
            continue;
        }
        const uint8_t stub[] = { 0x51, 0x41, 0x53, 0xb8, (uint8_t)nr, 0, 0, 0,
                                 0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3 };
        memcpy(p, stub, sizeof(stub));
    }
}

static void fill_shared_info(struct domain *d)
{
    shared_info_t *si = mfn_to_virt(d->shared_info_mfn);

    memset(si, 0, PAGE_SIZE);
    for (unsigned i = 0; i < XEN_LEGACY_MAX_VCPUS; i++) {
        si->vcpu_info[i].evtchn_upcall_mask = 1;
        time_fill_vcpu_time(&si->vcpu_info[i].time);
    }
    time_fill_wallclock(si);
}

static void fill_start_info(struct domain *d, const struct pv_image *img,
                            const struct dom_layout *lay, const struct dom_build_args *args,
                            evtchn_port_t console_port)
{
    start_info_t *si = guest_page(d, lay->start_info_pfn);
    vaddr_t base = img->virt_base;

    strlcpy(si->magic, "xen-3.0-x86_64", sizeof(si->magic));
    si->nr_pages = args->nr_pages;
    si->shared_info = d->shared_info_mfn << PAGE_SHIFT;
    si->flags = d->is_dom0 ? (SIF_INITDOMAIN | SIF_PRIVILEGED) : 0;
    if (!d->is_dom0) {
        /* No xenstore yet: store_mfn and store_evtchn stay 0, so Linux looks for no PV devices. */
        si->console.domU.mfn = bs.p2m[lay->console_pfn];
        si->console.domU.evtchn = console_port;
    }
    si->pt_base = base + (lay->pt_pfn << PAGE_SHIFT);
    si->nr_pt_frames = lay->pt_pages;
    si->mfn_list = lay->p2m_va;
    if (lay->p2m_separate) {
        si->first_p2m_pfn = lay->p2m_pfn;
        si->nr_p2m_frames = lay->p2m_pages + lay->p2m_pt_pages;
    }
    if (args->module_size) {
        si->mod_start = lay->module_unmapped ? lay->module_pfn
                                             : base + (lay->module_pfn << PAGE_SHIFT);
        si->mod_len = args->module_size;
        if (lay->module_unmapped)
            si->flags |= SIF_MOD_START_PFN;
    }
    strlcpy((char *)si->cmd_line, args->cmdline, sizeof(si->cmd_line));
}

static void init_vcpu(struct domain *d, const struct pv_image *img, const struct dom_layout *lay)
{
    struct vcpu *v = d->vcpu[0];
    struct cpu_user_regs *r = &v->regs;

    memset(r, 0, sizeof(*r));
    r->rip = img->entry;
    r->rsp = img->virt_base + ((lay->stack_pfn + 1) << PAGE_SHIFT);
    r->rsi = img->virt_base + (lay->start_info_pfn << PAGE_SHIFT);
    r->rflags = 0x202;   /* IF, and the always-one bit */
    r->cs = FLAT_KERNEL_CS;
    r->ss = FLAT_KERNEL_SS;
    v->pv.kernel_ss = FLAT_KERNEL_SS;   /* stack_switch defaults: the boot stack */
    v->pv.kernel_sp = r->rsp;
    v->initialised = true;   /* vCPU 0 starts; the others wait for VCPUOP_initialise/up */
    v->down = false;
}

/*
 * Type and validate the initial tables the way the guest would: pin the L4
 * (which validates everything below it) and make it the base pointer.
 * Each holds a reference and an L4 type reference.
 */
static int pin_initial_tables(struct domain *d, mfn_t l4)
{
    struct page_info *pg = mfn_to_page(l4);
    int rc = page_pin(d, l4, PGT_l4);

    if (rc)
        return rc;
    rc = get_page_and_type(pg, d, PGT_l4);
    if (rc)
        return rc;
    d->vcpu[0]->kernel_l4 = l4;
    return 0;
}

static int check_image(const struct pv_image *img, const char **why)
{
    if (img->has_hypercall_page &&
        (img->hypercall_page & (PAGE_SIZE - 1) || img->hypercall_page < img->virt_kstart ||
         img->hypercall_page >= img->virt_kend))
        return *why = "hypercall page outside the image", -EINVAL;
    return 0;
}

static int build(struct domain *d, const struct dom_build_args *args, const char **why)
{
    struct pv_image img;
    struct dom_layout lay;
    int rc;

    if ((rc = pv_image_parse(args->kernel, args->kernel_size, &img, why)) ||
        (rc = check_image(&img, why)))
        return rc;
    struct dom_layout_req req = { .img = &img, .nr_pages = args->nr_pages,
                                  .module_size = args->module_size, .is_dom0 = d->is_dom0 };
    if ((rc = dom_layout_compute(&req, &lay, why)))
        return rc;
    if ((rc = allocate_memory(d, args->nr_pages)))
        return *why = "not enough free memory for the domain", rc;
    grant_table_create(d, koan_options.gnttab_max_frames,
                       koan_options.gnttab_max_maptrack_frames);

    load_segments(d, &img, args->kernel);
    if (args->module_size)
        copy_to_pseudo_phys(d, lay.module_pfn << PAGE_SHIFT, args->module, args->module_size);
    copy_to_pseudo_phys(d, lay.p2m_pfn << PAGE_SHIFT, (const uint8_t *)bs.p2m,
                        args->nr_pages * sizeof(mfn_t));
    if ((rc = build_page_tables(d, &img, &lay)))
        return *why = "internal error: page-table layout too small", rc;
    int port = 0;
    if (!d->is_dom0 && (port = dom_console_start(d, bs.p2m[lay.console_pfn])) < 0)
        return *why = "not enough free memory for the console's event channel", port;
    fill_shared_info(d);
    fill_start_info(d, &img, &lay, args, (evtchn_port_t)port);
    if (img.has_hypercall_page)
        fill_hypercall_page(guest_page(d, (img.hypercall_page - img.virt_base) >> PAGE_SHIFT));
    init_vcpu(d, &img, &lay);
    if ((rc = pin_initial_tables(d, bs.p2m[lay.pt_pfn])))
        return *why = "internal error: initial page tables do not validate", rc;
    log_info("domain %s: %lu MiB, entry %#lx, %s kernel \"%s\"\n", d->name,
             args->nr_pages >> 8, img.entry, d->is_dom0 ? "privileged" : "unprivileged",
             img.guest_os);
    return 0;
}

int dom_build(struct domain *d, const struct dom_build_args *args, const char **why)
{
    struct dom_build_args elf_args = *args;
    struct dom_kernel kernel;

    memset(&bs, 0, sizeof(bs));
    /* A bzImage's ELF payload is decompressed first (docs/boot.md, "Kernel images"). */
    int rc = dom_kernel_unpack(d->name, args->kernel, args->kernel_size, &kernel, why);
    if (!rc) {
        elf_args.kernel = kernel.image;
        elf_args.kernel_size = kernel.size;
        rc = build(d, &elf_args, why);
    }
    dom_kernel_release(&kernel);
    hyp_free_pages(bs.p2m, bs.p2m_alloc_pages);
    if (rc)
        domain_free(d);
    return rc;
}
