/* SPDX-License-Identifier: MIT */
/*
 * x86 memory-write emulator (see <hyp/x86_emulate.h>): after
 * x86_decode, read the memory operand, compute the result and the
 * arithmetic flags the way hardware does, store through the caller's ops
 * (cmpxchg when locked), and only then update registers, rflags and rip.
 * Pure C, tested on the host against the host CPU (tests/unit).
 */
#include <hyp/guest_range.h>

#include "x86_emulate_priv.h"

/* ---- Execute: arithmetic with hardware flags ---- */

struct result {
    uint64_t value;     /* to store into the memory operand */
    uint64_t flags;     /* new values of the affected flags */
    uint64_t affected;  /* which rflags bits the instruction sets */
    bool write;         /* false for cmp and bt */
};

/* ZF, SF and PF (even parity of the low byte) of a result. */
static uint64_t flags_szp(uint64_t r, unsigned bytes)
{
    uint64_t f = 0;
    unsigned p = r & 0xff;

    p ^= p >> 4;
    p ^= p >> 2;
    p ^= p >> 1;
    if (!(p & 1))
        f |= X86_EFLAGS_PF;
    if (!(r & width_mask(bytes)))
        f |= X86_EFLAGS_ZF;
    if (r >> (bytes * 8 - 1) & 1)
        f |= X86_EFLAGS_SF;
    return f;
}

/* a + b + carry (or a - b - borrow) at the operand width, with all six flags. */
static uint64_t add_sub(bool sub, uint64_t a, uint64_t b, bool carry, unsigned bytes,
                        uint64_t *flags)
{
    uint64_t m = width_mask(bytes), sign = 1ULL << (bytes * 8 - 1), r, of;
    bool cf;

    a &= m;
    b &= m;
    if (!sub) {
        r = (a + b + carry) & m;
        cf = carry ? r <= a : r < a;
        of = (a ^ r) & (b ^ r) & sign;
    } else {
        r = (a - b - carry) & m;
        cf = carry ? a <= b : a < b;
        of = (a ^ b) & (a ^ r) & sign;
    }
    *flags = flags_szp(r, bytes) | ((a ^ b ^ r) & X86_EFLAGS_AF) |
             (cf ? X86_EFLAGS_CF : 0) | (of ? X86_EFLAGS_OF : 0);
    return r;
}

/* and/or/xor: CF = OF = 0; AF (undefined) is cleared, as AMD and Intel do. */
static void logic(struct result *res, uint64_t r, unsigned bytes)
{
    res->value = r;
    res->flags = flags_szp(r, bytes);
    res->affected = X86_EFLAGS_ARITH;
}

/*
 * bt/bts/btr/btc: CF = the bit.  OF/SF/AF/PF are architecturally undefined;
 * we leave them unchanged, as the host CPUs the unit tests ran on did.
 */
static void bit_op(struct result *res, enum x86_op op, uint64_t dst, uint64_t bit)
{
    uint64_t b = 1ULL << bit;

    res->flags = (dst & b) ? X86_EFLAGS_CF : 0;
    res->affected = X86_EFLAGS_CF;
    res->write = op != X86_OP_BT;
    res->value = op == X86_OP_BTS ? dst | b : op == X86_OP_BTR ? dst & ~b : dst ^ b;
}

/*
 * Compute the result of op on the memory value dst and the register or
 * immediate operand src.  One case per operation: a switch is clearest.
 */
static void compute(struct result *res, const struct x86_insn *i, uint64_t dst,
                    uint64_t src, uint64_t rflags)
{
    unsigned n = i->op_bytes;
    bool cf = rflags & X86_EFLAGS_CF;

    res->write = true;
    res->affected = X86_EFLAGS_ARITH;
    switch (i->op) {
    case X86_OP_MOV: case X86_OP_XCHG:
        res->value = src;
        res->affected = 0;
        break;
    case X86_OP_ADD: res->value = add_sub(false, dst, src, false, n, &res->flags); break;
    case X86_OP_ADC: res->value = add_sub(false, dst, src, cf, n, &res->flags); break;
    case X86_OP_SUB: res->value = add_sub(true, dst, src, false, n, &res->flags); break;
    case X86_OP_SBB: res->value = add_sub(true, dst, src, cf, n, &res->flags); break;
    case X86_OP_CMP:
        add_sub(true, dst, src, false, n, &res->flags);
        res->write = false;
        break;
    case X86_OP_AND: logic(res, dst & src, n); break;
    case X86_OP_OR:  logic(res, dst | src, n); break;
    case X86_OP_XOR: logic(res, dst ^ src, n); break;
    case X86_OP_INC: case X86_OP_DEC:   /* CF is not affected */
        res->value = add_sub(i->op == X86_OP_DEC, dst, 1, false, n, &res->flags);
        res->affected &= ~X86_EFLAGS_CF;
        break;
    case X86_OP_NEG: res->value = add_sub(true, 0, dst, false, n, &res->flags); break;
    case X86_OP_NOT:
        res->value = ~dst;
        res->affected = 0;
        break;
    default:            /* BT..BTC; the unit was already picked by the address */
        bit_op(res, i->op, dst, src & (n * 8 - 1));
        break;
    }
    res->value &= width_mask(n);
    res->flags &= res->affected;
}

/* ---- Execute: memory and registers ---- */

struct exec {
    const struct x86_insn *i;
    struct x86_emulate_ctxt *c;
    const struct x86_emulate_ops *ops;
    uint64_t src;           /* register or immediate operand */
    uint64_t old;           /* memory value the result was computed from */
    struct result res;
    bool reg_load;          /* commit: load old into a register (xchg, failed cmpxchg) */
};

static uint64_t source_operand(const struct x86_insn *i, struct cpu_user_regs *r)
{
    if (i->imm_bytes)
        return i->imm & width_mask(i->op_bytes);
    if (i->op >= X86_OP_INC && i->op <= X86_OP_NEG)
        return 0;
    return reg_read(r, i->reg, i->op_bytes, i->rex);
}

/* mov: a plain store, the old value is never read. */
static int exec_mov(struct exec *e)
{
    uint8_t buf[8];

    compute(&e->res, e->i, 0, e->src, e->c->regs->rflags);
    store_le(buf, e->res.value, e->i->op_bytes);
    return e->ops->write(e->i->ea, buf, e->i->op_bytes, e->c);
}

/*
 * Read, compute, store.  Locked (and xchg): store with cmpxchg and recompute
 * from the value another CPU stored meanwhile, a bounded number of times.
 */
static int exec_rmw(struct exec *e)
{
    const struct x86_insn *i = e->i;
    bool locked = i->lock || i->op == X86_OP_XCHG;
    uint8_t old[8], new[8];
    int rc;

    rc = e->ops->read(i->ea, old, i->op_bytes, e->c);
    if (rc != X86EMUL_OKAY)
        return rc;
    for (unsigned tries = 0; tries < CMPXCHG_TRIES; tries++) {
        e->old = load_le(old, i->op_bytes);
        compute(&e->res, i, e->old, e->src, e->c->regs->rflags);
        if (!e->res.write)
            return X86EMUL_OKAY;
        store_le(new, e->res.value, i->op_bytes);
        if (!locked)
            return e->ops->write(i->ea, new, i->op_bytes, e->c);
        rc = e->ops->cmpxchg(i->ea, old, new, i->op_bytes, e->c);
        if (rc != X86EMUL_RETRY)
            return rc;
    }
    return X86EMUL_RETRY;
}

/*
 * cmpxchg: compare the accumulator with memory; equal: store src, ZF = 1;
 * different: load memory into the accumulator, ZF = 0.  Flags as cmp.  A
 * reported change back to the expected value is retried, not a mismatch.
 */
static int exec_cmpxchg(struct exec *e)
{
    const struct x86_insn *i = e->i;
    uint64_t expected = reg_read(e->c->regs, 0, i->op_bytes, i->rex);
    uint8_t old[8], new[8];
    int rc = X86EMUL_RETRY;

    store_le(new, e->src, i->op_bytes);
    for (unsigned tries = 0; tries < CMPXCHG_TRIES && rc == X86EMUL_RETRY; tries++) {
        store_le(old, expected, i->op_bytes);
        rc = e->ops->cmpxchg(i->ea, old, new, i->op_bytes, e->c);
        if (rc == X86EMUL_RETRY && load_le(old, i->op_bytes) != expected) {
            e->reg_load = true;
            rc = X86EMUL_OKAY;
        }
    }
    if (rc != X86EMUL_OKAY)
        return rc;
    e->old = e->reg_load ? load_le(old, i->op_bytes) : expected;
    add_sub(true, expected, e->old, false, i->op_bytes, &e->res.flags);
    e->res.affected = X86_EFLAGS_ARITH;
    return X86EMUL_OKAY;
}

/* Memory is done: registers, flags and rip.  Cannot fail. */
static void commit(struct exec *e)
{
    const struct x86_insn *i = e->i;
    struct cpu_user_regs *r = e->c->regs;

    if (i->op == X86_OP_XCHG)
        reg_write(r, i->reg, i->op_bytes, i->rex, e->old);
    else if (i->op == X86_OP_CMPXCHG && e->reg_load)
        reg_write(r, 0, i->op_bytes, i->rex, e->old);
    r->rflags = (r->rflags & ~e->res.affected) | e->res.flags;
    r->rip = next_rip(e->c, r->rip, i->len);
}

/*
 * Only memory-destination forms we execute, with an operand that fits: in
 * 64-bit mode canonical and not wrapping; in the compatibility modes below
 * 4 GiB (an operand that would wrap there is refused).
 */
static bool emulatable(const struct x86_emulate_ctxt *c, const struct x86_insn *i)
{
    uint64_t last = i->ea + i->op_bytes - 1;

    if (i->op < X86_OP_MOV || i->op > X86_OP_NEG || !i->mem)
        return false;
    if (i->rep || i->repne || i->forced)
        return false;
    if (!mode_64(c))
        return last <= 0xffffffffULL;
    return last >= i->ea && is_canonical_address(i->ea) && is_canonical_address(last);
}

int x86_emulate(struct x86_emulate_ctxt *c, const struct x86_emulate_ops *ops)
{
    struct x86_insn insn;
    struct exec e = { .i = &insn, .c = c, .ops = ops };
    int rc;

    rc = x86_decode(&insn, c, ops);
    if (rc != X86EMUL_OKAY)
        return rc;
    if (!emulatable(c, &insn))
        return X86EMUL_UNHANDLEABLE;
    e.src = source_operand(&insn, c->regs);
    if (insn.op == X86_OP_MOV)
        rc = exec_mov(&e);
    else if (insn.op == X86_OP_CMPXCHG)
        rc = exec_cmpxchg(&e);
    else
        rc = exec_rmw(&e);
    if (rc == X86EMUL_OKAY)
        commit(&e);
    return rc;
}
