// SPDX-License-Identifier: MIT
/* Reading guest time (guest/include/guest/time.h). */
#include <guest/lib.h>
#include <guest/time.h>

void time_info_read(const volatile struct vcpu_time_info *t, struct vcpu_time_info *out)
{
	uint32_t v;

	do {
		v = t->version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		out->tsc_timestamp = t->tsc_timestamp;
		out->system_time = t->system_time;
		out->tsc_to_system_mul = t->tsc_to_system_mul;
		out->tsc_shift = t->tsc_shift;
		out->flags = t->flags;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((v & 1) || v != t->version);
	out->version = v;
}

uint64_t time_info_now(const struct vcpu_time_info *t)
{
	uint64_t delta = tsc_read() - t->tsc_timestamp;

	if (t->tsc_shift >= 0)
		delta <<= t->tsc_shift;
	else
		delta >>= -t->tsc_shift;
	return t->system_time + (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
}

uint64_t time_info_hz(const struct vcpu_time_info *t)
{
	/* 10^9 * 2^32 fits in 64 bits. */
	uint64_t hz = t->tsc_to_system_mul ? (1000000000ull << 32) / t->tsc_to_system_mul : 0;

	return t->tsc_shift >= 0 ? hz >> t->tsc_shift : hz << -t->tsc_shift;
}

uint64_t time_wallclock_base(const volatile struct shared_info *si)
{
	uint32_t v, sec, hi, nsec;

	do {
		v = si->wc_version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		sec = si->wc_sec;
		hi = si->wc_sec_hi;
		nsec = si->wc_nsec;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((v & 1) || v != si->wc_version);
	return (((uint64_t)hi << 32 | sec) * 1000000000ull) + nsec;
}
