# SPDX-License-Identifier: MIT
"""The test guest on Koan: as dom0, as a domU, two at once, and alongside a
guest that crashes (on purpose, or by an unhandled page fault)."""
import re

import qemu_harness as h


def assert_powered_off(run, name):
    assert run.has_line("koan: domain %s shut down: poweroff" % name), run


def test_dom0_passes_every_case(koan_dom0_run):
    run = koan_dom0_run
    run.guest("dom0").assert_all_passed(str(run))
    assert_powered_off(run, "dom0")
    assert run.has_line("koan: all domains gone"), run
    assert run.exit_code == 0, run


def test_domU_passes_every_case():
    run = h.run_koan("koan_domU", h.koan_guest(
        "guest1", "expect-module", "expect-role=domU", options=["role=domU"],
        ramdisk=True))
    run.guest("guest1").assert_all_passed(str(run))
    assert_powered_off(run, "guest1")
    assert run.exit_code == 0, run


def test_two_guests_both_pass():
    run = h.run_koan("koan_two_guests",
                     h.koan_guest("dom0", "expect-role=dom0") +
                     h.koan_guest("guest1", "expect-role=domU",
                                  options=["role=domU"]))
    for name in ("dom0", "guest1"):
        run.guest(name).assert_all_passed(str(run))
        assert_powered_off(run, name)
    assert run.has_line("koan: all domains gone"), run
    assert run.exit_code == 0, run


def run_with_bad_neighbour(test_name, word):
    """dom0 yields first so the domU `crasher` dies while dom0 still runs."""
    return h.run_koan(test_name,
                      h.koan_guest("dom0", "spin-yield=50", "expect-role=dom0") +
                      h.koan_guest("crasher", word, options=["role=domU"]))


def assert_crash_contained(run, word):
    # The guest announces what it is about to do before it goes down.
    assert any(l.startswith("(crasher) %s:" % word) for l in run.lines()), run
    crashed = [l for l in run.lines()
               if re.match(r"^koan: domain crasher crashed: \S", l)]
    assert crashed, run
    assert run.guest("crasher").cases == {}, "crasher ran its suite: %s" % run
    run.guest("dom0").assert_all_passed(str(run))
    assert_powered_off(run, "dom0")
    assert run.exit_code == 1, run


def test_crash_now_is_reported_and_contained():
    run = run_with_bad_neighbour("koan_crash_now", "crash-now")
    assert_crash_contained(run, "crash-now")


def test_fault_now_is_reported_and_contained():
    run = run_with_bad_neighbour("koan_fault_now", "fault-now")
    assert_crash_contained(run, "fault-now")


def test_missing_sub_ops_are_logged_once_at_debug_level():
    """Guests probe: an implemented hypercall's unknown sub-op answers
    -ENOSYS and is logged once per (hypercall, sub-op) pair, at debug
    level.  Both domains run the basic suite, which asks xen_version
    (hypercall 17) for cmd 1000 and console_io (18) for cmd 99: one line
    each for the machine, from whichever domain asked first."""
    run = h.run_koan("koan_subop_log", h.koan_guest("dom0", "suite=basic") +
                     h.koan_guest("guest1", "suite=basic", options=["role=domU"]),
                     append="loglvl=debug")
    for name in ("dom0", "guest1"):
        run.guest(name).assert_all_passed(str(run))
    for nr, subop in ((17, 1000), (18, 99)):
        lines = [l for l in run.lines()
                 if re.match(r"koan: domain \S+: hypercall %d sub-op %d not implemented "
                             r"\(-ENOSYS\) \(and no other past 62 will be reported\)$"
                             % (nr, subop), l)]
        assert len(lines) == 1, "%d/%d: %s" % (nr, subop, run)
    quiet = h.run_koan("koan_subop_log_info", h.koan_guest("dom0", "suite=basic"))
    assert not any("sub-op" in l for l in quiet.lines()), quiet
    assert run.exit_code == 0 and quiet.exit_code == 0, run
