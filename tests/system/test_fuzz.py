# SPDX-License-Identifier: MIT
"""The fuzzer (docs/testing.md, "The fuzzer"; docs/test-guest.md, "The fuzz
suite"): seeded campaigns of every kind, each with a real verdict.

- The fuzz suite (oracle, mm, ptwr, decoder, scale) as Koan's dom0, with
  Koan's invariant check every few calls, and as Xen 4.17's dom0.
- The oracle: the same seeded calls on both, result by result; every
  disagreement must be a known one (KNOWN_DIFFERENCES, with its reason).
- Delivery: two domUs take exceptions, irets, debug registers, LDT loads and
  crashes of their own; dom0 watches (frame checks, a heartbeat, foreign
  calls on their frames) and must finish its suite.  Koan must survive.
- Scale: a domU's XSA-45 amplification beside a watching dom0, whose largest
  gap between heartbeats must stay under LIVENESS_BOUND_S.

`make test` runs the short campaign; `make fuzz` sets KOAN_FUZZ_LONG=1 for
the long one, and every run's coverage lines (calls/refused per kind) are
written to build/tests/system/fuzz_coverage.txt and printed.
"""
import os
import re
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

import qemu_harness as h

LONG = os.environ.get("KOAN_FUZZ_LONG") == "1"
SEED = int(os.environ.get("FUZZ_SEED", "1"))
# The largest gap between two heartbeats of the watching dom0 (a liveness
# bound, generous for TCG; one time slice is 10 ms).
LIVENESS_BOUND_S = 1.0

# Counts of the fuzz suite, short (make test) and long (make fuzz).
SUITE_WORDS = {
    False: {"fuzz-oracle": 1000, "fuzz-calls": 20000, "fuzz-ptwr": 1000,
            "fuzz-decoder": 1000, "fuzz-scale": 4, "fuzz-scale-l1": 256,
            "fuzz-check-every": 50},
    # (The logged modes stay within Koan's console quota: ~6 KB/s.)
    True: {"fuzz-oracle": 20000, "fuzz-calls": 1000000, "fuzz-ptwr": 20000,
           "fuzz-decoder": 20000, "fuzz-scale": 24, "fuzz-scale-l1": 2048,
           "fuzz-check-every": 200},
}[LONG]
DELIVERY_EVENTS = 1000 if LONG else 250
DELIVERY_SEEDS = list(range(SEED, SEED + (16 if LONG else 1)))
# Crash variants per event in the two domUs: one lives long (in the long
# campaign it never asks for a crash), one dies early, after crashes of
# every kind, in kernel and user mode.
DELIVERY_CRASH_PCT = (0, 3) if LONG else (1, 3)
SCALE_L1 = 4096 if LONG else 1024
TIMEOUT = 3600 if LONG else 240
COVERAGE = h.LOG_DIR / "fuzz_coverage.txt"



@pytest.fixture(scope="module", autouse=True)
def fresh_coverage_file():
    COVERAGE.parent.mkdir(parents=True, exist_ok=True)
    COVERAGE.write_text("# fuzz coverage: per run, `kind calls/refused`\n")


def suite_words(seed=SEED, **override) -> List[str]:
    words = dict(SUITE_WORDS, **override)
    # The guest paces its logs to Koan's console quota with the TSC's rate.
    return ["suite=fuzz", "fuzz-seed=%d" % seed, "fuzz-tsc-mhz=%d" % tsc_mhz()] + [
        "%s=%d" % kv for kv in words.items()]


def record_coverage(run, label):
    """Append a run's coverage lines to fuzz_coverage.txt and print them."""
    lines = [l for l in run.lines() if "fuzz-coverage " in l]
    with COVERAGE.open("a") as f:
        f.write("# %s (%s)\n" % (label, run.log_path.name))
        for l in lines:
            f.write(l + "\n")
    print("\n".join(["coverage of %s:" % label] + lines))


def tsc_mhz() -> float:
    """The guest's TSC rate: under TCG it is the host's (docs/performance.md)."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("cpu MHz"):
            return float(line.split(":")[1])
    return 1000.0   # conservative: gaps look longer than they are


WATCH_DONE = re.compile(
    r"^\(dom0\) fuzz-watch: done: (?P<beats>\d+) beats, max gap (?P<gap>\d+) "
    r"ticks at beat (?P<at>\d+), (?P<checks>\d+) checks, (?P<problems>\d+) "
    r"problems, (?P<foreign>\d+) foreign calls$")


def watch_result(run) -> re.Match:
    done = [m for m in map(WATCH_DONE.match, run.lines()) if m]
    assert done, "the watcher never finished: %s" % run
    return done[0]


def assert_live(run, what):
    w = watch_result(run)
    gap_s = int(w["gap"]) / (tsc_mhz() * 1e6)
    print("%s: largest heartbeat gap %.3f s (beat %s of %s)" % (
        what, gap_s, w["at"], w["beats"]))
    assert gap_s < LIVENESS_BOUND_S, (
        "dom0 could not run for %.1f s during %s: %s" % (gap_s, what, run))
    assert int(w["problems"]) == 0, run
    assert int(w["checks"]) > 0, run


def has_prefix(run, prefix):
    return any(l.startswith(prefix) for l in run.lines())


def assert_dom0_finished(run):
    run.guest("dom0").assert_all_passed(str(run))
    assert run.has_line("koan: domain dom0 shut down: poweroff"), run
    assert run.has_line("koan: memory: every domain frame returned"), run


# ---- the fuzz suite on Koan and on Xen ---------------------------------------

@pytest.fixture(scope="module")
def koan_fuzz_run():
    run = h.run_koan("koan_fuzz_suite", h.koan_guest("dom0", *suite_words()),
                     timeout=TIMEOUT)
    record_coverage(run, "fuzz suite on Koan, seed %d" % SEED)
    return run


# Xen's own messages about the calls it refuses (guest_loglvl=all) would
# flood its console in a long run and cost it our lines: keep Xen quiet.
XEN_QUIET_APPEND = ("console=com1 com1=115200 dom0_mem=64M loglvl=warning "
                    "guest_loglvl=none noreboot")


@pytest.fixture(scope="module")
def xen_fuzz_run():
    if not (h.ROOT / h.XEN).is_file():
        pytest.skip("%s is missing" % h.XEN)
    args = ["--kernel", h.XEN, "--append", XEN_QUIET_APPEND, "--no-exit-device"]
    args += h.module(h.GUEST, "koan-test", *suite_words())
    run = h.run_qemu("xen_fuzz_suite", args, timeout=TIMEOUT, until=h.XEN_DOM0_END)
    record_coverage(run, "fuzz suite on Xen 4.17, seed %d" % SEED)
    return run


def test_fuzz_suite_on_koan(koan_fuzz_run):
    run = koan_fuzz_run
    # Koan's console quota must not have cut the logs the oracle compares.
    assert not any(l.endswith(" console bytes dropped") for l in run.lines()), (
        "console bytes dropped: %s" % run)
    run.guest("dom0").assert_all_passed(str(run), suites=("fuzz",))
    for mode in ("ptwr", "decoder", "scale"):
        assert any(re.match(r"^\(dom0\) fuzz-%s: seed %d done: " % (mode, SEED), l)
                   for l in run.lines()), (mode, run)
    checks = [int(m.group(1)) for m in (re.search(r", (\d+) checks$", l)
                                        for l in run.lines()
                                        if "done:" in l) if m]
    assert checks and all(c > 0 for c in checks), "frame checks %s: %s" % (
        checks, run)
    assert run.has_line("koan: domain dom0 shut down: poweroff"), run
    assert run.exit_code == 0, run


def test_fuzz_suite_on_xen(xen_fuzz_run):
    run = xen_fuzz_run
    run.guest(None).assert_all_passed(str(run), suites=("fuzz",))
    assert any("Hardware Dom0 halted" in l for l in run.lines()), run


# ---- the oracle: Koan against Xen, call by call --------------------------------

LOG_RE = re.compile(r"^(?:\([^()\s]+\) )?fuzz-log (?P<mode>\w+) (?P<seed>\d+) "
                    r"(?P<first>\d+):(?P<tokens>.*)$")
KIND_RE = re.compile(r"^(?:\([^()\s]+\) )?fuzz-log-kind (?P<mode>\w+) \d+ "
                     r"(?P<letter>\w) (?P<kind>\S+)$")

# Disagreements understood and recorded in docs/testing.md ("The oracle"):
# (mode, kind, Koan's result, Xen's result) as regular expressions, and why.
KNOWN_DIFFERENCES: List[Tuple[str, str, str, str, str]] = [
    ("oracle", "(mmu_update|mmuext_op)", r"-3/\d+:\w(:[\d,]+)?", r"-3/0:\w(:[\d,]+)?",
     "a foreigndom that names nobody (or ourselves): Koan returns -ESRCH "
     "without writing `done`, Xen writes it (0)"),
    ("oracle", "(mmu_update|mmuext_op)", r"0/0:\w(:[\d,]*)?", r"-14/\d+:\w(:[\d,]*)?",
     "count 0 with a list pointer in the hypervisor range: Xen checks the "
     "pointer anyway (-EFAULT), Koan returns 0"),
    ("oracle", "set_gdt", r"-14", r"0",
     "set_gdt of 0 entries with a non-canonical list pointer: Xen reads "
     "nothing and answers 0, Koan -EFAULT"),
    ("oracle", "callback_register", r"-22", r"0",
     "a callback address in the hypervisor's half (canonical): Xen takes "
     "it, Koan refuses"),
    ("oracle", "callback_unregister", r"-22", r"-38",
     "unregistering a callback type that cannot be unregistered (sysenter "
     "deprecated and unknown types): Xen -ENOSYS, Koan -EINVAL"),
    ("oracle", "callback_register", r"-38", r"-22",
     "an unknown callback type with a non-canonical address: Xen checks the "
     "address first (-EINVAL), Koan the type (-ENOSYS)"),
    ("oracle", "set_trap_table", r"-22", r"0",
     "a handler address in the hypervisor's half (canonical): Xen takes it, "
     "Koan refuses the table"),
    ("oracle", "set_callbacks", r"-22", r"0",
     "set_callbacks with non-canonical addresses: Xen takes them, Koan refuses"),
    ("ptwr", "ptwr_(cmpxchg|lock_cmpxchg)", r"-15", r"0",
     "a compare that fails (or a write across two entries that fails it): Xen "
     "reports ZF clear without writing, Koan's ptwr refuses the access (#PF)"),
    ("decoder", "decode_(write|forced)", r"-15", r"0",
     "read-modify-write forms Xen's ptwr emulates and Koan's does not: add/or/"
     "and/sub/xor to memory, 4-byte xchg, cmpxchg8b/16b, 8-bit cmpxchg, bt* "
     "with an immediate (Koan: #PF)"),
    ("decoder", "decode_(privileged|forced)", r"-14", r"0",
     "mov to CR2: Xen emulates it for a PV kernel, Koan raises #GP"),
    ("decoder", "decode_(write|forced)", r"0", r"-15",
     "a read-modify-write computes the new entry from the old one, which "
     "holds this machine's frame number: the result differs between "
     "machines, and so does whether it is refused (the invariant check, "
     "not the oracle, judges these on Koan)"),
    ("decoder", "decode_(privileged|forced)", r"-14", r"-7",
     "lock-prefixed mov to/from CR: Xen raises #UD, Koan #GP"),
]


def log_tokens(run, mode) -> Dict[int, str]:
    """Call number -> `kind=result[/detail]` of a run's log of `mode`."""
    kinds = {m["letter"]: m["kind"] for m in map(KIND_RE.match, run.lines())
             if m and m["mode"] == mode}
    out: Dict[int, str] = {}
    for line in run.lines():
        m = LOG_RE.match(line)
        if not m or m["mode"] != mode:
            continue
        for i, t in enumerate(m["tokens"].split()):
            out[int(m["first"]) + i] = "%s=%s" % (kinds.get(t[0], "?" + t[0]),
                                                  decode_value(t[1:]))
    return out


def decode_value(v: str) -> str:
    """The guest writes results from -26 to 9 as one character (guest/
    include/guest/fuzz.h); '~' is a result that depends on the machine."""
    if len(v) != 1 or v == "~":
        return v
    return v if v.isdigit() else str(-(ord(v) - ord("a") + 1))


MULTI_NULL_MASK = (
    "an mmuext_op with TLB_FLUSH_MULTI/INVLPG_MULTI and a NULL vcpumask: "
    "Xen -EINVAL (it reads the mask), Koan flushes locally (NULL = UVMF_LOCAL)")
IO_PAGE_OWNER = (
    "mmu_update with DOMID_IO as page owner mapping I/O memory: Xen lets "
    "dom0 do it, Koan asks DOMID_IO itself for I/O rights (-EPERM)")
ESRCH_DONE = KNOWN_DIFFERENCES[0][4]


def explain_entry(k: str, x: str) -> Optional[str]:
    """One batch, `rc:done:F` (multicall entries) -- the same rules as for
    the calls themselves."""
    km = re.fullmatch(r"(-?\d+):(\d+):(\w)", k)
    xm = re.fullmatch(r"(-?\d+):(\d+):(\w)", x)
    if not (km and xm) or km[3] != xm[3]:
        return None
    (kr, kd, f), (xr, xd) = (int(km[1]), int(km[2]), km[3]), (int(xm[1]), int(xm[2]))
    if xr == -22 and xd < kd:   # Koan went on past the op Xen refused
        return MULTI_NULL_MASK
    if kr == -1 and f in "Ii" and xd > kd:
        return IO_PAGE_OWNER
    if kr == xr == -3 and xd == 0:
        return ESRCH_DONE
    return None


def explain_multicall(kval: str, xval: str) -> Optional[str]:
    """Entries (`result[:done:F]`) may differ only as explain_entry says."""
    k, x = kval.partition("/")[2].split(","), xval.partition("/")[2].split(",")
    if kval.partition("/")[0] != xval.partition("/")[0] or len(k) != len(x):
        return None
    whys = [explain_entry(ke, xe) for ke, xe in zip(k, x) if ke != xe]
    return whys[0] if whys and all(whys) else None


def explain_mmuext(kval: str, xval: str) -> Optional[str]:
    """`rc/done:F:cmd,cmd,...`: Koan went further than Xen, which stopped
    at a *_MULTI op (8 TLB_FLUSH_MULTI, 9 INVLPG_MULTI) with -EINVAL."""
    k = re.fullmatch(r"-?\d+/(\d+):(\w):([\d,]+)", kval)
    x = re.fullmatch(r"-22/(\d+):(\w):([\d,]+)", xval)
    if not (k and x) or k.group(2, 3) != x.group(2, 3):
        return None
    cmds = x[3].split(",")
    # The oracle's `done` is where a batch stopped (99: never written).
    refused = int(x[1])
    if refused < int(k[1]) and refused < len(cmds) and cmds[refused] in ("8", "9"):
        return MULTI_NULL_MASK
    return None


def explain_mmu_update(kval: str, xval: str) -> Optional[str]:
    """`rc/done:F`, judged like a multicall entry."""
    return explain_entry(kval.replace("/", ":", 1), xval.replace("/", ":", 1))


def explain(mode, koan: str, xen: str) -> Optional[str]:
    kind, _, kval = koan.partition("=")
    xkind, _, xval = xen.partition("=")
    if kind != xkind:
        return None
    if mode == "oracle" and kind == "multicall":
        return explain_multicall(kval, xval)
    if mode == "oracle" and kind == "mmuext_op" and explain_mmuext(kval, xval):
        return explain_mmuext(kval, xval)
    if mode == "oracle" and kind == "mmu_update" and explain_mmu_update(kval, xval):
        return explain_mmu_update(kval, xval)
    for m, k, kv, xv, why in KNOWN_DIFFERENCES:
        if m == mode and re.fullmatch(k, kind) and re.fullmatch(kv, kval) and \
                re.fullmatch(xv, xval):
            return why
    return None


@pytest.mark.parametrize("mode", ["oracle", "ptwr", "decoder"])
def test_oracle_koan_matches_xen(koan_fuzz_run, xen_fuzz_run, mode):
    """Results compared call by call ('~': depends on memory layout)."""
    koan, xen = log_tokens(koan_fuzz_run, mode), log_tokens(xen_fuzz_run, mode)
    assert koan and len(koan) == len(xen), "%s: %d results on Koan, %d on Xen" % (
        mode, len(koan), len(xen))
    unexplained, explained = [], {}
    for i in sorted(koan):
        if koan[i] == xen[i] or koan[i].endswith("=~"):
            continue
        why = explain(mode, koan[i], xen[i])
        if why:
            explained[why] = explained.get(why, 0) + 1
        else:
            unexplained.append("call %d: Koan %s, Xen %s" % (i, koan[i], xen[i]))
    for why, n in explained.items():
        print("%s: %d known disagreement(s): %s" % (mode, n, why))
    assert not unexplained, (
        "%s: %d disagreements with Xen nobody has explained (rerun with "
        "fuzz-trace=I to see call I): %s" % (mode, len(unexplained),
                                             "; ".join(unexplained[:20])))


# ---- delivery, beside a dom0 that must finish -------------------------------------

DELIVERY_DONE = re.compile(r"^\((?P<dom>fuzzer\d)\) fuzz-delivery: seed \d+ done: ")
ANNOUNCED = re.compile(r"^\((?P<dom>fuzzer\d)\) fuzz-delivery: event \d+: .*"
                       r"(should|may) be crashed")


@pytest.mark.parametrize("seed", DELIVERY_SEEDS)
def test_delivery_fuzzing_domUs_do_not_disturb_dom0(seed):
    fuzzers = ["fuzzer1", "fuzzer2"]
    args = h.koan_guest("dom0", "fuzz-watch", "fuzz-foreign", "fuzz-check-every=20",
                        "fuzz-seed=%d" % seed)
    for i, name in enumerate(fuzzers):
        args += h.koan_guest(name, "fuzz-delivery=%d" % DELIVERY_EVENTS,
                             "fuzz-seed=%d" % (seed * 2 + i),
                             "fuzz-crash-pct=%d" % DELIVERY_CRASH_PCT[i],
                             options=["role=domU"])
    run = h.run_koan("koan_fuzz_delivery_seed%d" % seed, args, timeout=TIMEOUT)
    record_coverage(run, "delivery, seed %d" % seed)
    assert run.exit_code in (0, 1), "Koan did not survive: %s" % run
    assert_dom0_finished(run)
    assert_live(run, "delivery fuzzing")
    for name in fuzzers:
        crashed = has_prefix(run, "koan: domain %s crashed: " % name)
        finished = any(DELIVERY_DONE.match(l) and l.startswith("(%s)" % name)
                       for l in run.lines())
        assert crashed != finished, "%s neither finished nor crashed: %s" % (
            name, run)
        if crashed:
            announced = [l for l in run.lines() if ANNOUNCED.match(l) and
                         l.startswith("(%s)" % name)]
            assert announced, "%s crashed without an event that asked for " \
                              "it: %s" % (name, run)
    assert not has_prefix(run, "koan: domain dom0 crashed"), run


# ---- scale: the XSA-45 amplification must not stall the machine -------------------

def test_scale_amplification_keeps_dom0_alive():
    words = suite_words(seed=SEED, **{
        "fuzz-oracle": 0, "fuzz-calls": 2000, "fuzz-ptwr": 0, "fuzz-decoder": 0,
        "fuzz-scale": 3, "fuzz-scale-l1": SCALE_L1})
    run = h.run_koan("koan_fuzz_scale_liveness",
                     h.koan_guest("dom0", "fuzz-watch", "fuzz-check-every=10") +
                     h.koan_guest("attacker", *words, "peer-domid=0",
                                  options=["role=domU"]),
                     timeout=TIMEOUT, smp=1)
    # One CPU: liveness means the watcher gets the CPU the attacker holds.  (On
    # two each has its own, and the watcher's checks, which park the other
    # CPU, would only slow the attacker down.)
    record_coverage(run, "scale beside a watcher, seed %d" % SEED)
    assert run.exit_code == 0, run
    run.guest("attacker").assert_all_passed(str(run), suites=("fuzz",))
    assert_dom0_finished(run)
    assert_live(run, "the scale fuzzer's amplification")
