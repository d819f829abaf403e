#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build a plain Linux kernel and initramfs from Debian's packages, for
# `make linux-images` (native Linux in QEMU: bench/smp_scaling.py; a Linux
# domU later).  Nothing is installed: the packages are fetched with
# `apt-get download` and unpacked with `dpkg-deb -x`.
#
# Usage: scripts/build-linux-images.sh [PROGRAM.c ...]
#   (default programs: every bench/linux/*.c: burn.c for bench/smp_scaling.py,
#   lmb.c for bench/lmbench.py)
#
# Outputs, under build/linux/:
#   vmlinuz            the kernel of the package linux-image-amd64 depends
#                      on (linux-image-6.1.*-amd64); fetched only if missing
#   kernel.txt         that package's name and version
#   busybox            busybox-static's binary; fetched only if missing
#   initramfs.cpio.gz  cpio newc, gzip: busybox with a /bin link per applet,
#                      /init (scripts/linux-init.sh: runs `koan.run=` from
#                      the kernel command line, else a shell), and each
#                      PROGRAM.c built static with glibc as /bin/<name>;
#                      rebuilt on every call (make calls this only when an
#                      input changed)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/build/linux"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

log() { echo "build-linux-images: $*" >&2; }
die() { log "$*"; exit 1; }

# The versioned kernel package the meta-package currently depends on.
kernel_package() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-6\.1\.[^ ]*-amd64\)$/\1/p' | head -1
}

# apt-get download PACKAGE into directory $2; the package lists may be stale
# (a kernel ABI bump removes the old package), so refresh them once on failure.
download() {
    (cd "$2" && apt-get download -qq "$1" >/dev/null 2>&1) && return 0
    log "apt-get download $1 failed; refreshing the package lists"
    $SUDO apt-get update -qq
    (cd "$2" && apt-get download -qq "$1" >/dev/null)
}

fetch_kernel() {
    [ -f "$OUT/vmlinuz" ] && return 0
    local tmp pkg
    pkg=$(kernel_package)
    if [ -z "$pkg" ]; then
        $SUDO apt-get update -qq
        pkg=$(kernel_package)
    fi
    [ -n "$pkg" ] || die "linux-image-amd64 depends on no linux-image-6.1.*-amd64 package"
    tmp=$(mktemp -d)
    download "$pkg" "$tmp" || { rm -rf "$tmp"; die "cannot download $pkg"; }
    dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/x"
    cp "$tmp"/x/boot/vmlinuz-* "$OUT/vmlinuz.tmp"
    dpkg-deb -f "$tmp"/"$pkg"_*.deb Package Version > "$OUT/kernel.txt"
    rm -rf "$tmp"
    mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
    log "kernel of $pkg unpacked to $OUT/vmlinuz"
}

fetch_busybox() {
    [ -x "$OUT/busybox" ] && return 0
    local tmp
    tmp=$(mktemp -d)
    download busybox-static "$tmp" || { rm -rf "$tmp"; die "cannot download busybox-static"; }
    dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/x"
    cp "$tmp/x/bin/busybox" "$OUT/busybox.tmp"
    rm -rf "$tmp"
    mv "$OUT/busybox.tmp" "$OUT/busybox"
    log "busybox-static unpacked to $OUT/busybox"
}

# The initramfs tree in $1: busybox and its links, /init, our programs.
fill_root() {
    local root="$1" applet src
    shift
    mkdir -p "$root"/bin "$root"/dev "$root"/proc "$root"/sys "$root"/tmp
    cp "$OUT/busybox" "$root/bin/busybox"
    for applet in $("$OUT/busybox" --list); do
        [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
    done
    install -m 0755 "$ROOT/scripts/linux-init.sh" "$root/init"
    for src in "$@"; do
        gcc -static -O2 -Wall -Wextra -Werror -o "$root/bin/$(basename "$src" .c)" "$src"
    done
}

build_initramfs() {
    local root
    root=$(mktemp -d)
    fill_root "$root" "$@"
    # /dev/console comes from the kernel's built-in initramfs, which ours is
    # unpacked over (making a device node here would need root).
    (cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
        cpio -o -H newc -R 0:0 --quiet | gzip -9n) > "$OUT/initramfs.cpio.gz.tmp"
    rm -rf "$root"
    mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
    log "initramfs written to $OUT/initramfs.cpio.gz (programs: $*)"
}

main() {
    local programs=("$@") p
    cd "$ROOT"
    [ "${#programs[@]}" -gt 0 ] || programs=(bench/linux/*.c)
    for p in "${programs[@]}"; do
        [ -f "$p" ] || die "program source '$p' not found"
    done
    mkdir -p "$OUT"
    fetch_kernel
    fetch_busybox
    build_initramfs "${programs[@]}"
}

main "$@"
