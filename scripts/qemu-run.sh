#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The one QEMU launcher of Koan: `make run`, tests/system and bench/ all boot
# through it.  It boots a multiboot kernel (Koan, or Xen as the referee) with
# modules, or a plain Linux kernel with its initramfs (bench/smp_scaling.py),
# and turns the hypervisor's verdict into this script's exit status.
#
# Usage: scripts/qemu-run.sh [options] [-- extra QEMU args]
#   --kernel FILE        multiboot kernel (default build/koan.elf), or a Linux
#                        bzImage (build/linux/vmlinuz: make linux-images)
#   --append 'CMDLINE'   hypervisor command line
#   --module 'FILE ARGS' a multiboot module and its command line (repeatable;
#                        commas are escaped for QEMU's -initrd)
#   --initrd FILE        a Linux kernel's initramfs, passed as it is (instead
#                        of modules)
#   --scenario default   Koan with two test guests (dom0 and a domU)
#   --scenario linux     Koan with a test-guest dom0 and Debian's Linux as a
#                        domU with 2 vCPUs and a busybox shell on its console
#                        (make linux-images); -smp 2 and 1G unless given
#   --serial stdio|FILE  where the serial console goes (default stdio)
#   --timeout SECONDS    stop QEMU after SECONDS and exit 124
#   --memory SIZE        guest RAM (default 512M)
#   --smp N              number of CPUs
#   --icount             deterministic instruction counting (-icount shift=0)
#   --accel tcg|kvm      accelerator (default: $KOAN_ACCEL, else tcg)
#   --no-exit-device     leave out isa-debug-exit (Xen does not use it)
# Relative paths (kernel, modules, initrd, serial file) are taken from the
# repository root, whatever the current directory.
#
# Exit status: the hypervisor writes code c to I/O port 0x501 and QEMU exits
# with (c << 1) | 1; this script exits with c.  Koan's codes: 0 every domain
# shut down cleanly, 1 at least one domain crashed, 2 hypervisor panic or
# fatal exception, 3 nothing to run.  Besides: 124 timeout, 125 QEMU stopped
# without a verdict (e.g. a triple fault under -no-reboot), 126 QEMU itself
# failed (bad option, missing file: it reported an error on stderr).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

KERNEL=build/koan.elf
APPEND=""
MODULES=()
INITRD=""
SERIAL=stdio
TIMEOUT=""
MEMORY=""
SMP=""
SCENARIO_MEMORY=512M
SCENARIO_SMP=""
ICOUNT=0
# Never choose KVM on our own: the machines this project runs on have an
# emulating nested KVM (PVM flavour) on which Xen does not boot and timings
# mean nothing (docs/reference-xen.md).  KVM only when asked for by name.
ACCEL="${KOAN_ACCEL:-tcg}"
EXIT_DEVICE=1
EXTRA=()

die() { echo "qemu-run: $*" >&2; exit 126; }

need_arg() { [ "$#" -ge 2 ] || die "option $1 needs an argument"; }

scenario() {
    case "$1" in
    default)
        MODULES+=("build/guest/koan-guest.elf name=dom0 -- koan-test")
        MODULES+=("build/guest/koan-guest.elf name=guest1 role=domU -- koan-test")
        ;;
    linux)
        MODULES+=("build/guest/koan-guest.elf name=dom0 -- koan-test")
        MODULES+=("build/linux/vmlinuz name=linux role=domU mem=256M vcpus=2 -- console=hvc0")
        MODULES+=("build/linux/initramfs.cpio.gz ramdisk")
        SCENARIO_MEMORY=1G
        SCENARIO_SMP=2
        ;;
    *) die "unknown scenario '$1' (known: default, linux)" ;;
    esac
}

while [ "$#" -gt 0 ]; do
    case "$1" in
    --kernel) need_arg "$@"; KERNEL="$2"; shift 2 ;;
    --append) need_arg "$@"; APPEND="$2"; shift 2 ;;
    --module) need_arg "$@"; MODULES+=("$2"); shift 2 ;;
    --initrd) need_arg "$@"; INITRD="$2"; shift 2 ;;
    --scenario) need_arg "$@"; scenario "$2"; shift 2 ;;
    --serial) need_arg "$@"; SERIAL="$2"; shift 2 ;;
    --timeout) need_arg "$@"; TIMEOUT="$2"; shift 2 ;;
    --memory) need_arg "$@"; MEMORY="$2"; shift 2 ;;
    --smp) need_arg "$@"; SMP="$2"; shift 2 ;;
    --icount) ICOUNT=1; shift ;;
    --accel) need_arg "$@"; ACCEL="$2"; shift 2 ;;
    --no-exit-device) EXIT_DEVICE=0; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    -h|--help) sed -n '3,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
    esac
done

MEMORY="${MEMORY:-$SCENARIO_MEMORY}"
SMP="${SMP:-$SCENARIO_SMP}"
[ -f "$KERNEL" ] || die "kernel '$KERNEL' not found (run make?)"
[[ -z "$TIMEOUT" || "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout takes whole seconds"

cmd=(qemu-system-x86_64 -nographic -no-reboot -m "$MEMORY" -kernel "$KERNEL")
case "$ACCEL" in
tcg) cmd+=(-accel tcg -cpu max) ;;
kvm)
    [ -e /dev/kvm ] || die "--accel kvm: /dev/kvm does not exist"
    # -arch-capabilities: QEMU asserts on MSR 0x10a under some nested KVMs.
    cmd+=(-accel kvm -cpu host,-arch-capabilities)
    ;;
*) die "unknown accelerator '$ACCEL' (tcg or kvm)" ;;
esac
[ -n "$APPEND" ] && cmd+=(-append "$APPEND")
if [ "${#MODULES[@]}" -gt 0 ]; then
    initrd=""
    for m in "${MODULES[@]}"; do
        file="${m%% *}"
        [ -f "$file" ] || die "module '$file' not found (run make, or make linux-images)"
        initrd+="${initrd:+,}${m//,/,,}"
    done
    cmd+=(-initrd "$initrd")
fi
if [ -n "$INITRD" ]; then
    [ "${#MODULES[@]}" -eq 0 ] || die "--initrd and --module exclude each other"
    [ -f "$INITRD" ] || die "initrd '$INITRD' not found (run make linux-images?)"
    cmd+=(-initrd "$INITRD")
fi
[ "$EXIT_DEVICE" -eq 1 ] && cmd+=(-device isa-debug-exit,iobase=0x501,iosize=2)
[ -n "$SMP" ] && cmd+=(-smp "$SMP")
[ "$ICOUNT" -eq 1 ] && cmd+=(-icount shift=0)
if [ "$SERIAL" = stdio ]; then
    cmd+=(-serial mon:stdio)
else
    cmd+=(-serial "file:$SERIAL" -monitor none)
fi
cmd+=("${EXTRA[@]}")

# QEMU's own complaints are kept to tell "QEMU failed" (status 1) apart from
# the hypervisor's code 0 (also status 1).
errlog="$(mktemp)"
trap 'rm -f "$errlog"' EXIT

# Run QEMU as a background child so that signals (a test harness closing us,
# Ctrl-C) and the timeout can stop it; it keeps our stdin (a background job
# would otherwise get /dev/null) and stays in our process group.
exec 3<&0
"${cmd[@]}" <&3 2> >(tee "$errlog" >&2) &
qemu_pid=$!
stop_qemu() { kill -TERM "$qemu_pid" 2>/dev/null || true; }
trap stop_qemu INT TERM HUP
pids=("$qemu_pid")
timer_pid=""
if [ -n "$TIMEOUT" ]; then
    sleep "$TIMEOUT" &
    timer_pid=$!
    pids+=("$timer_pid")
fi

timed_out=0
while :; do
    finished=""
    set +e
    wait -n -p finished "${pids[@]}"
    status=$?
    set -e
    finished="${finished:-}"   # wait -p leaves it unset when a signal interrupts it
    if [ "$finished" = "$qemu_pid" ]; then
        break
    elif [ -n "$finished" ] && [ "$finished" = "$timer_pid" ]; then
        timed_out=1
        timer_pid=""
        pids=("$qemu_pid")
        stop_qemu
    fi
    # Otherwise a trapped signal interrupted wait; QEMU was asked to stop.
done
[ -n "$timer_pid" ] && { kill "$timer_pid" 2>/dev/null || true; wait "$timer_pid" 2>/dev/null || true; }
wait 2>/dev/null || true   # let the stderr tee finish

if [ "$timed_out" -eq 1 ]; then
    echo "qemu-run: timed out after ${TIMEOUT}s" >&2
    exit 124
fi
if [ "$status" -eq 0 ]; then
    echo "qemu-run: QEMU stopped without a verdict" >&2
    exit 125
fi
if [ "$status" -eq 1 ] && grep -q 'qemu-system-x86_64:' "$errlog"; then
    echo "qemu-run: QEMU failed (status 1, see its message above)" >&2
    exit 126
fi
if [ $((status & 1)) -eq 1 ] && [ "$status" -lt 128 ]; then
    exit $((status >> 1))
fi
echo "qemu-run: QEMU exited with status $status" >&2
exit 126
