/* SPDX-License-Identifier: MIT */
/*
 * Writable page tables ("ptwr", VMASST_TYPE_writable_pagetables): a guest
 * kernel that writes to one of its own read-only L1 page-table pages takes
 * a page fault; with the assist on, Koan decodes the faulting instruction
 * (hyp/pv/x86_emulate.c) in the code mode and with the segment bases it ran
 * with (a %gs-prefixed store goes where the CPU sent it), turns the write
 * into an update of the 8-byte entry it touches, validates that entry
 * exactly like mmu_update, and resumes the guest after the instruction.
 * Linux depends on it (fork, munmap, accessed-bit clearing).
 *
 * The L1 is held by a reference and an L1 type reference while the
 * instruction is emulated, so it stays a validated table; each write is a
 * compare-and-swap of the entry the emulator read (pt_update_entry_if), so
 * the guest's other vCPUs writing the same entry cannot be lost.
 */
#include <asm/atomic.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/frame_table.h>
#include <hyp/guest_access.h>
#include <hyp/guest_walk.h>
#include <hyp/pt.h>
#include <hyp/ptwr.h>
#include <hyp/segments.h>
#include <hyp/x86_emulate.h>

#define PFEC_PRESENT  (1u << 0)
#define PFEC_WRITE    (1u << 1)
#define PFEC_RESERVED (1u << 3)
#define PFEC_INSN     (1u << 4)

struct ptwr_ctx {
    struct domain *d;
    struct page_info *l1;     /* the table being written */
    uint64_t *table;          /* its entries, in the hypervisor's mapping */
    uint64_t cr2;
};

static int ptwr_fetch(uint64_t addr, void *buf, unsigned bytes, struct x86_emulate_ctxt *c)
{
    return copy_from_guest(buf, addr, bytes) ? X86EMUL_EXCEPTION : X86EMUL_OKAY;
}

/* The whole entry a naturally aligned access of `bytes` at addr falls in, or NULL. */
static uint64_t *ptwr_entry(struct ptwr_ctx *p, uint64_t addr, unsigned bytes)
{
    if (!bytes || bytes > 8 || (bytes & (bytes - 1)) || (addr & (bytes - 1)) ||
        ((addr ^ p->cr2) & PAGE_MASK))
        return NULL;
    return p->table + ((addr & (PAGE_SIZE - 1)) >> 3);
}

/* The bytes [addr & 7, + bytes) of an entry, as a value. */
static uint64_t entry_part(uint64_t entry, uint64_t addr, unsigned bytes)
{
    uint64_t part = entry >> ((addr & 7) * 8);

    return bytes == 8 ? part : part & ((1ULL << (bytes * 8)) - 1);
}

/* The full entry after writing the value `part` of `bytes` at addr into current. */
static uint64_t merge(uint64_t current, uint64_t addr, uint64_t part, unsigned bytes)
{
    unsigned shift = (addr & 7) * 8;
    uint64_t mask = bytes == 8 ? ~0ULL : ((1ULL << (bytes * 8)) - 1) << shift;

    return (current & ~mask) | (part << shift);
}

/*
 * A read of the table being written comes straight from the entry (the
 * guest's mapping of that page is the read-only one that faulted); any
 * other read goes through the guest's page tables.
 */
static int ptwr_read(uint64_t addr, void *buf, unsigned bytes, struct x86_emulate_ctxt *c)
{
    uint64_t *entry = ptwr_entry(c->data, addr, bytes);

    if (!entry)
        return copy_from_guest(buf, addr, bytes) ? X86EMUL_EXCEPTION : X86EMUL_OKAY;
    store_le(buf, entry_part(atomic_load64(entry), addr, bytes), bytes);
    return X86EMUL_OKAY;
}

/* Entry `entry`, which held `seen`, becomes val: -EAGAIN if it changed meanwhile. */
static int ptwr_commit(struct ptwr_ctx *p, uint64_t *entry, uint64_t seen, uint64_t val)
{
    return pt_update_entry_if(p->l1, (unsigned)(entry - p->table), seen, val, p->d, p->d);
}

static int ptwr_write(uint64_t addr, const void *buf, unsigned bytes, struct x86_emulate_ctxt *c)
{
    struct ptwr_ctx *p = c->data;
    uint64_t *entry = ptwr_entry(p, addr, bytes), seen, part;
    int rc;

    if (!entry)
        return X86EMUL_UNHANDLEABLE;
    part = load_le(buf, bytes);
    /* A partial write merges into the entry as it is: again if another CPU changed it. */
    do {
        seen = atomic_load64(entry);
        rc = ptwr_commit(p, entry, seen, merge(seen, addr, part, bytes));
    } while (rc == -EAGAIN);
    return rc ? X86EMUL_UNHANDLEABLE : X86EMUL_OKAY;
}

static int ptwr_cmpxchg(uint64_t addr, void *old, const void *new, unsigned bytes,
                        struct x86_emulate_ctxt *c)
{
    struct ptwr_ctx *p = c->data;
    uint64_t *entry = ptwr_entry(p, addr, bytes);

    if (!entry)
        return X86EMUL_UNHANDLEABLE;
    uint64_t expect = load_le(old, bytes), part = load_le(new, bytes);
    for (;;) {
        /* Compared and replaced as one: the commit fails if the entry moved on. */
        uint64_t seen = atomic_load64(entry), cur = entry_part(seen, addr, bytes);
        if (cur != expect) {
            store_le(old, cur, bytes);
            return X86EMUL_RETRY;
        }
        int rc = ptwr_commit(p, entry, seen, merge(seen, addr, part, bytes));
        if (rc != -EAGAIN)
            return rc ? X86EMUL_UNHANDLEABLE : X86EMUL_OKAY;
    }
}

static const struct x86_emulate_ops ptwr_ops = {
    .insn_fetch = ptwr_fetch,
    .read = ptwr_read,
    .write = ptwr_write,
    .cmpxchg = ptwr_cmpxchg,
};

bool ptwr_do_page_fault(struct cpu_user_regs *regs, uint64_t cr2)
{
    struct vcpu *v = current_vcpu();
    struct domain *d = v->domain;
    unsigned ec = regs->error_code;

    /* Only the guest kernel may write its page tables, never its processes. */
    if (!v->pv.kernel_mode || !(d->vm_assist & (1UL << VMASST_TYPE_writable_pagetables)) ||
        (ec & (PFEC_PRESENT | PFEC_WRITE | PFEC_RESERVED | PFEC_INSN)) != (PFEC_PRESENT | PFEC_WRITE))
        return false;
    struct guest_walk w;
    guest_walk(v->kernel_l4, cr2, &w);
    if (!guest_walk_mapped(&w) || (w.l1e & _PAGE_RW))
        return false;
    struct page_info *pg = mfn_to_page(pte_mfn(w.l1e));
    /* Most write faults are not about page tables: a look first, then the references. */
    if (pgi_type(page_type_info(pg)) != PGT_l1 || !get_page(pg, d))
        return false;
    if (!get_page_type_in_use(pg, PGT_l1)) {   /* not one of our validated L1 tables */
        put_page(pg);
        return false;
    }

    struct ptwr_ctx p = { .d = d, .l1 = pg, .table = pt_map_frame(page_to_mfn(pg)), .cr2 = cr2 };
    struct x86_emulate_ctxt c = { .regs = regs, .data = &p };
    bool handled = false;
    if (pv_emul_segments(v, regs, &c)) {
        int rc = x86_emulate(&c, &ptwr_ops);
        /* A write that got the domain crashed (L1TF) is not bounced as well. */
        handled = rc == X86EMUL_OKAY || domain_is_dying(d);
    }
    put_page_and_type(pg);
    return handled;
}
