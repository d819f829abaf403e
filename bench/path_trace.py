#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Where one bench row's instructions go, function by function.

Boots Koan with the test guest's bench suite under -icount (through
scripts/qemu-run.sh), and when the guest prints `bench-begin ROW` turns on,
through a QEMU monitor socket, one instruction per translation block and
the exec log (`one-insn-per-tb on`, `log exec,nochain`): every instruction
executed then is one log line with its address.  After a fraction of a
second (host time) the log is turned off again and QEMU stopped.

The log is cut into operations at a marker -- the first instruction of a
symbol the operation enters a fixed number of times -- and the most common
length is the row's instructions per operation (it matches `bench/run.py
--modes icount`; the rare longer ones hold a timer interrupt).  For one
operation of that length it prints the functions in the order they ran,
with their instruction counts.  docs/performance.md ("Shorter paths")
shows what it found.

  bench/path_trace.py syscall
  bench/path_trace.py hcall_version --image /tmp/old/koan.elf
"""
import argparse
import bisect
import collections
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "system"))
import qemu_harness as qh  # noqa: E402  (paths, module())

# Each row's marker: a symbol its operation enters `times` times.
MARKERS = {
    "hcall_version": ("lstar_entry", 1),
    "hcall_enosys": ("lstar_entry", 1),
    "fsbase_hcall": ("lstar_entry", 1),
    "syscall": ("lstar_entry", 2),      # the system call, the iret hypercall
    "int3": ("vector_3", 1),
    "pagefault": ("vector_14", 1),
    "fsbase_wrmsr": ("vector_13", 1),
    "fsbase_rdmsr": ("vector_13", 1),
}
PC_RE = re.compile(r"\[[0-9a-f]+/([0-9a-f]+)/")


def symbols(elf: Path):
    """(address, name) of the text symbols of elf, sorted."""
    out = subprocess.run(["nm", "-n", str(elf)], capture_output=True, text=True,
                         check=True).stdout
    return [(int(f[0], 16), f[2]) for f in (l.split() for l in out.splitlines())
            if len(f) == 3 and f[1] in "tTwW"]


def trace(row: str, image: Path, seconds: float, log: Path) -> None:
    """Boot, log the instructions of a while of `row`, stop."""
    sock = log.with_suffix(".sock")
    words = ["koan-test", "suite=bench", "bench-updates=4096",
             "bench-ops=131072", "bench-hcalls=1048576"]
    argv = [str(qh.LAUNCHER), "--timeout", "600", "--icount", "--kernel", str(image),
            "--append", "loglvl=warn"] + qh.module(qh.GUEST, "name=bench", "--", *words)
    argv += ["--", "-monitor", "unix:%s,server,nowait" % sock, "-D", str(log)]
    err = open(log.with_suffix(".err"), "w")
    qemu = subprocess.Popen(argv, cwd=str(ROOT), stdout=subprocess.PIPE, stderr=err,
                            stdin=subprocess.DEVNULL, text=True, errors="replace")
    mon = None
    try:
        for line in qemu.stdout:
            if mon is None and sock.exists():
                mon = socket.socket(socket.AF_UNIX)
                mon.connect(str(sock))
            if mon and line.rstrip().endswith("bench-begin " + row):
                for cmd in ("one-insn-per-tb on", "log exec,nochain"):
                    mon.sendall((cmd + "\n").encode())
                time.sleep(seconds)
                mon.sendall(b"log none\n")
                time.sleep(0.2)
                return
        raise SystemExit("path_trace: no `bench-begin %s` (see bench/run.py's rows)\n%s"
                         % (row, log.with_suffix(".err").read_text()))
    finally:
        qemu.terminate()   # QEMU's "terminating on signal" goes to the discarded .err
        qemu.wait()
        err.close()
        if mon:
            mon.close()


def operations(log: Path, image: Path, marker: str, times: int):
    """The function names of the log's instructions, and where operations begin."""
    syms = sorted(symbols(image) + symbols(ROOT / qh.GUEST))
    addrs = [a for a, _ in syms]

    def name(pc: int) -> str:
        if pc < 1 << 47:   # Koan and the guest kernel live in the upper half
            return "(guest user mode)"
        return syms[bisect.bisect_right(addrs, pc) - 1][1]

    names = [name(int(m[1], 16)) for m in map(PC_RE.search, open(log)) if m]
    starts = [i for i, n in enumerate(names)
              if n == marker and (i == 0 or names[i - 1] != marker)][::times]
    return names, starts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("row", help="a CPU row of bench/run.py (%s)" % ", ".join(MARKERS))
    ap.add_argument("--image", default=qh.KOAN, help="hypervisor (%(default)s)")
    ap.add_argument("--seconds", type=float, default=0.3,
                    help="host seconds of logging (%(default)s)")
    ap.add_argument("--marker", help="symbol where an operation begins (default: per row)")
    ap.add_argument("--times", type=int, help="marker entries per operation")
    args = ap.parse_args()
    marker, times = MARKERS.get(args.row, (None, 1))
    marker, times = args.marker or marker, args.times or times
    if not marker:
        ap.error("no default marker for %s: give --marker and --times" % args.row)
    image = Path(args.image) if os.path.isabs(args.image) else ROOT / args.image

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "exec.log"
        trace(args.row, image, args.seconds, log)
        names, starts = operations(log, image, marker, times)
    lengths = collections.Counter(b - a for a, b in zip(starts, starts[1:]))
    if not lengths:
        print("path_trace: fewer than two operations logged; try more --seconds")
        return 1
    length, count = lengths.most_common(1)[0]
    print("%s: %d instructions per operation (%d of %d operations logged; others: %s)"
          % (args.row, length, count, sum(lengths.values()),
             ", ".join("%d" % n for n in sorted(lengths) if n != length) or "none"))
    first = next(a for a, b in zip(starts, starts[1:]) if b - a == length)
    runs = []
    for n in names[first:first + length]:
        if runs and runs[-1][0] == n:
            runs[-1][1] += 1
        else:
            runs.append([n, 1])
    for n, k in runs:
        print("  %5d  %s" % (k, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
