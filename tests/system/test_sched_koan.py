# SPDX-License-Identifier: MIT
"""Borrowed Virtual Time on Koan (docs/scheduler.md): CPU shares follow the
domains' weights, the scheduling options of the module lines and the
hypervisor's ctx_allow= reach the scheduler or are refused with their
reason, and Koan's scheduler operation (hypercall 54) works for dom0 and
refuses a domU.  The weights test measures each domain's CPU from its own
runstate (VCPUOP_get_runstate_info, guest/sched_words.c `burn-for=MS`)."""
import re

import pytest

import qemu_harness as h

BURN_RE = re.compile(r"^\((?P<dom>\w+)\) burn-for: wall (?P<wall>\d+) ms, "
                     r"running (?P<run>\d+) us, runnable (?P<wait>\d+) us$")
BURN_MS = 4000
EVERY_FRAME = "koan: memory: every domain frame returned"


def burns(run):
    return {m["dom"]: (int(m["run"]), int(m["wait"]))
            for m in map(BURN_RE.match, run.lines()) if m}


@pytest.mark.parametrize("heavy", ["dom0", "guest1"])
def test_weights_1_to_2_share_one_cpu_1_to_2(heavy):
    """Two CPU-bound domains on one CPU, weights 1:2 (mcu_advance 20 and
    10), each burning for 4 s of wall time: the heavier one runs twice as
    long, within 5 %.  Either may be the heavier (dom0 starts first)."""
    def adv(name):
        return "mcu_advance=%d" % (10 if name == heavy else 20)
    burn = "burn-for=%d" % BURN_MS
    run = h.run_koan("koan_sched_weights_%s_heavy" % heavy,
                     h.koan_guest("dom0", burn, options=[adv("dom0")]) +
                     h.koan_guest("guest1", burn, options=["role=domU", adv("guest1")]),
                     smp=1, timeout=120)
    b = burns(run)
    assert set(b) == {"dom0", "guest1"}, run
    light = "guest1" if heavy == "dom0" else "dom0"
    ratio = b[heavy][0] / b[light][0]
    print("running: %s %d us (heavy), %s %d us; ratio %.4f" %
          (heavy, b[heavy][0], light, b[light][0], ratio))
    assert 1.9 <= ratio <= 2.1, "ratio %.4f: %s (%s)" % (ratio, b, run)
    # They shared the CPU: each waited about as long as the other ran.
    for name, other in ((heavy, light), (light, heavy)):
        # Each figure is truncated to whole us by the guest: the sum may lose 1.
        assert b[name][0] + b[name][1] >= BURN_MS * 1000 - 1, run
    assert run.has_line(EVERY_FRAME), run
    assert run.exit_code == 0, run


def test_sched_op_from_dom0_and_a_domU():
    """dom0 (boot-time parameters of its own, ctx_allow=7ms) reads and sets
    its own and the domU's parameters and the allowance, and is refused
    every hostile argument with Xen's error codes; the domU, which waits
    until dom0 is gone, gets -EPERM for everything."""
    run = h.run_koan("koan_sched_op",
                     h.koan_guest("dom0", "suite=sched", "koan-only", "peer-domid=1",
                                  "expect-bvt=15:200:20000000:50000000",
                                  "expect-ctx-allow=7000000",
                                  options=["mcu_advance=15", "warp=200", "warp_limit=20ms",
                                           "unwarp=50000us"]) +
                     h.koan_guest("guest1", "suite=sched", "koan-only", "peer-domid=0",
                                  "wait-gone=0", options=["role=domU"]),
                     append="loglvl=info ctx_allow=7ms", timeout=120)
    for name in ("dom0", "guest1"):
        run.guest(name).assert_all_passed(str(run), suites=("sched",), koan_only=True)
        assert run.has_line("koan: domain %s shut down: poweroff" % name), run
    assert run.has_line(EVERY_FRAME), run
    assert run.exit_code == 0, run


@pytest.mark.parametrize("option,reason", [
    ("mcu_advance=0", "mcu_advance must be 1 to 1000"),
    ("mcu_advance=1001", "mcu_advance must be 1 to 1000"),
    ("mcu_advance=x", "bad mcu_advance (a whole number, 1 to 1000)"),
    ("warp=36000000001", "warp must be at most 36000000000 (an hour of run at mcu_advance 1000)"),
    ("warp_limit=50us", "warp limit must be 0 (none) or 100 us to 1 hour"),
    ("warp_limit=2h", "bad warp_limit (a time: N[ns|us|ms|s], ms if no unit)"),
    ("unwarp=3601s", "unwarp requirement must be at most 1 hour"),
])
def test_bad_scheduling_option_is_refused(option, reason):
    run = h.run_koan("koan_sched_bad_" + re.sub(r"\W", "_", option),
                     h.koan_guest("dom0", options=[option]))
    # A module line that does not parse names no domain yet: "dom?".
    assert run.has_line("koan: domain dom?: refusing image: " + reason), run
    assert run.exit_code == 3, run


@pytest.mark.parametrize("value,reason", [
    ("5x", "not a time (N[ns|us|ms|s], ms without a unit)"),
    ("50us", "context-switch allowance must be 100 us to 1 s"),
    ("2s", "context-switch allowance must be 100 us to 1 s"),
])
def test_bad_ctx_allow_is_ignored_with_a_warning(value, reason):
    """A bad ctx_allow= is reported and the default (5 ms) stays: dom0's
    scheduler cases expect it."""
    run = h.run_koan("koan_sched_ctx_allow_" + value,
                     h.koan_guest("dom0", "suite=sched", "koan-only", "peer-domid=1") +
                     h.koan_guest("guest1", "wait-gone=0", options=["role=domU"]),
                     append="loglvl=info ctx_allow=" + value, timeout=120)
    assert run.has_line("koan: warning: bad ctx_allow '%s' ignored: %s" % (value, reason)), run
    run.guest("dom0").assert_all_passed(str(run), suites=("sched",), koan_only=True)
    assert run.exit_code == 0, run
