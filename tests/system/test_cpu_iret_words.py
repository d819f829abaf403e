# SPDX-License-Identifier: MIT
"""Hostile HYPERVISOR_iret frames (guest/cpu_iret_words.c), each a guest
command-line word run instead of the suite, on Xen 4.17 (the referee) and
on Koan with the same expected outcome.

Xen 4.17 loads whatever the frame says and lets the CPU's iretq fail: the
fault is turned into a #GP bounced to the guest (error code the selector,
or 0 for a non-canonical rip; under TCG the non-canonical rip faults at the
fetch, so the frame's rflags has RF), with the bad frame as the
interrupted context.  Koan checks the frame instead of letting its own
iretq fault, and delivers the same #GP.  Only a return to user mode
without a user L4 crashes the domain, on both."""
import re

import pytest

import qemu_harness as h

# word -> regex of its `WORD: bounced: ...` line, or None: the domain crashes.
IRET_WORDS = {
    "iret-noncanonical-rip":
        r"vector 0xd error 0x0 rip 0x800000000000 cs 0x10000e030 "
        r"rflags 0x10002 rsp 0x[0-9a-f]+ ss 0xe02b$",
    "iret-bad-cs":
        r"vector 0xd error 0x1230 rip 0xffffffff8[0-9a-f]+ cs 0x100001230 "
        r"rflags 0x2 rsp 0x[0-9a-f]+ ss 0xe02b$",
    "iret-bad-ss":
        r"vector 0xd error 0x1230 rip 0xffffffff8[0-9a-f]+ cs 0x10000e030 "
        r"rflags 0x2 rsp 0x[0-9a-f]+ ss 0x1233$",
    "iret-user-bad-cs":
        r"vector 0xd error 0x1230 rip 0x400000 cs 0x1233 rflags 0x202 "
        r"rsp 0x600000 ss 0xe02b$",
    "iret-user-no-baseptr": None,
}

def check_outcome(run, word, prefix):
    lines = run.lines()
    assert any(l.startswith(prefix + word + ": HYPERVISOR_iret to ")
               for l in lines), run
    assert not any(l.startswith(prefix + word + ": the iret landed")
                   or l.startswith(prefix + word + ": came back")
                   for l in lines), run
    bounced = [l[len(prefix + word + ": bounced: "):] for l in lines
               if l.startswith(prefix + word + ": bounced: ")]
    want = IRET_WORDS[word]
    if want is None:
        assert bounced == [], run
    else:
        assert len(bounced) == 1 and re.match(want, bounced[0]), \
            "%s: %s" % (bounced, run)


@pytest.mark.parametrize("word", list(IRET_WORDS))
def test_iret_word_on_xen(word):
    if not (h.ROOT / h.XEN).is_file():
        pytest.skip("%s is missing" % h.XEN)
    run = h.run_xen_dom0("xen_" + word, [word], ramdisk=False)
    check_outcome(run, word, "")
    end = "halted" if IRET_WORDS[word] else "crashed"
    assert any("Hardware Dom0 " + end in l for l in run.lines()), run


@pytest.mark.parametrize("word", list(IRET_WORDS))
def test_iret_word_on_koan(word):
    run = h.run_koan("koan_" + word, h.koan_guest("dom0", word))
    check_outcome(run, word, "(dom0) ")
    if IRET_WORDS[word]:
        assert run.has_line("koan: domain dom0 shut down: poweroff"), run
        assert run.exit_code == 0, run
    else:
        assert any(l.startswith("koan: domain dom0 crashed: ")
                   for l in run.lines()), run
        assert run.exit_code == 1, run


@pytest.mark.parametrize("word", [w for w, want in IRET_WORDS.items() if want])
def test_iret_word_refused_by_the_cpu_on_koan(word):
    """With selftest=iret-unchecked Koan hands every frame to its own iretq;
    the exception-table fix-up must turn the CPU's refusal into the same
    #GP for the guest (the safety net behind the checks in hyp/pv/iret.c)."""
    run = h.run_koan("koan_unchecked_" + word, h.koan_guest("dom0", word),
                     append="loglvl=info selftest=iret-unchecked")
    check_outcome(run, word, "(dom0) ")
    assert run.has_line("koan: domain dom0 shut down: poweroff"), run
    assert run.exit_code == 0, run
    if word != "iret-noncanonical-rip":   # TCG faults at the fetch, in the guest
        assert any("the CPU refused the frame" in l for l in run.lines()), run
