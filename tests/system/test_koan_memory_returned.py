# SPDX-License-Identifier: MIT
"""When every domain has ended -- cleanly, by crashing, or by faulting --
all of their frames are back in Koan's allocator: nothing leaks through the
frame table's reference counts (Koan checks this itself at the end)."""
import qemu_harness as h


def test_all_frames_return_after_clean_crashed_and_faulting_domains():
    args = (h.koan_guest("dom0", "spin-yield=20")
            + h.koan_guest("crasher", "crash-now", options=("role=domU",))
            + h.koan_guest("faulter", "fault-now", options=("role=domU",)))
    run = h.run_koan("koan_memory_returned", args)
    assert "koan: memory: every domain frame returned" in run.lines(), run
    assert not any("frames not returned" in l for l in run.lines()), run
    assert run.exit_code == 1, run   # two domains crashed on purpose
