#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`make bench`, lmbench part: Linux natively, as Xen 4.17's dom0 and as a
Koan domU, running our lmbench-style program in the same QEMU.

The same kernel (Debian's, make linux-images) and initramfs run
bench/linux/lmb.c (`koan.run="lmb -p P -r K"`) on one CPU with 256 MiB in four
configurations:

  native    QEMU boots the kernel directly (mem=256M, console=ttyS0)
  xen-dom0  Xen 4.17 (build/xen-ref) boots it as dom0 (dom0_mem=256M, one
            vCPU, console=hvc0: Xen prints dom0's console), no toolstack
  koan-domU Koan boots it as its only domain, a domU (mem=256M vcpus=1,
            console=hvc0: Koan serves the console ring, each line prefixed
            with `(linux) `)
  koan-domU-tsc  the same with `clocksource=tsc` on Linux's command line:
            Linux's vDSO then reads the TSC itself, as natively, instead of
            pvclock (docs/time.md "Linux's clocksource")

Each row of lmb prints `lmb: row=NAME ops=N ns=T tsc=C`.  Two figures per
row and configuration, each given as a ratio to native:

  wall    T / N in normal runs: the guest's CLOCK_MONOTONIC, which under TCG
          follows the host's clock; lmb's start and done lines carry the
          guest clock, held against their arrival times on the host, and T
          is converted to host time by that ratio (a guest whose TSC was
          calibrated wrong under host load would otherwise report wrong
          times: seen once on Koan, 0.63).  The configurations take turns
          in each of --repeats rounds, each boot runs the rows --passes
          times, and every row keeps its fastest pass (other load on the
          host only adds time).
  icount  C / N in one run under -icount shift=0, where the TSC counts
          executed instructions (the guest's and the hypervisor's): nearly
          deterministic, so one shorter run (--icount-percent) suffices

A run ends when /init reports lmb's exit (`koan-init: ... exited`); the
serial logs stay in build/tests/system/bench_lmb_*.log, the table goes to
build/bench/lmbench.txt and the figures to build/bench/lmbench.json.
docs/performance.md ("Linux: lmbench-style rows") explains the rows and
the aims.
"""
import argparse
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "system"))
import qemu_harness as qh  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import run as bench  # noqa: E402  (its table layout)

OUT_DIR = ROOT / "build" / "bench"
LINUX_DIR = "build/linux"
KERNEL = LINUX_DIR + "/vmlinuz"
INITRD = LINUX_DIR + "/initramfs.cpio.gz"
MEMORY = "256M"  # what each Linux is given; QEMU itself has 512 MiB
LINUX_WORDS = "quiet"
# x2apic=false: as bench/run.py, so Xen's timer reads survive -icount.
XEN_APPEND = ("console=com1 com1=115200 dom0_mem=%s dom0_max_vcpus=1 loglvl=warn "
              "guest_loglvl=all noreboot x2apic=false" % MEMORY)
KOAN_APPEND = "loglvl=warn"
CLOCK_TOLERANCE = 0.02  # a guest clock further off the host's is flagged

# Not anchored: Koan prefixes `(linux) `, native Linux's console reset
# sequence comes right before the first line.
ROW_RE = re.compile(r"lmb: row=(?P<name>\w+) ops=(?P<ops>\d+) ns=(?P<ns>\d+) "
                    r"tsc=(?P<tsc>\d+)\s*$")
FAILED_RE = re.compile(r"lmb: row=(?P<name>\w+) failed")
START_RE = re.compile(r"lmb: start rows=(\d+) .*clock=(\d+)")
DONE_RE = re.compile(r"lmb: done rows=(\d+) clock=(\d+)")
EXIT_RE = r"koan-init: .* exited with status \d+"
STATUS_RE = re.compile(r"koan-init: .* exited with status (\d+)")

# Row names in lmb's order, with what one op is (docs/performance.md).
ROWS = (("null_syscall", "getppid"), ("stat", "stat"), ("open_close", "open+close"),
        ("read_zero", "read 1 B /dev/zero"), ("fork_exit", "fork+exit+wait"),
        ("fork_exec", "fork+exec+wait"), ("page_fault", "4 KiB page fault"),
        ("mmap_munmap", "mmap 4 MiB file, touch, munmap"),
        ("pipe_pingpong", "pipe round trip"), ("signal", "sigaction+kill+handler"),
        ("clock_gettime", "clock_gettime"), ("memory_copy", "memcpy 1 MiB"),
        ("cpu_loop", "10^6 loop iterations"))
NATIVE, XEN, KOAN = "native", "xen-dom0", "koan-domU"
# The Koan domU again, with Linux told to use the TSC as its clocksource (a
# PV domU of Linux 6.1 keeps the pvclock one otherwise).  All rows, although
# only clock_gettime should move: the run must be long enough to hold the
# guest's clock against the host's, and the other rows show nothing else did.
KOAN_TSC = "koan-domU-tsc"
SYSTEMS = (NATIVE, XEN, KOAN, KOAN_TSC)
EXTRA_WORDS = {KOAN_TSC: "clocksource=tsc"}


@dataclass
class Row:
    ops: int
    ns: float  # wall runs: host nanoseconds (the guest's, over clock_ratio)
    tsc: int
    guest_ns: int  # as lmb printed it


@dataclass
class Result:
    rows: Dict[str, List[Row]] = field(default_factory=dict)  # one per pass
    problem: Optional[str] = None   # why this run gave no usable figures
    clock_ratio: Optional[float] = None  # guest clock / host clock, start to done


def launcher_args(system: str, percent: int, passes: int, icount: bool) -> List[str]:
    run = 'koan.run="lmb -p %d -r %d"' % (percent, passes)
    if system == NATIVE:
        args = ["--kernel", KERNEL, "--initrd", INITRD, "--append",
                "console=ttyS0 %s mem=%s %s koan.exit=port" % (LINUX_WORDS, MEMORY, run)]
    elif system == XEN:
        args = ["--kernel", qh.XEN, "--append", XEN_APPEND, "--no-exit-device"]
        args += qh.module(KERNEL, "console=hvc0", LINUX_WORDS, run)
        args += qh.module(INITRD)
    else:
        args = ["--kernel", qh.KOAN, "--append", KOAN_APPEND]
        args += qh.module(KERNEL, "name=linux mem=%s vcpus=1 role=domU --" % MEMORY,
                          "console=hvc0", LINUX_WORDS, *EXTRA_WORDS.get(system, "").split(), run)
        args += qh.module(INITRD, "ramdisk")
    return args + (["--icount"] if icount else [])


def parse(run: qh.Run, icount: bool) -> Result:
    res = Result()
    start = done = None
    for t, line in run.stamped:
        m = ROW_RE.search(line)
        if m:
            res.rows.setdefault(m["name"], []).append(
                Row(int(m["ops"]), int(m["ns"]), int(m["tsc"]), int(m["ns"])))
        m = FAILED_RE.search(line)
        if m:
            res.problem = "row %s failed" % m["name"]
        start = start or ((t, int(m[2])) if (m := START_RE.search(line)) else None)
        done = done or ((t, int(m[2])) if (m := DONE_RE.search(line)) else None)
    status = [int(m[1]) for m in map(STATUS_RE.search, run.lines()) if m]
    if not res.rows:
        res.problem = res.problem or ("no lmb output on the serial line (%s)" % run)
    elif status != [0] or not done:
        res.problem = res.problem or ("lmb did not finish cleanly (%s)" % run)
    if icount or res.problem:
        return res
    if not (start and done and done[0] > start[0]):
        res.problem = "no start and done lines to check the guest's clock by"
        return res
    # A guest whose clock runs at the wrong rate (a TSC calibration upset by
    # host load) would report wrong times: its figures are converted to the
    # host's clock, over lmb's whole run (tens of seconds, so the serial
    # line's latency of milliseconds hardly counts).
    res.clock_ratio = (done[1] - start[1]) / 1e9 / (done[0] - start[0])
    for passes in res.rows.values():
        for row in passes:
            row.ns = row.guest_ns / res.clock_ratio
    return res


def one_run(system: str, percent: int, passes: int, icount: bool, tag: str,
            timeout: int) -> Result:
    run = qh.run_qemu("bench_lmb_%s_%s" % (system.replace("-", "_"), tag),
                      launcher_args(system, percent, passes, icount), timeout=timeout,
                      until=EXIT_RE, stamp_lines=True, smp=1)
    return parse(run, icount)


def fastest(results: List[Result]) -> Dict[str, Row]:
    """Per row, the pass with the least wall time per op."""
    best: Dict[str, Row] = {}
    for r in results:
        for name, passes in r.rows.items():
            for row in passes:
                cur = best.get(name)
                if cur is None or row.ns / row.ops < cur.ns / cur.ops:
                    best[name] = row
    return best


def spread(results: List[Result]) -> float:
    """The largest slowest/fastest - 1 of a row over the wall passes."""
    worst = 0.0
    for name, _ in ROWS:
        per_op = [x.ns / x.ops for r in results for x in r.rows.get(name, [])]
        if len(per_op) > 1:
            worst = max(worst, max(per_op) / min(per_op) - 1)
    return worst


def per_op(figs: Dict[str, Dict[str, Row]], system: str, name: str,
           icount: bool) -> Optional[float]:
    """Microseconds (wall) or instructions (icount) per op, if measured."""
    row = figs.get(system, {}).get(name)
    if row is None:
        return None
    return row.tsc / row.ops if icount else row.ns / row.ops / 1e3


def table(figs: Dict[str, Dict[str, Row]], systems: List[str], icount: bool) -> List[str]:
    """One row per benchmark: each system's figure per op, then each
    hypervisor's as a ratio to native."""
    unit = "insns/op" if icount else "us/op"
    others = [s for s in systems if s != NATIVE]
    rows = [["row"] + ["%s %s" % (s, unit) for s in systems] +
            ["%s/native" % s for s in others if NATIVE in systems]]
    for name, _ in ROWS:
        val = {s: per_op(figs, s, name, icount) for s in systems}
        cells = [name] + [("%.0f" if icount else "%.3f") % val[s] if val[s] else "-"
                          for s in systems]
        if NATIVE in systems:
            cells += ["%.2fx" % (val[s] / val[NATIVE]) if val[s] and val[NATIVE] else "-"
                      for s in others]
        rows.append(cells)
    return bench.layout(rows, rule_after=0)


def aims(wall: Dict[str, Dict[str, Row]], icount: Dict[str, Dict[str, Row]]) -> List[str]:
    """The aims: Koan's ratio at or below Xen dom0's on every row (both
    figures); clock_gettime within 1.1x of native."""
    out = []
    for label, figs, key in (("wall", wall, lambda r: r.ns / r.ops),
                             ("icount", icount, lambda r: r.tsc / r.ops)):
        if not all(figs.get(s) for s in (NATIVE, XEN, KOAN)):
            out.append("aims (%s): not checked, a configuration is missing" % label)
            continue
        excess = {n: key(figs[KOAN][n]) / key(figs[XEN][n]) - 1 for n, _ in ROWS}
        above = ["%s (+%s%%)" % (n, "%.1f" % (100 * x) if x >= 0.001 else "<0.1")
                 for n, x in excess.items() if x > 0]
        out.append("aims (%s): Koan domU at or below Xen dom0 on %d of %d rows%s" % (
            label, len(ROWS) - len(above), len(ROWS),
            "; above on " + ", ".join(above) if above else ""))
        cg = key(figs[KOAN]["clock_gettime"]) / key(figs[NATIVE]["clock_gettime"])
        out.append("aims (%s): Koan domU clock_gettime %.2fx native (aim: within 1.1x)"
                   % (label, cg))
        if figs.get(KOAN_TSC):
            cg = key(figs[KOAN_TSC]["clock_gettime"]) / key(figs[NATIVE]["clock_gettime"])
            out.append("aims (%s): Koan domU with clocksource=tsc: clock_gettime %.2fx "
                       "native" % (label, cg))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3,
                    help="wall-clock boots per configuration (%(default)s)")
    ap.add_argument("--passes", type=int, default=2,
                    help="passes over the rows in each wall-clock boot; every row "
                    "keeps its fastest pass of all boots (%(default)s)")
    ap.add_argument("--percent", type=int, default=100,
                    help="lmb's operation counts in the wall runs, %% of its base (%(default)s)")
    ap.add_argument("--icount-percent", type=int, default=25,
                    help="the same for the one -icount run, one pass (%(default)s)")
    ap.add_argument("--systems", default=",".join(SYSTEMS),
                    help="comma-separated subset of %s" % ",".join(SYSTEMS))
    ap.add_argument("--modes", default="wall,icount",
                    help="comma-separated subset of wall,icount")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per boot (%(default)s)")
    args = ap.parse_args()
    systems = [s for s in SYSTEMS if s in args.systems.split(",")]
    for f in (KERNEL, INITRD, qh.KOAN, qh.XEN):
        if not (ROOT / f).is_file():
            raise SystemExit("bench: %s is missing: make all linux-images" % f)
    load_before = os.getloadavg()
    runs: Dict[str, Dict[str, List[Result]]] = {s: {"wall": [], "icount": []} for s in systems}
    modes = args.modes.split(",")
    plan = [("wall", i) for i in range(args.repeats) if "wall" in modes]
    plan += [("icount", 0)] if "icount" in modes else []
    unavailable: Dict[str, str] = {}
    for mode, i in plan:
        for s in systems:
            if s in unavailable:
                continue
            print("bench: lmbench, %s, %s run%s ..." % (
                s, mode, " %d" % (i + 1) if mode == "wall" else ""), flush=True)
            t0 = time.monotonic()
            wall_mode = mode == "wall"
            r = one_run(s, args.percent if wall_mode else args.icount_percent,
                        args.passes if wall_mode else 1, not wall_mode,
                        "%s%d" % (mode, i + 1), args.timeout)
            print("bench:   %.0f s, %d rows%s" % (time.monotonic() - t0, len(r.rows),
                  "; " + r.problem if r.problem else ""), flush=True)
            if r.problem:
                # A configuration that cannot run lmb is reported, not retried.
                unavailable[s] = r.problem
                continue
            runs[s][mode].append(r)
    wall = {s: fastest(rs["wall"]) for s, rs in runs.items() if rs["wall"]}
    icount = {s: fastest(rs["icount"]) for s, rs in runs.items() if rs["icount"]}
    kernel = (ROOT / LINUX_DIR / "kernel.txt").read_text().split()
    lines = ["", "lmbench-style rows (bench/linux/lmb.c), QEMU TCG, 1 CPU, %s" %
             time.strftime("%Y-%m-%d %H:%M"),
             "Linux %s %s, %s each; wall: fastest of %d boots x %d passes at %d%% "
             "of lmb's counts; icount: one pass at %d%%" % (
                 kernel[1], kernel[3], MEMORY, args.repeats, args.passes, args.percent,
                 args.icount_percent),
             "host: %d CPUs, load average %.2f before, %.2f after" % (
                 os.cpu_count() or 0, load_before[0], os.getloadavg()[0]), ""]
    if wall:
        lines += ["Wall clock (guest CLOCK_MONOTONIC, fastest pass), microseconds per op"]
        lines += table(wall, systems, icount=False) + [""]
    if icount:
        lines += ["-icount: instructions per op (guest and hypervisor), one pass"]
        lines += table(icount, systems, icount=True) + [""]
    for s in systems:
        ratios = [r.clock_ratio for r in runs[s]["wall"] if r.clock_ratio]
        if ratios:
            lines.append("%s: guest clock / host clock, lmb start to done: %s%s; "
                         "wall spread up to %.0f%%" % (
                             s, ", ".join("%.3f" % x for x in ratios),
                             " (OFF: figures converted to the host clock)"
                             if any(abs(x - 1) > CLOCK_TOLERANCE for x in ratios) else "",
                             100 * spread(runs[s]["wall"])))
    for s, why in unavailable.items():
        lines.append("%s: not available: %s" % (s, why))
    lines += aims(wall, icount) + [""]
    print("\n".join(lines))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "lmbench.txt").write_text("\n".join(lines) + "\n")
    (OUT_DIR / "lmbench.json").write_text(json.dumps({
        s: {mode: [{"clock_ratio": r.clock_ratio,
                    "rows": {n: [vars(x) for x in xs] for n, xs in r.rows.items()}}
                   for r in rs]
            for mode, rs in by_mode.items()}
        for s, by_mode in runs.items()} | {"unavailable": unavailable}, indent=1) + "\n")
    # The native and Xen columns are the reference: without them the
    # table means nothing.  A missing Koan column is reported, not fatal.
    return 1 if any(s in unavailable for s in (NATIVE, XEN) if s in systems) else 0


if __name__ == "__main__":
    sys.exit(main())
