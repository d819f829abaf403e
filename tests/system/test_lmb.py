# SPDX-License-Identifier: MIT
"""Our lmbench-style program (bench/linux/lmb.c, run by `make bench`'s
bench/lmbench.py; docs/performance.md "Linux: lmbench-style rows") runs to
its end in Linux natively, as Xen 4.17's dom0 and as a Koan domU: with
small counts, every row prints a figure once, none fails, and lmb exits
with status 0.  For Koan this is also a workout of a Linux domU: forks,
execs, page faults, file mappings, pipes and signals.  No timing is
checked here."""
import sys

import pytest

import qemu_harness as h

sys.path.insert(0, str(h.ROOT / "bench"))
import lmbench  # noqa: E402


# Koan only in make test (its time budget): make bench runs all three systems.
@pytest.mark.parametrize("system", [lmbench.KOAN])
def test_lmb_runs(system):
    if h.KOAN_SMP:
        pytest.skip("one CPU by design: the first pass ran it")
    result = lmbench.one_run(system, percent=2, passes=1, icount=False,
                             tag="test", timeout=240)
    assert result.problem is None, result.problem
    assert list(result.rows) == [name for name, _ in lmbench.ROWS]
    for name, passes in result.rows.items():
        assert len(passes) == 1, name
        assert passes[0].ops > 0 and passes[0].guest_ns > 0 and passes[0].tsc > 0, name
