/* SPDX-License-Identifier: MIT */
/*
 * The only code that dereferences guest pointers.  raw_copy_guest copies n
 * bytes with SMAP opened (STAC) and closed again (CLAC); a #PF or #GP on the
 * copy lands in the exception table, which resumes at the fix-up: it returns
 * the number of bytes NOT copied.  Callers (hyp/mm/guest_access.c) check the
 * range before calling, because addresses in the hypervisor's slots or the
 * non-canonical hole either do not fault at CPL 0 or are ours.
 *
 * Whole words first (rep movsq / stosq), then the 0-7 bytes left, as Xen's
 * copies do: most copies are a few words (a bounce or iret frame, an
 * mmu_update entry), and a string instruction costs per element (under
 * QEMU's -icount, one instruction each).  A fault in the words reports
 * them and the tail as not copied.
 */

.macro STAC_IF_SMAP
    testb   $1, cpu_has_smap(%rip)
    jz      1f
    stac
1:
.endm
.macro CLAC_IF_SMAP
    testb   $1, cpu_has_smap(%rip)
    jz      1f
    clac
1:
.endm

    .text
/* size_t raw_copy_guest(void *dst, const void *src, size_t n) */
    .globl raw_copy_guest
raw_copy_guest:
    mov     %rdx, %rcx
    shr     $3, %rcx                    /* whole words */
    and     $7, %edx                    /* then the bytes left */
    STAC_IF_SMAP
copy_words:
    rep movsq
    mov     %edx, %ecx
copy_bytes:
    rep movsb
    CLAC_IF_SMAP
    mov     %rcx, %rax
    ret
copy_words_fixup:
    lea     (%rdx, %rcx, 8), %rcx       /* the words not copied, and the tail */
copy_bytes_fixup:
    CLAC_IF_SMAP
    mov     %rcx, %rax
    ret

/* size_t raw_clear_guest(void *dst, size_t n) */
    .globl raw_clear_guest
raw_clear_guest:
    mov     %rsi, %rcx
    shr     $3, %rcx
    and     $7, %esi
    xor     %eax, %eax
    STAC_IF_SMAP
clear_words:
    rep stosq
    mov     %esi, %ecx
clear_bytes:
    rep stosb
    CLAC_IF_SMAP
    mov     %rcx, %rax
    ret
clear_words_fixup:
    lea     (%rsi, %rcx, 8), %rcx
clear_bytes_fixup:
    CLAC_IF_SMAP
    mov     %rcx, %rax
    ret

    .section .ex_table, "a"
    .balign 8
    .quad copy_words, copy_words_fixup
    .quad copy_bytes, copy_bytes_fixup
    .quad clear_words, clear_words_fixup
    .quad clear_bytes, clear_bytes_fixup
