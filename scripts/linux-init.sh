#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the initramfs that scripts/build-linux-images.sh makes for a plain
# Linux kernel (native under QEMU for bench/smp_scaling.py; a Linux domU
# later).  It runs under busybox's sh, with busybox's applets as /bin links
# and our own programs (e.g. bench/linux/burn.c as /bin/burn) beside them.
#
# Kernel command-line words it reads:
#   koan.run=WORD or koan.run="CMD ARGS"  run that command, then power off;
#                  without it, a shell on the console (power off on exit)
#   koan.exit=port  end by writing the command's exit status to QEMU's
#                  isa-debug-exit (I/O port 0x501, through /dev/port), so
#                  scripts/qemu-run.sh exits with that status; otherwise
#                  `poweroff -f` (QEMU under -no-reboot then stops without a
#                  verdict: qemu-run.sh exits 125)
# It prints `koan-init: COMMAND exited with status N` before ending.
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

# The value of koan.NAME= on the kernel command line, quoted or one word.
cmdline_value() {
    sed -n -e "s/.*koan\.$1=\"\([^\"]*\)\".*/\1/p;t" \
        -e "s/.*koan\.$1=\([^ ]*\).*/\1/p" /proc/cmdline
}

run="$(cmdline_value run)"
if [ -n "$run" ]; then
    # Word splitting is wanted here: the value is a command and its arguments.
    # shellcheck disable=SC2086
    $run
    status=$?
else
    run="sh"
    echo "koan-init: no koan.run= on the command line; starting a shell"
    # busybox's poweroff/reboot/halt signal PID 1 (USR2/TERM/USR1), which is
    # this script: end as they ask.  The shell runs in the background so that
    # `wait` (unlike a foreground command) lets the trap run at once.
    trap 'echo "koan-init: poweroff"; poweroff -f' USR2 TERM USR1
    setsid cttyhack sh &
    wait $!
    status=$?
fi
echo "koan-init: $run exited with status $status"

if [ "$(cmdline_value exit)" = port ]; then
    # One byte written to port 0x501: QEMU exits with (status << 1) | 1.
    # The format is built on purpose: an octal escape makes that byte.
    # shellcheck disable=SC2059
    printf "\\$(printf %03o "$((status & 255))")" |
        dd of=/dev/port bs=1 seek=$((0x501)) conv=notrunc 2>/dev/null
fi
poweroff -f
