# SPDX-License-Identifier: MIT
"""The paper's I/O ring between two test guests on Koan (docs/grants.md,
"The I/O ring"): a domU frontend grants a ring page (Xen's io/ring.h
layout) and offers an event-channel port; dom0, the backend, maps the page
with GNTTABOP_map_grant_ref and binds the port.  10 000 requests go through
it, plus 1000 one at a time before them and a close request after; the
backend answers each batch in a shuffled order.  Every id must come back
exactly once with the right result, the two sides must agree on how many
came back out of order, each side may have notified the other only when
asked (req_event / rsp_event), and at the end the backend unmaps the ring
and closes its end, both power off and every frame is returned.  Koan only:
Xen's referee run has one domain.  The round-trip latency and requests/s
are printed, never asserted (`make bench`: bench/ring.py)."""
import re

import qemu_harness as h

TIMEOUT = 180
REQUESTS, TRIPS = 10000, 1000
EVERY_FRAME = "koan: memory: every domain frame returned"
FRONT_RE = re.compile(r"^\(front\) ring-front: (?P<sent>\d+) requests, (?P<answers>\d+) answers, "
                      r"(?P<missing>\d+) ids missing, (?P<dup>\d+) duplicates, "
                      r"(?P<unknown>\d+) unknown, (?P<wrong>\d+) wrong results, "
                      r"(?P<ooo>\d+) out of order$")
BACK_RE = re.compile(r"^\(back\) ring-back: (?P<answers>\d+) requests answered in "
                     r"(?P<batches>\d+) batches, (?P<ooo>\d+) out of order$")
NOTIFY_RE = re.compile(r"^\((?P<side>front|back)\) ring-(?:front|back): notifications: "
                       r"(?P<sent>\d+) sent, (?:rsp|req)_event set (?P<armed>\d+) times, "
                       r"(?P<waits>\d+) waits$")
RTT_RE = re.compile(r"^\(front\) ring-front: (?P<n>\d+) round trips one at a time, "
                    r"median (?P<median>\d+) cycles")
BENCH_END_RE = re.compile(r"^\(front\) bench-end ring_pipelined unit=op ops=(?P<ops>\d+) "
                          r"tsc=(?P<tsc>\d+)$")
TSC_RE = re.compile(r"^koan: clock: TSC at (?P<mhz>[\d.]+) MHz")


def one(regex, lines):
    found = [m for m in map(regex.match, lines) if m]
    assert len(found) == 1, "%s: %d matches" % (regex.pattern, len(found))
    return found[0]


def ring_run(name, smp=0):
    return h.run_koan(name,
                      h.koan_guest("back", "ring-back", "peer-domid=1") +
                      h.koan_guest("front", "ring-front=%d" % REQUESTS, "ring-trips=%d" % TRIPS,
                                   "peer-domid=0", options=["role=domU"]),
                      timeout=TIMEOUT, smp=smp)


def assert_ring_run(run):
    lines = run.lines()
    assert any(re.match(r"^\(front\) ring-front: 128 slots granted to domain 0 at ref 8, "
                        r"port \d+$", l) for l in lines), run
    assert any(re.match(r"^\(back\) ring-back: mapped domain 1's ring ref 8 \(128 slots\), "
                        r"bound its port \d+ as \d+$", l) for l in lines), run
    assert run.has_line("(front) ring-front: backend connected"), run
    total = REQUESTS + TRIPS + 1
    front = one(FRONT_RE, lines)
    assert (int(front["sent"]), int(front["answers"])) == (total, total), run
    assert [int(front[k]) for k in ("missing", "dup", "unknown", "wrong")] == [0] * 4, run
    back = one(BACK_RE, lines)
    assert int(back["answers"]) == total, run
    # The first full ring is one batch of 128: shuffled, some come back early.
    assert int(front["ooo"]) > 0 and front["ooo"] == back["ooo"], run
    # The full ring sends 128 requests per push, so fewer batches than requests.
    assert int(back["batches"]) < total, run
    notify = {m["side"]: m for m in map(NOTIFY_RE.match, lines) if m}
    assert set(notify) == {"front", "back"}, run
    for side, other in (("front", "back"), ("back", "front")):
        # A notification only when the other side had asked since the last
        # one (plus the first, asked for by SHARED_RING_INIT's event index 1).
        assert int(notify[side]["sent"]) <= int(notify[other]["armed"]) + 1, run
        assert int(notify[side]["waits"]) <= int(notify[side]["armed"]), run
    assert run.has_line("(back) ring-back: port closed: 0, ring unmapped: 0"), run
    assert any(re.match(r"^\(front\) ring-front: ring grant ended \(the backend unmapped it\), "
                        r"port \d+ unbound by the backend's close, closed: 0$", l)
               for l in lines), run
    for name in ("front", "back"):
        assert run.has_line("koan: domain %s shut down: poweroff" % name), run
    assert run.has_line(EVERY_FRAME), run
    assert run.exit_code == 0, run
    report(lines)


def report(lines):
    mhz = [float(m["mhz"]) for m in map(TSC_RE.match, lines) if m]
    if not mhz:
        return
    rtt, end = one(RTT_RE, lines), one(BENCH_END_RE, lines)
    per_request = int(end["tsc"]) / int(end["ops"]) / mhz[0]
    print("ring: round trip median %.1f us (%s one at a time); full ring %.2f us per request, "
          "%.0f requests/s (TSC %.0f MHz)" % (int(rtt["median"]) / mhz[0], rtt["n"],
                                             per_request, 1e6 / per_request, mhz[0]))


def test_ring_moves_every_request_once():
    assert_ring_run(ring_run("koan_ring"))


def test_ring_on_two_cpus():
    """Each domain mostly on a CPU of its own: the indexes and the ring's
    slots are written on one CPU while read on the other, and a
    notification wakes a domain sleeping on the other CPU."""
    assert_ring_run(ring_run("koan_ring_smp2", smp=2))
