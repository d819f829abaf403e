/* SPDX-License-Identifier: MIT */
/*
 * A small x86 instruction decoder and emulator for the memory-writing
 * instructions a PV guest kernel aims at its read-only page-table pages
 * ("ptwr", docs/xen-pv-abi.md §2.3), plus decode-only support for the
 * privileged instructions a ring-3 PV guest executes (§4.2).
 *
 * It decodes in the code mode the guest ran in (c->mode, from CS.L/CS.D):
 * 64-bit, or the compatibility modes of a 32-bit or 16-bit code segment,
 * where 0x40-0x4f are inc/dec rather than REX, the default operand and
 * address sizes differ, segment bases apply and rip wraps at 32 bits.
 *
 * Emulated (memory destination only, every operand size, with or without
 * lock, 66/67/REX/ModRM/SIB/disp/RIP-relative, segment overrides; 16-bit
 * addressing is refused):
 *   mov 88/89, C6/C7 /0      xchg 86/87 (always locked)   cmpxchg 0F B0/B1
 *   add/or/adc/sbb/and/sub/xor 00-31 (r/m,reg forms)      80/81/83 /0-/7
 *   bt/bts/btr/btc 0F A3/AB/B3/BB and 0F BA /4-/7          inc/dec FE/FF /0-/1
 *   not/neg F6/F7 /2-/3
 * Decoded only (x86_decode): wrmsr rdmsr rdtsc rdtscp cpuid, mov to/from
 * CRn/DRn, in/out/ins/outs, cli sti hlt clts wbinvd xsetbv, and Xen's
 * forced-emulation prefix (ud2; .ascii "xen") before any of these.
 *
 * Everything touches guest memory only through the caller's ops; decoding
 * has no side effects, and an instruction either completes (memory written,
 * registers, rflags and rip updated) or changes nothing.
 */
#ifndef KOAN_HYP_X86_EMULATE_H
#define KOAN_HYP_X86_EMULATE_H

#include <hyp/types.h>
#include <hyp/xen_public.h>

/* Return codes of x86_decode(), x86_emulate() and of every op. */
enum {
    X86EMUL_OKAY,           /* done */
    X86EMUL_UNHANDLEABLE,   /* not an instruction we decode/emulate: nothing changed */
    X86EMUL_EXCEPTION,      /* an op failed (e.g. fault): caller injects/handles it */
    X86EMUL_RETRY,          /* cmpxchg op: value changed; x86_emulate: gave up racing */
};

#define X86_MAX_INSN_LEN 15     /* longer instructions are UNHANDLEABLE */

/* rflags bits the emulator computes. */
#define X86_EFLAGS_CF 0x0001UL
#define X86_EFLAGS_PF 0x0004UL
#define X86_EFLAGS_AF 0x0010UL
#define X86_EFLAGS_ZF 0x0040UL
#define X86_EFLAGS_SF 0x0080UL
#define X86_EFLAGS_OF 0x0800UL
#define X86_EFLAGS_ARITH (X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
                          X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

/* What an instruction is.  ADD..CMP follow the group-1 /digit order. */
enum x86_op {
    X86_OP_NONE,
    /* memory-writing instructions, emulated by x86_emulate() */
    X86_OP_MOV, X86_OP_XCHG, X86_OP_CMPXCHG,
    X86_OP_ADD, X86_OP_OR, X86_OP_ADC, X86_OP_SBB,
    X86_OP_AND, X86_OP_SUB, X86_OP_XOR, X86_OP_CMP,   /* cmp only reads */
    X86_OP_BT, X86_OP_BTS, X86_OP_BTR, X86_OP_BTC,    /* bt only reads */
    X86_OP_INC, X86_OP_DEC, X86_OP_NOT, X86_OP_NEG,
    /* privileged instructions: decode only */
    X86_OP_WRMSR, X86_OP_RDMSR, X86_OP_RDTSC, X86_OP_RDTSCP, X86_OP_CPUID,
    X86_OP_MOV_FROM_CR, X86_OP_MOV_TO_CR, X86_OP_MOV_FROM_DR, X86_OP_MOV_TO_DR,
    X86_OP_IN, X86_OP_OUT, X86_OP_INS, X86_OP_OUTS,
    X86_OP_CLI, X86_OP_STI, X86_OP_HLT, X86_OP_CLTS, X86_OP_WBINVD, X86_OP_XSETBV,
};

/* Segment registers, in the architectural (prefix and ModRM) order. */
enum x86_seg { X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS,
               X86_NR_SEGS };

/* The mode of the code segment: CS.L = 1 (64), else CS.D = 1 (32) or 0 (16). */
enum x86_mode { X86_MODE_64, X86_MODE_32, X86_MODE_16 };

/*
 * One decoded instruction.  Register numbers include the REX extension bit
 * (0 = rax ... 15 = r15; for mov CR/DR, reg is the CR/DR number and rm the
 * GPR).  For a byte operand without REX, registers 4-7 mean ah/ch/dh/bh.
 */
struct x86_insn {
    enum x86_op op;
    uint8_t len;            /* bytes, including prefixes and a forced-emulation prefix */
    uint8_t opcode[2];      /* {0x0f, byte} for two-byte opcodes, else {byte, 0} */
    uint8_t op_bytes;       /* operand size: 1, 2, 4 or 8 */
    uint8_t addr_bytes;     /* 8, 4 or 2: by mode, toggled by the 67 prefix */
    uint8_t rex;            /* the REX byte (0x40-0x4f, 64-bit mode), 0 if none */
    bool lock, rep, repne;  /* F0, F3, F2 prefixes */
    bool forced;            /* preceded by ud2 "xen" (0f 0b 78 65 6e) */
    enum x86_seg seg;       /* of the memory operand: override, else DS (SS for
                               an rsp/rbp base) */
    bool has_modrm;
    uint8_t modrm, mod, reg, rm;
    bool mem;               /* has a memory operand (mod != 3) */
    uint64_t ea;            /* its linear address: segment base included (in
                               64-bit mode FS/GS only; in the compatibility
                               modes truncated to 32 bits), and for bt* with a
                               register bit offset, the addressed unit */
    uint64_t imm;           /* immediate, sign-extended to 64 bits (in/out port
                               and bt bit offset: use the low byte) */
    uint8_t imm_bytes;      /* 0, 1, 2 or 4 */
};

/*
 * What the caller tells the decoder.  A zeroed context is 64-bit code with
 * zero FS and GS bases.  Segment limits and access rights are not checked
 * (the hardware did that before the fault that led here), except the CS
 * limit for instruction bytes in the compatibility modes.
 */
struct x86_emulate_ctxt {
    struct cpu_user_regs *regs; /* in/out: rip advanced on success, rflags updated */
    enum x86_mode mode;
    uint64_t seg_base[X86_NR_SEGS]; /* 64-bit mode: only FS and GS count */
    uint32_t cs_limit;          /* compatibility modes: the last valid rip offset */
    void *data;                 /* the caller's */
    /* out (also set by x86_decode): what was decoded, for the caller's checks */
    uint64_t mem_addr;          /* linear address of the memory operand */
    uint64_t next_rip;          /* rip after the instruction */
    unsigned mem_bytes;         /* its size, 0 if no memory operand */
    unsigned insn_len;
    uint8_t opcode[2];
    bool lock;                  /* lock prefix, or implicitly locked (xchg) */
};

/*
 * Guest memory access, all at linear addresses.  Each returns X86EMUL_OKAY
 * or an error code (typically X86EMUL_EXCEPTION) that is passed through.
 * cmpxchg: atomically, if the bytes at addr equal *old, store *new and return
 * OKAY; else copy the current value into *old and return X86EMUL_RETRY.
 * Values are little-endian byte images of 1, 2, 4 or 8 bytes.
 */
struct x86_emulate_ops {
    int (*insn_fetch)(uint64_t addr, void *buf, unsigned bytes, struct x86_emulate_ctxt *c);
    int (*read)(uint64_t addr, void *buf, unsigned bytes, struct x86_emulate_ctxt *c);
    int (*write)(uint64_t addr, const void *buf, unsigned bytes, struct x86_emulate_ctxt *c);
    int (*cmpxchg)(uint64_t addr, void *old, const void *new, unsigned bytes,
                   struct x86_emulate_ctxt *c);
};

/*
 * Decode the instruction at c->regs->rip (an offset into CS outside 64-bit
 * mode) into *out and fill c's out fields.  Reads registers (for addresses)
 * and memory only through ops->insn_fetch.  Returns OKAY; UNHANDLEABLE for
 * an unknown opcode, an invalid lock prefix, more than 15 bytes, bytes past
 * the CS limit or a 16-bit memory address; or insn_fetch's error code.
 */
int x86_decode(struct x86_insn *out, struct x86_emulate_ctxt *c,
               const struct x86_emulate_ops *ops);

/*
 * Decode and execute one memory-writing instruction (list above).  Locked
 * read-modify-writes (and xchg) use ops->cmpxchg, retrying a few times when
 * the value changed underneath; unlocked ones use read then write; mov only
 * writes.  Returns OKAY; UNHANDLEABLE (register destination, privileged or
 * unknown instruction, rep prefix, non-canonical or wrapping operand); RETRY
 * if the memory kept changing; or an op's error code.  On any result but
 * OKAY, registers and memory are unchanged.  Outside 64-bit mode the new rip
 * is truncated to 32 bits, as the CPU does.
 */
int x86_emulate(struct x86_emulate_ctxt *c, const struct x86_emulate_ops *ops);

/*
 * Little-endian images of 1-8 bytes, as the emulator passes values to its
 * callbacks.  The sizes operands have (1, 2, 4, 8)
 * are one load or store each (x86 is little-endian); a loop of byte moves
 * would cost a few instructions per byte on every emulated write.
 */
static inline uint64_t load_le(const uint8_t *buf, unsigned bytes)
{
    uint64_t v = 0;

    switch (bytes) {
    case 1: return buf[0];
    case 2: { uint16_t x; __builtin_memcpy(&x, buf, 2); return x; }
    case 4: { uint32_t x; __builtin_memcpy(&x, buf, 4); return x; }
    case 8: __builtin_memcpy(&v, buf, 8); return v;
    }
    while (bytes--)
        v = v << 8 | buf[bytes];
    return v;
}

static inline void store_le(uint8_t *buf, uint64_t v, unsigned bytes)
{
    switch (bytes) {
    case 1: buf[0] = (uint8_t)v; return;
    case 2: { uint16_t x = (uint16_t)v; __builtin_memcpy(buf, &x, 2); return; }
    case 4: { uint32_t x = (uint32_t)v; __builtin_memcpy(buf, &x, 4); return; }
    case 8: __builtin_memcpy(buf, &v, 8); return;
    }
    for (unsigned k = 0; k < bytes; k++, v >>= 8)
        buf[k] = (uint8_t)v;
}

#endif
