#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`make bench`, two-domain part: event-channel ping-pong and the I/O ring.

Koan only: each needs two domains, and Xen 4.17's referee runs have one
(its dom0, with no toolstack to start another).  Two boots of Koan under
QEMU TCG, each with two test guests (docs/grants.md, "The I/O ring";
docs/events.md):

  evtchn_pingpong  dom0 `evtchn-ping=N`, domU `evtchn-serve=N`: one event
                   to the domU and one back per round trip, both sleeping
                   in SCHEDOP_poll between them (guest/evtchn_words.c)
  ring_rtt         domU `ring-front`, dom0 `ring-back`: one request at a
                   time through the shared ring, notified both ways
                   (guest/ring_front.c, guest/ring_back.c)
  ring_pipelined   the same ring kept full (128 slots): requests per second

Each prints `bench-begin`/`bench-end` lines, read by bench/run.py's parser:
wall clock from their arrival times (mean per round trip, and requests/s),
cycles under -icount shift=0 (instructions per round trip).  The guests'
own medians (TSC cycles per round trip) are printed beside them: in ns
from the boot's TSC rate in the wall runs, in instructions under -icount.
Wall runs at each --smp (one CPU: every round trip is two domain switches;
two: each domain may keep a CPU, and wakes cross CPUs by IPI), --repeats
boots each, fastest kept; one -icount run at -smp 1.  Written to
build/bench/ring.txt; docs/performance.md ("Two domains") explains it.
"""
import argparse
import re
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import run as bench  # noqa: E402  (the serial parser, qemu_harness as bench.qh)

qh = bench.qh
ROWS = ("evtchn_pingpong", "ring_rtt", "ring_pipelined")
MEDIAN_RE = re.compile(r"^\s*[\d.]+ \((?:\w+)\) (?:evtchn-pingpong|ring-front): (?P<n>\d+) "
                       r"round trips(?: one at a time)?, median (?P<median>\d+) cycles")
TSC_RE = re.compile(r"^\s*[\d.]+ koan: clock: TSC at (?P<mhz>[\d.]+) MHz")
CHECK_RE = re.compile(r"ring-front: \d+ requests, \d+ answers, 0 ids missing, 0 duplicates, "
                      r"0 unknown, 0 wrong results")


def boot_args(kind: str, n: int, trips: int, icount: bool, smp: int) -> List[str]:
    args = ["--smp", str(smp), "--kernel", qh.KOAN, "--append", "loglvl=info"]
    if kind == "evtchn":
        args += qh.koan_guest("ping", "evtchn-ping=%d" % trips, "peer-domid=1")
        args += qh.koan_guest("serve", "evtchn-serve=%d" % trips, "peer-domid=0",
                              options=["role=domU"])
    else:
        args += qh.koan_guest("back", "ring-back", "peer-domid=1")
        args += qh.koan_guest("front", "ring-front=%d" % n, "ring-trips=%d" % trips,
                              "peer-domid=0", options=["role=domU"])
    return args + (["--icount"] if icount else [])


def one_boot(kind: str, mode: str, smp: int, rep: int, n: int, trips: int,
             timeout: int) -> Tuple[bench.Run, Dict[str, int], Optional[float]]:
    """One boot: its parsed run, the medians by row, the TSC rate in MHz."""
    name = "ring-%s-%s-smp%d-%d.log" % (kind, mode, smp, rep)
    r = bench.run_launcher(bench.Run("koan", mode),
                           boot_args(kind, n, trips, mode == "icount", smp), timeout, name)
    r.failures = [f for f in r.failures if not f.startswith("no summary line")]
    log = (bench.OUT_DIR / name).read_text().split("\n")
    medians = {}
    for m in filter(None, map(MEDIAN_RE.match, log)):
        medians["evtchn_pingpong" if kind == "evtchn" else "ring_rtt"] = int(m["median"])
    mhz = [float(m["mhz"]) for m in filter(None, map(TSC_RE.match, log))]
    if kind == "ring" and not any(CHECK_RE.search(l) for l in log):
        r.failures.append("the ring's check line is missing or reports errors")
    if not any("koan: memory: every domain frame returned" in l for l in log):
        r.failures.append("not every frame returned")
    if len(r.results) != (1 if kind == "evtchn" else 2):
        r.failures.append("bench lines missing")
    return r, medians, mhz[0] if mhz else None


class Best:
    """Per row: the fastest wall result and its median, across boots."""

    def __init__(self):
        self.result: Dict[str, bench.Result] = {}
        self.median: Dict[str, float] = {}
        self.walls: Dict[str, List[float]] = {}

    def add(self, r: bench.Run, medians: Dict[str, int], scale: float):
        for name, x in r.results.items():
            if x.wall:
                self.walls.setdefault(name, []).append(x.wall)
            cur = self.result.get(name)
            if cur is None or (x.wall and (cur.wall is None or x.wall < cur.wall)):
                self.result[name] = x
        for name, v in medians.items():
            self.median[name] = min(self.median.get(name, v * scale), v * scale)

    def spread(self, name: str) -> str:
        w = self.walls.get(name, [])
        return "%.0f%%" % (100 * (max(w) / min(w) - 1)) if len(w) > 1 else "-"


def table(wall: Dict[int, Best], icount: Optional[Best]) -> List[str]:
    rows = [("benchmark", "CPUs", "ns/op", "spread", "median ns", "ops/s", "cyc/op",
             "median cyc"),
            ("", "", "(wall)", "", "(TSC)", "(wall)", "(icount)", "(icount)")]
    for smp, b in wall.items():
        for n in ROWS:
            x = b.result.get(n)
            ns = x.wall * 1e9 / x.ops if x and x.wall else None
            i = icount.result.get(n) if icount and smp == 1 else None
            im = icount.median.get(n) if icount and smp == 1 else None
            med = b.median.get(n)
            rows.append((n, str(smp), "%.0f" % ns if ns else "-", b.spread(n),
                         "%.0f" % med if med else "-",
                         bench.fmt_rate(1e9 / ns if ns else None),
                         "%.0f" % (i.tsc / i.ops) if i else "-",
                         "%.0f" % im if im else "-"))
    return bench.layout(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=100000,
                    help="requests through the full ring (%(default)s)")
    ap.add_argument("--trips", type=int, default=10000,
                    help="round trips one at a time, ring and ping-pong (%(default)s)")
    ap.add_argument("--smp", default="1,2", help="QEMU CPU counts of the wall runs (%(default)s)")
    ap.add_argument("--repeats", type=int, default=2,
                    help="wall-clock boots per configuration, fastest kept (%(default)s)")
    ap.add_argument("--no-icount", action="store_true", help="skip the -icount run")
    ap.add_argument("--timeout", type=int, default=240, help="seconds per boot (%(default)s)")
    args = ap.parse_args()
    failed = False
    wall: Dict[int, Best] = {}
    icount: Optional[Best] = None
    plan = [("wall", int(s), i) for s in args.smp.split(",") if s for i in range(args.repeats)]
    plan += [] if args.no_icount else [("icount", 1, 0)]
    for mode, smp, rep in plan:
        best = wall.setdefault(smp, Best()) if mode == "wall" else (icount or Best())
        if mode == "icount":
            icount = best
        for kind in ("evtchn", "ring"):
            print("bench: two domains, %s, %s run, -smp %d, boot %d ..." % (kind, mode, smp, rep + 1),
                  flush=True)
            r, medians, mhz = one_boot(kind, mode, smp, rep + 1, args.requests, args.trips,
                                       args.timeout)
            print("bench:   %.1f s%s" % (r.seconds, "; FAILED: " + "; ".join(r.failures)
                                         if r.failures else ""), flush=True)
            failed |= bool(r.failures)
            # Wall runs: TSC cycles to ns; -icount: the cycles are instructions.
            best.add(r, medians, 1000.0 / mhz if mode == "wall" and mhz else 1.0)
    qemu = bench.pexpect.run("qemu-system-x86_64 --version", encoding="utf-8").split("\n")[0]
    lines = ["", "Two domains on Koan (Koan-only: Xen's referee runs have one domain), "
             "QEMU TCG (%s), %s" % (qemu.strip(), time.strftime("%Y-%m-%d %H:%M")),
             "wall: serial-line arrival times, fastest of %d boots; median: the guest's own, "
             "per round trip; cycles: guest TSC under -icount shift=0 (= instructions), -smp 1"
             % args.repeats,
             "ring: %d round trips one at a time, then %d requests through the full ring; "
             "ping-pong: %d round trips" % (args.trips, args.requests, args.trips), ""]
    lines += table(wall, icount)
    print("\n".join(lines))
    bench.OUT_DIR.mkdir(parents=True, exist_ok=True)
    (bench.OUT_DIR / "ring.txt").write_text("\n".join(lines) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
