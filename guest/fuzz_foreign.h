/* SPDX-License-Identifier: MIT */
/*
 * dom0's calls on the other domains' frames (guest/fuzz_foreign.c), made
 * from the watcher's loop (guest/fuzz_watch.c).
 */
#ifndef GUEST_FUZZ_FOREIGN_H
#define GUEST_FUZZ_FOREIGN_H

#include <stdbool.h>
#include <xen/xen.h>

/* Find frames of the given domains; false if there are none. */
bool fuzz_foreign_setup(const domid_t *ids, unsigned int nr);
/* One random call (or none) at this beat; expired mappings are dropped. */
void fuzz_foreign_step(unsigned long beat);
/* Drop every mapping still held. */
void fuzz_foreign_release(void);
unsigned long fuzz_foreign_calls(void);

/* The watcher word (guest/fuzz_watch.c). */
void fuzz_watch_word(void);

#endif /* GUEST_FUZZ_FOREIGN_H */
