#!/bin/bash
# Bad rule files are refused with file:line:column, by --check-rules and at
# start; a running agent sent SIGHUP with a bad file keeps its last good policy.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/good" "$TMP/bad" "$TMP/state" "$TMP/root/etc"
make_plugin_dir "$TMP/plugins" "$BUILD/tests/plugins/fixed.so"
cat > "$TMP/good/a.yaml" <<'X'
rules:
  - id: t.one
    title: { ja: 一, en: One }
    clause: 詳細編 8.2(4)
    severity: high
    check: fixed.status
    params: { status: pass }
X
# Line 6, column 14: a sequence where a boolean belongs.
cat > "$TMP/bad/a.yaml" <<'X'
rules:
  - id: t.one
    title: { ja: 一, en: One }
    clause: 詳細編 8.2(4)
    severity: high
    enforce: [yes]
    check: fixed.status
X
common="--root $TMP/root --state $TMP/state --plugins $TMP/plugins --config $TMP/empty.conf"

out=$("$MAMORID" --check-rules $common --rules "$TMP/good" 2>&1); rc=$?
assert_eq "--check-rules on good rules exits 0" 0 "$rc"
assert_contains "--check-rules says OK" "1 rules" "$out"

out=$("$MAMORID" --check-rules $common --rules "$TMP/bad" 2>&1); rc=$?
assert_eq "--check-rules on a type error exits 3" 3 "$rc"
assert_contains "error names file, line and column" "$TMP/bad/a.yaml:6:14:" "$out"

out=$("$MAMORID" --once $common --rules "$TMP/bad" --report "$TMP/r.json" 2>&1); rc=$?
assert_eq "--once on a bad policy exits 3" 3 "$rc"

# An unknown check is an error too.
sed 's/fixed.status/nosuch.check/; /params/d' "$TMP/good/a.yaml" > "$TMP/bad/a.yaml"
out=$("$MAMORID" --check-rules $common --rules "$TMP/bad" 2>&1); rc=$?
assert_eq "--check-rules on an unknown check exits 3" 3 "$rc"
assert_contains "unknown check is named" "nosuch.check" "$out"

# A running agent keeps its policy when the new one is bad.
start_bus || { not_ok "private bus"; finish; exit; }
mkdir -p "$TMP/live"
cp "$TMP/good/a.yaml" "$TMP/live/a.yaml"
"$MAMORID" --foreground $common --rules "$TMP/live" --bus "$BUS" --report "$TMP/live.json" \
        2>"$TMP/agent.log" &
agent=$!; PIDS="$PIDS $agent"
wait_agent || { not_ok "agent did not come up: $(cat "$TMP/agent.log")"; finish; exit; }
cp "$TMP/bad/a.yaml" "$TMP/live/a.yaml"
# Add a second good file as well: the whole new policy must be refused, not half of it.
sed 's/t.one/t.two/' "$TMP/good/a.yaml" > "$TMP/live/b.yaml"
kill -HUP "$agent"
for _ in $(seq 100); do grep -q "keeping the last good one" "$TMP/agent.log" && break; sleep 0.05; done
assert_contains "SIGHUP with a bad file is logged" "keeping the last good one" "$(cat "$TMP/agent.log")"
rules=$("$MAMORICTL" --bus "$BUS" --json rules)
assert_eq "the last good policy stays in force" "t.one" "$(echo "$rules" | jq -r '.[].id' | tr '\n' ' ' | sed 's/ $//')"
assert_contains "policy.rejected event" "policy.rejected" "$("$MAMORICTL" --bus "$BUS" events)"
out=$("$MAMORICTL" --bus "$BUS" reload 2>&1); rc=$?
assert_eq "mamorictl reload of a bad policy exits 4" 4 "$rc"
assert_contains "mamorictl reload says why" "nosuch.check" "$out"

cp "$TMP/good/a.yaml" "$TMP/live/a.yaml"
out=$("$MAMORICTL" --bus "$BUS" reload 2>&1); rc=$?
assert_eq "mamorictl reload of a good policy exits 0" 0 "$rc"
assert_eq "both files in force after the fix" "t.one t.two" \
        "$("$MAMORICTL" --bus "$BUS" --json rules | jq -r '.[].id' | tr '\n' ' ' | sed 's/ $//')"
kill -TERM "$agent"; wait "$agent"; rc=$?
assert_eq "SIGTERM exits cleanly" 0 "$rc"
finish
