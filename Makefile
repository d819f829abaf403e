# SPDX-License-Identifier: MIT
# Koan top-level build.  `make run` boots Linux as a domU (scenario linux), `make test` runs
# every test tier.  Both first install what is missing (scripts/install-deps.sh).

BUILD      := build
CC         := gcc
PYTHON     := /usr/bin/python3
XEN_INC    := /usr/include/xen
GCC_INC    := $(shell $(CC) -print-file-name=include)

# Shared by hypervisor and test guest: freestanding, no libc, the Xen public
# ABI from Debian's libxen-dev through build/include/xen.
FREESTANDING_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding -fno-builtin -fno-stack-protector -fno-strict-aliasing \
	-fno-asynchronous-unwind-tables -mno-red-zone -mgeneral-regs-only \
	-nostdinc -isystem $(GCC_INC) -I$(BUILD)/include \
	-D__XEN_INTERFACE_VERSION__=0x00040e00

# The hypervisor lives in L4 slot 261, far from the top 2 GiB, so it is built
# position-independent (RIP-relative, small PIC model) and linked at its final
# address; see docs/boot.md.
# Retpolines: every indirect call and jump goes through the thunks of
# hyp/arch/x86_64/spec_ctrl_thunk.S (docs/security.md, "Spectre v2").
HYP_CFLAGS := $(FREESTANDING_CFLAGS) -fpie -fvisibility=hidden -Iinclude \
	-fno-omit-frame-pointer -DKOAN_HYPERVISOR \
	-mindirect-branch=thunk-extern -mindirect-branch-register -DKOAN_RETPOLINE
HYP_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
	-Wl,--no-dynamic-linker -Wl,--build-id=none -Wl,--no-warn-rwx-segments

HYP_SRCS := $(shell find hyp -name '*.c' -o -name '*.S' | grep -v '^hyp/arch/fake/' | sort)
HYP_OBJS := $(patsubst %,$(BUILD)/%.o,$(HYP_SRCS))
KOAN     := $(BUILD)/koan.elf

DEPS_STAMP := $(BUILD)/.deps-installed

.PHONY: all deps hyp guest run run-guests test unit-test system-test clean bench fuzz linux-images

# `make fuzz`: the long campaign of every kind of the test guest's fuzzer
# (tests/system/test_fuzz.py and test_fuzz_smp.py with KOAN_FUZZ_LONG=1;
# docs/testing.md): the suite with the oracle on Koan and Xen, delivery in
# two domUs per seed, the scale amplification beside a watching dom0, the
# concurrent mode at -smp 2.  What it covered is kept
# in build/tests/system/fuzz_coverage.txt and printed at the end.
FUZZ_SEED ?= 1
all: hyp guest

$(DEPS_STAMP): scripts/install-deps.sh
	bash scripts/install-deps.sh
	@mkdir -p $(BUILD) && touch $@
deps: $(DEPS_STAMP)

$(BUILD)/include/xen: | $(DEPS_STAMP)
	@mkdir -p $(BUILD)/include
	ln -sfn $(XEN_INC) $@

hyp: $(KOAN)

$(BUILD)/hyp/%.c.o: hyp/%.c | $(BUILD)/include/xen
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(HYP_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/hyp/%.S.o: hyp/%.S | $(BUILD)/include/xen
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(HYP_CFLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@

$(KOAN): $(HYP_OBJS) hyp/arch/x86_64/koan.ld scripts/check-image-layout.sh
	@echo "  LD      $@"
	@$(CC) $(HYP_LDFLAGS) -T hyp/arch/x86_64/koan.ld -o $@.tmp $(HYP_OBJS)
	@bash scripts/check-image-layout.sh $@.tmp
	@mv $@.tmp $@

include guest/guest.mk
include tests/unit/unit.mk

# Debian's Linux as a domU, to a busybox shell (Ctrl-T three times: input to
# another domain; Ctrl-a x: leave QEMU); run-guests: the two test guests.
run: deps all linux-images
	scripts/qemu-run.sh --scenario linux

run-guests: deps all
	scripts/qemu-run.sh --scenario default

# Every system test, then the Koan ones again on two CPUs (KOAN_SMP=2:
# Koan boots that do not choose their CPUs get -smp 2; docs/testing.md).
# Debian's kernel (linux-images) is a bzImage the builder must load.
system-test: all linux-images
	$(PYTHON) -m pytest -v tests/system
	KOAN_SMP=2 $(PYTHON) -m pytest -v tests/system -k "not xen"

test: deps
	@bash scripts/line-counts.sh
	$(MAKE) all
	$(MAKE) linux-images
	$(MAKE) unit-test
	$(MAKE) system-test

fuzz: all
	rm -f $(BUILD)/tests/system/fuzz_coverage.txt
	KOAN_FUZZ_LONG=1 FUZZ_SEED=$(FUZZ_SEED) $(PYTHON) -m pytest -v -s tests/system/test_fuzz.py \
		tests/system/test_fuzz_smp.py; \
		status=$$?; cat $(BUILD)/tests/system/fuzz_coverage.txt; exit $$status

# `make linux-images`: a plain Linux kernel and initramfs from Debian's
# packages (downloaded and unpacked, never installed; fetched only when
# missing) with busybox, an /init that runs `koan.run=` from the kernel
# command line, and our programs (scripts/build-linux-images.sh).
LINUX_DIR      := $(BUILD)/linux
LINUX_PROGRAMS := $(sort $(wildcard bench/linux/*.c))
linux-images: $(LINUX_DIR)/vmlinuz $(LINUX_DIR)/initramfs.cpio.gz
$(LINUX_DIR)/vmlinuz: | $(DEPS_STAMP)
	bash scripts/build-linux-images.sh $(LINUX_PROGRAMS)
$(LINUX_DIR)/initramfs.cpio.gz: scripts/build-linux-images.sh scripts/linux-init.sh \
		$(LINUX_PROGRAMS) | $(LINUX_DIR)/vmlinuz
	bash scripts/build-linux-images.sh $(LINUX_PROGRAMS)

# `make bench`: the test guest's bench suite on Koan and on Xen 4.17, normal
# and -icount runs, printed as one table, then Koan's SMP costs (IPI round
# trip, remote TLB flush: bench/smp_costs.py), MMU updates from two vCPUs
# on both at -smp 2 (bench/smp_mmu.py), then two CPU-bound burners from
# -smp 1 to -smp 2 on Koan and on native Linux (bench/smp_scaling.py), then
# the scheduler's instructions per switch with 2, 16 and 128 domains under
# -icount, and the hypervisor's memory per domain (bench/sched_switch.py),
# then event-channel ping-pong and the I/O ring between two domains, Koan
# only (bench/ring.py), then our lmbench-style program in Linux natively, as
# Xen's dom0 and as a Koan domU (bench/lmbench.py, bench/linux/lmb.c);
# docs/performance.md.  Not part of `make test`: timings are never asserted.
bench: all linux-images
	$(PYTHON) bench/run.py
	$(PYTHON) bench/smp_costs.py
	$(PYTHON) bench/smp_mmu.py
	$(PYTHON) bench/smp_scaling.py
	$(PYTHON) bench/sched_switch.py
	$(PYTHON) bench/ring.py
	$(PYTHON) bench/lmbench.py

clean:
	rm -rf $(BUILD)/hyp $(BUILD)/guest $(BUILD)/tests $(KOAN)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
