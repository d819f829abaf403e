# SPDX-License-Identifier: MIT
"""Koan reloading a guest's LDT selector itself (docs/cpu.md, "Lazy LDT").

dom0 spins without ever yielding, so every yield of guest1 is a real switch
to dom0 and back, and Koan reloads guest1's data selectors in hypervisor
context.  The cpu suite's cpu_ldt_reload case holds an LDT selector in %ds
whose LDT page a new kernel base pointer unmapped: Koan must map the page
on that reload rather than load null, so no failsafe callback comes.  Alone
(and on Xen, whose referee run has one vCPU) nothing is reloaded; the case
says which happened."""
import qemu_harness as h


def test_ldt_selector_reloaded_after_a_switch():
    run = h.run_qemu(
        "koan_ldt_reload_peer",
        ["--kernel", h.KOAN, "--append", "loglvl=info"] +
        h.koan_guest("dom0", "spin-forever") +
        h.koan_guest("guest1", "suite=cpu", options=["role=domU"]),
        timeout=120, until=r"\(guest1\) summary: \d+ passed, \d+ failed")
    case = run.guest("guest1").cases.get("cpu_ldt_reload")
    assert case is not None, run
    assert case.ok, "%s (%s)" % (case.reason, run)
    assert run.has_line("(guest1) # ldt reload: LDT page mapped again: yes"), run
