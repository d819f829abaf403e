/* SPDX-License-Identifier: MIT */
/*
 * Calendar dates as the RTC gives them, turned into seconds since the Unix
 * epoch (proleptic Gregorian, UTC, no leap seconds).  Pure arithmetic:
 * checked against the host's timegm() in the unit tests.
 */
#ifndef KOAN_HYP_DATE_H
#define KOAN_HYP_DATE_H

#include <hyp/types.h>

struct date_time {
    unsigned year;      /* e.g. 2026 */
    unsigned month;     /* 1..12 */
    unsigned day;       /* 1..31 */
    unsigned hour, minute, second;
};

/* Is it a real moment in 1970..9999 (the day exists in that month and year)? */
bool date_valid(const struct date_time *t);
/* Seconds since 1970-01-01 00:00:00 UTC of a valid date. */
uint64_t date_to_unix_seconds(const struct date_time *t);
/* Two BCD digits as a number, or -1 if either digit is not 0-9. */
int date_from_bcd(uint8_t bcd);

#endif
