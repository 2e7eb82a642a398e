#!/bin/bash
# mamorictl against a running agent on a private bus: every read command,
# --json, the not-running message, and tamper detection in the event log.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/rules" "$TMP/state" "$TMP/root/etc"
make_plugin_dir "$TMP/plugins" "$BUILD/tests/plugins/fixed.so"
cat > "$TMP/rules/a.yaml" <<'X'
policy: { id: bus-test, version: "7" }
rules:
  - id: t.pass
    title: { ja: 合格, en: Passes }
    clause: 詳細編 8.2(4)
    severity: high
    check: fixed.status
    params: { status: pass }
  - id: t.fail
    title: { ja: 不合格, en: Fails }
    clause: 詳細編 6.5(3)
    severity: medium
    check: fixed.status
    params: { status: [pass, fail] }
X
start_bus || { not_ok "private bus"; finish; exit; }

out=$("$MAMORICTL" --bus "$BUS" status 2>&1); rc=$?
assert_eq "not running: exit 3" 3 "$rc"
assert_eq "not running: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
assert_contains "not running: says so" "not running" "$out"

start_agent() {
        "$MAMORID" --foreground --root "$TMP/root" --rules "$TMP/rules" --state "$TMP/state" \
                --plugins "$TMP/plugins" --config "$TMP/empty.conf" --bus "$BUS" --report "$TMP/r.json" \
                2>>"$TMP/agent.log" &
        agent=$!; PIDS="$PIDS $agent"
        wait_agent || { not_ok "agent did not come up: $(cat "$TMP/agent.log")"; finish; exit; }
}
start_agent

# weights: pass high 6, fail medium 3: floor(600/9) = 66
assert_eq "score" 66 "$("$MAMORICTL" --bus "$BUS" --json score | jq -r .score)"
assert_eq "score (text)" 66 "$("$MAMORICTL" --bus "$BUS" score | head -n 1)"
assert_eq "status --json policy" bus-test "$("$MAMORICTL" --bus "$BUS" --json status | jq -r .policy.id)"
assert_contains "status text" "Score:     66" "$("$MAMORICTL" --bus "$BUS" status)"
assert_eq "findings --failed" t.fail "$("$MAMORICTL" --bus "$BUS" --json findings --failed | jq -r '.[].id')"
assert_eq "findings" 2 "$("$MAMORICTL" --bus "$BUS" --json findings | jq length)"
assert_eq "rules" "t.pass t.fail" "$("$MAMORICTL" --bus "$BUS" --json rules | jq -r '.[].id' | tr '\n' ' ' | sed 's/ $//')"
assert_contains "rules cite their source" "$TMP/rules/a.yaml:9:5" "$("$MAMORICTL" --bus "$BUS" --json rules | jq -r '.[1].source')"
ev=$("$MAMORICTL" --bus "$BUS" --json events)
assert_eq "first event is t.fail failing" "rule.fail t.fail" "$(echo "$ev" | jq -r '.[0] | "\(.kind) \(.subject)"')"
assert_eq "events --since" 0 "$("$MAMORICTL" --bus "$BUS" --json events --since 1 | jq length)"
out=$("$MAMORICTL" --bus "$BUS" events --verify); rc=$?
assert_eq "verify intact: exit 0" 0 "$rc"
assert_contains "verify intact" "intact" "$out"
assert_eq "report file head matches the log" "$(echo "$ev" | jq -r '.[-1].hash')" "$(jq -r .events.head "$TMP/r.json")"

# Add events (two reloads), then tamper with the database under the agent.
"$MAMORICTL" --bus "$BUS" reload >/dev/null
"$MAMORICTL" --bus "$BUS" reload >/dev/null
n=$("$MAMORICTL" --bus "$BUS" --json events | jq length)
# rule.fail, then per reload policy.loaded and who asked for it
assert_eq "five events logged" 5 "$n"
assert_eq "the administrator's change names who made it" "reload by uid 0 (root)" \
        "$("$MAMORICTL" --bus "$BUS" --json events | jq -r '[.[] | select(.kind == "admin.change")][0].text')"
sqlite3 "$TMP/state/mamori.db" "UPDATE events SET text = 'nothing happened' WHERE seq = 2"
out=$("$MAMORICTL" --bus "$BUS" events --verify); rc=$?
assert_eq "edited row: exit 1" 1 "$rc"
assert_contains "edited row: first broken link is event 2" "broken at event 2" "$out"
sqlite3 "$TMP/state/mamori.db" "UPDATE events SET text = 'policy reloaded' WHERE seq = 2"
out=$("$MAMORICTL" --bus "$BUS" events --verify); rc=$?
assert_eq "restored row verifies again" 0 "$rc"
sqlite3 "$TMP/state/mamori.db" "DELETE FROM events WHERE seq = 2"
out=$("$MAMORICTL" --bus "$BUS" events --verify); rc=$?
assert_eq "deleted row: exit 1" 1 "$rc"
assert_contains "deleted row is found" "broken at event" "$out"

# Plugin actions: open ones for anyone, privileged ones for root only, and
# plugin state that survives a restart.
assert_contains "actions are listed" "mamorictl fixed remember VALUE" "$("$MAMORICTL" --bus "$BUS" actions)"
assert_eq "an open action with its own --options" "a --read-only" \
        "$("$MAMORICTL" --bus "$BUS" fixed echo a --read-only | tr '\n' ' ' | sed 's/ $//')"
out=$("$MAMORICTL" --bus "$BUS" fixed fail 2>&1); rc=$?
assert_eq "a failing action exits 4" 4 "$rc"
assert_contains "with the plugin's reason" "asked to fail" "$out"
out=$("$MAMORICTL" --bus "$BUS" nosuch thing 2>&1); rc=$?
assert_contains "unknown plugin is named" 'No plugin "nosuch"' "$out"
chmod 0755 "$TMP"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$MAMORICTL" --bus "$BUS" fixed remember x 2>&1); rc=$?
assert_eq "a privileged action by an unprivileged user exits 4" 4 "$rc"
assert_contains "and says who may" "administrator" "$out"
assert_eq "an unprivileged user may read" 66 \
        "$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$MAMORICTL" --bus "$BUS" --json score | jq -r .score)"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$MAMORICTL" --bus "$BUS" reload 2>&1); rc=$?
assert_eq "reload by an unprivileged user exits 4" 4 "$rc"
"$MAMORICTL" --bus "$BUS" fixed remember 藤沢 >/dev/null
kill -TERM "$agent"; wait "$agent"
start_agent
assert_eq "plugin state survives a restart" 藤沢 "$("$MAMORICTL" --bus "$BUS" fixed recall)"

kill -TERM "$agent"; wait "$agent"
out=$("$MAMORICTL" --bus "$BUS" findings 2>&1); rc=$?
assert_eq "after SIGTERM: not running" 3 "$rc"
finish
