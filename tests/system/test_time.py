# SPDX-License-Identifier: MIT
"""Guest time (docs/time.md): the time suite (guest/cases_time.c) as dom0
on Koan and on Xen 4.17, the referee; the wallclock both give against the
host's clock; Koan's boot line on the TSC; and `tsc=unstable`, which takes
XEN_PVCLOCK_TSC_STABLE_BIT away (Koan sets it by default, Xen 4.17 does
not unless booted with clocksource=tsc: the one deliberate difference)."""
import re
import time

import pytest

import qemu_harness as h

SUITES = ("time",)
WALLCLOCK_RE = re.compile(r"^(?:\(dom0\) )?time: wallclock now (\d+) s$")
PVCLOCK_RE = re.compile(r"^(?:\(dom0\) )?# pvclock: version \d+, mul \d+, shift -?\d+, "
                        r"flags (0x[0-9a-f]+|0), ")
# The host clock against the guest's wallclock: the RTC counts whole
# seconds, and the line comes a few seconds into the run.
WALLCLOCK_SLACK_S = 10


def wallclock_error(run, started, ended):
    """Seconds the guest's wallclock lies outside the host's run window."""
    seen = [int(m[1]) for m in map(WALLCLOCK_RE.match, run.lines()) if m]
    assert seen, run
    return max(0, started - seen[0], seen[0] - ended)


def pvclock_flags(run):
    flags = [m[1] for m in map(PVCLOCK_RE.match, run.lines()) if m]
    assert flags, run
    return int(flags[0], 16) if flags[0] != "0" else 0


def test_time_suite_on_koan():
    started = int(time.time())
    run = h.run_koan("koan_time", h.koan_guest("dom0", "suite=time"))
    ended = int(time.time()) + 1
    run.guest("dom0").assert_all_passed(str(run), suites=SUITES)
    assert any(re.match(r"koan: time: TSC \d+\.\d{3} MHz \((PIT|CPUID 0x1[56])\), pvclock "
                        r"mul \d+ shift -?\d+, TSC stable$", l) for l in run.lines()), run
    assert any(re.match(r"koan: time: wallclock \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC "
                        r"\(CMOS RTC\)$", l) for l in run.lines()), run
    assert wallclock_error(run, started, ended) <= WALLCLOCK_SLACK_S, run
    assert pvclock_flags(run) == 1, "Koan's pvclock says the TSC is stable: %s" % run
    assert run.exit_code == 0, run


def test_time_suite_on_xen():
    if not (h.ROOT / h.XEN).is_file():
        pytest.skip("%s is missing" % h.XEN)
    started = int(time.time())
    run = h.run_xen_dom0("xen_time", ["suite=time"], ramdisk=False)
    ended = int(time.time()) + 1
    run.guest(None).assert_all_passed(str(run), suites=SUITES)
    assert wallclock_error(run, started, ended) <= WALLCLOCK_SLACK_S, run
    assert pvclock_flags(run) == 0, "Xen 4.17 sets the stable bit only with clocksource=tsc"


def test_tsc_unstable_option():
    run = h.run_koan("koan_time_tsc_unstable", h.koan_guest("dom0", "suite=time"),
                     append="loglvl=info tsc=unstable")
    run.guest("dom0").assert_all_passed(str(run), suites=SUITES)
    assert any(l.endswith("TSC not stable (tsc=unstable)") for l in run.lines()), run
    assert pvclock_flags(run) == 0, run
    assert run.exit_code == 0, run


def test_time_suite_on_a_domU_with_two_vcpus():
    """The same cases in an unprivileged domain with two vCPUs (its own
    shared_info, filled by the builder)."""
    run = h.run_koan("koan_time_domU", h.koan_guest("dom0", "wait-gone=1") +
                     h.koan_guest("guest1", "suite=time", options=["role=domU", "vcpus=2"]))
    run.guest("guest1").assert_all_passed(str(run), suites=SUITES)
    assert run.has_line("koan: memory: every domain frame returned"), run
    assert run.exit_code == 0, run
