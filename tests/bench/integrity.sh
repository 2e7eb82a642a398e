#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The integrity plugin's benchmark (issue 4), run by `make bench` as
#   tests/bench/integrity.sh BUILD_DIR
#
# 1. Initial baseline of a tree (MAMORI_BENCH_TREE, default /usr), warm
#    cache, side by side in the same run: the plugin (through
#    tests/bench/integrity/bench-baseline.c, the plugin's own objects and the
#    unit tests' fake host), `aide --init` hashing the same tree with SHA-256
#    only (its default single worker, and two workers like ours),
#    `sha256sum` over two processes, and `cat` as the read bound. Wall time,
#    CPU time and peak RSS of each from /usr/bin/time -v.
# 2. A full rescan of the unchanged tree (stat, not hashing).
# 3. Write -> integrity.drift event latency over MAMORI_BENCH_CHANGES (1000)
#    changes, p50 and p99.
# 4. The agent with the shipped integrity rules, idle: CPU and memory over
#    MAMORI_BENCH_IDLE seconds (default 30; 0 skips it).
#
# Targets: at least 3x faster than AIDE, within 1.5x of the read bound.
# Installs aide, hyperfine and time with apt-get when missing (as root).
set -eu

BUILD=${1:?usage: tests/bench/integrity.sh BUILD_DIR}
TREE=${MAMORI_BENCH_TREE:-/usr}
CHANGES=${MAMORI_BENCH_CHANGES:-1000}
IDLE=${MAMORI_BENCH_IDLE:-30}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
case "$BUILD" in /*) ;; *) BUILD=$SRC/$BUILD ;; esac

missing=""
command -v aide >/dev/null 2>&1 || missing="$missing aide"
command -v hyperfine >/dev/null 2>&1 || missing="$missing hyperfine"
[ -x /usr/bin/time ] || missing="$missing time"
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
if [ -n "$missing" ]; then
        if [ "$(id -u)" != 0 ]; then
                echo "integrity bench: missing:$missing (run as root, or apt-get install$missing)" >&2
                exit 1
        fi
        echo "integrity bench: installing:$missing" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
fi

WORK=$(mktemp -d /tmp/mamori-bench-integrity.XXXXXX)
AGENT_PID=""
cleanup() {
        [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null || true
        rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# The driver, against the objects `make` built in BUILD (same flags as the
# plugin itself; a sanitizer build needs its runtime).
make --no-print-directory -C "$SRC" BUILD="$BUILD" "$BUILD/plugins/integrity.so" >/dev/null
SAN=""
if nm "$BUILD/plugins/integrity/scan.o" 2>/dev/null | grep -q __asan_; then
        SAN="-fsanitize=address,undefined"
fi
${CC:-cc} -std=gnu11 -O2 -g -D_GNU_SOURCE $SAN -I"$SRC/agent" -I"$SRC/tests/unit" \
        -o "$WORK/bench-baseline" "$SRC/tests/bench/integrity/bench-baseline.c" \
        "$SRC/tests/unit/fake-host.c" "$BUILD"/plugins/integrity/*.o \
        $(pkg-config --libs libsystemd libcrypto) -lpthread

# One measured run: LABEL COMMAND... -> a row of the table.
TABLE="$WORK/table"
: >"$TABLE"
measure() {
        label=$1
        shift
        if ! /usr/bin/time -v -o "$WORK/time" "$@" >"$WORK/out" 2>&1; then
                echo "integrity bench: $label failed:" >&2
                tail -5 "$WORK/out" >&2
                return 1
        fi
        awk -v label="$label" -F': ' '
                /Elapsed \(wall clock\)/ {
                        n = split($2, p, ":"); w = 0
                        for (i = 1; i <= n; i++) w = w * 60 + p[i]
                }
                /User time/ { u = $2 }
                /System time/ { s = $2 }
                /Maximum resident set size/ { rss = $2 }
                END { printf "%-34s %9.2f %9.2f %9.2f %10.1f\n", label, w, u, s, rss / 1024 }
        ' "$WORK/time" | tee -a "$TABLE"
}
wall_of() {
        awk -v label="$1" 'index($0, label) == 1 { print $(NF - 3) }' "$TABLE"
}

echo "== integrity benchmark: $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo))," \
        "kernel $(uname -r), $(aide --version 2>&1 | head -1), OpenSSL $(openssl version 2>/dev/null | cut -d' ' -f2)"
files=$(find "$TREE" -xdev -type f | wc -l)
entries=$(find "$TREE" -xdev | wc -l)
bytes=$(find "$TREE" -xdev -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.2f", s / 1073741824 }')
echo "tree $TREE: $files files, $entries entries, $bytes GiB"

# Warm the page cache: every contender reads from memory.
find "$TREE" -xdev -type f -print0 | xargs -0 cat >/dev/null 2>&1 || true
find "$TREE" -xdev -type f -print0 | xargs -0 cat >/dev/null 2>&1 || true

cat >"$WORK/aide.conf" <<EOF
database_out=file:$WORK/aide.db.new
gzip_dbout=no
report_url=stdout
SHA = sha256
$TREE SHA
EOF

echo
echo "-- initial baseline, warm cache"
printf '%-34s %9s %9s %9s %10s\n' "" "wall s" "user s" "sys s" "peak MiB"
measure "read bound: cat" sh -c "find '$TREE' -xdev -type f -print0 | xargs -0 cat >/dev/null 2>&1"
measure "sha256sum, 2 processes" sh -c "find '$TREE' -xdev -type f -print0 | xargs -0 -P2 sha256sum >/dev/null 2>&1"
measure "aide --init, 1 worker (default)" aide --config "$WORK/aide.conf" --init
rm -f "$WORK/aide.db.new"
measure "aide --init --workers=2" aide --config "$WORK/aide.conf" --init --workers=2
rm -f "$WORK/aide.db.new"
measure "mamori integrity: baseline" "$WORK/bench-baseline" baseline "$TREE" "$WORK/state"
cat "$WORK/out"

echo
echo "-- full rescan of the unchanged tree (a restarted agent: read the baseline, stat all, compare)"
measure "mamori integrity: rescan" "$WORK/bench-baseline" rescan "$TREE" "$WORK/state"
cat "$WORK/out"
hyperfine --style basic --warmup 1 --runs 5 -n rescan "'$WORK/bench-baseline' rescan '$TREE' '$WORK/state'" 2>&1 |
        grep -E 'Time|Range' || true

echo
read_w=$(wall_of "read bound")
aide1_w=$(wall_of "aide --init, 1 worker")
aide2_w=$(wall_of "aide --init --workers=2")
ours_w=$(wall_of "mamori integrity: baseline")
awk -v r="$read_w" -v a1="$aide1_w" -v a2="$aide2_w" -v o="$ours_w" 'BEGIN {
        printf "baseline: %.1fx faster than aide (1 worker), %.1fx faster than aide (2 workers); ", a1 / o, a2 / o
        printf "%.2fx the read bound\n", o / r
        printf "targets: >= 3x faster than aide: %s; within 1.5x of the read bound: %s\n",
               (a1 / o >= 3 && a2 / o >= 3) ? "met" : (a1 / o >= 3 ? "met against the default aide only" : "NOT met"),
               o / r <= 1.5 ? "met" : "NOT met"
}'

echo
echo "-- write -> drift event latency"
mkdir "$WORK/latency"
"$WORK/bench-baseline" latency "$WORK/latency" "$CHANGES"

if [ "$IDLE" -gt 0 ] && [ -x "$BUILD/mamorid" ]; then
        echo
        echo "-- the agent idle with the shipped integrity rules (${IDLE} s)"
        mkdir -m 0700 "$WORK/plugins" "$WORK/rules" "$WORK/agent-state"
        cp "$BUILD/plugins/integrity.so" "$WORK/plugins/"
        chmod 0755 "$WORK/plugins/integrity.so"
        cp "$SRC/rules/integrity.yaml" "$WORK/rules/"
        "$BUILD/mamorid" --rules "$WORK/rules" --state "$WORK/agent-state" --plugins "$WORK/plugins" \
                --config "$SRC/packaging/mamori.conf" --report "$WORK/report.json" --no-bus \
                --foreground --log-level warning >"$WORK/agent.log" 2>&1 &
        AGENT_PID=$!
        sleep 5
        ticks() { awk '{ print $14 + $15 }' "/proc/$AGENT_PID/stat"; }
        t0=$(ticks)
        sleep "$IDLE"
        t1=$(ticks)
        hz=$(getconf CLK_TCK)
        awk -v t0="$t0" -v t1="$t1" -v hz="$hz" -v s="$IDLE" 'BEGIN {
                printf "CPU %.3f%% of one core (%.2f s over %d s)\n", 100 * (t1 - t0) / hz / s, (t1 - t0) / hz, s }'
        grep -E '^(VmRSS|VmHWM)' "/proc/$AGENT_PID/status" | tr -s '\t ' ' '
        ls -l /proc/$AGENT_PID/fd 2>/dev/null | grep -c inotify | sed 's/^/inotify instances: /'
        kill "$AGENT_PID"
        wait "$AGENT_PID" 2>/dev/null || true
        AGENT_PID=""
fi
