# SPDX-License-Identifier: MIT
"""Real Xen 4.17 referees the gnttab suite: every case passes with the
guest alone as Xen's dom0, mapping, copying and transferring its own
grants.  Xen runs with gnttab=max-ver:1 (Koan has version 1 only); without
it, the one difference is set_version(2), which Xen then grants."""
import pytest

import qemu_harness as h

GNTTAB = ("gnttab",)


def test_gnttab_suite_passes_on_xen(xen_gnttab_run):
    run = xen_gnttab_run
    run.guest(None).assert_all_passed(str(run), suites=GNTTAB)
    assert any("Hardware Dom0 halted" in l for l in run.lines()), run


def test_version_2_where_xen_allows_it():
    """Xen's default allows version 2: set_version(2) succeeds there, and
    the table is version 2 from then on (so the cases after it, which
    write version-1 entries, fail).  Koan, version 1 only, answers as Xen
    does with the limit: -ENOSYS."""
    if not (h.ROOT / h.XEN).is_file():
        pytest.skip("%s is missing" % h.XEN)
    run = h.run_xen_dom0("xen_gnttab_v2_allowed", ["expect-role=dom0", "suite=gnttab"],
                         timeout=120)
    cases = run.guest(None).cases
    assert cases["gnttab_query_size"].ok and cases["gnttab_setup_table"].ok, run
    assert cases["gnttab_version"].reason.startswith("set_version(2): got 0"), run
    assert run.has_line("# version written back after set_version(2): got 2 (0x2), "
                        "expected 1 (0x1)"), run
