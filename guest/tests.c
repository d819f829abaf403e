// SPDX-License-Identifier: MIT
/*
 * The table of test cases, in the order they run, by suite.  Add a case by
 * writing `void case_<name>(void)` in a cases_*.c file and listing it here;
 * docs/test-guest.md has the rules.  X(name) is a case refereed on Xen;
 * K(name) is Koan-only (it needs a second domain) and runs only with the
 * command-line word `koan-only`.  The system tests read these lists.
 */
#include <guest/test.h>

#define CASES_BASIC(X, K)                                                    \
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

#define CASES_MM(X, K)                                                       \
	X(mm_vm_assist)                                                      \
	X(mm_memory_queries)                                                 \
	X(mm_memory_map)                                                     \
	X(mm_machphys_mfn_list)                                              \
	X(mm_new_hierarchy)                                                  \
	X(mm_new_user_baseptr)                                               \
	X(mm_map_thousands)                                                  \
	X(mm_preserve_ad)                                                    \
	X(mm_machphys_update)                                                \
	X(mm_uvm_flush_flags)                                                \
	X(mm_mmuext_flushes)                                                 \
	X(mm_clear_copy_page)                                                \
	X(mm_multicall_mix)                                                  \
	X(mm_ptwr_mov)                                                       \
	X(mm_ptwr_xchg)                                                      \
	X(mm_ptwr_cmpxchg)                                                   \
	X(mm_ptwr_lock_cmpxchg)                                              \
	X(mm_ptwr_lock_and_or_byte)                                          \
	X(mm_ptwr_lock_btr_bts)                                              \
	X(mm_ptwr_half_stores)                                               \
	X(mm_balloon)                                                        \
	X(mm_increase_reservation)                                           \
	X(mm_tlb_stale_write)                                                \
	X(mm_map_m2p_frame)                                                  \
	X(mm_map_foreign_frames)                                             \
	X(mm_map_apic_frames)                                                \
	K(mm_map_peer_frame)                                                 \
	X(mm_map_pinned_table_writable)                                      \
	X(mm_pin_errors)                                                     \
	X(mm_l4_hypervisor_slots)                                            \
	X(mm_linear_page_tables)                                             \
	X(mm_tables_point_to_each_other)                                     \
	X(mm_unpin_errors)                                                   \
	X(mm_unpin_current_l4)                                               \
	X(mm_new_baseptr_checks)                                             \
	X(mm_entry_flags)                                                    \
	X(mm_mmu_update_bad_args)                                            \
	X(mm_mmuext_bad_args)                                                \
	X(mm_multicall_bad_args)                                             \
	X(mm_memory_op_bad_args)                                             \
	X(mm_decrease_foreign)                                               \
	X(mm_increase_beyond_max)                                            \
	X(mm_decrease_pinned_table)                                          \
	X(mm_uvm_bad_va)                                                     \
	X(mm_foreign_domids)                                                 \
	X(mm_new_baseptr_refusals)                                           \
	X(mm_long_mmu_update)                                                \
	X(mm_long_multicall)                                                 \
	X(mm_long_reservation)                                               \
	X(mm_m2p_matches_p2m)                                                \
	X(mm_debug_op_rights)

/* Speculative-execution hardening must accept (cases_spec.c). */
#define CASES_SPEC(X, K)                                                     \
	X(spec_l1tf_safe_entries)                                            \
	X(spec_l1tf_safe_tables)

/* Several vCPUs (cases_smp*.c, smp.c, smp_traps.S): in this order, each
 * building on the ones before; needs a domain with 2 vCPUs. */
#define CASES_SMP(X, K)                                                      \
	X(smp_setup)                                                         \
	X(smp_bad_vcpu_ids)                                                  \
	X(smp_runstate_offline)                                              \
	X(smp_up_uninitialised)                                              \
	X(smp_initialise_bad_contexts)                                       \
	X(smp_register_vcpu_info_bad)                                        \
	X(smp_bring_up)                                                      \
	X(smp_initialise_twice)                                              \
	X(smp_per_vcpu_traps)                                                \
	X(smp_per_vcpu_state)                                                \
	X(smp_runstate_running)                                              \
	X(smp_page_tables_both)                                              \
	X(smp_unmap_while_touching)                                          \
	X(smp_down_self)                                                     \
	X(smp_down_up)                                                       \
	X(smp_moved_vcpu_info)                                               \
	X(smp_block)                                                         \
	X(smp_register_vcpu_info_self)

/* Guest time (cases_time.c, time.c): pvclock, wallclock, registered areas. */
#define CASES_TIME(X, K)                                                     \
	X(time_vcpu_info)                                                    \
	X(time_system_time_advances)                                         \
	X(time_wallclock)                                                    \
	X(time_register_time_area)                                           \
	X(time_register_runstate_area)

/* The fuzzer (fuzz*.c): the oracle first, from a clean state. */
#define CASES_FUZZ(X, K)                                                     \
	X(fuzz_oracle)                                                       \
	X(fuzz_mm)                                                           \
	X(fuzz_ptwr)                                                         \
	X(fuzz_decoder)                                                      \
	X(fuzz_scale)

/* Benchmarks (bench.c: MMU updates; bench_cpu.c: hypercall, syscall, page
 * fault, context switch, trap): run by `make bench`, never by `make test`;
 * each case passes unless a hypercall fails, and prints its measurement. */
#define CASES_BENCH(X, K)                                                    \
	X(bench_setup)                                                       \
	X(bench_uvm)                                                         \
	X(bench_uvm_noflush)                                                 \
	X(bench_mmu_1)                                                       \
	X(bench_mmu_16)                                                      \
	X(bench_mmu_256)                                                     \
	X(bench_mmu_2048)                                                    \
	X(bench_multicall_16)                                                \
	X(bench_multicall_256)                                               \
	X(bench_hcall_version)                                               \
	X(bench_hcall_enosys)                                                \
	X(bench_syscall)                                                     \
	X(bench_pagefault)                                                   \
	X(bench_ctxsw)                                                       \
	X(bench_int3)

/* MMU updates from two vCPUs at once and from one (bench_smp.c): run by
 * `make bench` (bench/smp_mmu.py) in a domain with two vCPUs. */
#define CASES_BENCH_SMP(X, K)                                                \
	X(bench_smp_setup)                                                   \
	X(bench_mmu_1vcpu)                                                   \
	X(bench_mmu_2vcpu)

/* CPU virtualisation (cases_cpu_*.c, cpu.c, user.c, traps.S, user.S). */
#define CASES_CPU(X, K)                                                      \
	X(cpu_setup)                                                         \
	X(cpu_kernel_de)                                                     \
	X(cpu_kernel_db_singlestep)                                          \
	X(cpu_kernel_bp)                                                     \
	X(cpu_kernel_int4_int5)                                              \
	X(cpu_kernel_ud)                                                     \
	X(cpu_kernel_nm)                                                     \
	X(cpu_kernel_gp)                                                     \
	X(cpu_kernel_pf)                                                     \
	X(cpu_kernel_mf)                                                     \
	X(cpu_kernel_soft_int)                                               \
	X(cpu_event_mask_frame)                                              \
	X(cpu_user_enter_exit)                                               \
	X(cpu_user_syscall_frame)                                            \
	X(cpu_user_exceptions)                                               \
	X(cpu_user_nm)                                                       \
	X(cpu_user_soft_int)                                                 \
	X(cpu_user_demand_zero_cow)                                          \
	X(cpu_user_context_switch)                                           \
	X(cpu_msr_bases)                                                     \
	X(cpu_msr_other)                                                     \
	X(cpu_cr0)                                                           \
	X(cpu_cpuid)                                                         \
	X(cpu_rdtsc)                                                         \
	X(cpu_io_ports)                                                      \
	X(cpu_io_denied_ports)                                               \
	X(cpu_segbase_kernel)                                                \
	X(cpu_segbase_user)                                                  \
	X(cpu_hostile_trap_table)                                            \
	X(cpu_hostile_callbacks)                                             \
	X(cpu_hostile_stack_switch)                                          \
	X(cpu_hostile_segment_base)                                          \
	X(cpu_desc_set_gdt)                                                  \
	X(cpu_desc_gdt_selectors)                                            \
	X(cpu_desc_update_descriptor)                                        \
	X(cpu_desc_stale_selector)                                           \
	X(cpu_desc_ldt)                                                      \
	X(cpu_db_on_bounce_frame)                                            \
	X(cpu_ldt_guest_access)                                              \
	X(cpu_ldt_hypervisor_load)                                           \
	X(cpu_ldt_mapping_lifetime)                                          \
	X(cpu_ldt_reload)                                                    \
	X(cpu_compat_port_io)                                                \
	X(cpu_ptwr_segment_prefixes)                                         \
	K(cpu_fpu_two_domains)                                               \
	K(cpu_ldt_switch_between_steps)

#define DECLARE_CASE(name) void case_##name(void);
CASES_BASIC(DECLARE_CASE, DECLARE_CASE)
CASES_MM(DECLARE_CASE, DECLARE_CASE)
CASES_FUZZ(DECLARE_CASE, DECLARE_CASE)
CASES_CPU(DECLARE_CASE, DECLARE_CASE)
CASES_SPEC(DECLARE_CASE, DECLARE_CASE)
CASES_SMP(DECLARE_CASE, DECLARE_CASE)
CASES_TIME(DECLARE_CASE, DECLARE_CASE)
CASES_BENCH(DECLARE_CASE, DECLARE_CASE)
CASES_BENCH_SMP(DECLARE_CASE, DECLARE_CASE)

#define ENTRY(suite, koan_only, name) { #name, case_##name, suite, koan_only },
#define BASIC(name) ENTRY(SUITE_BASIC, false, name)
#define BASIC_K(name) ENTRY(SUITE_BASIC, true, name)
#define MM(name) ENTRY(SUITE_MM, false, name)
#define MM_K(name) ENTRY(SUITE_MM, true, name)
#define FUZZ(name) ENTRY(SUITE_FUZZ, false, name)
#define FUZZ_K(name) ENTRY(SUITE_FUZZ, true, name)
#define CPU(name) ENTRY(SUITE_CPU, false, name)
#define CPU_K(name) ENTRY(SUITE_CPU, true, name)
#define SPEC(name) ENTRY(SUITE_SPEC, false, name)
#define SPEC_K(name) ENTRY(SUITE_SPEC, true, name)
#define SMP(name) ENTRY(SUITE_SMP, false, name)
#define SMP_K(name) ENTRY(SUITE_SMP, true, name)
#define TIME(name) ENTRY(SUITE_TIME, false, name)
#define TIME_K(name) ENTRY(SUITE_TIME, true, name)
#define BENCH(name) ENTRY(SUITE_BENCH, false, name)
#define BENCH_K(name) ENTRY(SUITE_BENCH, true, name)
#define BENCH_SMP(name) ENTRY(SUITE_BENCH_SMP, false, name)
#define BENCH_SMP_K(name) ENTRY(SUITE_BENCH_SMP, true, name)

const struct guest_test guest_tests[] = {
	CASES_BASIC(BASIC, BASIC_K)
	CASES_MM(MM, MM_K)
	CASES_FUZZ(FUZZ, FUZZ_K)
	CASES_CPU(CPU, CPU_K)
	CASES_SPEC(SPEC, SPEC_K)
	CASES_SMP(SMP, SMP_K)
	CASES_TIME(TIME, TIME_K)
	CASES_BENCH(BENCH, BENCH_K)
	CASES_BENCH_SMP(BENCH_SMP, BENCH_SMP_K)
};
const unsigned int guest_nr_tests =
	sizeof(guest_tests) / sizeof(guest_tests[0]);

static const struct {
	const char *name;
	unsigned int bit;
} suites[] = {
	{ "basic", SUITE_BASIC },
	{ "mm", SUITE_MM },
	{ "fuzz", SUITE_FUZZ },
	{ "cpu", SUITE_CPU },
	{ "spec", SUITE_SPEC },
	{ "smp", SUITE_SMP },
	{ "time", SUITE_TIME },
	{ "bench", SUITE_BENCH },
	{ "bench-smp", SUITE_BENCH_SMP },
};

unsigned int test_suite_bit(const char *name, unsigned long len)
{
	unsigned int i;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (strlen(suites[i].name) == len &&
		    !strncmp(suites[i].name, name, len))
			return suites[i].bit;
	return 0;
}
