#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`make bench`, SMP part: what one CPU asking another costs in Koan.

Boots Koan under QEMU TCG with several CPUs and the boot-time self-tests
`selftest=ipi` and `selftest=tlb-shootdown` (hyp/arch/x86_64/smp_selftest.c),
which time 1000 waited-for round trips each on the hypervisor's clock and
log the averages:

  IPI round trip       a call-function IPI that runs an empty function
  remote TLB flush     a shootdown: the TLB IPI, a full flush there (CR3
                       reload, recorded on the TLB-flush clock), and the
                       wait until the clock shows it

Each configuration is booted --repeats times; the table keeps the fastest
average of each row (other load on the host only ever adds time) and the
spread.  Written to build/bench/smp_costs.txt; docs/performance.md ("SMP")
explains the numbers.
"""
import argparse
import re
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "system"))
import qemu_harness as qh  # noqa: E402

OUT_DIR = ROOT / "build" / "bench"
IPI_RE = re.compile(r"^koan: selftest: ipi: 1000 round trips (CPU\d+) -> (CPU\d+|\d+ CPUs): "
                    r"(\d+) ns each$")
TLB_RE = re.compile(r"^koan: selftest: tlb-shootdown: 1000 flushes "
                    r"(CPU\d+) -> (CPU\d+|\d+ CPUs): (\d+) ns each$")


def one_boot(ncpus: int, rep: int) -> Dict[str, int]:
    """Row name -> ns per round trip, from one boot."""
    run = qh.run_koan("bench_smp%d_costs_%d" % (ncpus, rep), qh.koan_guest("dom0"),
                      append="loglvl=info selftest=ipi selftest=tlb-shootdown",
                      smp=ncpus, timeout=240)
    rows = {}
    for line in run.lines():
        m = IPI_RE.match(line)
        if m:
            rows["IPI round trip %s -> %s" % (m[1], m[2])] = int(m[3])
        m = TLB_RE.match(line)
        if m:
            rows["remote TLB flush %s -> %s" % (m[1], m[2])] = int(m[3])
    ok = run.has_line("koan: selftest: tlb-shootdown: every remote flush is on the clock")
    if not ok or len(rows) != 5 or run.exit_code != 0:
        raise SystemExit("bench: smp=%d boot %d failed (%s)" % (ncpus, rep, run))
    return rows


def table(results: Dict[int, List[Dict[str, int]]]) -> List[str]:
    out = []
    for ncpus, boots in results.items():
        names = list(boots[0])
        rows: List[Tuple[str, str, str]] = [("-smp %d" % ncpus, "us (fastest)", "spread")]
        for n in names:
            vals = [b[n] for b in boots]
            rows.append((n, "%.1f" % (min(vals) / 1000.0),
                         "%.0f%%" % (100.0 * (max(vals) / min(vals) - 1))))
        widths = [max(len(r[c]) for r in rows) for c in range(3)]
        out += ["  ".join(c.ljust(widths[0]) if j == 0 else c.rjust(widths[j])
                          for j, c in enumerate(r)) for r in rows] + [""]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cpus", default="2,4", help="QEMU CPU counts (%(default)s)")
    ap.add_argument("--repeats", type=int, default=3, help="boots per count (%(default)s)")
    args = ap.parse_args()
    results: Dict[int, List[Dict[str, int]]] = {}
    for ncpus in (int(c) for c in args.cpus.split(",") if c):
        for rep in range(args.repeats):
            print("bench: smp costs, -smp %d, boot %d ..." % (ncpus, rep + 1), flush=True)
            results.setdefault(ncpus, []).append(one_boot(ncpus, rep))
    lines = ["", "SMP costs in Koan, QEMU TCG, %s: average of 1000 round trips, "
             "fastest of %d boots" % (time.strftime("%Y-%m-%d %H:%M"), args.repeats), ""]
    lines += table(results)
    print("\n".join(lines))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "smp_costs.txt").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
