/* SPDX-License-Identifier: MIT */
/*
 * Loading guest selectors, which may fault (a selector that is not present,
 * not DPL 3, beyond the GDT limit): the exception table resumes at a fix-up
 * that loads null instead and reports the failure.
 */
    .text
/* int load_user_gs_selector(uint16_t sel): GS of the other (user) mode. */
    .globl load_user_gs_selector
load_user_gs_selector:
    swapgs
gs_load:
    mov     %di, %gs
    swapgs
    xor     %eax, %eax
    ret
gs_fixup:
    xor     %eax, %eax
    mov     %ax, %gs
    swapgs
    mov     $-1, %eax
    ret

/* int load_data_selectors(ds, es, fs, gs): all four, null on any fault. */
    .globl load_data_selectors
load_data_selectors:
ds_load:
    mov     %di, %ds
es_load:
    mov     %si, %es
fs_load:
    mov     %dx, %fs
gsd_load:
    mov     %cx, %gs
    xor     %eax, %eax
    ret
data_fixup:
    xor     %eax, %eax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %fs
    mov     %ax, %gs
    mov     $-1, %eax
    ret

    .section .ex_table, "a"
    .balign 8
    .quad gs_load, gs_fixup
    .quad ds_load, data_fixup
    .quad es_load, data_fixup
    .quad fs_load, data_fixup
    .quad gsd_load, data_fixup
