/* SPDX-License-Identifier: MIT */
/*
 * The CMOS real-time clock, read once at boot for the wallclock (Koan
 * never sets it).  Dom0 keeps access to ports 0x70/0x71 as on Xen; Koan
 * reads the clock before any domain runs, so the two never race.
 */
#ifndef KOAN_HYP_RTC_H
#define KOAN_HYP_RTC_H

#include <hyp/date.h>

/* The RTC's date and time (UTC), read twice alike outside an update; false if it gave none that is valid. */
bool rtc_read(struct date_time *out);

#endif
