#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`make bench`, SMP part: two CPU-bound burners from -smp 1 to -smp 2.

Two burners of the same fixed loop (M million iterations of a volatile
counter, guest/smp_words.c burn()) run at once, first on one QEMU CPU, then
on two; the ideal speed-up is 2x.  QEMU runs TCG, multi-threaded (one host
thread per virtual CPU), so the speed-up also depends on QEMU and on the
host having two free cores: native Linux in the same QEMU is the reference.

  Koan    dom0 and a domU, one vCPU each, both the test guest with
          `cpu-burn=M` (the machine stops when both have powered off)
  Linux   Debian's kernel with our initramfs (make linux-images,
          scripts/build-linux-images.sh) running `burn 2 M`
          (bench/linux/burn.c: two processes)

Wall time is taken on the host, the same way for both: pexpect stamps each
serial line as it arrives, and a run lasts from the first start line (Koan:
the first `koan-guest: starting`; Linux: `burn: start`) to the last result
line (`cpu-burn: ...`; `burn: ...`).  The guests' own clocks are shown
beside it as a check (Koan: the larger `cpu-burn` tick count over the TSC
rate Koan logs; Linux: what burn measured with CLOCK_MONOTONIC); under TCG
both follow the host clock.

The configurations take turns within each of --repeats rounds, so a change
of host load touches them all; the table keeps each one's fastest run
(other load only ever adds time) and the spread.  Written to
build/bench/smp_scaling.txt; docs/performance.md ("SMP") explains it.
"""
import argparse
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "system"))
import qemu_harness as qh  # noqa: E402

OUT_DIR = ROOT / "build" / "bench"
LINUX_DIR = "build/linux"
TIMEOUT = 300

KOAN_START_RE = re.compile(r"^\((dom0|guest1)\) koan-guest: starting")
KOAN_BURN_RE = re.compile(r"^\((dom0|guest1)\) cpu-burn: 1 vCPUs, (\d+) M each, (\d+) ticks$")
TSC_RE = re.compile(r"^koan: clock: TSC at (\d+)\.(\d+) MHz")
# Not anchored at the line's start: the kernel's console reset sequence
# (ESC c ...) comes right before the first line of burn.
LINUX_START_RE = re.compile(r"burn: start, 2 processes")
LINUX_BURN_RE = re.compile(r"burn: (\d+) processes, (\d+) M each, (\d+) CPUs, ([\d.]+) s$")


@dataclass
class Timing:
    host: float    # seconds between the first start line and the last result
    guest: float   # the guests' own measure of the same span


def span(stamped: List[Tuple[float, str]], start: re.Pattern, end: re.Pattern) -> float:
    starts = [t for t, line in stamped if start.search(line)]
    ends = [t for t, line in stamped if end.search(line)]
    return max(ends) - min(starts)


def koan_run(smp: int, rep: int, millions: int) -> Timing:
    burn = "cpu-burn=%d" % millions
    run = qh.run_koan("bench_scaling_koan_smp%d_%d" % (smp, rep),
                      qh.koan_guest("dom0", burn) +
                      qh.koan_guest("guest1", burn, options=["role=domU"]),
                      smp=smp, timeout=TIMEOUT, stamp_lines=True)
    lines = [line for _, line in run.stamped]
    burns = [m for m in map(KOAN_BURN_RE.match, lines) if m and int(m[2]) == millions]
    tsc = [m for m in map(TSC_RE.match, lines) if m]
    if run.exit_code != 0 or sorted(m[1] for m in burns) != ["dom0", "guest1"] or not tsc:
        raise SystemExit("bench: Koan at -smp %d, run %d failed (%s)" % (smp, rep, run))
    tsc_hz = int(tsc[0][1]) * 1e6 + int(tsc[0][2]) * 1e3
    return Timing(span(run.stamped, KOAN_START_RE, KOAN_BURN_RE),
                  max(int(m[3]) for m in burns) / tsc_hz)


def linux_run(smp: int, rep: int, millions: int) -> Timing:
    append = 'console=ttyS0 quiet koan.run="burn 2 %d" koan.exit=port' % millions
    run = qh.run_qemu("bench_scaling_linux_smp%d_%d" % (smp, rep),
                      ["--kernel", LINUX_DIR + "/vmlinuz",
                       "--initrd", LINUX_DIR + "/initramfs.cpio.gz", "--append", append],
                      smp=smp, timeout=TIMEOUT, stamp_lines=True)
    done = [m for m in (LINUX_BURN_RE.search(l) for _, l in run.stamped) if m]
    if (run.exit_code != 0 or len(done) != 1 or
            (int(done[0][1]), int(done[0][2]), int(done[0][3])) != (2, millions, smp)):
        raise SystemExit("bench: Linux at -smp %d, run %d failed (%s)" % (smp, rep, run))
    return Timing(span(run.stamped, LINUX_START_RE, LINUX_BURN_RE), float(done[0][4]))


SYSTEMS = (("Koan, dom0 + domU", koan_run), ("Linux, 2 processes", linux_run))


def table(results: Dict[Tuple[str, int], List[Timing]]) -> List[str]:
    rows = [("configuration", "wall s (fastest)", "spread", "guest clock s")]
    for (name, smp), runs in results.items():
        best = min(runs, key=lambda r: r.host)
        worst = max(r.host for r in runs)
        rows.append(("%s, -smp %d" % (name, smp), "%.2f" % best.host,
                     "%.0f%%" % (100.0 * (worst / best.host - 1)), "%.2f" % best.guest))
    widths = [max(len(r[c]) for r in rows) for c in range(4)]
    return ["  ".join(c.ljust(widths[0]) if j == 0 else c.rjust(widths[j])
                      for j, c in enumerate(r)) for r in rows]


def speedups(results: Dict[Tuple[str, int], List[Timing]], lo: int, hi: int) -> List[str]:
    fastest = {key: min(r.host for r in runs) for key, runs in results.items()}
    gain = {name: fastest[(name, lo)] / fastest[(name, hi)] for name, _ in SYSTEMS}
    koan, linux = (gain[name] for name, _ in SYSTEMS)
    out = ["speed-up -smp %d -> -smp %d (ideal 2.00x):" % (lo, hi)]
    out += ["  %-20s %.2fx" % (name, gain[name]) for name, _ in SYSTEMS]
    out.append("  Koan's relative to Linux's: %.2f" % (koan / linux))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="runs per configuration (%(default)s)")
    ap.add_argument("--millions", type=int, default=1000,
                    help="million iterations per burner (%(default)s)")
    args = ap.parse_args()
    for f in ("vmlinuz", "initramfs.cpio.gz"):
        if not (ROOT / LINUX_DIR / f).is_file():
            raise SystemExit("bench: %s/%s is missing: make linux-images" % (LINUX_DIR, f))
    load_before = os.getloadavg()
    results: Dict[Tuple[str, int], List[Timing]] = {}
    for rep in range(args.repeats):
        for smp in (1, 2):
            for name, runner in SYSTEMS:
                print("bench: smp scaling, %s, -smp %d, run %d ..." % (name, smp, rep + 1),
                      flush=True)
                results.setdefault((name, smp), []).append(runner(smp, rep, args.millions))
    kernel = (ROOT / LINUX_DIR / "kernel.txt").read_text().split()
    lines = ["", "SMP scaling, QEMU TCG (multi-threaded), %s: two burners of %d M iterations "
             "each, fastest of %d runs" % (time.strftime("%Y-%m-%d %H:%M"), args.millions,
                                           args.repeats),
             "host: %d CPUs, load average %.2f before, %.2f after; Linux: %s %s" % (
                 os.cpu_count() or 0, load_before[0], os.getloadavg()[0], kernel[1], kernel[3]),
             ""]
    lines += table(results) + [""] + speedups(results, 1, 2) + [""]
    print("\n".join(lines))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "smp_scaling.txt").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
