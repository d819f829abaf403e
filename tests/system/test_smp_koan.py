# SPDX-License-Identifier: MIT
"""Domains with several vCPUs on Koan, on one CPU (-smp 1): the smp suite
as dom0 and as a domU, two such domains at once, the other suites with a
second vCPU, the `vcpus=` option, the domain-ending words, and the
comparison with Xen (test_smp_xen.py), whose answers every refereed case
expects."""
import pytest

import qemu_harness as h

SMP_SUITES = ("smp",)
SMP_TIMEOUT = 120
EVERY_FRAME = "koan: memory: every domain frame returned"


def assert_powered_off(run, name):
    assert run.has_line("koan: domain %s shut down: poweroff" % name), run


def test_smp_suite_passes_on_koan_dom0(koan_smp_run):
    run = koan_smp_run
    run.guest("dom0").assert_all_passed(str(run), suites=SMP_SUITES)
    assert_powered_off(run, "dom0")
    assert run.has_line(EVERY_FRAME), run
    assert run.exit_code == 0, run


def test_smp_suite_as_a_domU():
    """Unprivileged, next to a dom0 that yields to it."""
    run = h.run_koan("koan_smp_domU", h.koan_guest("dom0", "wait-gone=1") +
                     h.koan_guest("guest1", "expect-role=domU", "suite=smp",
                                  "expect-vcpus=2", options=["role=domU", "vcpus=2"]),
                     timeout=SMP_TIMEOUT)
    run.guest("guest1").assert_all_passed(str(run), suites=SMP_SUITES)
    assert_powered_off(run, "guest1")
    assert run.has_line(EVERY_FRAME), run
    assert run.exit_code == 0, run


def test_two_domains_with_two_vcpus_each():
    """Four vCPUs of two domains round-robin on one CPU."""
    run = h.run_koan("koan_smp_two_domains",
                     h.koan_guest("dom0", "expect-role=dom0", "suite=smp",
                                  "expect-vcpus=2", options=["vcpus=2"]) +
                     h.koan_guest("guest1", "expect-role=domU", "suite=smp",
                                  "expect-vcpus=2", options=["role=domU", "vcpus=2"]),
                     timeout=SMP_TIMEOUT)
    for name in ("dom0", "guest1"):
        run.guest(name).assert_all_passed(str(run), suites=SMP_SUITES)
        assert_powered_off(run, name)
    assert run.has_line(EVERY_FRAME), run
    assert run.exit_code == 0, run


def test_other_suites_with_a_second_vcpu():
    """basic, mm and cpu pass on a domain with two vCPUs, then the smp
    suite on top (vCPU 1 stays down until smp_bring_up)."""
    suites = ("basic", "mm", "cpu", "smp")
    run = h.run_koan("koan_smp_all_suites", h.koan_guest(
        "dom0", "expect-module", "expect-role=dom0", "suite=" + ",".join(suites),
        "expect-vcpus=2", options=["vcpus=2"], ramdisk=True), timeout=240)
    run.guest("dom0").assert_all_passed(str(run), suites=suites)
    assert run.has_line(EVERY_FRAME), run
    assert run.exit_code == 0, run


@pytest.mark.parametrize("value", ["0", "65", "2x", ""])
def test_bad_vcpus_option_is_refused(value):
    run = h.run_koan("koan_vcpus_" + (value or "empty"),
                     h.koan_guest("dom0", options=["vcpus=" + value]))
    # A module line that does not parse names no domain yet: "dom?".
    assert run.has_line("koan: domain dom?: refusing image: bad vCPU count (1 to 64)"), run
    assert run.exit_code == 3, run


def test_sixty_four_vcpus():
    """The most a domain may have: all allocated, vCPU 0 runs, the rest
    answer is_up with 0 and the 65th -ENOENT (smp_setup's count)."""
    run = h.run_koan("koan_vcpus_64", h.koan_guest(
        "dom0", "suite=smp", "expect-vcpus=64", options=["vcpus=64"]),
        timeout=SMP_TIMEOUT)
    run.guest("dom0").assert_all_passed(str(run), suites=SMP_SUITES)
    assert run.has_line(EVERY_FRAME), run
    assert run.exit_code == 0, run


def test_down_of_the_last_vcpu_powers_off():
    run = h.run_koan("koan_smp_down_last", h.koan_guest(
        "dom0", "smp-down-last", options=["vcpus=2"]))
    assert run.has_line("(dom0) smp-down-last: vCPU 1 up: 0; taking vCPU 0 down"), run
    assert not any("must not" in l for l in run.lines()), run
    assert run.has_line("koan: domain dom0: its last vCPU that was up went down (VCPUOP_down): "
                        "powering it off, as Xen does"), run
    assert_powered_off(run, "dom0")
    assert run.exit_code == 0, run


def test_crash_with_a_busy_vcpu():
    """A domU crashes from vCPU 0 while vCPU 1 spins: both stop, the
    teardown gives every frame back (vCPU 1's base pointer too), dom0
    goes on and passes."""
    run = h.run_koan("koan_smp_crash_busy",
                     h.koan_guest("dom0", "spin-yield=50", "suite=smp",
                                  "expect-vcpus=2", options=["vcpus=2"]) +
                     h.koan_guest("crasher", "smp-crash-busy",
                                  options=["role=domU", "vcpus=2"]),
                     timeout=SMP_TIMEOUT)
    assert run.has_line("(crasher) smp-crash-busy: vCPU 1 spinning; crashing"), run
    assert any(l.startswith("koan: domain crasher crashed:") for l in run.lines()), run
    run.guest("dom0").assert_all_passed(str(run), suites=SMP_SUITES)
    assert run.has_line(EVERY_FRAME), run
    assert run.exit_code == 1, run


def test_idle_when_every_vcpu_is_blocked():
    """dom0 blocks its only vCPU for good; a domU crashes.  Nothing is
    runnable then, yet a domain lives: Koan tears the domU down and idles
    (interrupts on, halted between ticks) instead of stopping the machine
    or spinning.  Watched for a few seconds of idling: no fault, no stop."""
    run = h.run_koan("koan_idle_blocked",
                     h.koan_guest("dom0", "block-forever") +
                     h.koan_guest("crasher", "spin-yield=20", "crash-now",
                                  options=["role=domU"]),
                     timeout=6)
    assert run.has_line("(dom0) block-forever: blocking vCPU 0"), run
    assert any(l.startswith("koan: domain crasher crashed:") for l in run.lines()), run
    assert not any("must not" in l or "FATAL" in l or "stopping the machine" in l
                   for l in run.lines()), run
    assert run.exit_code == 124, run   # the launcher's timeout: still idling


def results(guest):
    return {name: case.ok for name, case in guest.cases.items()}


def test_koan_smp_matches_xen(xen_smp_run, koan_smp_run):
    """Same case names, same ok/not ok, on Koan's dom0 (one CPU) and Xen's
    (two CPUs)."""
    xen = results(xen_smp_run.guest(None))
    koan = results(koan_smp_run.guest("dom0"))
    assert xen, "no case results from Xen: %s" % xen_smp_run
    assert koan, "no case results from Koan: %s" % koan_smp_run
    assert list(xen) == h.expected_case_names(SMP_SUITES), xen_smp_run
    differ = {n: (koan.get(n), xen.get(n)) for n in sorted(set(xen) | set(koan))
              if koan.get(n) != xen.get(n)}
    assert not differ, "case: (koan, xen) differ: %s" % differ


def test_last_domain_ending_on_two_cpus_returns_every_frame():
    """The machine stops only after the teardown of a domain whose other
    vCPU was still leaving the other CPU when the last one ended it (the
    CPU that found no domain alive used to stop at once, with the domain's
    frames never returned)."""
    for attempt in range(2):
        run = h.run_koan("koan_smp_last_domain_%d" % attempt,
                         h.koan_guest("dom0", "cpu-burn=1", options=["vcpus=2"]),
                         smp=2, timeout=SMP_TIMEOUT)
        assert any(l.startswith("(dom0) cpu-burn: 2 vCPUs") for l in run.lines()), run
        assert run.has_line(EVERY_FRAME), run
        assert run.exit_code == 0, run
