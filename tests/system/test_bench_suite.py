# SPDX-License-Identifier: MIT
"""The bench suite (`make bench`, docs/performance.md) stays correct: with a
small count its cases pass as dom0 on Koan and on Xen 4.17, and each
benchmark prints its begin and end lines.  No timing is checked here."""
import re

import pytest

import qemu_harness as h

WORDS = ["suite=bench", "bench-updates=4096", "bench-ops=256",
         "bench-hcalls=1024"]
# The CPU benchmarks (guest/bench_cpu.c, bench_fsbase.c) and their operation counts.
CPU_OPS = {"hcall_version": 1024, "hcall_enosys": 1024, "syscall": 256,
           "pagefault": 256, "ctxsw": 256, "int3": 256, "fsbase_hcall": 256,
           "fsbase_wrmsr": 256, "fsbase_rdmsr": 256, "fsbase_wrfsbase": 256,
           "fsbase_rdfsbase": 256}


def check_bench_run(run, dom):
    names = [n for n, _ in h.suite_cases("bench")]
    g = run.guest(dom)
    assert g.failures() == {}, run
    assert list(g.cases) == names, run
    assert (g.passed, g.failed) == (len(names), 0), run
    prefix = r"^(?:\(%s\) )?" % dom if dom else "^"
    ends = [(m.group(1), m.group(2), int(m.group(3))) for l in run.lines()
            for m in [re.match(prefix + r"bench-end (\w+) unit=(\w+) "
                               r"ops=(\d+) tsc=\d+$", l)] if m]
    assert ["bench_" + n for n, _, _ in ends] == names[1:], run
    for n, unit, ops in ends:
        if n in CPU_OPS:
            assert (unit, ops) == ("op", CPU_OPS[n]), (n, run)
        else:
            assert (unit, ops) == ("update", 4096), (n, run)


def test_bench_suite_on_koan():
    run = h.run_koan("bench_suite_koan", h.koan_guest("bench", *WORDS),
                     append="loglvl=warn")
    check_bench_run(run, "bench")
    assert run.exit_code == 0, run


def test_bench_suite_on_xen():
    if not (h.ROOT / h.XEN).is_file():
        pytest.skip("%s is missing" % h.XEN)
    run = h.run_xen_dom0("bench_suite_xen", WORDS, ramdisk=False)
    check_bench_run(run, None)
    assert any("Hardware Dom0 halted" in l for l in run.lines()), run


# The bench-smp suite (guest/bench_smp.c, bench/smp_mmu.py): two vCPUs at
# -smp 2, as `make bench` runs it; a short count.
SMP_WORDS = ["suite=bench-smp", "bench-updates=4096"]


def check_bench_smp_run(run, dom):
    names = [n for n, _ in h.suite_cases("bench_smp")]
    g = run.guest(dom)
    assert g.failures() == {}, run
    assert list(g.cases) == names, run
    assert (g.passed, g.failed) == (len(names), 0), run
    prefix = r"^(?:\(%s\) )?" % dom if dom else "^"
    ends = [(m.group(1), int(m.group(2))) for l in run.lines()
            for m in [re.match(prefix + r"bench-end (\w+) unit=update "
                               r"ops=(\d+) tsc=\d+$", l)] if m]
    assert ends == [("mmu_1vcpu", 4096), ("mmu_2vcpu", 8192)], run
    # vCPU 1's timed loop began after the start signal and ended after it began.
    info = [l for l in run.lines() if re.match(prefix + "bench-info mmu_2vcpu ", l)]
    assert len(info) == 1, run
    kv = dict(w.split("=") for w in info[0].split() if "=" in w)
    assert 0 <= int(kv["vcpu1-start"]) < int(kv["vcpu1-end"]), info
    assert int(kv["vcpu0-end"]) > 0, info


def test_bench_smp_on_koan():
    run = h.run_koan("bench_smp_koan", h.koan_guest("bench", *SMP_WORDS,
                                                    options=["vcpus=2"]),
                     append="loglvl=warn", smp=2)
    check_bench_smp_run(run, "bench")
    assert run.exit_code == 0, run


def test_bench_smp_on_xen():
    if not (h.ROOT / h.XEN).is_file():
        pytest.skip("%s is missing" % h.XEN)
    run = h.run_xen_dom0("bench_smp_xen", SMP_WORDS, ramdisk=False, smp=2)
    check_bench_smp_run(run, None)
    assert any("Hardware Dom0 halted" in l for l in run.lines()), run
