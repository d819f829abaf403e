#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`make bench`, scheduler part: the cost of one vCPU switch with 2, 16 and
128 domains on one CPU, and the hypervisor's memory per domain.

N test-guest domains (4 MiB each, one vCPU) run `yield-loop=K`
(guest/sched_words.c): SCHEDOP_yield K times in a row, timing the middle
half of the loop with the TSC.  Koan runs under -icount (shift=0), so the
TSC counts executed instructions, and on one CPU every yield of a domain
that others wait beside is one switch: each of a domain's yields in the
middle half, where all N are yielding, waits for the other N - 1 to yield
once, so

    instructions per switch = ticks / (yields in the middle half x N).

That is the whole round trip from one guest's yield to the next guest
running: the guest's loop and hypercall entry, BVT's deschedule and pick,
the slice timer, the register, FPU, segment and CR3 switch, and the exit
to the next guest.  The figure is the mean over the domains.

Each run's boot log also says what Koan holds per domain (record, vCPUs
with their XSAVE areas, shared_info, event-channel buckets, grant table:
the line `memory: hypervisor memory per domain: ...`, from the frames the
allocator gave out less the guests' own); the script prints it per run.
The guest image is stripped (QEMU loads every copy whole) and the machine
has 1 GiB, enough for 128 domains of 4 MiB.

--koan IMAGE measures another build of the hypervisor (e.g. the round
robin before BVT) with the same guest.  Deterministic: one run each.
Written to build/bench/sched_switch_TAG.txt; docs/performance.md explains it.
"""
import argparse
import re
import sys
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "system"))
import qemu_harness as qh  # noqa: E402

OUT_DIR = ROOT / "build" / "bench"
LOOP_RE = re.compile(r"^\((?P<dom>[\w-]+)\) yield-loop: (?P<n>\d+) yields, "
                     r"the middle half \((?P<mid>\d+)\) in (?P<ticks>\d+) ticks$")
SWITCHES_RE = re.compile(r"^koan: sched: (\d+) vCPU switches")
FOOTPRINT_RE = re.compile(
    r"^koan: memory: hypervisor memory per domain: (?P<bytes>\d+) bytes over (?P<n>\d+) "
    r"domains: record (?P<record>\d+), vCPUs (?P<vcpus>\d+), shared_info (?P<shared_info>\d+), "
    r"event channels (?P<evtchn>\d+), grant table (?P<grant>\d+), other (?P<other>-?\d+)$")
MEMORY_ROW = "%-8s %7s %9s %7s %7s %12s %8s %8s %6s"


def one_run(koan: str, domains: int, yields: int, tag: str):
    """The switch row and the memory row of one boot with `domains` domains."""
    args = ["--kernel", koan, "--append", "loglvl=info", "--icount", "--memory", "1G"]
    guest = qh.stripped_guest()
    for i in range(domains):
        opts = ["mem=4M"] + (["role=domU"] if i else [])
        args += qh.koan_guest("d%d" % i, "yield-loop=%d" % yields, options=opts, image=guest)
    run = qh.run_qemu("bench_sched_switch_%s_%d" % (tag, domains), args, timeout=900, smp=1)
    loops = [m for m in map(LOOP_RE.match, run.lines()) if m]
    if run.exit_code != 0 or len(loops) != domains:
        raise SystemExit("bench: %d domains failed (%s)" % (domains, run))
    per_switch = [int(m["ticks"]) / (int(m["mid"]) * domains) for m in loops]
    switches = [int(m[1]) for m in map(SWITCHES_RE.match, run.lines()) if m]
    mean = sum(per_switch) / len(per_switch)
    switch_row = "%-8s %7d %9d %14.0f %10.0f %10.0f %12s" % (
        tag, domains, yields, mean, min(per_switch), max(per_switch),
        switches[0] if switches else "?")
    mem = [m for m in map(FOOTPRINT_RE.match, run.lines()) if m]
    f = mem[0].groupdict() if mem else {}
    memory_row = MEMORY_ROW % (tag, domains, f.get("bytes", "?"), f.get("record", "?"),
                               f.get("vcpus", "?"), f.get("shared_info", "?"),
                               f.get("evtchn", "?"), f.get("grant", "?"), f.get("other", "?"))
    return switch_row, memory_row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--koan", default=qh.KOAN, help="hypervisor image (%(default)s)")
    ap.add_argument("--tag", default="koan", help="name of the row (%(default)s)")
    ap.add_argument("--domains", default="2,16,128", help="domain counts (%(default)s)")
    ap.add_argument("--yields", type=int, default=4000, help="yields per domain (%(default)s)")
    args = ap.parse_args()
    switch_rows = ["", "Scheduler: instructions per vCPU switch (-icount, -smp 1, yield loops)",
                   "%-8s %7s %9s %14s %10s %10s %12s" % ("build", "domains", "yields",
                                                         "instr/switch", "min", "max",
                                                         "switches")]
    memory_rows = ["", "Hypervisor memory per domain, bytes (the paper's Xen: 20 kB)",
                   MEMORY_ROW % ("build", "domains", "total", "record", "vCPUs",
                                 "shared_info", "evtchn", "grant", "other")]
    for n in (int(x) for x in args.domains.split(",")):
        print("bench: sched switch, %s, %d domains ..." % (args.tag, n), flush=True)
        switch_row, memory_row = one_run(args.koan, n, args.yields, args.tag)
        switch_rows.append(switch_row)
        memory_rows.append(memory_row)
    lines = switch_rows + memory_rows
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / ("sched_switch_%s.txt" % args.tag)).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
