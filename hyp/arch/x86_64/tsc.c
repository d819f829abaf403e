/* SPDX-License-Identifier: MIT */
/*
 * TSC calibration and short waits.  The PIT's channel 2 counts at a known
 * 1.193182 MHz whatever the machine; its output can be read on port 0x61
 * without any interrupt, so counting it down once for 10 ms while reading
 * the TSC gives the TSC's rate.  Under QEMU's TCG both clocks follow the
 * host's time (with -icount both count instructions), so the rate is right
 * however the host schedules the vCPU.  Koan keeps ports 0x40-0x43 and 0x61
 * from every domain (hyp/lib/io_reserved.c), so nobody else moves them.
 */
#include <asm/tsc.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/machine.h>

#define PIT_HZ          1193182u
#define PIT_CH2_DATA    0x42
#define PIT_COMMAND     0x43
#define PIT_CH2_MODE0   0xb0      /* channel 2, low then high byte, mode 0, binary */
#define PORT_B          0x61
#define PORT_B_GATE2    0x01      /* channel 2 counts */
#define PORT_B_SPEAKER  0x02      /* channel 2 drives the speaker: keep off */
#define PORT_B_OUT2     0x20      /* channel 2's output: high at terminal count */
#define CALIBRATE_MS    10
/* A PIT that never reaches its count: give up after this many TSC ticks
 * (seconds at any plausible rate, and the PIT needs 10 ms). */
#define CALIBRATE_GIVE_UP (1UL << 34)

static uint64_t khz;

int tsc_calibrate(void)
{
    uint32_t count = PIT_HZ / 1000 * CALIBRATE_MS;
    uint8_t port_b = inb(PORT_B);

    outb(PORT_B, (port_b & ~PORT_B_SPEAKER) | PORT_B_GATE2);
    outb(PIT_COMMAND, PIT_CH2_MODE0);
    outb(PIT_CH2_DATA, count & 0xff);
    outb(PIT_CH2_DATA, count >> 8);
    uint64_t start = read_tsc(), now = start;
    while (!(inb(PORT_B) & PORT_B_OUT2)) {
        now = read_tsc();
        if (now - start > CALIBRATE_GIVE_UP)
            break;
    }
    outb(PORT_B, port_b);
    if (now - start > CALIBRATE_GIVE_UP || now == start) {
        log_warn("tsc: the PIT did not count; no calibrated clock\n");
        return -1;
    }
    /* count / PIT_HZ seconds passed: ticks per ms = ticks * PIT_HZ / (count * 1000). */
    khz = (now - start) * PIT_HZ / ((uint64_t)count * 1000);
    log_info("tsc: %lu.%03lu MHz (against the PIT)\n", khz / 1000, khz % 1000);
    return 0;
}

uint64_t tsc_khz(void)
{
    return khz;
}

uint64_t tsc_deadline_us(uint64_t us)
{
    BUG_ON(!khz);
    return read_tsc() + us * khz / 1000;
}

void udelay(uint64_t us)
{
    uint64_t deadline = tsc_deadline_us(us);

    while (!tsc_passed(deadline))
        cpu_relax();
}

uint64_t tsc_ticks_to_ns(uint64_t ticks)
{
    return khz ? ticks * 1000000 / khz : 0;
}
