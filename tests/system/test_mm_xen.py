# SPDX-License-Identifier: MIT
"""Real Xen 4.17 referees the mm suite: every case passes with the guest as
Xen's dom0, and the fuzzer runs there without taking the guest down (Xen
has no frame-table check, so only survival and the guest's own final
checks count)."""
import re

import pytest

import qemu_harness as h

MM_SUITES = ("basic", "mm")


def test_mm_suite_passes_on_xen(xen_mm_run):
    run = xen_mm_run
    run.guest(None).assert_all_passed(str(run), suites=MM_SUITES)
    assert any("Hardware Dom0 halted" in l for l in run.lines()), run


def test_fuzzer_survives_on_xen():
    if not (h.ROOT / h.XEN).is_file():
        pytest.skip("%s is missing" % h.XEN)
    run = h.run_xen_dom0("xen_fuzz", ["suite=fuzz", "fuzz-seed=1",
                                      "fuzz-calls=20000"], ramdisk=False)
    run.guest(None).assert_all_passed(str(run), suites=("fuzz",))
    progress = [l for l in run.lines()
                if re.match(r"^fuzz: seed 1: \d+/20000 calls", l)]
    assert len(progress) == 2, run
    assert "fuzz: seed 1 done: 20000 calls" in run.log, run
    assert any("Hardware Dom0 halted" in l for l in run.lines()), run
