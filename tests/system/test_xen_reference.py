# SPDX-License-Identifier: MIT
"""Real Xen 4.17 referees the test guest: every case passes when the guest is
Xen's dom0, and Koan gives the same case names and results."""
import qemu_harness as h

# Cases that only make sense on one side, with the reason.  Every case of
# the guest currently means the same on Koan and Xen, so this is empty; a
# case added here is left out of the comparison (and must say why).
ONLY_ON_KOAN = {}
ONLY_ON_XEN = {}


def test_guest_passes_every_case_on_xen(xen_dom0_run):
    run = xen_dom0_run
    # Xen prints dom0's console_io output without a prefix.
    run.guest(None).assert_all_passed(str(run))
    assert any("Hardware Dom0 halted" in l for l in run.lines()), run


def results(guest, leave_out):
    return {name: case.ok for name, case in guest.cases.items()
            if name not in leave_out}


def test_koan_dom0_matches_xen(xen_dom0_run, koan_dom0_run):
    xen = results(xen_dom0_run.guest(None), ONLY_ON_XEN)
    koan = results(koan_dom0_run.guest("dom0"), ONLY_ON_KOAN)
    assert xen, "no case results from Xen: %s" % xen_dom0_run
    assert koan, "no case results from Koan: %s" % koan_dom0_run
    differ = {n: (koan.get(n), xen.get(n)) for n in sorted(set(xen) | set(koan))
              if koan.get(n) != xen.get(n)}
    assert not differ, "case: (koan, xen) differ: %s" % differ
