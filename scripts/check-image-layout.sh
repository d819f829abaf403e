#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Koan is loaded by the multiboot header's address fields: the loader copies
# the file as one flat run starting at the header.  That only works if every
# PT_LOAD with file content keeps the same (file offset - physical address)
# distance.  Fail the build otherwise, instead of booting a scrambled image.
set -euo pipefail
delta=""
while read -r type offset vaddr paddr filesz rest; do
    [ "$type" = LOAD ] || continue
    [ $((filesz)) -gt 0 ] || continue
    d=$((offset - paddr))
    if [ -n "$delta" ] && [ "$d" -ne "$delta" ]; then
        echo "check-image-layout: PT_LOAD at paddr $paddr breaks the flat layout" >&2
        exit 1
    fi
    delta=$d
done < <(readelf -lW "$1")
[ -n "$delta" ] || { echo "check-image-layout: no PT_LOAD in $1" >&2; exit 1; }
