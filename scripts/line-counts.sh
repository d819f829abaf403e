#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Size report (docs/STYLE: files target <= 600 lines, flag at 1000): prints
# the largest hypervisor and guest source files, and fails only if one
# passes the 1000-line flag.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "line counts (largest sources):"
find hyp guest -name '*.[chS]' -print0 | xargs -0 wc -l | grep -v ' total$' | sort -rn | head -5 |
    sed 's/^/  /'
over=$(find hyp guest -name '*.[chS]' -print0 | xargs -0 wc -l | grep -v ' total$' |
       awk '$1 > 1000 { print $2 }')
if [ -n "$over" ]; then
    echo "line-counts: over 1000 lines, split them: $over" >&2
    exit 1
fi
