#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write malformed PV kernel images, one per refusal reason of Koan's domain
builder, by editing copies of the test guest (build/guest/koan-guest.elf).

Usage: scripts/make-bad-images.py OUTDIR [GUEST_ELF]

Writes OUTDIR/<name>.elf for every entry of BAD_IMAGES and OUTDIR/expected.tsv
("<file>\\t<reason>" per line).  Each image has exactly one defect, so the
builder's message names it.  The last reason, "image too large for the
domain's memory", needs no bad file: it is the valid guest started with
`mem=1M` (TOO_LARGE_MEM).  Standard library only.
"""
import os
import struct
import sys

VIRT_BASE = 0xFFFFFFFF80000000
HYPERVISOR_VIRT_START = 0xFFFF800000000000
PT_NULL, PT_LOAD, PT_NOTE = 0, 1, 4
PF_W = 2
NOTE_ENTRY, NOTE_HYPERCALL_PAGE, NOTE_VIRT_BASE = 1, 2, 3
NOTE_XEN_VERSION, NOTE_GUEST_OS, NOTE_LOADER = 5, 6, 8
TOO_LARGE_MEM = "1M"
MASK64 = (1 << 64) - 1

# ELF64 header fields used here: (struct format, offset).
E_ENTRY = ("<Q", 24)
E_PHOFF = ("<Q", 32)
E_SHOFF = ("<Q", 40)
E_PHENTSIZE = ("<H", 54)
E_PHNUM = ("<H", 56)
E_SHNUM = ("<H", 60)
E_SHSTRNDX = ("<H", 62)


class Image:
    """A mutable ELF64 image with just enough parsing to edit it."""

    def __init__(self, data):
        self.b = bytearray(data)

    def get(self, field, base=0):
        fmt, off = field
        return struct.unpack_from(fmt, self.b, base + off)[0]

    def put(self, field, value, base=0):
        fmt, off = field
        struct.pack_into(fmt, self.b, base + off, value)

    def phdrs(self):
        """Offsets of the program headers in the file."""
        phoff, size = self.get(E_PHOFF), self.get(E_PHENTSIZE)
        return [phoff + i * size for i in range(self.get(E_PHNUM))]

    # Program header fields relative to the header: type, vaddr, paddr.
    P_TYPE, P_FLAGS, P_OFFSET = ("<I", 0), ("<I", 4), ("<Q", 8)
    P_VADDR, P_PADDR, P_FILESZ = ("<Q", 16), ("<Q", 24), ("<Q", 32)

    def loads(self):
        return [p for p in self.phdrs() if self.get(self.P_TYPE, p) == PT_LOAD]

    def notes(self):
        """Yield (name_offset, type, desc_offset, descsz) of every Xen note."""
        for p in self.phdrs():
            if self.get(self.P_TYPE, p) != PT_NOTE:
                continue
            pos = self.get(self.P_OFFSET, p)
            end = pos + self.get(self.P_FILESZ, p)
            while pos + 12 <= end:
                namesz, descsz, ntype = struct.unpack_from("<III", self.b, pos)
                name = pos + 12
                desc = name + ((namesz + 3) & ~3)
                if bytes(self.b[name:name + namesz]).rstrip(b"\0") == b"Xen":
                    yield name, ntype, desc, descsz
                pos = desc + ((descsz + 3) & ~3)

    def note(self, ntype):
        for name, t, desc, size in self.notes():
            if t == ntype:
                return desc, size
        raise KeyError("no Xen note of type %d" % ntype)

    def set_note_str(self, ntype, text):
        desc, size = self.note(ntype)
        raw = text.encode() + b"\0"
        assert len(raw) <= size, "new note string longer than the old one"
        self.b[desc:desc + size] = raw.ljust(size, b"\0")

    def note_num(self, ntype):
        desc, size = self.note(ntype)
        return int.from_bytes(self.b[desc:desc + size], "little")

    def set_note_num(self, ntype, value):
        desc, size = self.note(ntype)
        self.b[desc:desc + size] = (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")


def not_elf(img):
    return bytearray(b"This is a text file, not an ELF kernel.\n" * 100)


def elf32(img):
    img.b[4] = 1  # EI_CLASS = ELFCLASS32
    return img.b


def truncated(img):
    # Headers intact, but the first segment's data is cut off.
    first = min(img.get(Image.P_OFFSET, p) for p in img.loads())
    return img.b[:first + 256]


def no_notes(img):
    for name, _, _, _ in list(img.notes()):
        img.b[name:name + 4] = b"Nex\0"
    for p in img.phdrs():
        if img.get(Image.P_TYPE, p) == PT_NOTE:
            img.put(Image.P_TYPE, PT_NULL, p)
    # No section headers either, so no SHT_NOTE fallback finds them.
    img.put(E_SHOFF, 0)
    img.put(E_SHNUM, 0)
    img.put(E_SHSTRNDX, 0)
    return img.b


def bad_loader(img):
    img.set_note_str(NOTE_LOADER, "foo")
    img.set_note_str(NOTE_GUEST_OS, "bar")
    return img.b


def bad_xen_version(img):
    img.set_note_str(NOTE_XEN_VERSION, "xen-2.0")
    return img.b


def segment_below_base(img):
    """Move the data segment one page below VIRT_BASE (p_paddr wraps)."""
    data = [p for p in img.loads() if img.get(Image.P_FLAGS, p) & PF_W][0]
    vaddr = VIRT_BASE - 0x1000
    img.put(Image.P_VADDR, vaddr, data)
    img.put(Image.P_PADDR, (vaddr - VIRT_BASE) & MASK64, data)
    return img.b


def segment_in_hypervisor(img):
    """Rebase the whole image to VIRT_BASE = HYPERVISOR_VIRT_START.

    Every address stays consistent (entry, hypercall page, p_vaddr), so the
    only defect is that the segments land in the hypervisor's range."""
    delta = HYPERVISOR_VIRT_START - VIRT_BASE
    img.set_note_num(NOTE_VIRT_BASE, HYPERVISOR_VIRT_START)
    for ntype in (NOTE_ENTRY, NOTE_HYPERCALL_PAGE):
        img.set_note_num(ntype, img.note_num(ntype) + delta)
    img.put(E_ENTRY, (img.get(E_ENTRY) + delta) & MASK64)
    for p in img.phdrs():
        if img.get(Image.P_TYPE, p) in (PT_LOAD, PT_NOTE):
            img.put(Image.P_VADDR, (img.get(Image.P_VADDR, p) + delta) & MASK64, p)
    return img.b


def entry_outside(img):
    entry = VIRT_BASE + 0x10000000
    img.set_note_num(NOTE_ENTRY, entry)
    img.put(E_ENTRY, entry)
    return img.b


# name -> (editor, Koan's exact refusal reason)
BAD_IMAGES = {
    "not-elf": (not_elf, "not an ELF file"),
    "elf32": (elf32, "not a 64-bit x86-64 ELF executable"),
    "truncated": (truncated, "truncated image"),
    "no-notes": (no_notes, "no Xen ELF notes"),
    "bad-loader": (bad_loader, "unsupported loader"),
    "bad-xen-version": (bad_xen_version, "unsupported Xen version note"),
    "segment-below-base": (segment_below_base,
                           "segment outside the guest virtual range"),
    "segment-in-hypervisor": (segment_in_hypervisor,
                              "segment overlaps the hypervisor"),
    "entry-outside": (entry_outside, "entry point outside the image"),
}
TOO_LARGE_REASON = "image too large for the domain's memory"


def write_all(outdir, guest):
    """Write every bad image; returns {path: reason}."""
    with open(guest, "rb") as f:
        original = f.read()
    os.makedirs(outdir, exist_ok=True)
    written = {}
    for name, (edit, reason) in BAD_IMAGES.items():
        path = os.path.join(outdir, name + ".elf")
        with open(path, "wb") as f:
            f.write(bytes(edit(Image(original))))
        written[path] = reason
    with open(os.path.join(outdir, "expected.tsv"), "w") as f:
        for path, reason in written.items():
            f.write("%s\t%s\n" % (os.path.basename(path), reason))
    return written


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    guest = argv[2] if len(argv) == 3 else "build/guest/koan-guest.elf"
    for path, reason in write_all(argv[1], guest).items():
        print("%s: %s" % (path, reason))
    print("(valid guest with mem=%s): %s" % (TOO_LARGE_MEM, TOO_LARGE_REASON))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
