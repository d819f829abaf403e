# SPDX-License-Identifier: MIT
"""Koan reloading a guest's LDT selector itself (docs/cpu.md, "Lazy LDT").

dom0 spins without ever yielding, so every yield of guest1 is a real switch
to dom0 and back, and Koan reloads guest1's data selectors in hypervisor
context.  The cpu suite's cpu_ldt_reload case holds an LDT selector in %ds
whose LDT page a new kernel base pointer unmapped: Koan must map the page
on that reload rather than load null, so no failsafe callback comes.  Alone
(and on Xen, whose referee run has one vCPU) nothing is reloaded; the case
says which happened.

The same run has the Koan-only cases (`koan-only`): cpu_ldt_switch_between_steps
runs the LDT cases again with a yield -- here always a switch -- after every
step, so a case that is not safe against losing the CPU at any return from
the hypervisor (an LDT selector left loaded while its LDT goes away, a look
at the page's mapping after a return to the guest) fails here every time,
not in one boot out of ten beside a domain that shares the CPU at random."""
import re

import qemu_harness as h


def test_ldt_selector_reloaded_after_a_switch():
    run = h.run_qemu(
        "koan_ldt_reload_peer",
        ["--kernel", h.KOAN, "--append", "loglvl=info"] +
        h.koan_guest("dom0", "spin-forever") +
        h.koan_guest("guest1", "suite=cpu", "koan-only", options=["role=domU"]),
        timeout=120, until=r"\(guest1\) summary: \d+ passed, \d+ failed")
    cases = run.guest("guest1").cases
    for name in ("cpu_ldt_reload", "cpu_ldt_switch_between_steps"):
        case = cases.get(name)
        assert case is not None, "%s missing (%s)" % (name, run)
        assert case.ok, "%s: %s (%s)" % (name, case.reason, run)
    assert run.has_line("(guest1) # ldt reload: LDT page mapped again: yes"), run
    # Every switch point really switched to dom0 and back.
    notes = [re.match(r"\(guest1\) # ldt switch points: (\d+) of (\d+) yields switched$", l)
             for l in run.lines()]
    counts = [(int(m.group(1)), int(m.group(2))) for m in notes if m]
    assert len(counts) == 1, run
    switched, yields = counts[0]
    assert yields >= 20 and switched == yields, run
