# SPDX-License-Identifier: MIT
"""Real Xen 4.17 referees the cpu suite: every case passes with the guest
as Xen's dom0, and a bounce onto an unmapped kernel stack crashes it."""
import pytest

import qemu_harness as h


def test_cpu_suite_passes_on_xen(xen_cpu_run):
    run = xen_cpu_run
    run.guest(None).assert_all_passed(str(run), suites=("cpu",))
    assert any("Hardware Dom0 halted" in l for l in run.lines()), run


def test_crash_on_bad_stack_on_xen():
    if not (h.ROOT / h.XEN).is_file():
        pytest.skip("%s is missing" % h.XEN)
    run = h.run_xen_dom0("xen_crash_on_bad_stack", ["crash-on-bad-stack"],
                         ramdisk=False)
    assert any(l.startswith("crash-on-bad-stack: syscall from user mode")
               for l in run.lines()), run
    assert not any("was delivered" in l for l in run.lines()), run
    assert any("Hardware Dom0 crashed" in l for l in run.lines()), run
