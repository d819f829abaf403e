# SPDX-License-Identifier: MIT
"""A domain flooding the console cannot stall the machine or drown the
others (docs/testing.md, "Console contract"): a domU writes 1 MB through
console_io while dom0 runs the basic, mm and cpu suites.  Koan drops the
flooder's excess instead of waiting for the UART, says how much in
"koan: domain flooder: N console bytes dropped", and every byte the flooder
sent is either printed or counted in those notes.  dom0 loses nothing."""
import re

import qemu_harness as h

FLOOD_BYTES = 1000000
LINE = 64                                   # guest/console_words.c
LINES = (FLOOD_BYTES + LINE - 1) // LINE
DONE = "console-flood: done"
HEADER = "(flooder) console-flood: %d lines of %d bytes" % (LINES, LINE)
NOTE_RE = re.compile(r"^koan: domain (\S+): (\d+) console bytes dropped$")
FLOOD_RE = re.compile(r"^\(flooder\) flood (\d{8}) x+$")
DOM0_SUITES = ("basic", "mm", "cpu")


def flood_run():
    return h.run_koan("koan_console_flood",
                      h.koan_guest("dom0", "expect-role=dom0",
                                   "suite=" + ",".join(DOM0_SUITES)) +
                      h.koan_guest("flooder", "console-flood=%d" % FLOOD_BYTES,
                                   options=["role=domU"]))


def test_flooding_domU_is_dropped_and_dom0_is_not():
    run = flood_run()
    lines = run.lines()
    assert run.exit_code == 0, run
    run.guest("dom0").assert_all_passed(str(run), suites=DOM0_SUITES)
    for name in ("dom0", "flooder"):
        assert run.has_line("koan: domain %s shut down: poweroff" % name), run
    assert run.has_line("koan: all domains gone"), run

    notes = [(m[1], int(m[2])) for m in map(NOTE_RE.match, lines) if m]
    assert notes and all(name == "flooder" for name, _ in notes), notes
    # The last note comes before the flooder's end is announced.
    last_note = max(i for i, l in enumerate(lines) if NOTE_RE.match(l))
    assert last_note < lines.index("koan: domain flooder shut down: poweroff")

    # Every byte sent after the header is printed or counted as dropped.
    assert run.has_line(HEADER), run
    after = lines[lines.index(HEADER) + 1:]
    printed = [l[len("(flooder) "):] for l in after if l.startswith("(flooder) ")]
    assert all(FLOOD_RE.match("(flooder) " + t) or t == DONE for t in printed), printed
    printed_bytes = sum(len(t) + 1 for t in printed)
    dropped = sum(n for _, n in notes)
    assert printed_bytes + dropped == LINES * LINE + len(DONE) + 1, (printed_bytes, dropped)

    # The flood was cut down to about a burst, and what got through is whole
    # lines in the order they were written.
    assert dropped > FLOOD_BYTES * 3 // 4, (printed_bytes, dropped)
    numbers = [int(FLOOD_RE.match("(flooder) " + t)[1]) for t in printed if t != DONE]
    assert numbers == sorted(numbers) and numbers[0] == 0, numbers[:5]
