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
