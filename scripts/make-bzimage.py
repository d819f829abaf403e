#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Wrap an ELF kernel in a minimal bzImage as Linux's x86 build does (a
setup header of boot protocol 2.15, an xz payload with the x86 BCJ filter
and CRC32, the 4-byte uncompressed-size trailer), and write broken
bzImages, one per refusal reason of Koan's bzImage step (docs/boot.md,
"Kernel images").

Usage: scripts/make-bzimage.py ELF OUT
       scripts/make-bzimage.py --bad OUTDIR ELF [VMLINUZ]

--bad writes OUTDIR/<name>.bzImage for every entry of BAD_IMAGES (made from
ELF, the test guest in the tests), and, given Debian's packaged VMLINUZ,
those of REAL_BAD_IMAGES too; it prints "<file>\\t<reason>" per image.
Standard library only.
"""
import bz2
import gzip
import lzma
import os
import struct
import sys
import zlib

SETUP_SECTS = 1            # the setup is the boot sector and one more
SECTOR = 512
PAYLOAD_GAP = 0x40         # payload_offset: where the payload starts after the setup
OFF_SETUP_SECTS, OFF_BOOT_FLAG, OFF_MAGIC = 0x1F1, 0x1FE, 0x202
OFF_VERSION, OFF_PAYLOAD_OFFSET, OFF_PAYLOAD_LENGTH = 0x206, 0x248, 0x24C
PROTOCOL = 0x020F          # Linux 6.1's


def xz(data, check=lzma.CHECK_CRC32, bcj=lzma.FILTER_X86):
    """The payload as scripts/xz_wrap.sh makes it for x86 (smaller dictionary)."""
    return lzma.compress(data, format=lzma.FORMAT_XZ, check=check, filters=[
        {"id": bcj}, {"id": lzma.FILTER_LZMA2, "preset": 6, "dict_size": 1 << 20}])


def wrap(payload, size, version=PROTOCOL):
    """Setup sectors with the header fields Koan reads, then payload + trailer."""
    setup = bytearray((SETUP_SECTS + 1) * SECTOR + PAYLOAD_GAP)
    setup[OFF_SETUP_SECTS] = SETUP_SECTS
    setup[OFF_BOOT_FLAG:OFF_BOOT_FLAG + 2] = b"\x55\xaa"
    setup[OFF_MAGIC:OFF_MAGIC + 4] = b"HdrS"
    struct.pack_into("<H", setup, OFF_VERSION, version)
    struct.pack_into("<II", setup, OFF_PAYLOAD_OFFSET, PAYLOAD_GAP, len(payload) + 4)
    return bytes(setup) + payload + struct.pack("<I", size & 0xFFFFFFFF)


def bzimage(elf):
    return wrap(xz(elf), len(elf))


def payload_span(image):
    """(start, length without the trailer) of a bzImage's payload."""
    sects = image[OFF_SETUP_SECTS] or 4
    offset, length = struct.unpack_from("<II", image, OFF_PAYLOAD_OFFSET)
    return (sects + 1) * SECTOR + offset, length - 4


def check_offset(image):
    """Where the CRC32 of a one-block stream is: just before the index."""
    start, length = payload_span(image)
    end = start + length
    index_size = (struct.unpack_from("<I", image, end - 8)[0] + 1) * 4
    return end - 12 - index_size - 4


def payload_cut(image, n):
    """The stream loses its last n bytes; the header says so (only the footer is missing)."""
    start, length = payload_span(image)
    b = bytearray(image[:start + length - n] + image[start + length:])
    struct.pack_into("<I", b, OFF_PAYLOAD_LENGTH, length - n + 4)
    return bytes(b)


def huge_index_stream():
    """A stream whose index claims 300 MiB: header, an undecoded block area, index, footer."""
    head = b"\xfd7zXZ\x00\x00\x01" + struct.pack("<I", zlib.crc32(b"\x00\x01"))
    index = bytes([0, 1, 16, 0x80, 0x80, 0x80, 0x96, 0x01])   # 16, 300 MiB
    index += struct.pack("<I", zlib.crc32(index))
    tail = struct.pack("<I", len(index) // 4 - 1) + b"\x00\x01"
    return head + bytes(16) + index + struct.pack("<I", zlib.crc32(tail)) + tail + b"YZ"


def set_byte(image, at, value):
    b = bytearray(image)
    b[at] = value
    return bytes(b)


def bad_chunk_control(elf):
    """The first LZMA2 control byte (after the stream and block headers) made invalid."""
    image = bzimage(elf)
    start, _ = payload_span(image)
    return set_byte(image, start + 12 + (image[start + 12] + 1) * 4, 0x03)


def flipped_check(image):
    return set_byte(image, check_offset(image), image[check_offset(image)] ^ 0x80)


# name: (make(elf) -> bytes, the builder's reason)
BAD_IMAGES = {
    "bz-cut": (lambda e: bzimage(e)[:len(bzimage(e)) // 3],
               "bzImage: payload outside the image"),
    "bz-payload-cut": (lambda e: payload_cut(bzimage(e), 100),
                       "bzImage payload: corrupt xz index or footer"),
    "bz-old-protocol": (lambda e: wrap(xz(e), len(e), version=0x0207),
                        "bzImage: boot protocol before 2.08 (no payload fields)"),
    "bz-gzip": (lambda e: wrap(gzip.compress(e), len(e)),
                "bzImage: unsupported compression (gzip)"),
    "bz-bzip2": (lambda e: wrap(bz2.compress(e), len(e)),
                 "bzImage: unsupported compression (bzip2)"),
    "bz-trailer": (lambda e: wrap(xz(e), len(e) + 1),
                   "bzImage: payload size trailer disagrees with the xz index"),
    "bz-huge": (lambda e: wrap(huge_index_stream(), 300 << 20),
                "bzImage: kernel over 256 MiB uncompressed"),
    "bz-sha256": (lambda e: wrap(xz(e, check=lzma.CHECK_SHA256), len(e)),
                  "bzImage payload: unsupported xz check type"),
    "bz-arm": (lambda e: wrap(xz(e, bcj=lzma.FILTER_ARM), len(e)),
               "bzImage payload: unsupported xz filter"),
    "bz-data": (bad_chunk_control, "bzImage payload: corrupt compressed data"),
    "bz-check": (lambda e: flipped_check(bzimage(e)), "bzImage payload: xz check mismatch"),
    "bz-not-elf": (lambda e: bzimage(b"this is not a kernel\n" * 500),
                   "not an ELF file"),
}

# Damaged copies of Debian's packaged kernel: cut in half, and its CRC32
# broken (found only after the whole 63 MiB are decoded).
REAL_BAD_IMAGES = {
    "vmlinuz-cut": (lambda v: v[:len(v) // 2], "bzImage: payload outside the image"),
    "vmlinuz-check": (flipped_check, "bzImage payload: xz check mismatch"),
}


def write_bad(outdir, elf, vmlinuz=None):
    """Write the bad images; {path: reason}."""
    os.makedirs(outdir, exist_ok=True)
    out = {}
    sets = [(BAD_IMAGES, elf)] + ([(REAL_BAD_IMAGES, vmlinuz)] if vmlinuz else [])
    for table, source in sets:
        for name, (make, reason) in table.items():
            path = os.path.join(outdir, name + ".bzImage")
            with open(path, "wb") as f:
                f.write(make(source))
            out[path] = reason
    return out


def main(argv):
    if len(argv) >= 3 and argv[0] == "--bad":
        elf = open(argv[2], "rb").read()
        vmlinuz = open(argv[3], "rb").read() if len(argv) > 3 else None
        for path, reason in write_bad(argv[1], elf, vmlinuz).items():
            print("%s\t%s" % (path, reason))
        return 0
    if len(argv) == 2:
        with open(argv[1], "wb") as f:
            f.write(bzimage(open(argv[0], "rb").read()))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
