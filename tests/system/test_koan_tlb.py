# SPDX-License-Identifier: MIT
"""TLB shootdown (docs/memory.md, "TLB shootdown"): the counters Koan logs
when the machine stops (one line for guests' flushes, one for the
hypervisor's), remote flush round trips (selftest=tlb-shootdown), and the
smp suite's "unmap while the other vCPU touches" case with its two vCPUs
on two CPUs -- passing because the flush reaches the other CPU by IPI, and
failing when Koan leaves the shootdown out on purpose
(selftest=tlb-local-only)."""
import re

import pytest

import qemu_harness as h

SMP_TIMEOUT = 180
STATS_RE = re.compile(r"^koan: tlb: (guest|hypervisor): (\d+) flushes, (\d+) avoided "
                      r"\(mask empty (\d+), only this CPU (\d+)\), (\d+) IPIs$")
SHOOT_RE = re.compile(r"^koan: selftest: tlb-shootdown: 1000 flushes "
                      r"CPU0 -> (CPU\d+|\d+ CPUs): (\d+) ns each$")
UNMAP_CASE = "smp_unmap_while_touching"
def tlb_stats(run):
    """{'guest': {...}, 'hypervisor': {...}} from the lines logged at machine stop."""
    stats = {}
    for m in map(STATS_RE.match, run.lines()):
        if m:
            n = [int(x) for x in m.groups()[1:]]
            stats[m[1]] = dict(flushes=n[0], avoided=n[1], empty=n[2], local=n[3], ipis=n[4])
    assert set(stats) == {"guest", "hypervisor"}, run
    for s in stats.values():
        assert s["avoided"] == s["empty"] + s["local"] <= s["flushes"], run
    return stats


def smp_dom0(*words, suites="basic,smp"):
    return h.koan_guest("dom0", "expect-role=dom0", "suite=" + suites,
                        "expect-vcpus=2", *words, options=["vcpus=2"])


def test_one_cpu_flushes_need_no_ipi():
    """-smp 1: the mm suite's flushes (every UVMF and mmuext kind) and the
    hypervisor's (every type change, and every allocation's check for
    freed frames) are counted, and none needs another CPU."""
    run = h.run_koan("koan_tlb_smp1", h.koan_guest("dom0", "suite=basic,mm"), smp=1)
    run.guest("dom0").assert_all_passed(str(run), suites=("basic", "mm"))
    stats = tlb_stats(run)
    for source in ("guest", "hypervisor"):
        s = stats[source]
        assert s["flushes"] > 0, run
        assert s["ipis"] == 0, run
        assert s["avoided"] == s["flushes"], run
    # Retypes flush this CPU; most allocations find no CPU to flush (none
    # has used a freed frame since it last flushed).
    assert stats["hypervisor"]["local"] > 0, run
    assert stats["hypervisor"]["empty"] > 0, run
    assert run.exit_code == 0, run


@pytest.mark.parametrize("ncpus", [2, 4])
def test_remote_flush_round_trips(ncpus):
    """selftest=tlb-shootdown: 1000 remote flushes of CPU 1 and of all the
    others; after each, every target had flushed since it began (its time
    on the TLB-flush clock); the boot goes on."""
    run = h.run_koan("koan_tlb_shootdown_smp%d" % ncpus, h.koan_guest("dom0"),
                     append="loglvl=info selftest=tlb-shootdown", smp=ncpus,
                     timeout=SMP_TIMEOUT)
    costs = {m[1]: int(m[2]) for m in map(SHOOT_RE.match, run.lines()) if m}
    assert set(costs) == {"CPU1", "%d CPUs" % (ncpus - 1)}, run
    assert all(ns > 0 for ns in costs.values()), run
    assert run.has_line("koan: selftest: tlb-shootdown: every remote flush is on the clock"), run
    run.guest("dom0").assert_all_passed(str(run))
    assert run.exit_code == 0, run


def test_guest_flush_reaches_the_other_cpu():
    """-smp 2, dom0 with two vCPUs: the smp suite passes, including vCPU 0
    unmapping a page that vCPU 1 reads in a loop on the other CPU (its next
    read after the flush hypercall faults); those flushes (UVMF_ALL, then
    TLB_FLUSH_MULTI naming vCPU 1) went by IPI, and so did some of the
    hypervisor's, for frames freed or retyped while vCPU 1 ran there."""
    run = h.run_koan("koan_tlb_guest_smp2", smp_dom0(), smp=2, timeout=SMP_TIMEOUT)
    run.guest("dom0").assert_all_passed(str(run), suites=("basic", "smp"))
    stats = tlb_stats(run)
    assert stats["guest"]["ipis"] >= 2, run
    assert stats["guest"]["avoided"] < stats["guest"]["flushes"], run
    assert stats["hypervisor"]["ipis"] > 0, run


def test_missing_shootdown_is_caught():
    """selftest=tlb-local-only keeps every guest flush on its own CPU, as
    on one CPU: vCPU 1 goes on reading the unmapped page through its stale
    TLB entry after vCPU 0's flush returned, and the case says so."""
    run = h.run_koan("koan_tlb_local_only_smp2", smp_dom0(),
                     append="loglvl=info selftest=tlb-local-only", smp=2,
                     timeout=SMP_TIMEOUT)
    failures = run.guest("dom0").failures()
    assert UNMAP_CASE in failures, run
    assert "touches after the flush returned" in failures[UNMAP_CASE], run
    assert tlb_stats(run)["guest"]["ipis"] == 0, run
