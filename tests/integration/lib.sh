# Shared helpers for the integration tests (sourced, POSIX sh + bash arrays avoided).
# Each test script sources this, calls `ok`/`not_ok` through the assert_*
# helpers, and ends with `finish`, which prints "N passed, N failed".
set -u

BUILD=${MAMORI_BUILD:?MAMORI_BUILD must point at the build folder}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
MAMORID="$BUILD/mamorid"
MAMORICTL="$BUILD/mamorictl"
T_PASSED=0
T_FAILED=0
TMP=$(mktemp -d /tmp/mamori-it.XXXXXX)
PIDS=""
: > "$TMP/empty.conf"

cleanup() {
        for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
        wait 2>/dev/null
        rm -rf "$TMP"
}
trap cleanup EXIT

ok() { T_PASSED=$((T_PASSED + 1)); echo "  ok: $*"; }
not_ok() { T_FAILED=$((T_FAILED + 1)); echo "  FAILED: $*"; }

assert_eq() { # what expected actual
        if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi
}
assert_contains() { # what needle haystack
        case "$3" in *"$2"*) ok "$1" ;; *) not_ok "$1: '$2' not in: $3" ;; esac
}
assert_not_contains() {
        case "$3" in *"$2"*) not_ok "$1: '$2' unexpectedly in: $3" ;; *) ok "$1" ;; esac
}

# A plugin directory owned by root, not group/world-writable, with the
# given .so files (the agent refuses anything else).
make_plugin_dir() { # dir so...
        d=$1; shift
        mkdir -p "$d"; chmod 0755 "$d"
        for so in "$@"; do install -m 0644 "$so" "$d/"; done
}

# A private dbus-daemon; sets BUS to its address.
start_bus() {
        cat > "$TMP/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:path=$TMP/bus.socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
CONF
        dbus-daemon --config-file="$TMP/bus.conf" --nofork --nopidfile >"$TMP/bus.log" 2>&1 &
        PIDS="$PIDS $!"
        BUS="unix:path=$TMP/bus.socket"
        for _ in $(seq 100); do [ -S "$TMP/bus.socket" ] && return 0; sleep 0.05; done
        echo "dbus-daemon did not start: $(cat "$TMP/bus.log")" >&2
        return 1
}

# Wait until the agent answers on the bus (at most ~10 s).
wait_agent() {
        for _ in $(seq 200); do
                "$MAMORICTL" --bus "$BUS" status >/dev/null 2>&1 && return 0
                sleep 0.05
        done
        return 1
}

finish() {
        echo "$(basename "$0" .sh): $T_PASSED passed, $T_FAILED failed"
        [ "$T_FAILED" -eq 0 ]
}
