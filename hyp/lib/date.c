/* SPDX-License-Identifier: MIT */
/* Calendar arithmetic (include/hyp/date.h). */
#include <hyp/date.h>

static bool leap_year(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    return days[m - 1] + (m == 2 && leap_year(y));
}

bool date_valid(const struct date_time *t)
{
    return t->year >= 1970 && t->year <= 9999 && t->month >= 1 && t->month <= 12 &&
           t->day >= 1 && t->day <= days_in_month(t->year, t->month) &&
           t->hour < 24 && t->minute < 60 && t->second < 60;
}

/* Days from 1970-01-01 to y-m-d: whole years counted from March, so February's leap day comes last. */
static uint64_t days_since_epoch(unsigned y, unsigned m, unsigned d)
{
    uint64_t ym = m <= 2 ? y - 1 : y;               /* the year March begins */
    uint64_t era_days = ym * 365 + ym / 4 - ym / 100 + ym / 400;
    uint64_t month_days = (153 * (m <= 2 ? m + 9 : m - 3) + 2) / 5;   /* since 1 March */

    /* 719468: the same count for 1970-01-01 (from the proleptic 1 March of year 0). */
    return era_days + month_days + d - 1 - 719468;
}

uint64_t date_to_unix_seconds(const struct date_time *t)
{
    return days_since_epoch(t->year, t->month, t->day) * 86400 +
           t->hour * 3600u + t->minute * 60u + t->second;
}

int date_from_bcd(uint8_t bcd)
{
    if ((bcd & 0x0f) > 9 || (bcd >> 4) > 9)
        return -1;
    return (bcd >> 4) * 10 + (bcd & 0x0f);
}
