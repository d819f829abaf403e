#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Size report (docs/STYLE: files target <= 600 lines, flag at 1000): prints
# the largest hypervisor and guest source files, and fails only if one
# passes the 1000-line flag.
set -euo pipefail
cd "$(dirname "$0")/.."
# One listing, read whole: `head` closing a pipe early would kill `sort`
# with SIGPIPE, which pipefail turns into a failure (exit 141).
counts=$(find hyp guest -name '*.[chS]' -print0 | xargs -0 wc -l | grep -v ' total$' | sort -rn)
echo "line counts (largest sources):"
awk 'NR <= 5 { print "  " $0 }' <<<"$counts"
over=$(awk '$1 > 1000 { print $2 }' <<<"$counts")
if [ -n "$over" ]; then
    echo "line-counts: over 1000 lines, split them: $over" >&2
    exit 1
fi
