// SPDX-License-Identifier: MIT
/*
 * The fuzzer's command-line words that run before (or instead of) the
 * suite, called from guest/main.c:
 *   fuzz-watch           dom0 watches the others, checking and beating, until
 *                        they are gone; then its suite runs (guest/fuzz_watch.c)
 *   fuzz-delivery=N      N delivery events, then poweroff -- or the crash the
 *                        hypervisor must contain (guest/fuzz_delivery.c)
 *   fuzz-smp=N           every vCPU fires N MMU calls per round at shared
 *                        frames, the frame check between rounds, then
 *                        poweroff (guest/fuzz_smp.c)
 *   fuzz-smp-watch       dom0 fires at a fuzz-smp domU's frames from every
 *                        vCPU and checks between its rounds, then poweroff
 *                        (guest/fuzz_smp_watch.c)
 */
#include <guest/fuzz.h>

#include "fuzz_delivery.h"
#include "fuzz_foreign.h"
#include "fuzz_smp.h"

void fuzz_special_words(void)
{
	fuzz_watch_word();
	fuzz_delivery_word();
	fuzz_smp_watch_word();
	fuzz_smp_word();
}
