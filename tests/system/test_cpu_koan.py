# SPDX-License-Identifier: MIT
"""The cpu suite on Koan: as dom0, as a domU, two domains checking their
FPU/SSE state across switches (Koan-only), the comparison with Xen, and a
bounce onto an unmapped kernel stack.

Every refereed case expects what Xen 4.17 does (test_cpu_xen.py)."""

import qemu_harness as h


CPU_TIMEOUT = 120


def assert_powered_off(run, name):
    assert run.has_line("koan: domain %s shut down: poweroff" % name), run


def test_cpu_suite_passes_on_koan_dom0(koan_cpu_run):
    run = koan_cpu_run
    run.guest("dom0").assert_all_passed(str(run), suites=("cpu",))
    assert_powered_off(run, "dom0")
    assert run.exit_code == 0, run


def test_cpu_suite_passes_on_koan_domU():
    """As an unprivileged domU next to a dom0 (I/O ports: the IOPL check
    passes, the port is not the domU's: reads give all ones)."""
    run = h.run_koan("koan_cpu_domU", h.koan_guest("dom0", "wait-gone=1") +
                     h.koan_guest("guest1", "expect-role=domU", "suite=cpu",
                                  options=["role=domU"]),
                     timeout=CPU_TIMEOUT)
    run.guest("guest1").assert_all_passed(str(run), suites=("cpu",))
    assert_powered_off(run, "guest1")
    assert run.exit_code == 0, run


def test_fpu_state_across_two_domains():
    """dom0 and a domU each load their own xmm0-15, x87 stack, FCW and
    MXCSR and check them after each of 200 yields to the other
    (cpu_fpu_two_domains, Koan-only: Xen's referee run has one domain).
    Only that case is asserted here; the rest of the suite is
    test_cpu_suite_passes_on_koan_*'s business."""
    run = h.run_koan("koan_cpu_fpu_two_domains",
                     h.koan_guest("dom0", "suite=cpu", "koan-only") +
                     h.koan_guest("guest1", "suite=cpu", "koan-only",
                                  options=["role=domU"]),
                     timeout=CPU_TIMEOUT)
    for name in ("dom0", "guest1"):
        g = run.guest(name)
        assert list(g.cases) == h.expected_case_names(("cpu",), True), run
        case = g.cases["cpu_fpu_two_domains"]
        assert case.ok, "%s: %s (%s)" % (name, case.reason, run)


def results(guest, leave_out):
    return {name: case.ok for name, case in guest.cases.items()
            if name not in leave_out}


def test_koan_cpu_matches_xen(xen_cpu_run, koan_cpu_run):
    """Same case names, same ok/not ok, on Koan's dom0 and Xen's dom0."""
    only_koan = set(h.koan_only_cases())
    xen = results(xen_cpu_run.guest(None), only_koan)
    koan = results(koan_cpu_run.guest("dom0"), only_koan)
    assert xen, "no case results from Xen: %s" % xen_cpu_run
    assert koan, "no case results from Koan: %s" % koan_cpu_run
    assert list(xen) == h.expected_case_names(("cpu",)), xen_cpu_run
    differ = {n: (koan.get(n), xen.get(n)) for n in sorted(set(xen) | set(koan))
              if koan.get(n) != xen.get(n)}
    assert not differ, "case: (koan, xen) differ: %s" % differ


def test_crash_on_bad_stack_on_koan():
    """A syscall from user mode with stack_switch pointing at an unmapped
    page: the bounce cannot be written, the domain is crashed."""
    run = h.run_koan("koan_crash_on_bad_stack",
                     h.koan_guest("dom0", "crash-on-bad-stack"))
    assert any(l.startswith("(dom0) crash-on-bad-stack: syscall from user")
               for l in run.lines()), run
    assert not any("was delivered" in l for l in run.lines()), run
    assert any(l.startswith("koan: domain dom0 crashed: ")
               for l in run.lines()), run
    assert run.exit_code == 1, run
