# SPDX-License-Identifier: MIT
# Host unit tests (tier 1): each tests/unit/test_<name>.c is linked with the
# hypervisor sources it exercises (UNIT_SRCS_<name>) and cmocka, built with
# ASan+UBSan into build/tests/unit/, and run by `make unit-test`, which fails
# if any test binary fails.  Add a test: create test_<name>.c and list its
# sources below (and UNIT_LIBS_<name>, e.g. -pthread or -llzma, if it needs more).

UNIT_DIR    := $(BUILD)/tests/unit
UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-DKOAN_HOST_TEST -Iinclude -I$(BUILD)/include -D__XEN_INTERFACE_VERSION__=0x00040e00 \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_LDLIBS := -lcmocka
UNIT_HDRS   := $(wildcard include/hyp/*.h include/asm/*.h tests/unit/*.h hyp/arch/fake/*.h hyp/lib/*.h \
	hyp/common/*.h)

UNIT_SRCS_string      := hyp/lib/string.c
UNIT_SRCS_format      := hyp/lib/format.c hyp/lib/string.c
UNIT_SRCS_elf         := hyp/lib/elf.c hyp/lib/string.c hyp/mm/guest_range.c
UNIT_SRCS_dom_layout  := hyp/pv/dom_layout.c hyp/lib/elf.c hyp/lib/string.c hyp/mm/guest_range.c
UNIT_SRCS_frame_alloc := hyp/mm/frame_alloc.c hyp/lib/string.c hyp/common/spinlock.c
UNIT_SRCS_guest_range := hyp/mm/guest_range.c
UNIT_SRCS_x86_emulate := hyp/pv/x86_decode.c hyp/pv/x86_emulate.c hyp/lib/string.c \
	tests/unit/x86_oracle.c tests/unit/x86_oracle_gen.c
UNIT_SRCS_x86_compat  := $(UNIT_SRCS_x86_emulate)
UNIT_SRCS_modspec     := hyp/lib/modspec.c hyp/lib/string.c hyp/common/bvt.c
UNIT_SRCS_descriptor  := hyp/pv/descriptor.c
UNIT_SRCS_console_ring := hyp/lib/console_ring.c
UNIT_SRCS_io_reserved := hyp/lib/io_reserved.c
UNIT_SRCS_run_queue   := hyp/common/run_queue.c
UNIT_SRCS_evtchn_table := hyp/common/evtchn_table.c tests/unit/fake_pages.c
UNIT_SRCS_domain_table := hyp/common/domain_table.c hyp/common/spinlock.c hyp/lib/string.c tests/unit/fake_pages.c
UNIT_LIBS_domain_table := -pthread
UNIT_SRCS_evtchn_2l   := hyp/common/evtchn_2l.c
UNIT_LIBS_evtchn_2l   := -pthread
UNIT_SRCS_run_queue   := hyp/common/run_queue.c hyp/common/bvt.c
UNIT_SRCS_time_math   := hyp/lib/pvclock.c hyp/lib/date.c
UNIT_SRCS_timer_queue := hyp/common/timer_queue.c
UNIT_SRCS_bvt         := hyp/common/bvt.c tests/unit/bvt_sim.c
ACPI_SRCS             := hyp/lib/acpi.c hyp/lib/acpi_rsdp.c hyp/lib/acpi_madt.c hyp/lib/string.c
UNIT_SRCS_acpi        := $(ACPI_SRCS) tests/unit/acpi_fake.c
UNIT_SRCS_acpi_fuzz   := $(ACPI_SRCS) tests/unit/acpi_fake.c
MM_CHECK_SRCS         := hyp/mm/mm_check.c hyp/mm/mm_check_domains.c hyp/mm/frame_alloc.c hyp/common/spinlock.c \
	hyp/common/grant_table_refs.c
# The frame table on the fake arch (hyp/arch/fake), with the checker.
FAKE_MM_SRCS          := hyp/common/work_budget.c hyp/mm/frame_table.c hyp/mm/domain_pages.c hyp/mm/pt.c \
	hyp/mm/pte_l1tf.c $(MM_CHECK_SRCS) hyp/lib/string.c hyp/arch/fake/fake_mm.c hyp/pv/descriptor.c
UNIT_SRCS_frame_table := $(FAKE_MM_SRCS)
UNIT_SRCS_frame_exchange := $(FAKE_MM_SRCS)
UNIT_SRCS_pt          := $(FAKE_MM_SRCS)
UNIT_SRCS_pte_l1tf    := $(FAKE_MM_SRCS)
UNIT_SRCS_mm_check    := $(FAKE_MM_SRCS)
UNIT_SRCS_tlbflush    := hyp/mm/tlbflush.c
UNIT_SRCS_tlb_mask    := hyp/mm/tlb_mask.c
UNIT_LIBS_tlbflush    := -pthread
UNIT_SRCS_spinlock    := hyp/common/spinlock.c
# The grant tables' core on the same fake machine (not the hypercall layer or hooks).
GRANT_SRCS            := $(FAKE_MM_SRCS) hyp/common/grant_table.c hyp/common/grant_table_pin.c \
	hyp/common/grant_table_maptrack.c hyp/common/grant_table_map.c \
	hyp/common/grant_table_copy.c hyp/common/grant_table_transfer.c
UNIT_SRCS_grant_table := $(GRANT_SRCS)
UNIT_SRCS_grant_table_concurrent := $(GRANT_SRCS)
UNIT_SRCS_grant_table_memory := $(GRANT_SRCS)
UNIT_LIBS_grant_table_concurrent := -pthread
UNIT_SRCS_frame_table_concurrent := $(FAKE_MM_SRCS)
UNIT_LIBS_frame_table_concurrent := -pthread
UNIT_LIBS_spinlock    := -pthread
XZ_SRCS               := hyp/lib/xz_stream.c hyp/lib/xz_check.c hyp/lib/xz_lzma2.c \
	hyp/lib/xz_lzma.c hyp/lib/xz_bcj.c hyp/lib/string.c
UNIT_SRCS_xz          := $(XZ_SRCS) tests/unit/xz_oracle.c
UNIT_LIBS_xz          := -llzma
UNIT_SRCS_bzimage     := hyp/lib/bzimage.c $(UNIT_SRCS_xz)
UNIT_LIBS_bzimage     := -llzma
UNIT_SRCS_spec_ctrl   := hyp/arch/x86_64/spec_ctrl_policy.c hyp/mm/pte_l1tf.c hyp/lib/format.c hyp/lib/string.c

UNIT_NAMES := $(patsubst tests/unit/test_%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(patsubst %,$(UNIT_DIR)/test_%,$(UNIT_NAMES))

define unit_test_rule
$(UNIT_DIR)/test_$(1): tests/unit/test_$(1).c $(UNIT_SRCS_$(1)) $(UNIT_HDRS) \
		tests/unit/unit.mk | $(BUILD)/include/xen
	@mkdir -p $(UNIT_DIR)
	$(CC) $(UNIT_CFLAGS) -o $$@ tests/unit/test_$(1).c $(UNIT_SRCS_$(1)) $(UNIT_LDLIBS) $(UNIT_LIBS_$(1))
endef
$(foreach t,$(UNIT_NAMES),$(eval $(call unit_test_rule,$(t))))

# Run every binary even after a failure, then fail if any did.
unit-test: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; $$t || { echo "unit-test: $$t FAILED"; fail=1; }; \
	done; exit $$fail

# The concurrent frame-table and grant-table tests again under ThreadSanitizer
# (no ASan with it): data races between plain and atomic accesses.  Not part of unit-test;
# `make unit-test-tsan` (KOAN_STRESS=n for longer).
UNIT_ASAN_FLAG   := -fsanitize=address,undefined
UNIT_TSAN_CFLAGS := $(filter-out $(UNIT_ASAN_FLAG),$(UNIT_CFLAGS)) -fsanitize=thread -Wno-tsan
$(UNIT_DIR)/test_frame_table_concurrent_tsan: tests/unit/test_frame_table_concurrent.c \
		$(UNIT_SRCS_frame_table_concurrent) $(UNIT_HDRS) tests/unit/unit.mk | $(BUILD)/include/xen
	@mkdir -p $(UNIT_DIR)
	$(CC) $(UNIT_TSAN_CFLAGS) -pthread -o $@ tests/unit/test_frame_table_concurrent.c \
		$(UNIT_SRCS_frame_table_concurrent) $(UNIT_LDLIBS)
$(UNIT_DIR)/test_grant_table_concurrent_tsan: tests/unit/test_grant_table_concurrent.c \
		$(UNIT_SRCS_grant_table_concurrent) $(UNIT_HDRS) tests/unit/unit.mk | $(BUILD)/include/xen
	@mkdir -p $(UNIT_DIR)
	$(CC) $(UNIT_TSAN_CFLAGS) -pthread -o $@ tests/unit/test_grant_table_concurrent.c \
		$(UNIT_SRCS_grant_table_concurrent) $(UNIT_LDLIBS)
unit-test-tsan: $(UNIT_DIR)/test_frame_table_concurrent_tsan $(UNIT_DIR)/test_grant_table_concurrent_tsan
	$(UNIT_DIR)/test_frame_table_concurrent_tsan
	$(UNIT_DIR)/test_grant_table_concurrent_tsan
