#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install what Koan needs to build, test and benchmark, and only what is missing:
#   - Debian packages (toolchain, libxen-dev headers, cmocka, pytest, pexpect, ...);
#   - QEMU >= 8.0 from Debian's bookworm-backports (7.2 has TCG bugs that break PV guests);
#   - Debian's Xen 4.17 hypervisor, downloaded and unpacked (never installed) under
#     build/xen-ref/, as the reference the test guest is refereed against.
# Safe to run repeatedly; does nothing when everything is present.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
XEN_REF="$ROOT/build/xen-ref"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

PACKAGES=(build-essential gcc make binutils libxen-dev libcmocka-dev liblzma-dev python3
          python3-pytest python3-pexpect xz-utils cpio gzip)

log() { echo "install-deps: $*" >&2; }

apt_updated=0
apt_update_once() {
    if [ "$apt_updated" -eq 0 ]; then
        $SUDO apt-get update -qq
        apt_updated=1
    fi
}

missing_packages() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || echo "$p"
    done
}

install_debian_packages() {
    local missing
    missing=$(missing_packages "${PACKAGES[@]}")
    [ -z "$missing" ] && return 0
    log "installing:" $missing
    apt_update_once
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
}

qemu_ok() {
    command -v qemu-system-x86_64 >/dev/null || return 1
    local v
    v=$(qemu-system-x86_64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p' | head -1)
    [ -n "$v" ] && [ "$v" -ge 8 ]
}

# Derive a bookworm-backports entry from the machine's own Debian source, so no
# host name is written in this repository.
enable_backports() {
    local src=/etc/apt/sources.list.d/debian.sources
    local dst=/etc/apt/sources.list.d/koan-backports.sources
    [ -f "$dst" ] && return 0
    if [ -f "$src" ]; then
        awk 'BEGIN{RS=""; ORS="\n\n"}
             /Suites:[^\n]*bookworm([ \n]|$)/ && !/security/ {
                 sub(/Suites:[^\n]*/, "Suites: bookworm-backports"); print; exit }' \
            "$src" | $SUDO tee "$dst" >/dev/null
    elif [ -f /etc/apt/sources.list ]; then
        grep -E '^deb .* bookworm( |$)' /etc/apt/sources.list | head -1 \
            | sed -E 's/ bookworm( |$)/ bookworm-backports\1/' \
            | $SUDO tee /etc/apt/sources.list.d/koan-backports.list >/dev/null
    fi
    apt_updated=0
}

install_qemu() {
    qemu_ok && return 0
    log "installing QEMU >= 8.0 from bookworm-backports"
    enable_backports
    apt_update_once
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
        -t bookworm-backports qemu-system-x86 >/dev/null
    qemu_ok || { log "QEMU >= 8.0 is still missing"; exit 1; }
}

# Debian's Xen 4.17: apt-get download + dpkg-deb -x, never installed, so the
# machine's boot loader is not touched. The result is build/xen-ref/xen.elf.
fetch_reference_xen() {
    [ -f "$XEN_REF/xen.elf" ] && return 0
    mkdir -p "$XEN_REF"
    apt_update_once
    local tmp
    tmp=$(mktemp -d)
    if ! (cd "$tmp" && apt-get download -qq xen-hypervisor-4.17-amd64 >/dev/null 2>&1); then
        log "warning: could not download xen-hypervisor-4.17-amd64; Xen-refereed tests will be skipped"
        rm -rf "$tmp"
        return 0
    fi
    dpkg-deb -x "$tmp"/xen-hypervisor-4.17-amd64_*.deb "$tmp/x"
    local gz
    gz=$(ls "$tmp"/x/boot/xen-4.17*-amd64.gz | head -1)
    gzip -dc "$gz" > "$XEN_REF/xen.elf.tmp"
    mv "$XEN_REF/xen.elf.tmp" "$XEN_REF/xen.elf"
    rm -rf "$tmp"
    log "reference Xen unpacked to $XEN_REF/xen.elf"
}

install_debian_packages
install_qemu
fetch_reference_xen
