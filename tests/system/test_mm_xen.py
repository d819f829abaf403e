# SPDX-License-Identifier: MIT
"""Real Xen 4.17 referees the mm suite: every case passes with the guest as
Xen's dom0.  The fuzzer on Xen is in test_fuzz.py."""
import qemu_harness as h

MM_SUITES = ("basic", "mm")


def test_mm_suite_passes_on_xen(xen_mm_run):
    run = xen_mm_run
    run.guest(None).assert_all_passed(str(run), suites=MM_SUITES)
    assert any("Hardware Dom0 halted" in l for l in run.lines()), run
