/* SPDX-License-Identifier: MIT */
/*
 * x86 instruction decoder (see <hyp/x86_emulate.h>): instruction bytes
 * become a struct x86_insn -- prefixes, an opcode descriptor from a small
 * table, ModRM/SIB/displacement, immediate and the effective address -- in
 * the code mode the caller names (64-bit, or a 32-bit or 16-bit code
 * segment of compatibility mode).  It reads only registers and instruction
 * bytes (through ops->insn_fetch).  Pure C, tested on the host against the
 * host CPU (tests/unit).
 */
#include "x86_emulate_priv.h"

/* ---- Decode: instruction bytes ---- */

/* Instruction bytes never cross into another page in one fetch of prefetch(). */
#define INSN_PAGE_SIZE 4096u

/*
 * 64-bit mode: the instruction's bytes from rip to the end of their page
 * (at most 15), in one fetch, rather than one fetch per prefix, opcode,
 * ModRM or immediate (each a checked guest copy: ptwr decodes on every
 * page-table write Linux makes with an ordinary instruction).  The first
 * byte's page held the instruction the CPU ran, so this fetch normally
 * succeeds; if it does not, fetch() goes byte range by byte range and
 * meets the error where the instruction does, as before.
 */
static void prefetch(struct decoder *d)
{
    uint64_t rip = d->c->regs->rip;
    unsigned n = INSN_PAGE_SIZE - (unsigned)(rip & (INSN_PAGE_SIZE - 1));

    d->have = 0;
    if (!mode_64(d->c))
        return;
    n = MIN(n, (unsigned)X86_MAX_INSN_LEN);
    if (d->ops->insn_fetch(rip, d->bytes, n, d->c) == X86EMUL_OKAY)
        d->have = n;
}

/*
 * The next `bytes` instruction bytes.  Outside 64-bit mode rip is an offset
 * into CS: every byte must lie within the CS limit (else the CPU raised #GP
 * for the fetch, not for the instruction), and the linear address wraps at
 * 4 GiB, so those bytes are fetched one at a time.  The offset itself does
 * not wrap: an instruction running past 2^32 is beyond any limit.
 */
static int fetch(struct decoder *d, unsigned bytes, uint64_t *val)
{
    const struct x86_emulate_ctxt *c = d->c;
    uint64_t off = c->regs->rip + d->i->len;
    uint8_t buf[8];
    int rc = X86EMUL_OKAY;

    if (d->i->len + bytes > X86_MAX_INSN_LEN)
        return X86EMUL_UNHANDLEABLE;
    if (d->i->len + bytes <= d->have) {
        *val = load_le(d->bytes + d->i->len, bytes);
        d->i->len += bytes;
        return X86EMUL_OKAY;
    }
    if (mode_64(c)) {
        rc = d->ops->insn_fetch(off, buf, bytes, d->c);
    } else {
        for (unsigned k = 0; k < bytes && rc == X86EMUL_OKAY; k++) {
            if (off + k > c->cs_limit)
                return X86EMUL_UNHANDLEABLE;
            rc = d->ops->insn_fetch((uint32_t)(c->seg_base[X86_SEG_CS] + off + k),
                                    buf + k, 1, d->c);
        }
    }
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
    case 0x67: d->adsize = true; return true;
    case 0x64: d->seg_override = X86_SEG_FS; return true;
    case 0x65: d->seg_override = X86_SEG_GS; return true;
    case 0x26: case 0x2e: case 0x36: case 0x3e:
        /* ES/CS/SS/DS: null prefixes in 64-bit mode, even after FS/GS */
        if (!mode_64(d->c))
            d->seg_override = (b >> 3) & 3;
        return true;
    default:
        return false;
    }
}

/* Consume prefixes; returns the first opcode byte in *opc.  REX exists in
 * 64-bit mode only: elsewhere 0x40-0x4f are inc/dec, opcodes we refuse. */
static int decode_prefixes(struct decoder *d, uint8_t *opc)
{
    uint64_t b;
    int rc;

    for (;;) {
        rc = fetch(d, 1, &b);
        if (rc != X86EMUL_OKAY)
            return rc;
        if (mode_64(d->c) && (b & 0xf0) == 0x40) {
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
    if (i->addr_bytes == 2)
        return X86EMUL_UNHANDLEABLE;    /* 16-bit addressing: not decoded */
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
        d->rip_rel = mode_64(d->c); /* also with REX.B; else an absolute disp32 */
        disp_bytes = 4;
    }
    d->disp = 0;
    if (!disp_bytes)
        return X86EMUL_OKAY;
    rc = fetch(d, disp_bytes, &v);
    d->disp = (int64_t)sign_extend(v, disp_bytes);
    return rc;
}

/* The default sizes come from the mode; 66 and 67 toggle them (REX.W wins). */
static unsigned operand_size(const struct decoder *d)
{
    uint8_t f = d->desc.flags;

    if (f & D_BYTE)
        return 1;
    if (f & D_CTRL)
        return mode_64(d->c) ? 8 : 4;
    if ((d->i->rex & REX_W) && !(f & D_IO))
        return 8;
    return (d->c->mode == X86_MODE_16) != d->opsize ? 2 : 4;
}

static unsigned address_size(const struct decoder *d)
{
    switch (d->c->mode) {
    case X86_MODE_64: return d->adsize ? 4 : 8;
    case X86_MODE_32: return d->adsize ? 2 : 4;
    default:          return d->adsize ? 4 : 2;
    }
}

/* An override, else DS; SS for an rsp or rbp base (not r12/r13). */
static enum x86_seg memory_segment(const struct decoder *d)
{
    if (d->seg_override >= 0)
        return (enum x86_seg)d->seg_override;
    return d->base == 4 || d->base == 5 ? X86_SEG_SS : X86_SEG_DS;
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
 * signed and may reach far outside the ModRM operand; it is part of the
 * effective address, so it wraps with it at the address size.  Then the
 * segment base: only FS and GS have one in 64-bit mode; in the
 * compatibility modes every segment may, and linear addresses are 32 bits.
 */
static uint64_t effective_address(const struct decoder *d)
{
    const struct x86_insn *i = d->i;
    const struct x86_emulate_ctxt *c = d->c;
    struct cpu_user_regs *r = c->regs;
    uint64_t ea = (uint64_t)d->disp;

    if (d->rip_rel)
        ea += r->rip + i->len;
    if (d->base >= 0)
        ea += *gpr(r, d->base);
    if (d->index >= 0)
        ea += *gpr(r, d->index) << d->scale;
    if (i->op >= X86_OP_BT && i->op <= X86_OP_BTC && i->opcode[1] != 0xba) {
        int64_t off = (int64_t)sign_extend(*gpr(r, i->reg), i->op_bytes);
        unsigned shift = i->op_bytes == 2 ? 4 : i->op_bytes == 4 ? 5 : 6;

        ea += (uint64_t)floor_shift(off, shift) * i->op_bytes;
    }
    ea &= width_mask(i->addr_bytes);
    if (!mode_64(c))
        return (uint32_t)(ea + c->seg_base[i->seg]);
    return i->seg >= X86_SEG_FS ? ea + c->seg_base[i->seg] : ea;
}

/* Everything after the prefixes: opcode, ModRM, group, size, immediate, lock. */
static int decode_insn(struct decoder *d)
{
    struct x86_insn *i = d->i;
    uint8_t b = 0;
    int rc;

    rc = decode_prefixes(d, &b);
    i->addr_bytes = address_size(d);
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
    /* An assignment, not memset: a few stores instead of a byte loop on
     * every trapped privileged instruction (Linux's rdmsr at a switch). */
    *d->i = (struct x86_insn){ .forced = forced, .len = forced ? 5 : 0 };
    d->opsize = d->adsize = false;
    d->seg_override = -1;
    d->rip_rel = false;
    d->base = d->index = -1;
    d->scale = 0;
    d->disp = 0;
}

int x86_decode(struct x86_insn *out, struct x86_emulate_ctxt *c,
               const struct x86_emulate_ops *ops)
{
    struct decoder d;   /* decode_reset sets the rest; bytes[] only as fetched */
    int rc;

    d.i = out;
    d.c = c;
    d.ops = ops;
    d.desc = (struct opdesc){ X86_OP_NONE, 0 };
    prefetch(&d);
    decode_reset(&d, false);
    rc = decode_insn(&d);
    if (rc == DECODE_FORCED) {
        decode_reset(&d, true);
        rc = decode_insn(&d);
    }
    if (rc != X86EMUL_OKAY)
        return rc == DECODE_FORCED ? X86EMUL_UNHANDLEABLE : rc;
    if (out->mem) {
        out->seg = memory_segment(&d);
        out->ea = effective_address(&d);
    }
    c->mem_addr = out->mem ? out->ea : 0;
    c->mem_bytes = out->mem ? out->op_bytes : 0;
    c->insn_len = out->len;
    c->next_rip = next_rip(c, c->regs->rip, out->len);
    c->opcode[0] = out->opcode[0];
    c->opcode[1] = out->opcode[1];
    c->lock = out->lock || (out->op == X86_OP_XCHG && out->mem);
    return X86EMUL_OKAY;
}

