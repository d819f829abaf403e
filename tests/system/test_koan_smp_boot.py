# SPDX-License-Identifier: MIT
"""Koan on several CPUs: every CPU of the machine comes up (docs/boot.md,
"Starting the other CPUs"), guests still run on CPU 0 and pass their
suites, call-function IPIs make round trips between the CPUs
(selftest=ipi), a panic on one CPU stops the others and prints where each
was (selftest=panic-smp), and a CPU that never answers its start-up is
left out while the boot goes on (selftest=smp-phantom-cpu)."""
import re

import pytest

import qemu_harness as h

SMP_TIMEOUT = 180
UP_RE = re.compile(r"^koan: smp: CPU(\d+) \(APIC id (\d+)\) up$")
STOPPED_RE = re.compile(r"^koan: CPU(\d+) stopped: rip ([0-9a-f]{16}) rsp ([0-9a-f]{16}) "
                        r"in (the guest|the hypervisor), (vCPU \d+ of \S+|no vCPU)$")
IPI_RE = re.compile(r"^koan: selftest: ipi: 1000 round trips (CPU\d+) -> (CPU\d+|\d+ CPUs): "
                    r"(\d+) ns each$")


def cpus_up(run):
    return [(int(m[1]), int(m[2])) for m in map(UP_RE.match, run.lines()) if m]


@pytest.mark.parametrize("ncpus", [2, 4])
def test_every_cpu_comes_up_and_guests_pass(ncpus):
    """All CPUs online, each with its own APIC id; the test guest's basic,
    mm and cpu suites pass on CPU 0 beside them."""
    run = h.run_koan("koan_smp%d_boot" % ncpus,
                     h.koan_guest("dom0", "expect-module", "suite=basic,mm,cpu",
                                  ramdisk=True),
                     smp=ncpus, timeout=SMP_TIMEOUT)
    up = cpus_up(run)
    assert [cpu for cpu, _ in up] == list(range(1, ncpus)), run
    assert len({apic for _, apic in up}) == ncpus - 1, run
    assert run.has_line("koan: smp: %d CPUs online" % ncpus), run
    run.guest("dom0").assert_all_passed(str(run), suites=("basic", "mm", "cpu"))
    assert run.has_line("koan: domain dom0 shut down: poweroff"), run
    assert run.exit_code == 0, run


def test_one_cpu_starts_nothing():
    """-smp 1: no trampoline, no start-up, one CPU online."""
    run = h.run_koan("koan_smp1_boot", h.koan_guest("dom0"), smp=1)
    assert run.has_line("koan: smp: 1 CPU online"), run
    assert not any("trampoline" in l or " up" in l for l in run.lines()
                   if l.startswith("koan: smp:")), run
    run.guest("dom0").assert_all_passed(str(run))
    assert run.exit_code == 0, run


@pytest.mark.parametrize("ncpus", [2, 4])
def test_call_function_round_trips(ncpus):
    """selftest=ipi: 1000 waited-for calls from CPU 0 to CPU 1, to all the
    others, and from CPU 1 back to CPU 0 inside a call, then 100 each way
    at once with interrupts off (no deadlock: a waiting CPU serves the
    other); each ran exactly where it was sent (the hypervisor counts
    them), and the boot goes on."""
    run = h.run_koan("koan_smp%d_ipi" % ncpus, h.koan_guest("dom0"),
                     append="loglvl=info selftest=ipi", smp=ncpus,
                     timeout=SMP_TIMEOUT)
    trips = {(m[1], m[2]): int(m[3]) for m in map(IPI_RE.match, run.lines()) if m}
    assert set(trips) == {("CPU0", "CPU1"), ("CPU0", "%d CPUs" % (ncpus - 1)),
                          ("CPU1", "CPU0")}, run
    assert all(ns > 0 for ns in trips.values()), run
    assert run.has_line("koan: selftest: ipi: 100 calls each way between CPU0 and "
                        "CPU1 at once"), run
    assert run.has_line("koan: selftest: ipi: every call ran once on each CPU "
                        "it was sent to"), run
    run.guest("dom0").assert_all_passed(str(run))
    assert run.exit_code == 0, run


@pytest.mark.parametrize("ncpus", [2, 4])
def test_panic_on_cpu1_stops_the_others(ncpus):
    """selftest=panic-smp: CPU 1 panics once CPU 0 runs dom0; every other
    CPU is stopped by NMI, its state (with CPU 0's vCPU) is printed after
    the panic message, and the machine stops with the panic status."""
    # dom0 stays a while (yields), so that the panicking CPU's QEMU thread,
    # which the host may run late, finds it running rather than finished.
    run = h.run_koan("koan_smp%d_panic" % ncpus, h.koan_guest("dom0", "spin-yield=2000000"),
                     append="loglvl=info selftest=panic-smp", smp=ncpus)
    lines = run.lines()
    assert run.has_line("koan: PANIC: selftest: panic on CPU1"), run
    assert run.has_line("koan: the panic was on CPU1"), run
    stopped = {int(m[1]): m for m in map(STOPPED_RE.match, lines) if m}
    assert sorted(stopped) == [c for c in range(ncpus) if c != 1], run
    # CPU 1 waited for CPU 0 to run dom0's vCPU; the idle CPUs have none.
    assert stopped[0][5] == "vCPU 0 of dom0", run
    assert all(stopped[c][5] == "no vCPU" for c in stopped if c != 0), run
    panic_at = lines.index("koan: PANIC: selftest: panic on CPU1")
    assert all(lines.index(l) > panic_at for l in lines if STOPPED_RE.match(l)), run
    assert run.exit_code == 2, run


def test_cpu_that_never_answers_is_left_out():
    """selftest=smp-phantom-cpu lists one more CPU, with an APIC id no
    processor has: its start-up times out with a clear line, and the boot
    goes on with the CPUs that did answer."""
    run = h.run_koan("koan_smp_phantom", h.koan_guest("dom0"),
                     append="loglvl=info selftest=smp-phantom-cpu", smp=2)
    assert [cpu for cpu, _ in cpus_up(run)] == [1], run
    assert run.has_line("koan: warning: smp: CPU2 (APIC id 254) did not answer in "
                        "1000 ms; going on without it"), run
    assert run.has_line("koan: smp: 2 CPUs online"), run
    run.guest("dom0").assert_all_passed(str(run))
    assert run.exit_code == 0, run
