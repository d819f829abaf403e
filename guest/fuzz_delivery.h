/* SPDX-License-Identifier: MIT */
/*
 * What the two files of the delivery fuzzer share (guest/fuzz_delivery.c:
 * the loop, the trap hook, exceptions and user mode;
 * guest/fuzz_delivery_events.c: iret frames, debug registers, LDT loads,
 * the failsafe callback).
 */
#ifndef GUEST_FUZZ_DELIVERY_H
#define GUEST_FUZZ_DELIVERY_H

#include <stdbool.h>
#include <stdint.h>

#include <guest/cpu.h>

struct dl_state {
	unsigned long seed, event, crash_pct;
	bool in_excursion;	/* between fuzz_excursion and fuzz_excursion_end */
	unsigned long landing_top, kstack_top;	/* stacks for iret frames */
	unsigned long bounces, debug_traps, failsafes, restore_failures;
	unsigned long ldt_mfn, ldt_va;	/* a page for MMUEXT_SET_LDT */
	unsigned long gdt_mfn;		/* a frame for set_gdt */
	volatile uint64_t watched[4];	/* data breakpoint targets */
};
extern struct dl_state dl;

/* From guest/user.c (the cpu suite's user mode). */
extern unsigned long user_kstack_override, user_cs_override, user_ss_override;


/* guest/fuzz_delivery.c */
void dl_restore(void);
bool dl_crash_variant(void);
void dl_without_handlers(const char *what);
unsigned long dl_user_prog(void);

/* guest/fuzz_delivery_events.c */
bool dl_ldt_setup(void);
void dl_segs_save(void);
void dl_segs_restore(void);
long dl_ev_iret(void);
long dl_ev_debugreg(void);
long dl_ev_ldt(void);
long dl_ev_failsafe(void);

/* The word's entry point (guest/fuzz_words.c calls it). */
void fuzz_delivery_word(void);

#endif /* GUEST_FUZZ_DELIVERY_H */
