#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`make bench`, SMP part: PV MMU updates from two vCPUs, Koan against Xen 4.17.

Boots each hypervisor under QEMU TCG at -smp 2, with the test guest as a
dom0 of two vCPUs (Koan: module option vcpus=2; Xen: dom0_max_vcpus=2)
running `suite=bench-smp` (guest/bench_smp.c):

  mmu_1vcpu  vCPU 0 alone, vCPU 1 still down: N updates in mmu_update
             batches of 256 (the bench suite's mmu_256) on its own L1 tables
  mmu_2vcpu  vCPUs 0 and 1 at once, N updates each on L1 tables and frames
             of their own: 2N updates, from the start signal to the later
             vCPU's end

Wall clock only, from the serial lines' arrival times as in bench/run.py
(whose parser this uses): -icount would run QEMU's vCPUs in one thread, one
at a time.  The hypervisors are booted alternately, --repeats times each;
each row keeps its fastest boot, and the spread (slowest/fastest - 1) is
printed beside it.  The table (updates/s, the 2-vCPU/1-vCPU scaling of each
hypervisor, Koan/Xen) goes to build/bench/smp_mmu.txt, every boot to
smp_mmu.json; docs/performance.md ("SMP") explains the method.
"""
import argparse
import json
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import run as bench  # noqa: E402  (the serial parser, qemu_harness as bench.qh)

qh = bench.qh
ROWS = ("mmu_1vcpu", "mmu_2vcpu")
XEN_APPEND = qh.XEN_APPEND + " dom0_max_vcpus=2"  # as run_xen_dom0(smp=2)


def launcher_args(hypervisor: str, updates: int) -> List[str]:
    words = ["koan-test", "suite=bench-smp", "bench-updates=%d" % updates]
    if hypervisor == "koan":
        return (["--smp", "2", "--kernel", qh.KOAN, "--append", bench.KOAN_APPEND]
                + qh.module(qh.GUEST, "name=bench", "vcpus=2", "--", *words))
    return (["--smp", "2", "--kernel", qh.XEN, "--append", XEN_APPEND,
             "--no-exit-device"] + qh.module(qh.GUEST, *words))


def rate(r: Optional[bench.Result]) -> Optional[float]:
    return r.ops / r.wall if r and r.wall else None


def best(runs: List[bench.Run], name: str) -> Optional[bench.Result]:
    walls = [r.results[name] for r in runs if name in r.results and r.results[name].wall]
    return min(walls, key=lambda x: x.wall) if walls else None


def spread(runs: List[bench.Run], name: str) -> str:
    walls = [r.results[name].wall for r in runs
             if name in r.results and r.results[name].wall]
    return "%.0f%%" % (100 * (max(walls) / min(walls) - 1)) if len(walls) > 1 else "-"


def table(runs: Dict[str, List[bench.Run]]) -> List[str]:
    """Rows: updates/s of each hypervisor with its spread, Koan/Xen; then
    the scaling, 2 vCPUs over 1."""
    hvs = ("koan", "xen")
    rows = [("benchmark", "Koan upd/s", "spread", "Xen upd/s", "spread", "Koan/Xen")]
    rates = {}
    for n in ROWS:
        for hv in hvs:
            rates[hv, n] = rate(best(runs.get(hv, []), n))
        rows.append((n,) + tuple(x for hv in hvs for x in (
            bench.fmt_rate(rates[hv, n]), spread(runs.get(hv, []), n)))
            + (bench.ratio(rates["koan", n], rates["xen", n]),))
    scale = {hv: bench.ratio(rates[hv, "mmu_2vcpu"], rates[hv, "mmu_1vcpu"]) for hv in hvs}
    rows.append(("2 vCPUs / 1 vCPU", scale["koan"], "", scale["xen"], "", ""))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    out = []
    for i, r in enumerate(rows):
        if i == len(rows) - 1:
            out.append("  ".join("-" * w for w in widths))
        out.append("  ".join(c.ljust(widths[0]) if j == 0 else c.rjust(widths[j])
                             for j, c in enumerate(r)))
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def per_vcpu(hv: str, runs: List[bench.Run]) -> Optional[str]:
    """Each vCPU's own rate in the fastest mmu_2vcpu boot (its TSC, which
    under TCG follows the host clock: bench/run.py's check)."""
    r = min((x for x in runs if "mmu_2vcpu" in x.results and x.results["mmu_2vcpu"].wall),
            key=lambda x: x.results["mmu_2vcpu"].wall, default=None)
    if r is None or "vcpu1-end" not in r.info:
        return None
    res = r.results["mmu_2vcpu"]
    hz = res.tsc / res.wall
    each = res.ops // 2
    v0 = int(r.info["vcpu0-end"])
    v1 = int(r.info["vcpu1-end"]) - int(r.info["vcpu1-start"])
    return ("%s: in its fastest mmu_2vcpu, vCPU 0 made %.0f upd/s, vCPU 1 %.0f upd/s "
            "(starting %.0f us after the signal)" % (
                hv, each * hz / v0, each * hz / v1, int(r.info["vcpu1-start"]) / hz * 1e6))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--updates", type=int, default=1 << 21,
                    help="updates per vCPU per benchmark (%(default)s)")
    ap.add_argument("--repeats", type=int, default=3,
                    help="boots per hypervisor, fastest kept (%(default)s)")
    ap.add_argument("--hypervisors", default="koan,xen",
                    help="comma-separated subset of koan,xen")
    ap.add_argument("--timeout", type=int, default=240,
                    help="seconds per QEMU run (%(default)s)")
    args = ap.parse_args()

    hvs = [h for h in args.hypervisors.split(",") if h]
    if "xen" in hvs and not (ROOT / qh.XEN).exists():
        print("bench: %s missing (scripts/install-deps.sh unpacks it)" % qh.XEN)
        return 1
    runs: Dict[str, List[bench.Run]] = {}
    failed = False
    for i in range(args.repeats):
        for hv in hvs:
            print("bench: %s, -smp 2, two vCPUs, boot %d, %d updates per vCPU ..."
                  % (hv, i + 1, args.updates), flush=True)
            r = bench.run_launcher(bench.Run(hv, "wall"), launcher_args(hv, args.updates),
                                   args.timeout, "%s-smp-mmu-%d.log" % (hv, i + 1))
            print("bench:   %.1f s%s" % (r.seconds, "; FAILED: " + "; ".join(r.failures)
                                         if r.failures else ""), flush=True)
            failed |= bool(r.failures)
            runs.setdefault(hv, []).append(r)

    lines = ["", "PV MMU updates from two vCPUs of one dom0, Koan vs Xen 4.17, "
             "QEMU TCG -smp 2, %s" % time.strftime("%Y-%m-%d %H:%M"),
             "mmu_update batches of 256, each vCPU on L1 tables and frames of its own; "
             "wall clock, fastest of %d boots" % args.repeats, ""]
    lines += table(runs) + [""]
    lines += [s for s in (per_vcpu(hv, runs.get(hv, [])) for hv in hvs) if s]
    print("\n".join(lines))
    bench.OUT_DIR.mkdir(parents=True, exist_ok=True)
    (bench.OUT_DIR / "smp_mmu.txt").write_text("\n".join(lines) + "\n")
    (bench.OUT_DIR / "smp_mmu.json").write_text(json.dumps({
        hv: [{"info": r.info, "seconds": r.seconds, "failures": r.failures,
              "results": {n: vars(x) for n, x in r.results.items()}} for r in rs]
        for hv, rs in runs.items()}, indent=1) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
