# SPDX-License-Identifier: MIT
"""Grant tables on Koan: the gnttab suite as dom0 (refereed by Xen,
test_gnttab_xen.py), and two test guests granting to each other (the
Koan-only cases: each maps, copies into and flips pages to the other, and
the domU ends while both map each other's grants), on one CPU and on two;
the limits from the command line; every frame returned at the end."""
import pytest

import qemu_harness as h

GNTTAB = ("gnttab",)
TIMEOUT = 180
EVERY_FRAME = "koan: memory: every domain frame returned"


def assert_powered_off(run, name):
    assert run.has_line("koan: domain %s shut down: poweroff" % name), run


def test_gnttab_suite_passes_on_koan_dom0(koan_gnttab_run):
    run = koan_gnttab_run
    run.guest("dom0").assert_all_passed(str(run), suites=GNTTAB)
    assert_powered_off(run, "dom0")
    assert run.has_line(EVERY_FRAME), run
    assert run.exit_code == 0, run


def results(guest):
    return {name: case.ok for name, case in guest.cases.items()}


def test_koan_gnttab_matches_xen(xen_gnttab_run, koan_gnttab_run):
    xen = results(xen_gnttab_run.guest(None))
    koan = results(koan_gnttab_run.guest("dom0"))
    assert xen, "no case results from Xen: %s" % xen_gnttab_run
    assert koan, "no case results from Koan: %s" % koan_gnttab_run
    assert list(xen) == h.expected_case_names(GNTTAB), xen_gnttab_run
    differ = {n: (koan.get(n), xen.get(n)) for n in sorted(set(xen) | set(koan))
              if koan.get(n) != xen.get(n)}
    assert not differ, "case: (koan, xen) differ: %s" % differ


def two_guests(name, smp=0):
    """dom0 and domU 1, each running the whole suite with the Koan-only
    cases, which they play against each other."""
    return h.run_koan(name,
                      h.koan_guest("dom0", "expect-role=dom0", "suite=gnttab",
                                   "koan-only", "peer-domid=1") +
                      h.koan_guest("guest1", "expect-role=domU", "suite=gnttab",
                                   "koan-only", "domid=1", "peer-domid=0",
                                   options=["role=domU"]),
                      timeout=TIMEOUT, smp=smp)


def assert_two_guests_passed(run):
    for name in ("dom0", "guest1"):
        run.guest(name).assert_all_passed(str(run), suites=GNTTAB, koan_only=True)
        assert_powered_off(run, name)
    assert run.has_line(EVERY_FRAME), run
    assert run.exit_code == 0, run


def test_two_domains_grant_to_each_other():
    assert_two_guests_passed(two_guests("koan_gnttab_two_domains"))


def test_two_domains_grant_to_each_other_on_two_cpus():
    """The same with each domain on a CPU of its own most of the time:
    maps, unmaps and the teardown of the domU while dom0's other work goes on."""
    assert_two_guests_passed(two_guests("koan_gnttab_two_domains_smp2", smp=2))


def test_grant_limits_from_the_command_line():
    """gnttab_max_frames and gnttab_max_maptrack_frames (Xen's names) set
    every domain's limits: query_size says 8, and handles run out after
    2 pages of 256 (less the one kept back); bad values are refused."""
    run = h.run_koan("koan_gnttab_limits", h.koan_guest("dom0", "suite=gnttab"),
                     append="loglvl=info gnttab_max_frames=8 gnttab_max_maptrack_frames=2 "
                            "gnttab_max_frames=0 gnttab_max_maptrack_frames=x",
                     timeout=TIMEOUT)
    assert run.has_line("koan: warning: bad gnttab_max_frames '0' (1 to 65536)"), run
    assert run.has_line("koan: warning: bad gnttab_max_maptrack_frames 'x' (0 to 65536)"), run
    failures = run.guest("dom0").failures()
    assert set(failures) == {"gnttab_query_size", "gnttab_handles_exhausted"}, run
    assert failures["gnttab_query_size"].startswith(
        "most frames (Xen's default): got 8"), failures
    assert failures["gnttab_handles_exhausted"].startswith(
        "handles given (1024 frames of 256, less one): got 511"), failures
    assert run.has_line(EVERY_FRAME), run
