// SPDX-License-Identifier: MIT
/*
 * The table of test cases, in the order they run (and are numbered).  Add a
 * case by writing `void case_<name>(void)` in a cases_*.c file and listing
 * it here; docs/test-guest.md has the rules.
 */
#include <guest/test.h>

#define CASES(X)                                                             \
	X(hello)                                                             \
	X(start_info_magic)                                                  \
	X(start_info_flags)                                                  \
	X(start_info_nr_pages)                                               \
	X(cmdline_marker)                                                    \
	X(image_loaded)                                                      \
	X(page_tables_walk)                                                  \
	X(p2m_m2p_agree)                                                     \
	X(module)                                                            \
	X(console_io_unmapped)                                               \
	X(console_io_hypervisor_range)                                       \
	X(console_io_noncanonical)                                           \
	X(console_io_bad_cmd)                                                \
	X(hypercall_unknown)                                                 \
	X(xen_version)                                                       \
	X(xen_version_features)                                              \
	X(xen_version_bad_submap)                                            \
	X(xen_version_unknown_cmd)                                           \
	X(hypercall_page)                                                    \
	X(sched_yield)

#define DECLARE_CASE(name) void case_##name(void);
CASES(DECLARE_CASE)

#define TABLE_ENTRY(name) { #name, case_##name },
const struct guest_test guest_tests[] = { CASES(TABLE_ENTRY) };
const unsigned int guest_nr_tests =
	sizeof(guest_tests) / sizeof(guest_tests[0]);
