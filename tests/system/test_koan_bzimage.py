# SPDX-License-Identifier: MIT
"""Kernel images as bzImages (docs/boot.md, "Kernel images"): the test guest
wrapped the way Linux's build wraps vmlinux boots and passes its suite;
every broken bzImage is refused with its reason while a healthy domain beside
them runs and every frame comes back; Debian's packaged kernel is decompressed
and started, its entry taken from its Xen ELF notes."""
import importlib.util
import lzma
import re
import struct

import pytest

import qemu_harness as h

_spec = importlib.util.spec_from_file_location(
    "make_bzimage", h.ROOT / "scripts" / "make-bzimage.py")
mk = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mk)

BZ_DIR = h.LOG_DIR / "bzimages"
VMLINUZ = h.ROOT / "build" / "linux" / "vmlinuz"
DECOMPRESSED = re.compile(
    r"^koan: domain (?P<dom>\S+): bzImage \(boot protocol (?P<proto>\d+\.\d+)\): "
    r"(?P<xz>\d+) bytes of xz decompressed to (?P<elf>\d+) bytes of ELF in (?P<ms>\d+) ms$")
NOTE_ENTRY = 1


def decompressed(run, domain):
    found = [m for m in map(DECOMPRESSED.match, run.lines()) if m and m["dom"] == domain]
    assert len(found) == 1, "no single decompression line for %s; %s" % (domain, run)
    return found[0]


def assert_no_panic(run):
    assert not any("panic" in l.lower() for l in run.lines()), run


def guest_elf():
    return (h.ROOT / h.GUEST).read_bytes()


def test_guest_as_bzimage_passes_every_case():
    BZ_DIR.mkdir(parents=True, exist_ok=True)
    path = BZ_DIR / "koan-guest.bzImage"
    elf = guest_elf()
    image = mk.bzimage(elf)
    path.write_bytes(image)
    run = h.run_koan("koan_bzimage_guest",
                     h.module(str(path), "name=dom0", "--", "koan-test", "expect-module",
                              "expect-role=dom0")
                     + h.module(h.RAMDISK, "ramdisk"))
    m = decompressed(run, "dom0")
    assert (m["proto"], int(m["xz"]), int(m["elf"])) == (
        "2.15", mk.payload_span(image)[1], len(elf)), run
    run.guest("dom0").assert_all_passed(str(run))
    assert run.has_line("koan: domain dom0 shut down: poweroff"), run
    assert run.has_line("koan: memory: every domain frame returned"), run
    assert run.exit_code == 0, run


def test_broken_bzimages_are_refused():
    """One boot: every broken image (Debian's too, when built), then a
    healthy domU; the decompression pages of the refused ones come back."""
    vmlinuz = VMLINUZ.read_bytes() if VMLINUZ.exists() else None
    images = mk.write_bad(str(BZ_DIR), guest_elf(), vmlinuz)
    args = []
    for path, _ in images.items():
        args += h.module(path, "name=" + re.sub(r"\.bzImage$", "", path.split("/")[-1]),
                         "--", "koan-test")
    args += h.koan_guest("survivor", "expect-role=domU", options=["role=domU"])
    run = h.run_koan("koan_bzimage_bad", args, timeout=120, smp=1)
    for path, reason in images.items():
        name = re.sub(r"\.bzImage$", "", path.split("/")[-1])
        line = "koan: domain %s: refusing image: %s" % (name, reason)
        assert run.has_line(line), "missing %r; %s" % (line, run)
    run.guest("survivor").assert_all_passed(str(run))
    assert run.has_line("koan: memory: every domain frame returned"), run
    assert_no_panic(run)
    assert run.exit_code == 0, run


def elf_entry_note(elf):
    """XEN_ELFNOTE_ENTRY from the ELF's PT_NOTE segments."""
    phoff, = struct.unpack_from("<Q", elf, 32)
    phentsize, phnum = struct.unpack_from("<HH", elf, 54)
    for i in range(phnum):
        p_type, _, off, _, _, size = struct.unpack_from("<IIQQQQ", elf, phoff + i * phentsize)
        pos, end = off, off + size
        while p_type == 4 and pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", elf, pos)
            desc = pos + 12 + (namesz + 3) // 4 * 4
            if elf[pos + 12:pos + 12 + namesz].rstrip(b"\0") == b"Xen" and ntype == NOTE_ENTRY:
                return struct.unpack_from("<Q", elf, desc)[0]
            pos = desc + (descsz + 3) // 4 * 4
    return None


def test_debian_vmlinuz_is_decompressed_and_started():
    """Koan's lines only: Linux itself does not get far yet."""
    if not VMLINUZ.exists():
        pytest.skip("build/linux/vmlinuz is missing: make linux-images")
    image = VMLINUZ.read_bytes()
    start, length = mk.payload_span(image)
    elf = lzma.decompress(image[start:start + length], format=lzma.FORMAT_XZ)
    entry = elf_entry_note(elf)
    built = r'koan: domain linux: 128 MiB, entry 0x[0-9a-f]+, unprivileged kernel "linux"'
    run = h.run_koan("koan_bzimage_debian",
                     h.module(str(VMLINUZ), "name=linux", "mem=128M", "role=domU", "--",
                              "console=hvc0"),
                     until=built, smp=1)
    m = decompressed(run, "linux")
    assert (int(m["xz"]), int(m["elf"])) == (length, len(elf)), run
    line = ('koan: domain linux: 128 MiB, entry %#x, unprivileged kernel "linux"' % entry)
    assert run.has_line(line), "missing %r; %s" % (line, run)
    assert_no_panic(run)
    print("Debian's vmlinuz: %d bytes of xz to %d bytes of ELF in %s ms under TCG"
          % (length, len(elf), m["ms"]))
