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
	X(xenpmu_off)                                                        \
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
	X(mm_exchange)                                                       \
	X(mm_exchange_orders)                                                \
	X(mm_exchange_long)                                                  \
	X(mm_exchange_bad_args)                                              \
	X(mm_exchange_refused)                                               \
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
	X(mm_pirq_eoi_map)                                                   \
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

/* Event channels (cases_evtchn*.c, evtchn.c, evtchn_entry.S): loopback
 * channels on Xen's lone dom0; needs a domain with 2 vCPUs. */
#define CASES_EVTCHN(X, K)                                                   \
	X(evtchn_setup)                                                      \
	X(evtchn_status_fresh)                                               \
	X(evtchn_alloc_unbound)                                              \
	X(evtchn_loopback)                                                   \
	X(evtchn_send_bits)                                                  \
	X(evtchn_close_bound_peer)                                           \
	X(evtchn_bind_interdomain_refused)                                   \
	X(evtchn_virq)                                                       \
	X(evtchn_ipi)                                                        \
	X(evtchn_bind_vcpu)                                                  \
	X(evtchn_unmask)                                                     \
	X(evtchn_bad_pointers)                                               \
	X(evtchn_readonly_answer)                                            \
	X(evtchn_other_commands)                                             \
	X(evtchn_compat)                                                     \
	X(evtchn_upcall_self)                                                \
	X(evtchn_upcall_masked)                                              \
	X(evtchn_upcall_after_iret)                                          \
	X(evtchn_upcall_vcpu1)                                               \
	X(evtchn_upcall_user)                                                \
	X(evtchn_block_wakes)                                                \
	X(evtchn_poll)                                                       \
	X(evtchn_poll_wakes)                                                 \
	X(evtchn_exhaust)                                                    \
	X(evtchn_reset)                                                      \
	K(evtchn_fifo_refused)                                               \
	K(evtchn_other_domain)

/* Guest time (cases_time.c, time.c): pvclock, wallclock, registered areas. */
#define CASES_TIME(X, K)                                                     \
	X(time_vcpu_info)                                                    \
	X(time_system_time_advances)                                         \
	X(time_wallclock)                                                    \
	X(time_register_time_area)                                           \
	X(time_register_runstate_area)                                       \
	X(time_timer_default_periodic)                                       \
	X(time_timer_set_timer_op)                                           \
	X(time_timer_vcpu_ops)                                               \
	X(time_timer_periodic)                                               \
	X(time_poll_deadline)

/* Grant tables (cases_gnttab_*.c, gnttab.c): query_size first, before
 * anything sets the table up; the two-domain cases (K) last, the very last
 * ending the domU while mapped. */
#define CASES_GNTTAB(X, K)                                                   \
	X(gnttab_query_size)                                                 \
	X(gnttab_setup_table)                                                \
	X(gnttab_version)                                                    \
	X(gnttab_status_frames)                                              \
	X(gnttab_bad_commands)                                               \
	X(gnttab_swap_grant_ref)                                             \
	X(gnttab_map_self)                                                   \
	X(gnttab_map_readonly)                                               \
	X(gnttab_map_contains_pte)                                           \
	X(gnttab_map_pte_bits)                                               \
	X(gnttab_map_device)                                                 \
	X(gnttab_unmap_errors)                                               \
	X(gnttab_unmap_and_replace)                                          \
	X(gnttab_map_bad_refs)                                               \
	X(gnttab_grant_bad_frames)                                           \
	X(gnttab_revoke_while_mapped)                                        \
	X(gnttab_batches)                                                    \
	X(gnttab_long_batch)                                                 \
	X(gnttab_handles_exhausted)                                          \
	X(gnttab_copy_frames)                                                \
	X(gnttab_copy_grants)                                                \
	X(gnttab_transfer_self)                                              \
	K(gnttab_peer_map)                                                   \
	K(gnttab_peer_map_by_domU)                                           \
	K(gnttab_peer_copy)                                                  \
	K(gnttab_peer_transfer)                                              \
	K(gnttab_peer_rights)                                                \
	K(gnttab_peer_ends_while_mapped)

/* The fuzzer (fuzz*.c): the oracle first, from a clean state. */
#define CASES_FUZZ(X, K)                                                     \
	X(fuzz_oracle)                                                       \
	X(fuzz_mm)                                                           \
	X(fuzz_ptwr)                                                         \
	X(fuzz_decoder)                                                      \
	X(fuzz_scale)

/* Benchmarks (bench.c: MMU updates; bench_cpu.c: hypercall, syscall, page
 * fault, context switch, trap; bench_fsbase.c: setting the FS base): run by
 * `make bench`, never by `make test`; each case passes unless a hypercall
 * fails (or the CPU lacks what it measures), and prints its measurement. */
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
	X(bench_int3)                                                        \
	X(bench_fsbase_hcall)                                                \
	X(bench_fsbase_wrmsr)                                                \
	X(bench_fsbase_rdmsr)                                                \
	X(bench_fsbase_wrfsbase)                                             \
	X(bench_fsbase_rdfsbase)

/* MMU updates from two vCPUs at once and from one (bench_smp.c): run by
 * `make bench` (bench/smp_mmu.py) in a domain with two vCPUs. */
#define CASES_BENCH_SMP(X, K)                                                \
	X(bench_smp_setup)                                                   \
	X(bench_mmu_1vcpu)                                                   \
	X(bench_mmu_2vcpu)

/* Koan's scheduler operation, hypercall 54 (cases_sched.c): Xen has none,
 * so Koan-only; dom0 with `peer-domid=N`, and that domU. */
#define CASES_SCHED(X, K)                                                    \
	K(sched_bvt_params)                                                  \
	K(sched_bvt_bad_args)

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
	X(cpu_dr_mov)                                                        \
	X(cpu_dr_cr4_de)                                                     \
	X(cpu_dr_user)                                                       \
	X(cpu_cr4)                                                           \
	X(cpu_tsd)                                                           \
	X(cpu_fsgsbase)                                                      \
	X(cpu_cli_sti)                                                       \
	X(cpu_architectural_iopl)                                            \
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
CASES_EVTCHN(DECLARE_CASE, DECLARE_CASE)
CASES_TIME(DECLARE_CASE, DECLARE_CASE)
CASES_GNTTAB(DECLARE_CASE, DECLARE_CASE)
CASES_SCHED(DECLARE_CASE, DECLARE_CASE)
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
#define EVTCHN(name) ENTRY(SUITE_EVTCHN, false, name)
#define EVTCHN_K(name) ENTRY(SUITE_EVTCHN, true, name)
#define TIME(name) ENTRY(SUITE_TIME, false, name)
#define TIME_K(name) ENTRY(SUITE_TIME, true, name)
#define GNTTAB(name) ENTRY(SUITE_GNTTAB, false, name)
#define GNTTAB_K(name) ENTRY(SUITE_GNTTAB, true, name)
#define SCHED(name) ENTRY(SUITE_SCHED, false, name)
#define SCHED_K(name) ENTRY(SUITE_SCHED, true, name)
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
	CASES_EVTCHN(EVTCHN, EVTCHN_K)
	CASES_TIME(TIME, TIME_K)
	CASES_GNTTAB(GNTTAB, GNTTAB_K)
	CASES_SCHED(SCHED, SCHED_K)
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
	{ "evtchn", SUITE_EVTCHN },
	{ "time", SUITE_TIME },
	{ "gnttab", SUITE_GNTTAB },
	{ "sched", SUITE_SCHED },
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
