# SPDX-License-Identifier: MIT
"""Scale (issue 10): the paper's 128 domains at once.  128 test guests of
4 MiB each boot together on Koan -- nothing limits domains but memory --
and each runs the basic suite to the end.  dom0 first runs Koan's
whole-machine frame check with all 128 built and alive; every frame comes
back when the last one ends; and the boot log's hypervisor memory per
domain is explained by its items (docs/performance.md, "Memory per
domain").  The guest image is stripped: QEMU loads all 128 copies whole."""
import re

import qemu_harness as h

DOMAINS = 128
FOOTPRINT_RE = re.compile(
    r"^koan: memory: hypervisor memory per domain: (?P<bytes>\d+) bytes over "
    r"(?P<n>\d+) domains: record (?P<record>\d+), vCPUs (?P<vcpus>\d+), "
    r"shared_info (?P<shared_info>\d+), event channels (?P<evtchn>\d+), "
    r"grant table (?P<grant>\d+), other (?P<other>-?\d+)$")


def scale_args(n: int) -> list:
    guest = h.stripped_guest()
    args = ["--memory", "1G"]   # 128 x 4 MiB of guests, their images, Koan's own
    for i in range(n):
        options = ["mem=4M"] + (["role=domU"] if i else [])
        words = ["check-frames"] if i == 0 else []
        args += h.koan_guest("d%d" % i, *words, options=options, image=guest)
    return args


def footprint(run: h.Run) -> dict:
    found = [m for m in map(FOOTPRINT_RE.match, run.lines()) if m]
    assert len(found) == 1, "one memory report in the boot log (%s)" % run
    return {k: int(v) for k, v in found[0].groupdict().items()}


def test_128_domains_boot_and_finish_their_suites():
    run = h.run_koan("koan_scale_128", scale_args(DOMAINS), timeout=300)
    assert run.exit_code == 0, run
    assert run.has_line("koan: %d boot module(s)" % DOMAINS), run
    guests = run.guests()
    assert sorted(guests) == sorted("d%d" % i for i in range(DOMAINS)), run
    for name, result in guests.items():
        result.assert_all_passed("(%s: %s)" % (name, run))
    assert run.has_line("(d0) check-frames: 0"), run
    assert run.has_line("koan: memory: every domain frame returned"), run
    assert not any("frames not returned" in l for l in run.lines()), run
    f = footprint(run)
    assert f["n"] == DOMAINS, f
    # Everything a domain costs Koan is in the items but for the table's
    # shared pages (the id map, a record page's unused tail): under a page each.
    assert 0 <= f["other"] < 4096, f
