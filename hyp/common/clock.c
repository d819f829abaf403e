/* SPDX-License-Identifier: MIT */
/*
 * TSC calibration against the PIT (include/hyp/clock.h), in seven rounds.  Channel 2 of the
 * 8254 counts down from a known value at 1.193182 MHz with its gate opened
 * through port 0x61, whose bit 5 shows the channel's output going high at
 * the end; the TSC ticks seen meanwhile give its rate.  Koan keeps the PIT
 * ports from every guest (hyp/lib/io_reserved.c), so nobody else touches
 * channel 2.  A PIT that never finishes (a machine without one) leaves the
 * 1 GHz guess, with a warning.
 */
#include <asm/x86.h>
#include <hyp/clock.h>
#include <hyp/console.h>

#define PIT_HZ        1193182u
#define PIT_CH2_DATA  0x42
#define PIT_COMMAND   0x43
#define PIT_CH2_GATE  0x61      /* bit 0: gate of channel 2, bit 1: speaker, bit 5: OUT2 */
#define PIT_CH2_MODE0 0xb0      /* channel 2, low then high byte, mode 0, binary */
#define CALIBRATE_MS  10u
#define CALIBRATE_ROUNDS 7u
#define GUESS_HZ      1000000000ull

static uint64_t tsc_hz = GUESS_HZ;
/* ns = ticks * mult >> 32: mult = 10^9 * 2^32 / tsc_hz. */
static uint64_t ns_mult = 1ull << 32;
/* ticks = ns * ticks_per_ns >> 32: tsc_hz * 2^32 / 10^9. */
static uint64_t ticks_per_ns = 1ull << 32;

/* TSC ticks while the PIT counts `count`, or 0 if its output never rose. */
static uint64_t ticks_during_pit_count(uint16_t count)
{
    uint8_t gate = inb(PIT_CH2_GATE);
    uint64_t start, now, limit = 20ull * GUESS_HZ;   /* many seconds at any TSC rate */

    outb(PIT_CH2_GATE, (gate & ~0x02) | 0x01);       /* gate on, speaker off */
    outb(PIT_COMMAND, PIT_CH2_MODE0);
    outb(PIT_CH2_DATA, count & 0xff);
    outb(PIT_CH2_DATA, count >> 8);                  /* counting starts: OUT2 low */
    start = clock_tsc();
    do {
        now = clock_tsc();
        if (now - start > limit) {
            outb(PIT_CH2_GATE, gate);
            return 0;
        }
    } while (!(inb(PIT_CH2_GATE) & 0x20));
    outb(PIT_CH2_GATE, gate);
    return now - start;
}

/*
 * Several short rounds, keeping the median: under an emulator on a loaded
 * host a round can come out short (the PIT's virtual time jumps ahead
 * while the TSC does not follow: once 37 MHz for a 2.1 GHz TSC) or long
 * (the vCPU is descheduled between the PIT's end and our look at it: once
 * 4.3 GHz).  Either way the time-outs built on the rate go wrong, so one
 * outlier must not decide; a majority of good rounds does.
 */
void clock_calibrate(void)
{
    uint64_t ticks[CALIBRATE_ROUNDS];
    unsigned n = 0;

    for (; n < CALIBRATE_ROUNDS; n++) {
        uint64_t t = ticks_during_pit_count(PIT_HZ * CALIBRATE_MS / 1000);
        if (!t)
            break;
        unsigned i = n;   /* insertion sort: a handful of rounds */
        for (; i && ticks[i - 1] > t; i--)
            ticks[i] = ticks[i - 1];
        ticks[i] = t;
    }
    if (!n) {
        log_warn("clock: the PIT did not count; assuming a 1 GHz TSC\n");
        return;
    }
    uint64_t median = ticks[n / 2], worst = ticks[0], best = ticks[n - 1];
    clock_set_tsc_hz(median * 1000 / CALIBRATE_MS);
    log_info("clock: TSC at %lu.%03lu MHz (PIT)\n", tsc_hz / 1000000, (tsc_hz / 1000) % 1000);
    if (worst < median - median / 10 || best > median + median / 10)
        log_warn("clock: PIT rounds disagreed (%lu to %lu ticks in %u ms, median %lu): "
                 "a loaded host?\n", (unsigned long)worst, (unsigned long)best, CALIBRATE_MS,
                 (unsigned long)median);
}

uint64_t clock_tsc_hz(void)
{
    return tsc_hz;
}

void clock_set_tsc_hz(uint64_t hz)
{
    tsc_hz = hz;
    ns_mult = (1000000000ull << 32) / tsc_hz;   /* fits: 10^9 * 2^32 < 2^62 */
    /* In two parts, each within 64 bits (no 128-bit division here). */
    ticks_per_ns = (hz / 1000000000ull << 32) + ((hz % 1000000000ull) << 32) / 1000000000ull;
}

uint64_t clock_ns_to_ticks(uint64_t ns)
{
    return (uint64_t)(((unsigned __int128)ns * ticks_per_ns) >> 32);
}

uint64_t clock_ticks_to_ns(uint64_t ticks)
{
    return (uint64_t)(((unsigned __int128)ticks * ns_mult) >> 32);
}

