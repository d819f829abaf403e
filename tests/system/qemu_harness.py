# SPDX-License-Identifier: MIT
"""Run scripts/qemu-run.sh under pexpect and parse what the test guests print.

A guest prints one line per case, `ok N name` or `not ok N name: reason`,
then `summary: P passed, F failed`.  On Koan every line of a domain is
prefixed with `(NAME) `; on Xen, dom0's lines have no prefix (domain None).
"""
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pexpect
import pytest

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "scripts" / "qemu-run.sh"
LOG_DIR = ROOT / "build" / "tests" / "system"
KOAN = "build/koan.elf"
XEN = "build/xen-ref/xen.elf"
GUEST = "build/guest/koan-guest.elf"
RAMDISK = "build/guest/koan-ramdisk.bin"
XEN_APPEND = ("console=com1 com1=115200 dom0_mem=64M loglvl=all "
              "guest_loglvl=all noreboot")
# Xen does not leave QEMU when dom0 stops; this line is its verdict.
XEN_DOM0_END = r"Hardware Dom0 (halted|crashed)"
DEFAULT_TIMEOUT = 60

PREFIX = r"^(?:\((?P<dom>[^()\s]+)\) )?"
CASE_RE = re.compile(PREFIX + r"(?P<res>ok|not ok) (?P<num>\d+) (?P<name>[\w.-]+)"
                     r"(?:: (?P<reason>.*))?$")
SUMMARY_RE = re.compile(PREFIX + r"summary: (?P<p>\d+) passed, (?P<f>\d+) failed$")


SUITES = ("basic", "mm", "fuzz", "cpu", "spec", "smp", "evtchn", "time", "gnttab", "sched")  # table order of guest/tests.c


def suite_cases(suite: str) -> List[Tuple[str, bool]]:
    """(name, koan_only) of a suite's cases in table order, read from the
    CASES_<SUITE>(X, K) list of guest/tests.c: X(name) is refereed on Xen,
    K(name) runs on Koan only (with the guest word `koan-only`)."""
    text = (ROOT / "guest" / "tests.c").read_text()
    head = "#define CASES_%s(X, K)" % suite.upper()
    block = text.split(head, 1)[1].split("\n\n", 1)[0]
    return [(name, kind == "K")
            for kind, name in re.findall(r"\b([XK])\((\w+)\)", block)]


def expected_case_names(suites=("basic",), koan_only=False) -> List[str]:
    """The case names a guest run with `suite=<suites>` prints, in order
    (suites run in table order: basic, mm, fuzz)."""
    return [name for suite in SUITES if suite in suites
            for name, k in suite_cases(suite) if koan_only or not k]


def koan_only_cases() -> List[str]:
    return [name for suite in SUITES for name, k in suite_cases(suite) if k]


@dataclass
class Case:
    number: int
    ok: bool
    reason: Optional[str]


@dataclass
class GuestResult:
    cases: Dict[str, Case] = field(default_factory=dict)
    passed: Optional[int] = None
    failed: Optional[int] = None

    def failures(self) -> Dict[str, str]:
        return {n: c.reason for n, c in self.cases.items() if not c.ok}

    def assert_all_passed(self, log_hint="", suites=("basic",),
                          koan_only=False):
        names = expected_case_names(suites, koan_only)
        assert self.passed is not None, "no summary line " + log_hint
        assert self.failures() == {}, "failed cases %s" % self.failures()
        assert list(self.cases) == names, "cases printed %s, expected %s" % (
            list(self.cases), names)
        assert (self.passed, self.failed) == (len(names), 0)


@dataclass
class Run:
    log: str
    exit_code: Optional[int]
    log_path: Path
    # (host time in s, line) as each line arrived, when asked for (stamp_lines)
    stamped: List[Tuple[float, str]] = field(default_factory=list)

    def lines(self) -> List[str]:
        return [l.rstrip("\r") for l in self.log.split("\n")]

    def guests(self) -> Dict[Optional[str], GuestResult]:
        out: Dict[Optional[str], GuestResult] = {}
        for line in self.lines():
            m = CASE_RE.match(line)
            if m:
                g = out.setdefault(m["dom"], GuestResult())
                g.cases[m["name"]] = Case(int(m["num"]), m["res"] == "ok",
                                          m["reason"])
                continue
            m = SUMMARY_RE.match(line)
            if m:
                g = out.setdefault(m["dom"], GuestResult())
                g.passed, g.failed = int(m["p"]), int(m["f"])
        return out

    def guest(self, name: Optional[str]) -> GuestResult:
        return self.guests().get(name, GuestResult())

    def has_line(self, text: str) -> bool:
        return text in self.lines()

    def __str__(self):
        return "exit %s, log %s" % (self.exit_code, self.log_path)


def _read_stamped(child, until: Optional[str], deadline: float):
    """Read line by line, noting when each arrived; stop at EOF (0), a line
    matching `until` (1) or the deadline (-1)."""
    stamped = []
    pattern = re.compile(until) if until else None
    while True:
        child.timeout = max(1.0, deadline - time.monotonic())
        try:
            line = child.readline()
        except pexpect.TIMEOUT:
            return stamped, -1
        if line == "":
            return stamped, 0
        stamped.append((time.monotonic(), line.rstrip("\r\n")))
        if pattern and pattern.search(line):
            return stamped, 1


def run_qemu(test_name: str, args: List[str], timeout: int = DEFAULT_TIMEOUT,
             until: Optional[str] = None, stamp_lines: bool = False,
             smp: int = 0) -> Run:
    """Boot through the launcher; wait for QEMU to exit, or for `until`
    (a regex) and then stop QEMU.  The serial log is saved under
    build/tests/system/<test_name>.log.  With stamp_lines, Run.stamped has
    the host time at which each line arrived.  smp: QEMU's CPUs (default:
    the launcher's, one)."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / (re.sub(r"[^\w.-]", "_", test_name) + ".log")
    argv = [str(LAUNCHER), "--timeout", str(timeout)]
    argv += ["--smp", str(smp)] if smp else []
    argv += args
    child = pexpect.spawn("/bin/bash", argv, cwd=str(ROOT), encoding="utf-8",
                          codec_errors="replace", timeout=timeout + 10,
                          dimensions=(50, 250))
    patterns = [pexpect.EOF] + ([until] if until else [])
    started = time.monotonic()
    stamped = []
    if stamp_lines:
        stamped, idx = _read_stamped(child, until, started + timeout + 10)
        log = "\n".join(line for _, line in stamped)
    else:
        try:
            idx = child.expect(patterns)
        except pexpect.TIMEOUT:
            idx = -1
        log = child.before + (child.after if isinstance(child.after, str) else "")
    if idx != 0:
        child.close(force=True)  # SIGHUP: the launcher stops QEMU
        exit_code = None
    else:
        child.close()
        exit_code = child.exitstatus
    log_path.write_text(log + "\n[harness] exit %s after %.1f s\n" % (
        exit_code, time.monotonic() - started))
    print("serial log: %s" % log_path)
    return Run(log, exit_code, log_path, stamped)


def module(path: str, *words: str) -> List[str]:
    return ["--module", " ".join((path,) + words)]


def koan_guest(name: str, *guest_args: str, options=(), ramdisk=False,
               image: str = GUEST) -> List[str]:
    """Launcher arguments for one test guest on Koan (plus its ramdisk)."""
    args = module(image, "name=" + name, *options, "--", "koan-test", *guest_args)
    if ramdisk:
        args += module(RAMDISK, "ramdisk")
    return args


def stripped_guest() -> str:
    """The test guest without its debug sections (a fifth of the size), for
    boots with many copies of it: QEMU loads every module whole.  Made
    (atomically) when missing or older than the guest."""
    src = ROOT / GUEST
    out = ROOT / "build" / "tests" / "koan-guest-stripped.elf"
    if not out.exists() or out.stat().st_mtime < src.stat().st_mtime:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name("%s.%d" % (out.name, os.getpid()))
        subprocess.run(["objcopy", "--strip-debug", str(src), str(tmp)], check=True)
        os.replace(tmp, out)
    return str(out.relative_to(ROOT))


# KOAN_SMP=N: every Koan boot that does not choose its CPUs gets N (make
# test runs the Koan tests a second time at -smp 2; docs/testing.md).  A
# boot that chooses them ran as it is in the first pass: it is skipped.
KOAN_SMP = int(os.environ.get("KOAN_SMP", "0"))


def run_koan(test_name: str, args: List[str], append: str = "loglvl=info",
             timeout: int = DEFAULT_TIMEOUT, until: Optional[str] = None,
             stamp_lines: bool = False, smp: int = 0) -> Run:
    if smp and KOAN_SMP:
        pytest.skip("chooses its CPUs (-smp %d): the first pass ran it" % smp)
    if not smp and KOAN_SMP:
        smp, test_name = KOAN_SMP, "%s_smp%d" % (test_name, KOAN_SMP)
    return run_qemu(test_name, ["--kernel", KOAN, "--append", append] + args,
                    timeout=timeout, until=until, stamp_lines=stamp_lines,
                    smp=smp)


def run_xen_dom0(test_name: str, guest_args: List[str], ramdisk: bool = True,
                 timeout: int = DEFAULT_TIMEOUT, smp: int = 0,
                 xen_options: str = "") -> Run:
    """The guest as dom0 of Xen 4.17; with smp=N, on N CPUs and with N
    dom0 vCPUs (dom0_max_vcpus=N); xen_options go on Xen's command line."""
    append = XEN_APPEND + (" dom0_max_vcpus=%d" % smp if smp else "")
    append += " " + xen_options if xen_options else ""
    args = ["--kernel", XEN, "--append", append, "--no-exit-device"]
    args += module(GUEST, "koan-test", *guest_args)
    if ramdisk:
        args += module(RAMDISK)
    return run_qemu(test_name, args, timeout=timeout, until=XEN_DOM0_END,
                    smp=smp)
