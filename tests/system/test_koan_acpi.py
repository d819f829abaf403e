# SPDX-License-Identifier: MIT
"""Koan finds the machine's CPUs in QEMU's ACPI tables (hyp/lib/acpi*.c,
docs/boot.md "Finding the CPUs"): the boot log names as many CPUs as QEMU
was given, with their APIC ids, and the IO-APIC; boot then goes on."""
import re

import pytest

import qemu_harness as h

CPUS_RE = re.compile(r"^koan: acpi: MADT lists (\d+) CPUs? \(apic ids ([\d ]+)\)"
                     r"(?:, IO-APIC (\d+) at (0x[0-9a-f]+))*$")
WHERE_RE = re.compile(r"^koan: acpi: RSDP rev \d+ at 0x[0-9a-f]+, (RSDT|XSDT) at "
                      r"0x[0-9a-f]+, MADT at 0x[0-9a-f]+, local APIC at 0xfee00000$")


@pytest.mark.parametrize("smp", [1, 2])
def test_boot_log_lists_the_cpus_qemu_was_given(smp):
    run = h.run_koan("koan_acpi_smp%d" % smp, ["--smp", str(smp)])
    found = [m for m in map(CPUS_RE.match, run.lines()) if m]
    assert len(found) == 1, run
    m = found[0]
    assert int(m[1]) == smp, run
    assert m[2].split() == [str(i) for i in range(smp)], run
    assert (m[3], m[4]) == ("0", "0xfec00000"), run
    assert any(WHERE_RE.match(l) for l in run.lines()), run
    assert not any("acpi:" in l and "warning" in l for l in run.lines()), run
    # Boot went on past ACPI: no module, so nothing to run.
    assert run.has_line("koan: no domain to run"), run
    assert run.exit_code == 3, run


def test_machine_without_acpi_boots_on_one_cpu_and_says_why():
    """QEMU with acpi=off: SeaBIOS writes no tables.  The failure is one clear
    warning, and boot goes on as before."""
    run = h.run_koan("koan_acpi_off", ["--smp", "2", "--", "-machine", "acpi=off"])
    assert run.has_line("koan: warning: acpi: no RSDP found (EBDA, 0xe0000-0xfffff); "
                        "going on with one CPU"), run
    assert not any(CPUS_RE.match(l) for l in run.lines()), run
    assert run.has_line("koan: no domain to run"), run
    assert run.exit_code == 3, run
