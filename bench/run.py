#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`make bench`: the test guest's bench suite on Koan and on Xen 4.17.

Each hypervisor is booted through scripts/qemu-run.sh under TCG, with the
test guest as its dom0 running `suite=bench`:

  wall    normal runs; this script timestamps the guest's `bench-begin NAME`
          and `bench-end NAME ...` serial lines as they arrive (pexpect),
          and takes ops / (t_end - t_begin);
  icount  a run with --icount (-icount shift=0): the guest's TSC then counts
          executed instructions, hypervisor's and guest's alike, so the
          `tsc=T` of `bench-end` gives deterministic cycles per operation.

It prints two tables (Koan vs Xen, both figures, the ratios): the PV MMU
updates (unit=update: updates per second) and the CPU operations (unit=op:
null hypercall, system call, page fault, context switch, trap; time per
operation).  The serial logs and a JSON record are left in build/bench/.
docs/performance.md explains the method and what the ratios mean under TCG.
"""
import argparse
import json
import re
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import pexpect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "system"))
import qemu_harness as qh  # noqa: E402  (paths, Xen's command line, module())

OUT_DIR = ROOT / "build" / "bench"
# Xen under -icount: its x2APIC timer reads the virtual clock from rdmsr,
# which QEMU 10's TCG refuses ("Bad icount read") and aborts; in xAPIC mode
# the same reads are MMIO and allowed.  Used for both Xen runs so the two
# share one configuration.
XEN_APPEND = qh.XEN_APPEND + " x2apic=false"
KOAN_APPEND = "loglvl=warn"

LINE_PREFIX = re.compile(r"^\((?P<dom>[^()\s]+)\) ")
BEGIN_RE = re.compile(r"^bench-begin (?P<name>\w+)$")
END_RE = re.compile(r"^bench-end (?P<name>\w+) unit=(?P<unit>\w+) "
                    r"ops=(?P<ops>\d+) tsc=(?P<tsc>\d+)$")
INFO_RE = re.compile(r"^bench-info (?P<kv>.*)$")
CASE_RE = re.compile(r"^(?P<res>ok|not ok) \d+ (?P<name>\w+)(?:: (?P<reason>.*))?$")
SUMMARY_RE = re.compile(r"^summary: (?P<p>\d+) passed, (?P<f>\d+) failed$")


@dataclass
class Result:
    name: str
    unit: str
    ops: int
    tsc: int
    wall: Optional[float]  # seconds between the begin and end lines


@dataclass
class Run:
    hypervisor: str
    mode: str
    results: Dict[str, Result] = field(default_factory=dict)
    info: Dict[str, str] = field(default_factory=dict)
    failures: List[str] = field(default_factory=list)
    summary: Optional[str] = None
    seconds: float = 0.0


# Extra hypervisor words and QEMU arguments (--koan-append, --xen-append,
# --qemu): e.g. the XPTI cost probe, or another emulated CPU.
EXTRA = {"koan": "", "xen": "", "qemu": []}


def launcher_args(hypervisor: str, updates: int, ops: int, hcalls: int,
                  icount: bool) -> List[str]:
    words = ["koan-test", "suite=bench", "bench-updates=%d" % updates,
             "bench-ops=%d" % ops, "bench-hcalls=%d" % hcalls]
    if hypervisor == "koan":
        args = ["--kernel", qh.KOAN, "--append", (KOAN_APPEND + " " + EXTRA["koan"]).strip()]
        args += qh.module(qh.GUEST, "name=bench", "--", *words)
    else:
        args = ["--kernel", qh.XEN, "--append", (XEN_APPEND + " " + EXTRA["xen"]).strip(),
                "--no-exit-device"]
        args += qh.module(qh.GUEST, *words)
    args += ["--icount"] if icount else []
    return args + (["--"] + EXTRA["qemu"] if EXTRA["qemu"] else [])


def run_one(hypervisor: str, mode: str, updates: int, ops: int, hcalls: int,
            timeout: int, suffix: str = "") -> Run:
    """Boot once, reading the serial line by line with arrival times."""
    return run_launcher(Run(hypervisor, mode),
                        launcher_args(hypervisor, updates, ops, hcalls, mode == "icount"),
                        timeout, "%s-%s%s.log" % (hypervisor, mode, suffix))


def run_launcher(run: Run, args: List[str], timeout: int, name: str) -> Run:
    """Boot scripts/qemu-run.sh with args, parsing the serial line by line as
    it arrives into run; the timestamped log goes to build/bench/<name>.
    Also used by bench/smp_mmu.py."""
    argv = [str(qh.LAUNCHER), "--timeout", str(timeout)] + args
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    log = []
    begun: Dict[str, float] = {}
    started = time.monotonic()
    child = pexpect.spawn("/bin/bash", argv, cwd=str(ROOT), encoding="utf-8",
                          codec_errors="replace", timeout=timeout + 10,
                          dimensions=(50, 250))
    try:
        while True:
            try:
                raw = child.readline()
            except pexpect.TIMEOUT:
                run.failures.append("timed out after %d s" % timeout)
                break
            now = time.monotonic()
            if not raw:
                break  # EOF: Koan stopped QEMU
            line = raw.rstrip("\r\n")
            log.append("%10.6f %s" % (now - started, line))
            if re.search(qh.XEN_DOM0_END, line):
                break  # Xen halts but never leaves QEMU
            parse_line(run, LINE_PREFIX.sub("", line), now, begun)
    finally:
        child.close(force=True)
    run.seconds = time.monotonic() - started
    (OUT_DIR / name).write_text("\n".join(log) + "\n")
    if run.summary is None:
        run.failures.append("no summary line (see build/bench/%s)" % name)
    return run


def parse_line(run: Run, line: str, now: float, begun: Dict[str, float]):
    m = BEGIN_RE.match(line)
    if m:
        begun[m["name"]] = now
        return
    m = END_RE.match(line)
    if m:
        t0 = begun.get(m["name"])
        run.results[m["name"]] = Result(m["name"], m["unit"], int(m["ops"]),
                                        int(m["tsc"]),
                                        now - t0 if t0 is not None else None)
        return
    m = INFO_RE.match(line)
    if m:
        run.info.update(kv.split("=", 1) for kv in m["kv"].split() if "=" in kv)
        return
    m = CASE_RE.match(line)
    if m and m["res"] == "not ok":
        run.failures.append("%s: %s" % (m["name"], m["reason"]))
        return
    m = SUMMARY_RE.match(line)
    if m:
        run.summary = line
        if m["f"] != "0":
            run.failures.append(line)


def fastest(rs: List[Run]) -> Run:
    """One Run holding, per benchmark, the repeat with the shortest wall time."""
    out = Run(rs[0].hypervisor, rs[0].mode, info=dict(rs[0].info))
    for r in rs:
        out.failures += r.failures
        for n, x in r.results.items():
            cur = out.results.get(n)
            if cur is None or (x.wall is not None and
                               (cur.wall is None or x.wall < cur.wall)):
                out.results[n] = x
    return out


def spread(runs: Dict[str, Dict[str, List[Run]]]) -> str:
    worst = 0.0
    for by_mode in runs.values():
        rs = by_mode.get("wall", [])
        for n in rs[0].results if rs else []:
            walls = [r.results[n].wall for r in rs
                     if n in r.results and r.results[n].wall]
            if len(walls) > 1:
                worst = max(worst, max(walls) / min(walls) - 1)
    return "%.1f%%" % (100 * worst)


def fmt_rate(v: Optional[float]) -> str:
    return "%.0f" % v if v else "-"


def ratio(a: Optional[float], b: Optional[float]) -> str:
    return "%.2f" % (a / b) if a and b else "-"


def bench_names(runs: Dict[str, Dict[str, Run]], unit: str) -> List[str]:
    names: List[str] = []
    for by_mode in runs.values():
        for r in by_mode.values():
            names += [n for n, x in r.results.items()
                      if x.unit == unit and n not in names]
    return names


def layout(rows: List[tuple], rule_after: int = 1) -> List[str]:
    """Columns aligned (the first to the left), a rule under row rule_after."""
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    out = []
    for i, r in enumerate(rows):
        out.append("  ".join(c.ljust(widths[0]) if j == 0 else c.rjust(widths[j])
                             for j, c in enumerate(r)))
        if i == rule_after:
            out.append("  ".join("-" * w for w in widths))
    return out


def table(runs: Dict[str, Dict[str, Run]]) -> List[str]:
    """The MMU updates: benchmark, updates/s (wall) Koan, Xen, Koan/Xen;
    cycles per update (icount) Koan, Xen, Koan/Xen."""
    names = bench_names(runs, "update")
    if not names:
        return []
    rows = [("benchmark", "Koan upd/s", "Xen upd/s", "Koan/Xen",
             "Koan cyc/upd", "Xen cyc/upd", "Koan/Xen"),
            ("", "(wall)", "(wall)", "(speed)", "(icount)", "(icount)", "(cost)")]
    for n in names:
        rate = {}
        cost = {}
        for hv in ("koan", "xen"):
            w = runs.get(hv, {}).get("wall")
            r = w.results.get(n) if w else None
            rate[hv] = r.ops / r.wall if r and r.wall else None
            i = runs.get(hv, {}).get("icount")
            r = i.results.get(n) if i else None
            cost[hv] = r.tsc / r.ops if r else None
        rows.append((n, fmt_rate(rate["koan"]), fmt_rate(rate["xen"]),
                     ratio(rate["koan"], rate["xen"]),
                     "%.0f" % cost["koan"] if cost["koan"] else "-",
                     "%.0f" % cost["xen"] if cost["xen"] else "-",
                     ratio(cost["koan"], cost["xen"])))
    return layout(rows)


def table_ops(runs: Dict[str, Dict[str, Run]]) -> List[str]:
    """The CPU operations: benchmark, ns per operation (wall) Koan, Xen,
    Koan/Xen; cycles per operation (icount) Koan, Xen, Koan/Xen.  Both
    ratios are costs (below 1: Koan cheaper)."""
    names = bench_names(runs, "op")
    if not names:
        return []
    rows = [("benchmark", "Koan ns/op", "Xen ns/op", "Koan/Xen",
             "Koan cyc/op", "Xen cyc/op", "Koan/Xen"),
            ("", "(wall)", "(wall)", "(time)", "(icount)", "(icount)", "(cost)")]
    for n in names:
        ns = {}
        cost = {}
        for hv in ("koan", "xen"):
            w = runs.get(hv, {}).get("wall")
            r = w.results.get(n) if w else None
            ns[hv] = r.wall * 1e9 / r.ops if r and r.wall else None
            i = runs.get(hv, {}).get("icount")
            r = i.results.get(n) if i else None
            cost[hv] = r.tsc / r.ops if r else None
        rows.append((n, "%.0f" % ns["koan"] if ns["koan"] else "-",
                     "%.0f" % ns["xen"] if ns["xen"] else "-",
                     ratio(ns["koan"], ns["xen"]),
                     "%.0f" % cost["koan"] if cost["koan"] else "-",
                     "%.0f" % cost["xen"] if cost["xen"] else "-",
                     ratio(cost["koan"], cost["xen"])))
    return layout(rows)


def tsc_check(runs: Dict[str, Dict[str, Run]]) -> List[str]:
    """Guest TSC ticks per wall-clock second in the normal runs: constant
    (the host's TSC rate) when QEMU's TSC follows host time."""
    out = []
    for hv, by_mode in runs.items():
        w = by_mode.get("wall")
        rates = [r.tsc / r.wall / 1e6 for r in (w.results.values() if w else [])
                 if r.wall]
        if rates:
            out.append("%s: guest TSC / serial wall clock = %.0f..%.0f MHz over "
                       "%d benchmarks" % (hv, min(rates), max(rates), len(rates)))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--updates", type=int, default=1 << 21,
                    help="updates per benchmark in the wall-clock runs (%(default)s)")
    ap.add_argument("--icount-updates", type=int, default=1 << 16,
                    help="updates per benchmark in the -icount runs (%(default)s)")
    ap.add_argument("--ops", type=int, default=1 << 17,
                    help="operations per CPU benchmark in the wall-clock runs "
                    "(%(default)s)")
    ap.add_argument("--icount-ops", type=int, default=1 << 14,
                    help="operations per CPU benchmark in the -icount runs "
                    "(%(default)s)")
    ap.add_argument("--hcalls", type=int, default=1 << 22,
                    help="hypercalls per hypercall benchmark in the wall-clock "
                    "runs (%(default)s)")
    ap.add_argument("--icount-hcalls", type=int, default=1 << 16,
                    help="hypercalls per hypercall benchmark in the -icount "
                    "runs (%(default)s)")
    ap.add_argument("--wall-repeats", type=int, default=2,
                    help="wall-clock runs per hypervisor, fastest kept (%(default)s)")
    ap.add_argument("--hypervisors", default="koan,xen",
                    help="comma-separated subset of koan,xen")
    ap.add_argument("--modes", default="wall,icount",
                    help="comma-separated subset of wall,icount")
    ap.add_argument("--timeout", type=int, default=240,
                    help="seconds per QEMU run (%(default)s)")
    ap.add_argument("--koan-append", default="",
                    help="more Koan command-line words (e.g. spec-ctrl=xpti-probe)")
    ap.add_argument("--xen-append", default="", help="more Xen command-line words")
    ap.add_argument("--qemu", default="",
                    help="more QEMU arguments (e.g. '-cpu max,vendor=GenuineIntel')")
    args = ap.parse_args()
    EXTRA.update(koan=args.koan_append, xen=args.xen_append, qemu=shlex.split(args.qemu))

    hvs = [h for h in args.hypervisors.split(",") if h]
    if "xen" in hvs and not (ROOT / qh.XEN).exists():
        print("bench: %s missing (scripts/install-deps.sh unpacks it)" % qh.XEN)
        return 1
    runs: Dict[str, Dict[str, Run]] = {}
    failed = False
    modes = [m for m in args.modes.split(",") if m]
    # Wall-clock runs alternate between the hypervisors, so a burst of other
    # load on the host hits both; each benchmark keeps its fastest repeat.
    plan = [(hv, "wall", i) for i in range(args.wall_repeats) for hv in hvs
            if "wall" in modes]
    plan += [(hv, "icount", 0) for hv in hvs if "icount" in modes]
    for hv, mode, i in plan:
        n = args.updates if mode == "wall" else args.icount_updates
        k = args.ops if mode == "wall" else args.icount_ops
        c = args.hcalls if mode == "wall" else args.icount_hcalls
        print("bench: %s, %s run%s, %d updates / %d hypercalls / %d operations "
              "per benchmark ..." % (hv, mode, " %d" % (i + 1) if mode == "wall"
                                     else "", n, c, k), flush=True)
        r = run_one(hv, mode, n, k, c, args.timeout,
                    "" if i == 0 else "-%d" % (i + 1))
        print("bench:   %.1f s, %d benchmarks%s" % (
            r.seconds, len(r.results),
            "; FAILED: " + "; ".join(r.failures) if r.failures else ""),
            flush=True)
        failed |= bool(r.failures)
        runs.setdefault(hv, {}).setdefault(mode, []).append(r)
    best = {hv: {mode: fastest(rs) for mode, rs in by_mode.items()}
            for hv, by_mode in runs.items()}

    qemu = pexpect.run("qemu-system-x86_64 --version", encoding="utf-8").split("\n")[0]
    lines = ["", "Koan vs Xen 4.17, QEMU TCG (%s), %s" % (
        qemu.strip(), time.strftime("%Y-%m-%d %H:%M")),
        "wall: serial-line arrival times; "
        "cycles: guest TSC under -icount shift=0 (= instructions)", ""]
    mm = table(best)
    if mm:
        lines += ["PV MMU updates (updates per second; cycles per update)"]
        lines += mm + [""]
    ops = table_ops(best)
    if ops:
        lines += ["CPU operations (time and cycles per operation; "
                  "ratios are costs, below 1: Koan cheaper)"]
        lines += ops + [""]
    lines += tsc_check(best)
    if args.wall_repeats > 1 and "wall" in modes:
        lines.append("wall clock: fastest of %d runs per hypervisor; spread "
                     "(slowest/fastest - 1) up to %s" % (args.wall_repeats, spread(runs)))
    print("\n".join(lines))
    (OUT_DIR / "table.txt").write_text("\n".join(lines) + "\n")
    (OUT_DIR / "results.json").write_text(json.dumps({
        hv: {mode: [{"info": r.info, "seconds": r.seconds, "failures": r.failures,
                     "results": {n: vars(x) for n, x in r.results.items()}}
                    for r in rs]
             for mode, rs in by_mode.items()}
        for hv, by_mode in runs.items()}, indent=1) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
