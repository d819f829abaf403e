/* SPDX-License-Identifier: MIT */
/*
 * x86-64 instruction decoder and memory-write emulator (see <hyp/x86_emulate.h>).
 * The decode half turns instruction bytes into a struct x86_insn: prefixes,
 * an opcode descriptor from a small table, ModRM/SIB/displacement, immediate
 * and the effective address.  It reads only registers and instruction bytes.
 * The execute half reads the memory operand, computes the result and the
 * arithmetic flags the way hardware does, stores through the caller's ops
 * (cmpxchg when locked), and only then updates registers, rflags and rip.
 * Pure C with no hardware dependence: the unit tests run it on the host and
 * compare it with the host CPU executing the same bytes.
 */
#include <hyp/string.h>
#include <hyp/types.h>
#include <hyp/x86_emulate.h>

#define CMPXCHG_TRIES 8         /* locked updates give up racing after this */
#define DECODE_FORCED (-1)      /* internal: saw Xen's forced-emulation prefix */

/* Opcode descriptor flags. */
#define D_MODRM 0x01    /* has a ModRM byte */
#define D_BYTE  0x02    /* byte operand */
#define D_IMM8  0x04    /* 8-bit immediate */
#define D_IMMZ  0x08    /* 16- or 32-bit immediate, by operand size */
#define D_LOCK  0x10    /* lock prefix allowed (with a memory operand) */
#define D_GROUP 0x20    /* operation chosen by ModRM.reg (or the whole ModRM) */
#define D_IO    0x40    /* in/out/ins/outs: operand size 1, 2 or 4 */
#define D_CTRL  0x80    /* mov CR/DR: ModRM names registers whatever mod is */

#define REX_B 0x1
#define REX_X 0x2
#define REX_R 0x4
#define REX_W 0x8

struct opdesc {
    uint8_t op;         /* enum x86_op */
    uint8_t flags;      /* D_* */
};

struct decoder {
    struct x86_insn *i;
    struct x86_emulate_ctxt *c;
    const struct x86_emulate_ops *ops;
    struct opdesc desc;
    bool opsize;        /* 66 prefix seen */
    bool rip_rel;
    int base, index;    /* register numbers, -1 for none */
    unsigned scale;     /* shift count 0-3 */
    int64_t disp;
};

/* ---- Helpers shared by both halves ---- */

static uint64_t width_mask(unsigned bytes)
{
    return bytes == 8 ? ~0ULL : (1ULL << (bytes * 8)) - 1;
}

static uint64_t sign_extend(uint64_t v, unsigned bytes)
{
    uint64_t sign = 1ULL << (bytes * 8 - 1);

    v &= width_mask(bytes);
    return (v ^ sign) - sign;
}

static uint64_t *gpr(struct cpu_user_regs *r, unsigned n)
{
    switch (n & 15) {
    case 0:  return &r->rax;
    case 1:  return &r->rcx;
    case 2:  return &r->rdx;
    case 3:  return &r->rbx;
    case 4:  return &r->rsp;
    case 5:  return &r->rbp;
    case 6:  return &r->rsi;
    case 7:  return &r->rdi;
    case 8:  return &r->r8;
    case 9:  return &r->r9;
    case 10: return &r->r10;
    case 11: return &r->r11;
    case 12: return &r->r12;
    case 13: return &r->r13;
    case 14: return &r->r14;
    default: return &r->r15;
    }
}

/* Without any REX prefix, byte registers 4-7 are ah, ch, dh, bh. */
static bool is_high_byte(unsigned n, unsigned bytes, uint8_t rex)
{
    return bytes == 1 && !rex && n >= 4 && n <= 7;
}

static uint64_t reg_read(struct cpu_user_regs *r, unsigned n, unsigned bytes, uint8_t rex)
{
    if (is_high_byte(n, bytes, rex))
        return (*gpr(r, n - 4) >> 8) & 0xff;
    return *gpr(r, n) & width_mask(bytes);
}

/* Hardware rules: 8/16-bit writes merge, 32-bit writes zero-extend. */
static void reg_write(struct cpu_user_regs *r, unsigned n, unsigned bytes, uint8_t rex,
                      uint64_t v)
{
    uint64_t *p;

    if (is_high_byte(n, bytes, rex)) {
        p = gpr(r, n - 4);
        *p = (*p & ~0xff00ULL) | (v & 0xff) << 8;
        return;
    }
    p = gpr(r, n);
    if (bytes >= 4)
        *p = v & width_mask(bytes);
    else
        *p = (*p & ~width_mask(bytes)) | (v & width_mask(bytes));
}

static uint64_t load_le(const uint8_t *buf, unsigned bytes)
{
    uint64_t v = 0;

    while (bytes--)
        v = v << 8 | buf[bytes];
    return v;
}

static void store_le(uint8_t *buf, uint64_t v, unsigned bytes)
{
    for (unsigned k = 0; k < bytes; k++, v >>= 8)
        buf[k] = (uint8_t)v;
}

/* ---- Decode: instruction bytes ---- */

static int fetch(struct decoder *d, unsigned bytes, uint64_t *val)
{
    uint8_t buf[8];
    int rc;

    if (d->i->len + bytes > X86_MAX_INSN_LEN)
        return X86EMUL_UNHANDLEABLE;
    rc = d->ops->insn_fetch(d->c->regs->rip + d->i->len, buf, bytes, d->c);
    if (rc != X86EMUL_OKAY)
        return rc;
    d->i->len += bytes;
    *val = load_le(buf, bytes);
    return X86EMUL_OKAY;
}

/* Apply a legacy prefix; false if b is not one. */
static bool legacy_prefix(struct decoder *d, uint8_t b)
{
    switch (b) {
    case 0xf0: d->i->lock = true; return true;
    case 0xf2: d->i->repne = true; return true;
    case 0xf3: d->i->rep = true; return true;
    case 0x66: d->opsize = true; return true;
    case 0x67: d->i->addr_bytes = 4; return true;
    case 0x64: d->i->seg = X86_SEG_FS; return true;
    case 0x65: d->i->seg = X86_SEG_GS; return true;
    case 0x26: case 0x2e: case 0x36: case 0x3e:
        return true;    /* ES/CS/SS/DS: null prefixes in 64-bit mode */
    default:
        return false;
    }
}

/* Consume prefixes; returns the first opcode byte in *opc. */
static int decode_prefixes(struct decoder *d, uint8_t *opc)
{
    uint64_t b;
    int rc;

    for (;;) {
        rc = fetch(d, 1, &b);
        if (rc != X86EMUL_OKAY)
            return rc;
        if ((b & 0xf0) == 0x40) {
            d->i->rex = (uint8_t)b;
            continue;
        }
        if (!legacy_prefix(d, (uint8_t)b)) {
            *opc = (uint8_t)b;
            return X86EMUL_OKAY;
        }
        d->i->rex = 0;  /* a REX not directly before the opcode is ignored */
    }
}

/* ---- Decode: opcode tables ---- */

#define DESC(o, f) (d->desc = (struct opdesc){ (o), (f) }, true)

/* One-byte opcodes.  A switch rather than a 256-entry table: few are known. */
static bool desc_onebyte(struct decoder *d, uint8_t b)
{
    /* 00-31: add/or/adc/sbb/and/sub/xor with the r/m operand as destination */
    if (b < 0x38 && (b & 7) < 2)
        return DESC(X86_OP_ADD + (b >> 3), D_MODRM | D_LOCK | ((b & 1) ? 0 : D_BYTE));
    switch (b) {
    case 0x80: return DESC(X86_OP_NONE, D_MODRM | D_GROUP | D_BYTE | D_IMM8);
    case 0x81: return DESC(X86_OP_NONE, D_MODRM | D_GROUP | D_IMMZ);
    case 0x83: return DESC(X86_OP_NONE, D_MODRM | D_GROUP | D_IMM8);
    case 0x86: return DESC(X86_OP_XCHG, D_MODRM | D_LOCK | D_BYTE);
    case 0x87: return DESC(X86_OP_XCHG, D_MODRM | D_LOCK);
    case 0x88: return DESC(X86_OP_MOV, D_MODRM | D_BYTE);
    case 0x89: return DESC(X86_OP_MOV, D_MODRM);
    case 0xc6: return DESC(X86_OP_NONE, D_MODRM | D_GROUP | D_BYTE | D_IMM8);
    case 0xc7: return DESC(X86_OP_NONE, D_MODRM | D_GROUP | D_IMMZ);
    case 0xf6: case 0xfe: return DESC(X86_OP_NONE, D_MODRM | D_GROUP | D_BYTE);
    case 0xf7: case 0xff: return DESC(X86_OP_NONE, D_MODRM | D_GROUP);
    case 0x6c: return DESC(X86_OP_INS, D_IO | D_BYTE);
    case 0x6d: return DESC(X86_OP_INS, D_IO);
    case 0x6e: return DESC(X86_OP_OUTS, D_IO | D_BYTE);
    case 0x6f: return DESC(X86_OP_OUTS, D_IO);
    case 0xe4: return DESC(X86_OP_IN, D_IO | D_BYTE | D_IMM8);
    case 0xe5: return DESC(X86_OP_IN, D_IO | D_IMM8);
    case 0xe6: return DESC(X86_OP_OUT, D_IO | D_BYTE | D_IMM8);
    case 0xe7: return DESC(X86_OP_OUT, D_IO | D_IMM8);
    case 0xec: return DESC(X86_OP_IN, D_IO | D_BYTE);
    case 0xed: return DESC(X86_OP_IN, D_IO);
    case 0xee: return DESC(X86_OP_OUT, D_IO | D_BYTE);
    case 0xef: return DESC(X86_OP_OUT, D_IO);
    case 0xf4: return DESC(X86_OP_HLT, 0);
    case 0xfa: return DESC(X86_OP_CLI, 0);
    case 0xfb: return DESC(X86_OP_STI, 0);
    default:   return false;
    }
}

/* Two-byte opcodes 0F xx. */
static bool desc_twobyte(struct decoder *d, uint8_t b)
{
    switch (b) {
    case 0x01: return DESC(X86_OP_NONE, D_MODRM | D_GROUP);
    case 0x06: return DESC(X86_OP_CLTS, 0);
    case 0x09: return DESC(X86_OP_WBINVD, 0);
    case 0x20: return DESC(X86_OP_MOV_FROM_CR, D_MODRM | D_CTRL);
    case 0x21: return DESC(X86_OP_MOV_FROM_DR, D_MODRM | D_CTRL);
    case 0x22: return DESC(X86_OP_MOV_TO_CR, D_MODRM | D_CTRL);
    case 0x23: return DESC(X86_OP_MOV_TO_DR, D_MODRM | D_CTRL);
    case 0x30: return DESC(X86_OP_WRMSR, 0);
    case 0x31: return DESC(X86_OP_RDTSC, 0);
    case 0x32: return DESC(X86_OP_RDMSR, 0);
    case 0xa2: return DESC(X86_OP_CPUID, 0);
    case 0xa3: return DESC(X86_OP_BT, D_MODRM);
    case 0xab: return DESC(X86_OP_BTS, D_MODRM | D_LOCK);
    case 0xb3: return DESC(X86_OP_BTR, D_MODRM | D_LOCK);
    case 0xbb: return DESC(X86_OP_BTC, D_MODRM | D_LOCK);
    case 0xb0: return DESC(X86_OP_CMPXCHG, D_MODRM | D_LOCK | D_BYTE);
    case 0xb1: return DESC(X86_OP_CMPXCHG, D_MODRM | D_LOCK);
    case 0xba: return DESC(X86_OP_NONE, D_MODRM | D_GROUP | D_IMM8);
    default:   return false;
    }
}

/* Resolve a D_GROUP opcode from its ModRM byte; false if undefined for us. */
static bool desc_group(struct decoder *d)
{
    const struct x86_insn *i = d->i;
    unsigned sub = (i->modrm >> 3) & 7;
    uint8_t f = d->desc.flags;

    switch (i->opcode[0] == 0x0f ? 0x0f00 | i->opcode[1] : i->opcode[0]) {
    case 0x80: case 0x81: case 0x83:
        return DESC(X86_OP_ADD + sub, f | (sub == 7 ? 0 : D_LOCK));
    case 0xc6: case 0xc7:
        return sub == 0 && DESC(X86_OP_MOV, f);
    case 0xf6: case 0xf7:
        return (sub == 2 || sub == 3) && DESC(X86_OP_NOT + (sub - 2), f | D_LOCK);
    case 0xfe: case 0xff:
        return sub <= 1 && DESC(X86_OP_INC + sub, f | D_LOCK);
    case 0x0fba:
        return sub >= 4 && DESC(X86_OP_BT + (sub - 4), f | (sub == 4 ? 0 : D_LOCK));
    case 0x0f01:
        if (i->modrm == 0xd1)
            return DESC(X86_OP_XSETBV, 0);
        return i->modrm == 0xf9 && DESC(X86_OP_RDTSCP, 0);
    default:
        return false;
    }
}

#undef DESC

/*
 * Fetch the opcode and look it up.  ud2 directly followed by "xen" (and no
 * prefixes) is Xen's forced-emulation prefix: DECODE_FORCED.
 */
static int decode_opcode(struct decoder *d, uint8_t b)
{
    struct x86_insn *i = d->i;
    uint64_t v;
    int rc;

    i->opcode[0] = b;
    if (b != 0x0f)
        return desc_onebyte(d, b) ? X86EMUL_OKAY : X86EMUL_UNHANDLEABLE;
    rc = fetch(d, 1, &v);
    if (rc != X86EMUL_OKAY)
        return rc;
    i->opcode[1] = (uint8_t)v;
    if (v == 0x0b && i->len == 2 && !i->forced) {
        rc = fetch(d, 3, &v);
        if (rc != X86EMUL_OKAY)
            return rc;
        return v == ('x' | 'e' << 8 | 'n' << 16) ? DECODE_FORCED : X86EMUL_UNHANDLEABLE;
    }
    return desc_twobyte(d, (uint8_t)v) ? X86EMUL_OKAY : X86EMUL_UNHANDLEABLE;
}

/* ---- Decode: operands ---- */

static int decode_sib(struct decoder *d)
{
    struct x86_insn *i = d->i;
    uint64_t sib;
    int rc;

    rc = fetch(d, 1, &sib);
    if (rc != X86EMUL_OKAY)
        return rc;
    d->scale = sib >> 6;
    d->index = ((sib >> 3) & 7) | (i->rex & REX_X ? 8 : 0);
    if (d->index == 4)
        d->index = -1;              /* rsp cannot be an index; r12 can */
    d->base = (sib & 7) | (i->rex & REX_B ? 8 : 0);
    if ((sib & 7) == 5 && i->mod == 0) {
        d->base = -1;               /* no base, disp32 (also with REX.B) */
    }
    return X86EMUL_OKAY;
}

/* ModRM, SIB and displacement.  A memory operand's address comes later. */
static int decode_modrm(struct decoder *d)
{
    struct x86_insn *i = d->i;
    unsigned disp_bytes;
    uint64_t v;
    int rc;

    rc = fetch(d, 1, &v);
    if (rc != X86EMUL_OKAY)
        return rc;
    i->has_modrm = true;
    i->modrm = (uint8_t)v;
    i->mod = i->modrm >> 6;
    i->reg = ((i->modrm >> 3) & 7) | (i->rex & REX_R ? 8 : 0);
    i->rm = (i->modrm & 7) | (i->rex & REX_B ? 8 : 0);
    if (i->mod == 3 || (d->desc.flags & D_CTRL))
        return X86EMUL_OKAY;        /* register operand */
    i->mem = true;
    d->base = i->rm;
    d->index = -1;
    disp_bytes = i->mod == 1 ? 1 : i->mod == 2 ? 4 : 0;
    if ((i->modrm & 7) == 4) {
        rc = decode_sib(d);
        if (rc != X86EMUL_OKAY)
            return rc;
        if (d->base < 0)
            disp_bytes = 4;
    } else if (i->mod == 0 && (i->modrm & 7) == 5) {
        d->base = -1;
        d->rip_rel = true;          /* also with REX.B */
        disp_bytes = 4;
    }
    d->disp = 0;
    if (!disp_bytes)
        return X86EMUL_OKAY;
    rc = fetch(d, disp_bytes, &v);
    d->disp = (int64_t)sign_extend(v, disp_bytes);
    return rc;
}

static unsigned operand_size(const struct decoder *d)
{
    uint8_t f = d->desc.flags;

    if (f & D_BYTE)
        return 1;
    if (f & D_CTRL)
        return 8;
    if ((d->i->rex & REX_W) && !(f & D_IO))
        return 8;
    return d->opsize ? 2 : 4;
}

static int decode_imm(struct decoder *d)
{
    struct x86_insn *i = d->i;
    uint64_t v;
    int rc;

    if (d->desc.flags & D_IMM8)
        i->imm_bytes = 1;
    else if (d->desc.flags & D_IMMZ)
        i->imm_bytes = i->op_bytes == 2 ? 2 : 4;
    else
        return X86EMUL_OKAY;
    rc = fetch(d, i->imm_bytes, &v);
    i->imm = sign_extend(v, i->imm_bytes);
    return rc;
}

/* floor(off / 2^shift) for a signed off, without relying on >> of negatives. */
static int64_t floor_shift(int64_t off, unsigned shift)
{
    int64_t unit = (int64_t)1 << shift;

    return off >= 0 ? off / unit : -((-(off + 1)) / unit) - 1;
}

/*
 * Linear address of the memory operand.  bt/bts/btr/btc with a register bit
 * offset address the operand-sized unit holding that bit: the offset is
 * signed and may reach far outside the ModRM operand.
 */
static uint64_t effective_address(const struct decoder *d)
{
    const struct x86_insn *i = d->i;
    struct cpu_user_regs *r = d->c->regs;
    uint64_t ea = (uint64_t)d->disp;

    if (d->rip_rel)
        ea += r->rip + i->len;
    if (d->base >= 0)
        ea += *gpr(r, d->base);
    if (d->index >= 0)
        ea += *gpr(r, d->index) << d->scale;
    if (i->addr_bytes == 4)
        ea = (uint32_t)ea;
    if (i->seg == X86_SEG_FS)
        ea += d->c->fs_base;
    else if (i->seg == X86_SEG_GS)
        ea += d->c->gs_base;
    if (i->op >= X86_OP_BT && i->op <= X86_OP_BTC && i->opcode[1] != 0xba) {
        int64_t off = (int64_t)sign_extend(*gpr(r, i->reg), i->op_bytes);
        unsigned shift = i->op_bytes == 2 ? 4 : i->op_bytes == 4 ? 5 : 6;

        ea += (uint64_t)floor_shift(off, shift) * i->op_bytes;
    }
    return ea;
}

/* Everything after the prefixes: opcode, ModRM, group, size, immediate, lock. */
static int decode_insn(struct decoder *d)
{
    struct x86_insn *i = d->i;
    uint8_t b;
    int rc;

    rc = decode_prefixes(d, &b);
    if (rc == X86EMUL_OKAY)
        rc = decode_opcode(d, b);
    if (rc == X86EMUL_OKAY && (d->desc.flags & D_MODRM))
        rc = decode_modrm(d);
    if (rc != X86EMUL_OKAY)
        return rc;
    if ((d->desc.flags & D_GROUP) && !desc_group(d))
        return X86EMUL_UNHANDLEABLE;
    i->op = d->desc.op;
    i->op_bytes = operand_size(d);
    rc = decode_imm(d);
    if (rc != X86EMUL_OKAY)
        return rc;
    /* Hardware raises #UD for lock on anything else. */
    if (i->lock && (!(d->desc.flags & D_LOCK) || !i->mem))
        return X86EMUL_UNHANDLEABLE;
    return X86EMUL_OKAY;
}

static void decode_reset(struct decoder *d, bool forced)
{
    memset(d->i, 0, sizeof(*d->i));
    d->i->addr_bytes = 8;
    d->i->forced = forced;
    d->i->len = forced ? 5 : 0;
    d->opsize = false;
    d->rip_rel = false;
    d->base = d->index = -1;
    d->scale = 0;
    d->disp = 0;
}

int x86_decode(struct x86_insn *out, struct x86_emulate_ctxt *c,
               const struct x86_emulate_ops *ops)
{
    struct decoder d = { .i = out, .c = c, .ops = ops };
    int rc;

    decode_reset(&d, false);
    rc = decode_insn(&d);
    if (rc == DECODE_FORCED) {
        decode_reset(&d, true);
        rc = decode_insn(&d);
    }
    if (rc != X86EMUL_OKAY)
        return rc == DECODE_FORCED ? X86EMUL_UNHANDLEABLE : rc;
    if (out->mem)
        out->ea = effective_address(&d);
    c->mem_addr = out->mem ? out->ea : 0;
    c->mem_bytes = out->mem ? out->op_bytes : 0;
    c->insn_len = out->len;
    c->opcode[0] = out->opcode[0];
    c->opcode[1] = out->opcode[1];
    c->lock = out->lock || (out->op == X86_OP_XCHG && out->mem);
    return X86EMUL_OKAY;
}

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
    r->rip += i->len;
}

static bool canonical(uint64_t a)
{
    return a < 0x0000800000000000ULL || a >= 0xffff800000000000ULL;
}

/* Only memory-destination forms we execute, with an address that fits. */
static bool emulatable(const struct x86_insn *i)
{
    uint64_t last = i->ea + i->op_bytes - 1;

    if (i->op < X86_OP_MOV || i->op > X86_OP_NEG || !i->mem)
        return false;
    if (i->rep || i->repne || i->forced || i->addr_bytes != 8)
        return false;
    return last >= i->ea && canonical(i->ea) && canonical(last);
}

int x86_emulate(struct x86_emulate_ctxt *c, const struct x86_emulate_ops *ops)
{
    struct x86_insn insn;
    struct exec e = { .i = &insn, .c = c, .ops = ops };
    int rc;

    rc = x86_decode(&insn, c, ops);
    if (rc != X86EMUL_OKAY)
        return rc;
    if (!emulatable(&insn))
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
