# SPDX-License-Identifier: MIT
"""Koan on its own: boots, reports the machine's memory, finds nothing to run."""
import re

import qemu_harness as h

REGION_RE = re.compile(r"^koan:   \[0x[0-9a-f]+-0x[0-9a-f]+\] (usable|reserved)")
USABLE_RE = re.compile(r"^koan: (\d+) MiB usable")


def test_boot_without_modules_reports_memory_map_and_exits_3():
    run = h.run_koan("koan_no_modules", [])
    lines = run.lines()
    assert any(l.startswith("koan: memory map:") for l in lines), run
    regions = [m for m in map(REGION_RE.match, lines) if m]
    assert any(m[1] == "usable" for m in regions), run
    usable = [int(m[1]) for m in map(USABLE_RE.match, lines) if m]
    # QEMU gives 512 MiB by default; most of it is usable RAM.
    assert usable and 256 <= usable[0] <= 512, run
    assert run.exit_code == 3, run


def test_hypervisor_fault_dumps_registers_and_stack_and_exits_2():
    """A fault in the hypervisor itself (selftest=fault writes to address 0x10)
    is a bug: register dump, stack trace, status 2 -- and no guest runs."""
    run = h.run_koan("koan_selftest_fault", h.koan_guest("dom0"),
                     append="loglvl=info selftest=fault")
    text = "\n".join(run.lines())
    assert "koan: FATAL: #PF page fault (vector 14) in the hypervisor" in text, run
    assert re.search(r"cr0 [0-9a-f]{16}  cr2 0000000000000010", text), run
    trace = re.findall(r"^    \[<([0-9a-f]{16})>\]", text, re.M)
    assert len(trace) >= 2, run   # the faulting rip and at least one caller
    assert not any(l.startswith("(dom0)") for l in run.lines()), run
    assert run.exit_code == 2, run
