# SPDX-License-Identifier: MIT
"""Debian's Linux (linux-image-amd64, as packaged) as a PV domU on Koan
(docs/boot.md, "Linux as a domU").

The first test is `make run`'s scenario driven through the serial line: a
test-guest dom0 beside Linux with 2 vCPUs on 2 CPUs, to a busybox shell on
the console ring that Koan serves; commands typed there must give Linux's
answers, a loop of fork+exec must run on real page tables, and `poweroff`
must end the domain and then the machine.  The second boots the same kernel
beside two test guests that run their suites: every domain finishes and
every frame comes back."""
import re
import time

import pexpect
import pytest

import qemu_harness as h

VMLINUZ = h.ROOT / "build" / "linux" / "vmlinuz"
INITRAMFS = h.ROOT / "build" / "linux" / "initramfs.cpio.gz"
# busybox's line editing asks the terminal where its cursor is (ESC [6n) after the prompt.
PROMPT = r"\(linux\) [~/] # (\x1b\[6n)?$"
FORK_EXEC_LOOPS = 2000


def require_linux_images():
    if not (VMLINUZ.exists() and INITRAMFS.exists()):
        pytest.skip("build/linux is missing: make linux-images")
    if h.KOAN_SMP:
        pytest.skip("chooses its CPUs (-smp 2): the first pass ran it")


class Shell:
    """The domU's busybox shell, typed into through Koan's serial input."""

    def __init__(self, child):
        self.child = child
        self.count = 0

    def run(self, command, timeout=60):
        """Type command; its output lines, without the domain's prefix."""
        self.count += 1
        # The marker is typed split by quotes, so the echo does not match it.
        self.child.sendline('%s; echo "@@end-%d" "rc=$?"' % (command, self.count))
        self.child.expect(r"@@end-%d rc=(\d+)\r*\n" % self.count, timeout=timeout)
        rc = int(self.child.match.group(1))
        out = self.child.before.replace("\r", "")
        lines = [re.sub(r"^\(linux\) ", "", l) for l in out.split("\n")]
        self.child.expect(PROMPT, timeout=30)
        # Drop the echoed command line itself.
        return rc, [l for l in lines[1:] if l.strip()]


@pytest.fixture
def linux_shell():
    require_linux_images()
    h.LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = open(h.LOG_DIR / "linux_domu_shell.log", "w")
    child = pexpect.spawn("/bin/bash", [str(h.LAUNCHER), "--timeout", "900", "--scenario",
                                        "linux", "--serial", "stdio"],
                          cwd=str(h.ROOT), encoding="utf-8", codec_errors="replace",
                          timeout=300, dimensions=(50, 250))
    child.logfile_read = log
    print("serial log: %s" % log.name)
    yield child
    child.close(force=True)
    log.close()


def test_linux_domu_shell(linux_shell):
    child = linux_shell
    child.expect(r"koan: console: serial input goes to domain linux", timeout=120)
    started = time.monotonic()
    child.expect(PROMPT, timeout=300)
    print("Linux booted to its shell in %.1f s" % (time.monotonic() - started))
    sh = Shell(child)

    rc, out = sh.run("uname -a")
    assert rc == 0 and re.match(r"Linux \S+ 6\.1\.\S+-amd64 .* x86_64 GNU/Linux$", out[-1]), out

    rc, out = sh.run("grep MemTotal /proc/meminfo")
    kib = int(re.search(r"MemTotal:\s+(\d+) kB", out[-1]).group(1))
    assert 200 * 1024 < kib <= 256 * 1024, "the domain has 256 MiB: %s" % out

    rc, out = sh.run("grep -c ^processor /proc/cpuinfo")
    assert out[-1] == "2", out

    rc, out = sh.run("date +%s")
    assert abs(int(out[-1]) - time.time()) < 120, "wallclock %s vs host %d" % (out, time.time())

    host0 = time.monotonic()
    rc, out = sh.run("cat /proc/uptime; sleep 1; cat /proc/uptime")
    host = time.monotonic() - host0
    t0, t1 = (float(l.split()[0]) for l in out[-2:])
    assert rc == 0 and 1.0 <= t1 - t0 < 5.0 and host >= 1.0, (out, host)

    rc, out = sh.run("cat /proc/interrupts")
    text = "\n".join(out)
    for name in ("timer0", "timer1", "hvc_console", "resched0", "resched1"):
        assert re.search(r"xen-\S+\s+-\S+\s+%s$" % name, text, re.M), (name, text)
    timer0 = re.search(r"^\s*\d+:\s+(\d+)\s+(\d+)\s+\S+\s+-virq\s+timer0$", text, re.M)
    assert timer0 and int(timer0.group(1)) > 0, text

    host0 = time.monotonic()
    rc, out = sh.run('i=0; while [ $i -lt %d ]; do /bin/true; i=$((i+1)); done; echo "loops=$i"'
                     % FORK_EXEC_LOOPS, timeout=600)
    print("%d fork+exec+exit in %.1f s" % (FORK_EXEC_LOOPS, time.monotonic() - host0))
    assert rc == 0 and out[-1] == "loops=%d" % FORK_EXEC_LOOPS, out

    child.sendline("poweroff")
    child.expect(r"koan: domain linux shut down: poweroff", timeout=120)
    child.expect(pexpect.EOF, timeout=120)
    child.close()
    log = (h.LOG_DIR / "linux_domu_shell.log").read_text()
    assert "Checked W+X mappings: passed" in log
    assert "koan: memory: every domain frame returned" in log
    assert "(dom0) summary: " in log and "(dom0) summary: 0 passed" not in log
    assert child.exitstatus == 0, "the machine stopped with status %s" % child.exitstatus


def test_linux_beside_two_test_guests():
    require_linux_images()
    # A fork+exec for each of busybox's ~400 links (koan.run is split on blanks, unquoted).
    loop = "find /bin -exec /bin/true {} ;"
    run = h.run_qemu(
        "linux_domu_beside_guests",
        ["--kernel", h.KOAN, "--append", "loglvl=info", "--memory", "1G"]
        + h.koan_guest("dom0", "suite=basic,mm")
        + h.module(str(VMLINUZ), "name=linux", "role=domU", "mem=192M", "vcpus=2", "--",
                   "console=hvc0", "loglevel=4", 'koan.run="%s"' % loop)
        + h.module(str(INITRAMFS), "ramdisk")
        + h.koan_guest("guest1", options=["role=domU"]),
        timeout=400, smp=2)
    run.guest("dom0").assert_all_passed(str(run), suites=("basic", "mm"))
    # Its mm cases ask about dom0, which may have finished: the basic suite.
    run.guest("guest1").assert_all_passed(str(run))
    assert run.has_line("(linux) koan-init: %s exited with status 0" % loop), run
    for name in ("dom0", "linux", "guest1"):
        assert run.has_line("koan: domain %s shut down: poweroff" % name), run
    assert run.has_line("koan: memory: every domain frame returned"), run
    assert run.exit_code == 0, run
