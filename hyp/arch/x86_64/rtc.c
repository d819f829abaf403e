/* SPDX-License-Identifier: MIT */
/*
 * Reading the MC146818-style CMOS clock (include/hyp/rtc.h).  The clock
 * updates once a second; register A's UIP bit is set for the 2 ms before
 * an update, so the registers are read after UIP clears, twice, until two
 * reads agree.  Register B says whether values are BCD or binary and the
 * hour 12- or 24-hour (bit 7 of the hour: PM).  The century register at
 * 0x32 (ACPI's usual FADT.century) is used when it holds 19 or 20 in BCD
 * or binary; otherwise years 70-99 are 19xx and 00-69 20xx.
 */
#include <asm/x86.h>
#include <hyp/rtc.h>

#define CMOS_INDEX   0x70
#define CMOS_DATA    0x71
#define RTC_SECONDS  0x00
#define RTC_MINUTES  0x02
#define RTC_HOURS    0x04
#define RTC_DAY      0x07
#define RTC_MONTH    0x08
#define RTC_YEAR     0x09
#define RTC_REG_A    0x0a
#define RTC_REG_B    0x0b
#define RTC_CENTURY  0x32
#define RTC_A_UIP    0x80
#define RTC_B_24H    0x02
#define RTC_B_BINARY 0x04
#define RTC_TRIES    1000000u   /* UIP lasts at most 2 ms: far more reads than that takes */

struct rtc_raw {
    uint8_t sec, min, hour, day, month, year, century;
};

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

static bool rtc_read_raw(struct rtc_raw *r)
{
    unsigned tries = RTC_TRIES;

    while (cmos_read(RTC_REG_A) & RTC_A_UIP)
        if (!--tries)
            return false;
    r->sec = cmos_read(RTC_SECONDS);
    r->min = cmos_read(RTC_MINUTES);
    r->hour = cmos_read(RTC_HOURS);
    r->day = cmos_read(RTC_DAY);
    r->month = cmos_read(RTC_MONTH);
    r->year = cmos_read(RTC_YEAR);
    r->century = cmos_read(RTC_CENTURY);
    return true;
}

/* A register's value: BCD decoded unless the clock is in binary mode; -1 if not a number. */
static int rtc_value(uint8_t v, bool binary)
{
    return binary ? v : date_from_bcd(v);
}

static bool rtc_decode(const struct rtc_raw *r, uint8_t reg_b, struct date_time *t)
{
    bool binary = reg_b & RTC_B_BINARY, pm = !(reg_b & RTC_B_24H) && (r->hour & 0x80);
    int sec = rtc_value(r->sec, binary), min = rtc_value(r->min, binary);
    int hour = rtc_value(r->hour & 0x7f, binary), day = rtc_value(r->day, binary);
    int month = rtc_value(r->month, binary), year = rtc_value(r->year, binary);
    int century = rtc_value(r->century, binary);

    if (sec < 0 || min < 0 || hour < 0 || day < 0 || month < 0 || year < 0 || year > 99)
        return false;
    if (!(reg_b & RTC_B_24H))
        hour = hour % 12 + (pm ? 12 : 0);   /* 12 AM is 0, 12 PM is 12 */
    if (century != 19 && century != 20)
        century = year >= 70 ? 19 : 20;
    *t = (struct date_time){ .year = (unsigned)(century * 100 + year), .month = (unsigned)month,
                             .day = (unsigned)day, .hour = (unsigned)hour,
                             .minute = (unsigned)min, .second = (unsigned)sec };
    return date_valid(t);
}

bool rtc_read(struct date_time *out)
{
    struct rtc_raw a, b;

    for (unsigned attempt = 0; attempt < 10; attempt++) {
        if (!rtc_read_raw(&a) || !rtc_read_raw(&b))
            return false;
        if (a.sec == b.sec && a.min == b.min && a.hour == b.hour && a.day == b.day &&
            a.month == b.month && a.year == b.year && a.century == b.century)
            return rtc_decode(&a, cmos_read(RTC_REG_B), out);
    }
    return false;
}
