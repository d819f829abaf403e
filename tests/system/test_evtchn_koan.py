# SPDX-License-Identifier: MIT
"""Event channels on Koan (docs/events.md): the evtchn suite as dom0 and
as a domU, its Koan-only cases with a second domain, the comparison with
Xen (test_evtchn_xen.py), whose answers every refereed case expects; two
domains playing ping-pong over an interdomain channel (the round-trip
latency is reported, never asserted) until one dies and the other sees its
port unbound and VIRQ_DOM_EXC; and the kick of a vCPU that runs on
another CPU."""
import re

import qemu_harness as h

EVTCHN_SUITES = ("evtchn",)
TIMEOUT = 180
EVERY_FRAME = "koan: memory: every domain frame returned"
SCHED_RE = re.compile(r"^koan: sched: \d+ vCPU switches, \d+ moves to another CPU, "
                      r"(?P<ipis>\d+) event kicks by IPI$")
PINGPONG_RE = re.compile(r"^\(dom0\) evtchn-pingpong: (?P<n>\d+) round trips, "
                         r"median (?P<median>\d+) cycles, min (?P<min>\d+), max (?P<max>\d+)$")
TSC_RE = re.compile(r"^koan: clock: TSC at (?P<mhz>[\d.]+) MHz")


def assert_powered_off(run, name):
    assert run.has_line("koan: domain %s shut down: poweroff" % name), run


def results(guest):
    return {name: case.ok for name, case in guest.cases.items()}


def test_evtchn_suite_passes_on_koan_dom0(koan_evtchn_run):
    run = koan_evtchn_run
    run.guest("dom0").assert_all_passed(str(run), suites=EVTCHN_SUITES)
    assert_powered_off(run, "dom0")
    assert run.has_line(EVERY_FRAME), run   # the port buckets too
    assert run.exit_code == 0, run


def test_koan_evtchn_matches_xen(xen_evtchn_run, koan_evtchn_run):
    """Same case names, same ok/not ok, on Koan's dom0 and Xen's."""
    xen = results(xen_evtchn_run.guest(None))
    koan = results(koan_evtchn_run.guest("dom0"))
    assert xen, "no case results from Xen: %s" % xen_evtchn_run
    assert koan, "no case results from Koan: %s" % koan_evtchn_run
    assert list(xen) == h.expected_case_names(EVTCHN_SUITES), xen_evtchn_run
    differ = {n: (koan.get(n), xen.get(n)) for n in sorted(set(xen) | set(koan))
              if koan.get(n) != xen.get(n)}
    assert not differ, "case: (koan, xen) differ: %s" % differ


def test_evtchn_suite_after_the_smp_suite():
    """The smp suite leaves vCPU 1 blocked for good and both vcpu_infos
    moved: the evtchn suite wakes vCPU 1 with an event and runs on the
    moved vcpu_infos (Xen: test_evtchn_xen.py)."""
    suites = ("smp", "evtchn")
    run = h.run_koan("koan_evtchn_after_smp", h.koan_guest(
        "dom0", "expect-role=dom0", "suite=smp,evtchn", "expect-vcpus=2",
        options=["vcpus=2"]), timeout=TIMEOUT)
    run.guest("dom0").assert_all_passed(str(run), suites=suites)
    assert run.has_line(EVERY_FRAME), run
    assert run.exit_code == 0, run


def test_evtchn_suite_as_a_domU():
    """Unprivileged, with the Koan-only cases: dom0's ports may not be
    asked about, allocated in or reset (-EPERM); dom0 waits for it."""
    run = h.run_koan("koan_evtchn_domU", h.koan_guest("dom0", "wait-gone=1") +
                     h.koan_guest("guest1", "expect-role=domU", "suite=evtchn",
                                  "expect-vcpus=2", "koan-only", "peer-domid=0",
                                  options=["role=domU", "vcpus=2"]),
                     timeout=TIMEOUT)
    run.guest("guest1").assert_all_passed(str(run), suites=EVTCHN_SUITES, koan_only=True)
    assert_powered_off(run, "guest1")
    assert run.has_line(EVERY_FRAME), run
    assert run.exit_code == 0, run


def test_evtchn_koan_only_cases_as_dom0():
    """Privileged, beside a domU that waits for it to end: the domU's
    ports may be asked about, not reset (Koan never pauses a domain);
    init_control answers -ENOSYS."""
    run = h.run_koan("koan_evtchn_dom0_koan_only",
                     h.koan_guest("dom0", "expect-role=dom0", "suite=evtchn",
                                  "expect-vcpus=2", "koan-only", "peer-domid=1",
                                  options=["vcpus=2"]) +
                     h.koan_guest("guest1", "wait-gone=0", options=["role=domU"]),
                     timeout=TIMEOUT)
    run.guest("dom0").assert_all_passed(str(run), suites=EVTCHN_SUITES, koan_only=True)
    assert_powered_off(run, "dom0")
    assert run.has_line(EVERY_FRAME), run
    assert run.exit_code == 0, run


def test_interdomain_ping_pong_and_peer_teardown():
    """dom0 finds the domU's port reserved for it, binds it, and times
    1000 round trips; the domU powers off after answering them; its
    teardown unbinds dom0's end and raises VIRQ_DOM_EXC in dom0."""
    run = h.run_koan("koan_evtchn_pingpong",
                     h.koan_guest("dom0", "evtchn-ping=1000", "peer-domid=1") +
                     h.koan_guest("server", "evtchn-serve=1000", "peer-domid=0",
                                  options=["role=domU"]),
                     timeout=TIMEOUT)
    lines = run.lines()
    assert any(re.match(r"^\(server\) evtchn-serve: port \d+ waits for domain 0$", l)
               for l in lines), run
    assert run.has_line("(server) evtchn-serve: 1000 events answered, powering off"), run
    trips = [m for m in map(PINGPONG_RE.match, lines) if m]
    assert len(trips) == 1 and int(trips[0]["n"]) == 1000, run
    assert int(trips[0]["min"]) <= int(trips[0]["median"]) <= int(trips[0]["max"]), run
    assert any(re.match(r"^\(dom0\) evtchn-ping: VIRQ_DOM_EXC came; port \d+ unbound, "
                        r"for the dead domain$", l) for l in lines), run
    assert_powered_off(run, "server")
    assert_powered_off(run, "dom0")
    assert run.has_line(EVERY_FRAME), run
    assert run.exit_code == 0, run
    mhz = [float(m["mhz"]) for m in map(TSC_RE.match, lines) if m]
    if mhz:
        print("evtchn ping-pong round trip: median %.1f us (%d round trips, TSC %.0f MHz)"
              % (int(trips[0]["median"]) / mhz[0], int(trips[0]["n"]), mhz[0]))


STRESS_RE = re.compile(r"^\(guest1\) evtchn-stress: 2000 ports, (?P<bound>\d+) bound by the peer, "
                       r"0 bad closes$")


def test_both_ends_closing_at_once():
    """A domU offers 2000 ports to dom0 one after another and closes each
    soon, bound or not; dom0 binds what it finds and closes its end at
    once: on two CPUs the two ends close at the same moment (each close
    takes both domains' locks, one of them after letting go of its own).
    Closing one's own port always succeeds, nothing deadlocks, every
    frame comes back."""
    run = h.run_koan("koan_evtchn_close_race",
                     h.koan_guest("dom0", "evtchn-stress=1", "peer-domid=1") +
                     h.koan_guest("guest1", "evtchn-stress=2000", "peer-domid=0",
                                  options=["role=domU"]),
                     smp=2, timeout=TIMEOUT)
    lines = run.lines()
    stress = [m for m in map(STRESS_RE.match, lines) if m]
    assert stress, run
    assert any(re.match(r"^\(dom0\) evtchn-stress: bound [1-9]\d*, \d+ refused, 0 bad closes; "
                        r"peer gone$", l) for l in lines), run
    assert_powered_off(run, "guest1")
    assert_powered_off(run, "dom0")
    assert run.has_line(EVERY_FRAME), run
    assert run.exit_code == 0, run


def test_an_event_kicks_a_vcpu_running_on_another_cpu():
    """On two CPUs vCPU 1 spins on the other CPU without a hypercall
    (evtchn_upcall_vcpu1): the sends to it interrupt that CPU (an IPI)
    rather than wait for its tick.  Koan counts those IPIs."""
    run = h.run_koan("koan_evtchn_kick_ipi", h.koan_guest(
        "dom0", "expect-role=dom0", "suite=evtchn", "expect-vcpus=2",
        options=["vcpus=2"]), smp=2, timeout=TIMEOUT)
    run.guest("dom0").assert_all_passed(str(run), suites=EVTCHN_SUITES)
    ipis = [int(m["ipis"]) for m in map(SCHED_RE.match, run.lines()) if m]
    assert ipis and ipis[0] >= 2, run
    assert run.has_line(EVERY_FRAME), run
    assert run.exit_code == 0, run
