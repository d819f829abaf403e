# SPDX-License-Identifier: MIT
"""Real Xen 4.17 referees the evtchn suite: every case passes with the
guest as Xen's dom0 with two vCPUs (dom0_max_vcpus=2) on two CPUs (QEMU
-smp 2).  On a lone dom0 every channel is a loopback; the Koan-only cases
(another domain, the FIFO refusal) are not run here."""
import pytest

import qemu_harness as h


def test_evtchn_suite_passes_on_xen(xen_evtchn_run):
    run = xen_evtchn_run
    run.guest(None).assert_all_passed(str(run), suites=("evtchn",))
    assert any("Hardware Dom0 halted" in l for l in run.lines()), run


def test_evtchn_koan_only_cases_are_not_run_on_xen(xen_evtchn_run):
    printed = set(xen_evtchn_run.guest(None).cases)
    koan_only = set(h.koan_only_cases())
    assert {"evtchn_fifo_refused", "evtchn_other_domain"} <= koan_only
    assert not printed & koan_only, xen_evtchn_run


def test_evtchn_suite_after_the_smp_suite_on_xen():
    """vCPU 1 blocked for good and the vcpu_infos moved by the smp suite:
    the evtchn suite still passes (it wakes vCPU 1 with an event)."""
    if not (h.ROOT / h.XEN).is_file():
        pytest.skip("%s is missing" % h.XEN)
    run = h.run_xen_dom0("xen_evtchn_after_smp",
                         ["expect-role=dom0", "suite=smp,evtchn", "expect-vcpus=2"],
                         smp=2, timeout=180)
    run.guest(None).assert_all_passed(str(run), suites=("smp", "evtchn"))
