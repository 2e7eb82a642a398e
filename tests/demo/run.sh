#!/bin/sh
# `make run`: the agent, once, on the shipped policy. On a staff terminal
# (mamori installed, or a display manager present) it reads this machine;
# elsewhere it builds a demo terminal under build/demo and reads that.
# MAMORI_ROOT=DIR forces a root.
set -eu
build=${1:?usage: run.sh BUILD}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

if [ -n "${MAMORI_ROOT:-}" ]; then
        root=$MAMORI_ROOT
elif [ -d /etc/mamori ] || [ -e /etc/X11/default-display-manager ]; then
        root=/
else
        root=$top/build/demo/root
        tests/demo/build-root.sh "$root"
        echo "This machine is not a staff terminal: evaluating the demo terminal in $root."
fi
if [ "$root" = / ] && [ "$(id -u)" != 0 ]; then
        echo "mamori: reading this machine's accounts needs root; run as root." >&2
        exit 1
fi

state=$top/build/demo/state
report=$top/build/demo/report.json
mkdir -p "$state"
plugins=$top/$build/plugins
chmod go-w "$plugins"
echo "Root: $root   Rules: rules/   Report: $report"
echo
"$top/$build/mamorid" --once --root "$root" --rules "$top/rules" --plugins "$plugins" \
        --state "$state" --report "$report" --config "$top/packaging/mamori.conf"
