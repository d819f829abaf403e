# SPDX-License-Identifier: MIT
"""The fuzzer's concurrent mode (docs/testing.md, "The fuzzer"; docs/test-guest.md,
words fuzz-smp and fuzz-smp-watch) on two CPUs (QEMU -smp 2).

- dom0 with two vCPUs, both firing MMU calls at one shared pool of frames
  and tables; Koan's frame check between rounds must find nothing.
- A domU with two vCPUs doing the same, and dom0 with two vCPUs making
  foreign calls at the domU's frames meanwhile; the domU's rounds wait for
  dom0's check on the quiet machine, which must find nothing.
- The first on Xen 4.17's dom0 (dom0_max_vcpus=2): Xen must survive it
  too, or the mode asks for something no hypervisor can give.

Which calls succeed depends on the interleaving; the verdicts do not:
every domain finishes (none crashes: none asks to), every check finds
nothing, and every frame comes back.  `make test` runs the short sizes,
`make fuzz` (KOAN_FUZZ_LONG=1) the long ones; coverage lines go to
build/tests/system/fuzz_coverage.txt like the other modes'.
"""
import os
import re

import pytest

import qemu_harness as h
from test_fuzz import XEN_QUIET_APPEND, record_coverage

LONG = os.environ.get("KOAN_FUZZ_LONG") == "1"
SEED = int(os.environ.get("FUZZ_SEED", "1"))
# Calls per vCPU per round, and rounds.
CALLS, ROUNDS = (4000, 100) if LONG else (2000, 20)
SEEDS = list(range(SEED, SEED + (4 if LONG else 1)))
# dom0's vCPUs in the one-domain case (four: two on each CPU, preempted).
DOM0_VCPUS = [2, 4] if LONG else [2]
TIMEOUT = 1800 if LONG else 300   # liveness only: a loaded host slows Xen's run most
EVERY_FRAME = "koan: memory: every domain frame returned"

DONE = re.compile(r"^(?:\((?P<dom>[^()\s]+)\) )?fuzz-smp: seed \d+ done: "
                  r"(?P<vcpus>\d+) vCPUs, (?P<rounds>\d+) rounds, (?P<calls>\d+) "
                  r"calls, (?P<refused>\d+) refused, (?P<checks>\d+) checks$")
WATCH_DONE = re.compile(r"^\(dom0\) fuzz-smp-watch: done: domain \d+, (?P<rounds>\d+) "
                        r"rounds checked, (?P<checks>\d+) checks, (?P<problems>\d+) "
                        r"problems, (?P<foreign>\d+) foreign calls, "
                        r"(?P<failures>\d+) failures$")


def smp_words(seed, *extra):
    return ["fuzz-smp=%d" % CALLS, "fuzz-smp-rounds=%d" % ROUNDS,
            "fuzz-seed=%d" % seed] + list(extra)


def assert_no_failure(run):
    failed = [l for l in run.lines() if l.endswith(": FAILED") or "not ok" in l]
    assert not failed, "%s: %s" % (failed[:5], run)


def done_line(run, dom, vcpus=2) -> re.Match:
    done = [m for m in map(DONE.match, run.lines()) if m and m["dom"] == dom]
    assert done, "%s never finished its rounds: %s" % (dom, run)
    m = done[0]
    assert (int(m["vcpus"]), int(m["rounds"]), int(m["calls"])) == (
        vcpus, ROUNDS, vcpus * ROUNDS * CALLS), str(run)
    return m


@pytest.mark.parametrize("vcpus", DOM0_VCPUS)
@pytest.mark.parametrize("seed", SEEDS)
def test_dom0_vcpus_race_on_shared_frames(seed, vcpus):
    run = h.run_koan("koan_fuzz_smp_seed%d_vcpus%d" % (seed, vcpus),
                     h.koan_guest("dom0", *smp_words(seed),
                                  options=["vcpus=%d" % vcpus]),
                     timeout=TIMEOUT, smp=2)
    record_coverage(run, "smp, dom0 with %d vCPUs, seed %d" % (vcpus, seed))
    assert_no_failure(run)
    done = done_line(run, "dom0", vcpus)
    assert int(done["checks"]) == ROUNDS, "a frame check after every round: %s" % run
    assert run.has_line("koan: domain dom0 shut down: poweroff"), str(run)
    assert run.has_line(EVERY_FRAME), str(run)
    assert run.exit_code == 0, str(run)


@pytest.mark.parametrize("seed", SEEDS)
def test_dom0_and_a_domU_race_on_the_domUs_frames(seed):
    args = h.koan_guest("dom0", "fuzz-smp-watch", "fuzz-seed=%d" % seed,
                        options=["vcpus=2"])
    args += h.koan_guest("fuzzer", *smp_words(seed * 2 + 1, "fuzz-smp-sync"),
                         options=["role=domU", "vcpus=2"])
    run = h.run_koan("koan_fuzz_smp_two_domains_seed%d" % seed, args,
                     timeout=TIMEOUT, smp=2)
    record_coverage(run, "smp, a domU and dom0's foreign calls, seed %d" % seed)
    assert_no_failure(run)
    done_line(run, "fuzzer")
    watch = [m for m in map(WATCH_DONE.match, run.lines()) if m]
    assert watch, "dom0 never finished: %s" % run
    w = watch[0]
    assert int(w["rounds"]) == ROUNDS, str(run)
    assert int(w["checks"]) == ROUNDS + 1, "a check after every round, one at the end: %s" % run
    assert (int(w["problems"]), int(w["failures"])) == (0, 0), str(run)
    assert int(w["foreign"]) > 0, str(run)
    for name in ("dom0", "fuzzer"):
        assert run.has_line("koan: domain %s shut down: poweroff" % name), str(run)
    assert run.has_line(EVERY_FRAME), str(run)
    assert run.exit_code == 0, str(run)


def test_concurrent_mode_survives_on_xen():
    if not (h.ROOT / h.XEN).is_file():
        pytest.skip("%s is missing" % h.XEN)
    args = ["--kernel", h.XEN, "--append", XEN_QUIET_APPEND + " dom0_max_vcpus=2",
            "--no-exit-device"] + h.module(h.GUEST, "koan-test", *smp_words(SEED))
    run = h.run_qemu("xen_fuzz_smp", args, timeout=TIMEOUT, until=h.XEN_DOM0_END, smp=2)
    record_coverage(run, "smp on Xen 4.17, dom0 with 2 vCPUs, seed %d" % SEED)
    assert_no_failure(run)
    assert int(done_line(run, None)["checks"]) == 0, run   # Xen has no frame check
    assert any("Hardware Dom0 halted" in l for l in run.lines()), str(run)
