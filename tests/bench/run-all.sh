#!/bin/sh
# `make bench`: every benchmark, each printing its figures beside the tool
# a library would otherwise use, run on the same data in the same run.
# BENCH=usb (or a space-separated list) runs only those.
build=${1:?usage: run-all.sh BUILD_DIR}
dir=$(dirname "$0")
for b in "$dir"/*.sh; do
        name=$(basename "$b" .sh)
        [ "$name" = run-all ] && continue
        if [ -n "${BENCH:-}" ]; then
                case " $BENCH " in *" $name "*) ;; *) continue ;; esac
        fi
        echo "=== bench: $name"
        bash "$b" "$build" || echo "bench $name failed (exit $?)"
done
