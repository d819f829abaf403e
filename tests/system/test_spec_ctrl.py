# SPDX-License-Identifier: MIT
"""Speculative-execution controls (docs/security.md), refereed by Xen 4.17.

- Koan's one `spec-ctrl:` boot line agrees with what Xen's "Speculative
  mitigation facilities" lines say about the same emulated CPU: QEMU's
  `-cpu max` (AMD: nothing affected, nothing enumerated) and the same CPU
  claiming to be Intel (`vendor=GenuineIntel`: Meltdown, L1TF and MDS
  believed, the same L1TF safe address).
- On the "Intel" CPU with the L1TF check on for dom0 (`pv-l1tf=dom0=1`,
  which both hypervisors accept), the entries Linux writes pass on both
  (the spec suite), and one unsafe not-present entry, stored through each
  of five paths, crashes the domain on both, naming the same entry.
- Koan's defaults there (domUs checked, dom0 trusted, as Xen's): a domU
  that stores an unsafe entry is crashed while dom0 runs the whole mm
  suite, whose mm_ptwr_lock_and_or_byte stores one.
- VERW on every exit and the XPTI cost probe's CR3 reloads on every entry
  and exit leave the guest suites passing.
"""
import re

import pytest

import qemu_harness as h

INTEL_CPU = ["--", "-cpu", "max,vendor=GenuineIntel"]
KOAN_LINE = re.compile(r"^koan: (?:warning: )?spec-ctrl: (?P<mitigations>[^;]*); "
                       r"CPU (?P<vendor>\w+): (?P<features>[^;]*); affected: (?P<affected>.*)$")
KOAN_CRASH = re.compile(r"^koan: domain (?P<dom>\S+) crashed: L1TF-vulnerable "
                        r"(?P<entry>L\de [0-9a-f]{16})$")
XEN_CRASH = re.compile(r"^\(XEN\) d0 L1TF-vulnerable (?P<entry>L\de [0-9a-f]{16}) - Crashing$")
UNSAFE_PRINTED = re.compile(r"^(?:\(\S+\) )?l1tf-unsafe: \w+ entry 0x(?P<val>[0-9a-f]{16})$")
TIMEOUT = 120


def koan_line(run):
    found = [m for m in map(KOAN_LINE.match, run.lines()) if m]
    assert len(found) == 1, "want one spec-ctrl line: %s" % run
    return found[0]


def xen_facts(run):
    """Xen's view of the CPU, from its boot log."""
    text = "\n".join(run.lines())

    def field(pattern):
        m = re.search(pattern, text, re.M)
        assert m, "%s not in Xen's log %s" % (pattern, run)
        return m.group(1).strip()
    l1tf = re.search(r"^\(XEN\)\s+L1TF: believed vulnerable, .*Safe address ([0-9a-f]+)$",
                     text, re.M)
    return {
        "vendor": field(r"^\(XEN\) CPU Vendor: (\w+),"),
        "hints": field(r"^\(XEN\)\s+Hardware hints:(.*)$"),
        "features": field(r"^\(XEN\)\s+Hardware features:(.*)$"),
        "xpti_dom0": field(r"^\(XEN\)\s+XPTI \(64-bit PV only\): Dom0 (\w+),") == "enabled",
        "pv_support": field(r"^\(XEN\)\s+Support for PV VMs:(.*)$"),
        "l1tf_safe": int(l1tf.group(1), 16) if l1tf else None,
        "l1tf_check": field(r"^\(XEN\)\s+PV L1TF shadowing: (.*)$"),
    }


def assert_line_agrees_with_xen(koan_run, xen_run):
    k, x = koan_line(koan_run), xen_facts(xen_run)
    assert k["vendor"] == x["vendor"], (k.group(0), x)
    # Xen lists what the CPU enumerates under hints and features; Koan too.
    assert (k["features"] == "none") == (x["hints"] == "" and x["features"] == ""), (k.group(0), x)
    # Xen turns XPTI on by default exactly where Meltdown applies; Koan has no XPTI.
    assert ("Meltdown (unmitigated: no XPTI)" in k["affected"]) == x["xpti_dom0"], (k.group(0), x)
    # The same L1TF verdict and safe address.
    m = re.search(r"L1TF \(safe address 0x([0-9a-f]+)\)", k["affected"])
    assert (int(m.group(1), 16) if m else None) == x["l1tf_safe"], (k.group(0), x)
    # VERW on exit where Xen clears buffers for PV guests (MD_CLEAR).
    assert ("VERW on exit" in k["mitigations"]) == ("MD_CLEAR" in x["pv_support"].split())
    checks = {"Dom0 disabled, DomU disabled": "", "Dom0 disabled, DomU enabled": " (domU)",
              "Dom0 enabled, DomU enabled": " (dom0, domU)"}
    assert x["l1tf_check"] in checks, x
    want = checks[x["l1tf_check"]]
    assert (("L1TF PTE check" + want) in k["mitigations"] if want
            else "L1TF PTE check" not in k["mitigations"]), (k.group(0), x)
    return k


def test_boot_line_on_tcg_cpu_matches_xen(koan_dom0_run, xen_dom0_run):
    k = assert_line_agrees_with_xen(koan_dom0_run, xen_dom0_run)
    assert k["vendor"] == "AMD" and k["affected"] == "none known", k.group(0)
    assert "RSB stuffing on domain switch" in k["mitigations"]
    assert "retpoline" in k["mitigations"]


def xen_intel(test_name, guest_words):
    if not (h.ROOT / h.XEN).is_file():
        pytest.skip("%s is missing (scripts/install-deps.sh)" % h.XEN)
    args = ["--kernel", h.XEN, "--append", h.XEN_APPEND + " pv-l1tf=dom0=1",
            "--no-exit-device"] + h.module(h.GUEST, "koan-test", *guest_words) + INTEL_CPU
    return h.run_qemu(test_name, args, timeout=TIMEOUT, until=h.XEN_DOM0_END)


def koan_intel(test_name, guest_words, append="loglvl=info pv-l1tf=dom0=1"):
    return h.run_koan(test_name, h.koan_guest("dom0", *guest_words) + INTEL_CPU,
                      append=append, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def intel_spec_runs():
    """The spec suite on the "Intel" CPU with dom0 checked, on both."""
    return (koan_intel("koan_spec_intel", ["suite=spec"]),
            xen_intel("xen_spec_intel", ["suite=spec"]))


def test_boot_line_on_intel_cpu_matches_xen(intel_spec_runs):
    koan, xen = intel_spec_runs
    k = assert_line_agrees_with_xen(koan, xen)
    assert "Meltdown (unmitigated: no XPTI)" in k["affected"], k.group(0)
    # Unmitigated problems are logged as a warning.
    assert k.group(0).startswith("koan: warning: spec-ctrl: "), k.group(0)


def test_linux_entries_pass_the_l1tf_check(intel_spec_runs):
    koan, xen = intel_spec_runs
    xen.guest(None).assert_all_passed(str(xen), suites=("spec",))
    koan.guest("dom0").assert_all_passed(str(koan), suites=("spec",))
    assert koan.exit_code == 0, koan


@pytest.mark.parametrize("path", ["mmu", "uvm", "ptwr", "pin", "l2pse"])
def test_unsafe_entry_crashes_the_domain_as_on_xen(path):
    word = "l1tf-unsafe=" + path
    koan = koan_intel("koan_l1tf_unsafe_" + path, [word])
    xen = xen_intel("xen_l1tf_unsafe_" + path, [word])
    # What each guest stored, and what each hypervisor crashed it for.
    entries = {}
    for name, run, crash in (("koan", koan, KOAN_CRASH), ("xen", xen, XEN_CRASH)):
        printed = [m["val"] for m in map(UNSAFE_PRINTED.match, run.lines()) if m]
        crashed = [m["entry"] for m in map(crash.match, run.lines()) if m]
        assert len(printed) == 1 and len(crashed) == 1, "%s: %s" % (name, run)
        level, value = crashed[0].split()
        assert value == printed[0], "%s crashed for %s, stored %s" % (name, value, printed[0])
        assert not any("l1tf-unsafe: %s stored" % path in l for l in run.lines()), run
        entries[name] = level
    assert entries["koan"] == entries["xen"] == ("L2e" if path == "l2pse" else "L1e"), entries
    assert any("Hardware Dom0 crashed" in l for l in xen.lines()), xen
    assert koan.exit_code == 1, koan
    # One crash only (the faulting write is not bounced as well), and every frame back.
    assert len([l for l in koan.lines() if "domain dom0 crashed" in l]) == 1, koan
    assert koan.has_line("koan: memory: every domain frame returned"), koan


def test_default_policy_checks_domU_and_trusts_dom0():
    """No pv-l1tf: dom0 runs the mm suite, whose lock-and of the present bit
    leaves a not-present entry naming RAM, and passes; the domU storing an
    unsafe entry is crashed, and dom0 goes on."""
    run = h.run_koan("koan_l1tf_defaults",
                     h.koan_guest("dom0", "expect-role=dom0", "suite=basic,mm",
                                  ramdisk=False) +
                     h.koan_guest("guest1", "l1tf-unsafe=ptwr", options=["role=domU"]) +
                     INTEL_CPU, timeout=TIMEOUT)
    k = koan_line(run)
    assert "L1TF PTE check (domU)" in k["mitigations"], k.group(0)
    run.guest("dom0").assert_all_passed(str(run), suites=("basic", "mm"))
    assert run.has_line("koan: domain dom0 shut down: poweroff"), run
    crashes = [m for m in map(KOAN_CRASH.match, run.lines()) if m]
    assert [m["dom"] for m in crashes] == ["guest1"], run
    assert run.has_line("koan: memory: every domain frame returned"), run
    assert run.exit_code == 1, run


def test_verw_and_xpti_probe_keep_guests_working():
    """VERW before every return to a guest (forced: TCG's CPU does not say
    MD_CLEAR) and the probe's CR3 reloads on every entry and exit, with a
    dom0 and a domU switching between each other."""
    run = h.run_koan("koan_verw_xpti_probe",
                     h.koan_guest("dom0", "expect-role=dom0", "suite=basic,cpu") +
                     h.koan_guest("guest1", "expect-role=domU", "suite=basic,cpu",
                                  options=["role=domU"]),
                     append="loglvl=info spec-ctrl=verw,xpti-probe", timeout=TIMEOUT)
    k = koan_line(run)
    assert "VERW on exit (forced)" in k["mitigations"], k.group(0)
    assert "XPTI cost probe (not a mitigation)" in k["mitigations"], k.group(0)
    for name in ("dom0", "guest1"):
        run.guest(name).assert_all_passed(str(run), suites=("basic", "cpu"))
    assert run.exit_code == 0, run


def test_bad_option_is_reported_and_ignored():
    run = h.run_koan("koan_spec_bad_option", h.koan_guest("dom0"),
                     append="loglvl=info spec-ctrl=verw,nonsense")
    assert any("bad option 'spec-ctrl=verw,nonsense' ignored" in l for l in run.lines()), run
    assert "VERW" not in koan_line(run)["mitigations"]
    run.guest("dom0").assert_all_passed(str(run))
