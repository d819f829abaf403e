# SPDX-License-Identifier: MIT
# The Koan test guest: a tiny 64-bit PV kernel (guest/), linked at
# 0xffffffff80001000, built to build/guest/koan-guest.elf, plus the test
# ramdisk its `module` case checks (build/guest/koan-ramdisk.bin).
# Included by the top Makefile; see docs/test-guest.md.

GUEST_BUILD := $(BUILD)/guest
GUEST_ELF   := $(GUEST_BUILD)/koan-guest.elf
GUEST_RAMDISK := $(GUEST_BUILD)/koan-ramdisk.bin
GUEST_SRCS  := $(sort $(wildcard guest/*.c guest/*.S))
GUEST_OBJS  := $(patsubst guest/%,$(GUEST_BUILD)/%.o,$(GUEST_SRCS))
# Koan's pure library (strings, formatting), shared rather than written twice.
GUEST_LIB_SRCS := hyp/lib/string.c hyp/lib/format.c
GUEST_OBJS  += $(patsubst hyp/lib/%,$(GUEST_BUILD)/lib/%.o,$(GUEST_LIB_SRCS))

# Linked in the top 2 GiB, so the kernel code model; not position independent.
GUEST_CFLAGS := $(FREESTANDING_CFLAGS) -Iguest/include -Iinclude -fno-pie -fno-pic \
	-mcmodel=kernel -fno-omit-frame-pointer
GUEST_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 \
	-z noexecstack -Wl,--build-id=none -Wl,--no-dynamic-linker

guest: $(GUEST_ELF) $(GUEST_RAMDISK)

$(GUEST_BUILD)/%.c.o: guest/%.c | $(BUILD)/include/xen
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(GUEST_BUILD)/lib/%.c.o: hyp/lib/%.c | $(BUILD)/include/xen
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(GUEST_BUILD)/%.S.o: guest/%.S | $(BUILD)/include/xen
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@

$(GUEST_ELF): $(GUEST_OBJS) guest/koan-guest.ld
	$(CC) $(GUEST_LDFLAGS) -T guest/koan-guest.ld -o $@ $(GUEST_OBJS) -lgcc

$(GUEST_RAMDISK): guest/mkramdisk.py
	@mkdir -p $(dir $@)
	$(PYTHON) guest/mkramdisk.py $@
