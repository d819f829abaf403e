# SPDX-License-Identifier: MIT
"""A guest that spins forever without a hypercall cannot keep the CPU: the
local APIC timer's tick ends its time slice and the other domain runs its
whole suite.  (The spinner never ends, so the harness stops QEMU once the
other guest's summary is there.)"""
import qemu_harness as h


def test_spinning_domain_does_not_starve_the_others():
    args = (h.koan_guest("spinner", "spin-forever") +
            h.koan_guest("worker", options=("role=domU",)))
    run = h.run_qemu("koan_preemption", ["--kernel", h.KOAN, "--append", "loglvl=info"] + args,
                     until=r"\(worker\) summary: \d+ passed, \d+ failed")
    assert run.has_line("(spinner) spin-forever: spinning without yielding"), run
    run.guest("worker").assert_all_passed(str(run))
