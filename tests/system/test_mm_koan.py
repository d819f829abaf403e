# SPDX-License-Identifier: MIT
"""The mm suite on Koan: as dom0, as a domU, two domains that map each
other's frames (the Koan-only cases), and the comparison with Xen.  The
fuzzer's tests are in test_fuzz.py.

Every refereed case expects what Xen 4.17 answers (test_mm_xen.py)."""
import qemu_harness as h

MM_SUITES = ("basic", "mm")
# Koan under TCG: the mm suite takes seconds.
MM_TIMEOUT = 120


def assert_powered_off(run, name):
    assert run.has_line("koan: domain %s shut down: poweroff" % name), run


def test_mm_suite_passes_on_koan_dom0(koan_mm_run):
    run = koan_mm_run
    run.guest("dom0").assert_all_passed(str(run), suites=MM_SUITES)
    assert_powered_off(run, "dom0")
    assert run.exit_code == 0, run


def test_mm_suite_passes_on_koan_domU():
    """As an unprivileged domU, next to a dom0 (as on Xen, where one always
    exists: some cases ask about domain 0 and expect -EPERM)."""
    run = h.run_koan("koan_mm_domU", h.koan_guest("dom0", "wait-gone=1") + h.koan_guest(
        "guest1", "expect-module", "expect-role=domU", "suite=basic,mm",
        options=["role=domU"], ramdisk=True), timeout=MM_TIMEOUT)
    run.guest("guest1").assert_all_passed(str(run), suites=MM_SUITES)
    assert_powered_off(run, "guest1")
    assert run.exit_code == 0, run


def test_mm_suite_with_a_peer_domain():
    """dom0 (domid 0) and a domU (domid 1) each run the mm suite with the
    Koan-only cases, which map the other one's frames."""
    run = h.run_koan("koan_mm_peers",
                     h.koan_guest("dom0", "expect-role=dom0", "suite=mm",
                                  "koan-only", "peer-domid=1") +
                     h.koan_guest("guest1", "expect-role=domU", "suite=mm",
                                  "koan-only", "peer-domid=0",
                                  options=["role=domU"]),
                     timeout=MM_TIMEOUT, smp=1)
    # smp=1: each maps the other's frames mid-suite, so both must still be
    # alive then; on one CPU their suites interleave, on two either may
    # finish (and be torn down) before the other gets there.
    for name in ("dom0", "guest1"):
        run.guest(name).assert_all_passed(str(run), suites=("mm",),
                                          koan_only=True)
        assert_powered_off(run, name)
    assert run.exit_code == 0, run


def results(guest, leave_out):
    return {name: case.ok for name, case in guest.cases.items()
            if name not in leave_out}


def test_koan_mm_matches_xen(xen_mm_run, koan_mm_run):
    """Same case names, same ok/not ok, on Koan's dom0 and Xen's dom0 (the
    Koan-only cases are not run without `koan-only`, and left out anyway)."""
    only_koan = set(h.koan_only_cases())
    xen = results(xen_mm_run.guest(None), only_koan)
    koan = results(koan_mm_run.guest("dom0"), only_koan)
    assert xen, "no case results from Xen: %s" % xen_mm_run
    assert koan, "no case results from Koan: %s" % koan_mm_run
    assert list(xen) == h.expected_case_names(MM_SUITES), xen_mm_run
    differ = {n: (koan.get(n), xen.get(n)) for n in sorted(set(xen) | set(koan))
              if koan.get(n) != xen.get(n)}
    assert not differ, "case: (koan, xen) differ: %s" % differ
