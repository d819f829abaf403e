/* SPDX-License-Identifier: MIT */
/*
 * The fuzz suite's shared machinery (guest/fuzz_core.c): a seeded PRNG
 * (one stream per vCPU) for every mode, numeric command-line words, the
 * coverage table printed at the end of each mode (calls and refusals per
 * kind), Koan's frame check as the modes use it, and the oracle log -- one
 * (kind, result) token per call, printed compactly so that a run on Koan
 * and one on Xen 4.17 with the same seed can be compared call by call
 * (docs/test-guest.md, "The fuzz suite").
 */
#ifndef GUEST_FUZZ_H
#define GUEST_FUZZ_H

#include <stdbool.h>
#include <stdint.h>

/* ---- randomness ---- */

/*
 * Each vCPU draws from its own stream (smp_self()).  fuzz_seed() seeds the
 * calling vCPU's stream with the seed itself: what every single-vCPU mode
 * uses, on vCPU 0.  fuzz_seed_stream() seeds it with stream `stream` of
 * the seed (the concurrent modes: one per vCPU, numbered by vCPU id).
 */
void fuzz_seed(uint64_t seed);
void fuzz_seed_stream(uint64_t seed, unsigned int stream);
uint64_t fuzz_rnd(void);

static inline unsigned long fuzz_below(unsigned long n)
{
	return n ? fuzz_rnd() % n : 0;
}

/* True with probability pct percent. */
static inline bool fuzz_chance(unsigned int pct)
{
	return fuzz_below(100) < pct;
}

#define FUZZ_PICK(array) ((array)[fuzz_below(sizeof(array) / sizeof((array)[0]))])

/* A numeric command-line word `key=N`, or dflt. */
unsigned long fuzz_arg(const char *key, unsigned long dflt);

/* ---- coverage ---- */

/*
 * Count one call of `kind` (a string literal: the table keys on it) with
 * its result; negative results count as refusals.
 */
void fuzz_count(const char *kind, long rc);
/* Print `fuzz-coverage MODE: kind calls/refused ...` lines and reset. */
void fuzz_coverage_print(const char *mode);

/* ---- Koan's frame check ---- */

/*
 * Run the check: its answer (0 consistent, > 0 problems, < 0 -errno); 0
 * when there is no check to run here (Xen: -ENOSYS; a Koan domU: -EPERM).
 * fuzz_checks() counts the checks that really ran.
 */
long fuzz_check(void);
unsigned long fuzz_checks(void);
void fuzz_checks_reset(void);

/* ---- the oracle log ---- */

/*
 * With logging on, each fuzz_log() adds one token for a call, numbered from
 * 1, to lines `fuzz-log MODE SEED FIRST: token token ...`: the kind's
 * letter (announced once by `fuzz-log-kind MODE SEED LETTER KIND`), the
 * result, and `/detail` if there is one: `B-22/3:S`.  Results without a
 * detail from -26 to 9 take one character: `0`-`9`, or `a` for -1 to `z`
 * for -26 (`Bv`: -22).  A kind whose answer depends on memory layout is
 * logged as `B~`.
 */
void fuzz_log_start(const char *mode, unsigned long seed);
bool fuzz_logging(void);
void fuzz_log(const char *kind, long rc, const char *detail);
void fuzz_log_uncomparable(const char *kind);
/* Print what is pending (fuzz_log_stop also ends logging). */
void fuzz_log_end(void);
void fuzz_log_stop(void);

/*
 * With `fuzz-trace=I,J,...` (up to 8; `all` for every one), those calls of
 * a logged run describe their arguments (`fuzz-trace MODE I: ...`) before they are made, to
 * explain a disagreement.
 */
bool fuzz_tracing(void);
void fuzz_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A call is done: count it and log it; returns rc. */
long fuzz_done(const char *kind, long rc, const char *detail);

/* ---- excursions (guest/fuzz_excursion.S) ---- */

/*
 * Leave C through HYPERVISOR_iret to an arbitrary frame (a struct
 * cpu_regs of guest/include/guest/cpu.h), directly or as an entry of a
 * multicall (frame: a struct iret_context the multicall's iret reads at
 * rsp); whatever ends the excursion -- a trap handler, a syscall, or
 * fuzz_excursion_land -- calls fuzz_excursion_end(value), and the call
 * returns value (the landing gives 1).  Flags are clean again after.
 */
struct cpu_regs;
long fuzz_excursion(const struct cpu_regs *regs);
long fuzz_excursion_multicall(const void *list, unsigned long n, void *frame);
void fuzz_excursion_end(long value) __attribute__((noreturn));
extern char fuzz_excursion_land[];

/* The fuzzer's words before the suite (guest/fuzz_words.c). */
void fuzz_special_words(void);

#endif /* GUEST_FUZZ_H */
