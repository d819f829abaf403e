/* SPDX-License-Identifier: MIT */
/*
 * Private to the x86 decoder and emulator (x86_decode.c, x86_emulate.c):
 * the opcode-descriptor vocabulary and the register and byte helpers both
 * halves use.  Not for other files: the interface is <hyp/x86_emulate.h>.
 */
#ifndef KOAN_PV_X86_EMULATE_PRIV_H
#define KOAN_PV_X86_EMULATE_PRIV_H

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
    bool adsize;        /* 67 prefix seen */
    int seg_override;   /* enum x86_seg of the last effective override, -1 none */
    bool rip_rel;
    int base, index;    /* register numbers, -1 for none */
    unsigned scale;     /* shift count 0-3 */
    int64_t disp;
    /* 64-bit mode: the bytes from rip, fetched at once (fetch()); `have` of them */
    uint8_t bytes[X86_MAX_INSN_LEN];
    unsigned have;
};

/* ---- Helpers shared by both halves ---- */

static inline bool mode_64(const struct x86_emulate_ctxt *c)
{
    return c->mode == X86_MODE_64;
}

/* rip after an instruction of len bytes: outside 64-bit mode EIP wraps. */
static inline uint64_t next_rip(const struct x86_emulate_ctxt *c, uint64_t rip, unsigned len)
{
    return mode_64(c) ? rip + len : (uint32_t)(rip + len);
}

static inline uint64_t width_mask(unsigned bytes)
{
    return bytes == 8 ? ~0ULL : (1ULL << (bytes * 8)) - 1;
}

static inline uint64_t sign_extend(uint64_t v, unsigned bytes)
{
    uint64_t sign = 1ULL << (bytes * 8 - 1);

    v &= width_mask(bytes);
    return (v ^ sign) - sign;
}

static inline uint64_t *gpr(struct cpu_user_regs *r, unsigned n)
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
static inline bool is_high_byte(unsigned n, unsigned bytes, uint8_t rex)
{
    return bytes == 1 && !rex && n >= 4 && n <= 7;
}

static inline uint64_t reg_read(struct cpu_user_regs *r, unsigned n, unsigned bytes, uint8_t rex)
{
    if (is_high_byte(n, bytes, rex))
        return (*gpr(r, n - 4) >> 8) & 0xff;
    return *gpr(r, n) & width_mask(bytes);
}

/* Hardware rules: 8/16-bit writes merge, 32-bit writes zero-extend. */
static inline void reg_write(struct cpu_user_regs *r, unsigned n, unsigned bytes, uint8_t rex,
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

#endif
