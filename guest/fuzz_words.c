// SPDX-License-Identifier: MIT
/*
 * The fuzzer's command-line words that run before (or instead of) the
 * suite, called from guest/main.c:
 *   fuzz-watch           dom0 watches the others, checking and beating, until
 *                        they are gone; then its suite runs (guest/fuzz_watch.c)
 *   fuzz-delivery=N      N delivery events, then poweroff -- or the crash the
 *                        hypervisor must contain (guest/fuzz_delivery.c)
 */
#include <guest/fuzz.h>

#include "fuzz_delivery.h"
#include "fuzz_foreign.h"

void fuzz_special_words(void)
{
	fuzz_watch_word();
	fuzz_delivery_word();
}
