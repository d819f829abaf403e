# SPDX-License-Identifier: MIT
"""Shared fixtures of the QEMU system tests (see docs/testing.md).

The boots that several tests look at (the test guest as dom0 on Koan and on
Xen) run once per session."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qemu_harness as h  # noqa: E402

def require_xen():
    """Skip the test when Debian's Xen 4.17, the referee, is not unpacked."""
    if not (h.ROOT / h.XEN).is_file():
        pytest.skip("%s is missing: run scripts/install-deps.sh to unpack "
                    "Debian's Xen 4.17 (the referee)" % h.XEN)


# The guest arguments of the refereed dom0 run, identical on Koan and Xen.
DOM0_GUEST_ARGS = ["expect-module", "expect-role=dom0"]


@pytest.fixture(scope="session")
def koan_dom0_run():
    """The test guest alone as Koan's dom0, with its ramdisk."""
    return h.run_koan("koan_dom0", h.koan_guest("dom0", *DOM0_GUEST_ARGS,
                                                 ramdisk=True))


@pytest.fixture(scope="session")
def xen_dom0_run():
    """The same guest and ramdisk as dom0 of Debian's Xen 4.17."""
    require_xen()
    return h.run_xen_dom0("xen_dom0", DOM0_GUEST_ARGS)


# The mm suite after the basic one (docs/test-guest.md, "Suites").
MM_GUEST_ARGS = DOM0_GUEST_ARGS + ["suite=basic,mm"]


@pytest.fixture(scope="session")
def koan_mm_run():
    """The basic and mm suites on Koan's dom0."""
    return h.run_koan("koan_mm_dom0", h.koan_guest("dom0", *MM_GUEST_ARGS,
                                                    ramdisk=True))


@pytest.fixture(scope="session")
def xen_mm_run():
    """The basic and mm suites on Xen 4.17's dom0: the referee."""
    require_xen()
    return h.run_xen_dom0("xen_mm_dom0", MM_GUEST_ARGS)


# The cpu suite alone (docs/test-guest.md, "The cpu suite").
CPU_GUEST_ARGS = DOM0_GUEST_ARGS + ["suite=cpu"]


@pytest.fixture(scope="session")
def koan_cpu_run():
    """The cpu suite on Koan's dom0."""
    return h.run_koan("koan_cpu_dom0", h.koan_guest("dom0", *CPU_GUEST_ARGS,
                                                     ramdisk=True))


@pytest.fixture(scope="session")
def xen_cpu_run():
    """The cpu suite on Xen 4.17's dom0: the referee."""
    require_xen()
    return h.run_xen_dom0("xen_cpu_dom0", CPU_GUEST_ARGS)


# The smp suite (docs/test-guest.md, "The smp suite"): a dom0 with two vCPUs.
SMP_GUEST_ARGS = DOM0_GUEST_ARGS + ["suite=smp", "expect-vcpus=2"]
SMP_TIMEOUT = 120


@pytest.fixture(scope="session")
def koan_smp_run():
    """The smp suite on Koan's dom0 with vcpus=2, on one CPU (-smp 1)."""
    return h.run_koan("koan_smp_dom0", h.koan_guest(
        "dom0", *SMP_GUEST_ARGS, options=["vcpus=2"], ramdisk=True),
        timeout=SMP_TIMEOUT)


@pytest.fixture(scope="session")
def xen_smp_run():
    """The smp suite on Xen 4.17's dom0 with dom0_max_vcpus=2 under
    QEMU -smp 2: the referee."""
    require_xen()
    return h.run_xen_dom0("xen_smp_dom0", SMP_GUEST_ARGS, smp=2,
                          timeout=SMP_TIMEOUT)


# The evtchn suite (docs/test-guest.md, "The evtchn suite"): a dom0 with two vCPUs.
EVTCHN_GUEST_ARGS = DOM0_GUEST_ARGS + ["suite=evtchn", "expect-vcpus=2"]


@pytest.fixture(scope="session")
def koan_evtchn_run():
    """The evtchn suite on Koan's dom0 with vcpus=2."""
    return h.run_koan("koan_evtchn_dom0", h.koan_guest(
        "dom0", *EVTCHN_GUEST_ARGS, options=["vcpus=2"], ramdisk=True),
        timeout=SMP_TIMEOUT)


@pytest.fixture(scope="session")
def xen_evtchn_run():
    """The evtchn suite on Xen 4.17's dom0 with dom0_max_vcpus=2 under
    QEMU -smp 2: the referee."""
    require_xen()
    return h.run_xen_dom0("xen_evtchn_dom0", EVTCHN_GUEST_ARGS, smp=2,
                          timeout=SMP_TIMEOUT)
# The gnttab suite (docs/test-guest.md, "The gnttab suite").  Koan has grant
# tables version 1 only; Xen is booted with gnttab=max-ver:1, so that it
# answers set_version(2) as it does a domain its toolstack limited to v1.
GNTTAB_GUEST_ARGS = DOM0_GUEST_ARGS + ["suite=gnttab"]
GNTTAB_XEN_OPTIONS = "gnttab=max-ver:1"


@pytest.fixture(scope="session")
def koan_gnttab_run():
    """The gnttab suite on Koan's dom0."""
    return h.run_koan("koan_gnttab_dom0", h.koan_guest("dom0", *GNTTAB_GUEST_ARGS,
                                                        ramdisk=True), timeout=120)


@pytest.fixture(scope="session")
def xen_gnttab_run():
    """The gnttab suite on Xen 4.17's dom0 (gnttab=max-ver:1): the referee."""
    require_xen()
    return h.run_xen_dom0("xen_gnttab_dom0", GNTTAB_GUEST_ARGS, timeout=120,
                          xen_options=GNTTAB_XEN_OPTIONS)
