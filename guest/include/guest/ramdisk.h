/* SPDX-License-Identifier: MIT */
/*
 * Layout of the test ramdisk built by guest/mkramdisk.py and checked by the
 * `module` case: a 32-byte header "KOAN-RAMDISK-v1 length=XXXXXXXX\n"
 * (the total length in hex) then byte i = (i * 7 + 3) & 0xff.
 */
#ifndef GUEST_RAMDISK_H
#define GUEST_RAMDISK_H

#define RAMDISK_MAGIC "KOAN-RAMDISK-v1 length="
#define RAMDISK_HEADER_LEN 32
#define RAMDISK_BYTE(i) ((unsigned char)(((i) * 7 + 3) & 0xff))

#endif /* GUEST_RAMDISK_H */
