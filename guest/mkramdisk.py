#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the test ramdisk the guest's `module` case checks (layout in
guest/include/guest/ramdisk.h): a 32-byte header naming the total length,
then byte i = (i * 7 + 3) & 0xff.  The length is deliberately not a
multiple of the page size, so a builder that rounds mod_len is caught."""
import sys

LENGTH = 20123


def ramdisk(length=LENGTH):
    header = b"KOAN-RAMDISK-v1 length=%08x\n" % length
    assert len(header) == 32
    body = bytes((i * 7 + 3) & 0xFF for i in range(len(header), length))
    return header + body


if __name__ == "__main__":
    with open(sys.argv[1], "wb") as f:
        f.write(ramdisk())
