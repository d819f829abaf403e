# SPDX-License-Identifier: MIT
"""Real Xen 4.17 referees the smp suite: every case passes with the guest
as Xen's dom0 with two vCPUs (dom0_max_vcpus=2) on two CPUs (QEMU -smp 2),
and the domain-ending words end it as they must."""
import pytest

import qemu_harness as h


def xen_word(name, *words):
    if not (h.ROOT / h.XEN).is_file():
        pytest.skip("%s is missing" % h.XEN)
    return h.run_xen_dom0(name, ["expect-role=dom0"] + list(words), smp=2)


def test_smp_suite_passes_on_xen(xen_smp_run):
    run = xen_smp_run
    run.guest(None).assert_all_passed(str(run), suites=("smp",))
    assert any("Hardware Dom0 halted" in l for l in run.lines()), run


def test_down_of_the_last_vcpu_powers_off_on_xen():
    run = xen_word("xen_smp_down_last", "smp-down-last")
    assert run.has_line("smp-down-last: vCPU 1 up: 0; taking vCPU 0 down"), run
    assert not any("must not" in l for l in run.lines()), run
    assert any("Hardware Dom0 halted" in l for l in run.lines()), run


def test_crash_with_a_busy_vcpu_on_xen():
    run = xen_word("xen_smp_crash_busy", "smp-crash-busy")
    assert run.has_line("smp-crash-busy: vCPU 1 spinning; crashing"), run
    assert any("Hardware Dom0 crashed" in l for l in run.lines()), run
