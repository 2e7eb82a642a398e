#!/bin/bash
# Changing calls ask polkit (here tests/helpers/fake-polkit on the private
# bus: see that file for why not the real polkitd). An authorised user gets
# through, an unauthorised one is refused, and without polkit the answer is no.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/rules" "$TMP/state" "$TMP/root/etc"
chmod 0755 "$TMP"
make_plugin_dir "$TMP/plugins" "$BUILD/tests/plugins/fixed.so"
cat > "$TMP/rules/a.yaml" <<'X'
rules:
  - id: t.pass
    title: { ja: 合格, en: Passes }
    clause: 詳細編 8.2(4)
    severity: high
    check: fixed.status
    params: { status: pass }
X
start_bus || { not_ok "private bus"; finish; exit; }
as_user() { u=$1; shift; setpriv --reuid="$u" --regid="$u" --clear-groups "$@"; }
admin_uid=$(id -u daemon)     # plays the administrator polkit says yes to
staff_uid=$(id -u nobody)     # plays a staff member

"$MAMORID" --foreground --root "$TMP/root" --rules "$TMP/rules" --state "$TMP/state" \
        --plugins "$TMP/plugins" --config "$TMP/empty.conf" --bus "$BUS" --report "" \
        2>"$TMP/agent.log" &
agent=$!; PIDS="$PIDS $agent"
wait_agent || { not_ok "agent did not come up: $(cat "$TMP/agent.log")"; finish; exit; }

# No polkit on the bus: the answer is no, even for the would-be administrator.
out=$(as_user "$admin_uid" "$MAMORICTL" --bus "$BUS" reload 2>&1); rc=$?
assert_eq "no polkit: reload refused" 4 "$rc"
assert_contains "no polkit: says it needs the administrator" "administrator" "$out"

"$BUILD/tests/helpers/fake-polkit" "$BUS" "$admin_uid" > "$TMP/polkit.log" 2>&1 &
polkit=$!; PIDS="$PIDS $polkit"
for _ in $(seq 100); do grep -q ready "$TMP/polkit.log" && break; sleep 0.05; done

out=$(as_user "$staff_uid" "$MAMORICTL" --bus "$BUS" reload 2>&1); rc=$?
assert_eq "staff: reload refused" 4 "$rc"
assert_contains "staff: one clear line" "Not authorised (org.mamori.reload)" "$out"
out=$(as_user "$admin_uid" "$MAMORICTL" --bus "$BUS" reload 2>&1); rc=$?
assert_eq "administrator: reload accepted" 0 "$rc"
assert_contains "polkit was asked for org.mamori.reload, interactively" \
        "question org.mamori.reload uid=$admin_uid interactive=1 -> yes" "$(cat "$TMP/polkit.log")"

out=$(as_user "$staff_uid" "$MAMORICTL" --bus "$BUS" fixed remember x 2>&1); rc=$?
assert_eq "staff: privileged plugin action refused" 4 "$rc"
out=$(as_user "$admin_uid" "$MAMORICTL" --bus "$BUS" fixed remember y 2>&1); rc=$?
assert_eq "administrator: privileged plugin action accepted" 0 "$rc"
assert_contains "its own polkit action" "question org.mamori.fixed.remember uid=$admin_uid" \
        "$(cat "$TMP/polkit.log")"
assert_eq "the action took effect" y "$(as_user "$staff_uid" "$MAMORICTL" --bus "$BUS" fixed recall)"
assert_not_contains "open actions do not ask polkit" "fixed.recall" "$(cat "$TMP/polkit.log")"
assert_eq "reading needs no polkit" 100 "$(as_user "$staff_uid" "$MAMORICTL" --bus "$BUS" --json score | jq -r .score)"

# Authorised for one action only.
kill "$polkit"; wait "$polkit" 2>/dev/null
"$BUILD/tests/helpers/fake-polkit" "$BUS" "$admin_uid:org.mamori.fixed.remember" > "$TMP/polkit2.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do grep -q ready "$TMP/polkit2.log" && break; sleep 0.05; done
out=$(as_user "$admin_uid" "$MAMORICTL" --bus "$BUS" reload 2>&1); rc=$?
assert_eq "authorised for another action only: reload refused" 4 "$rc"
out=$(as_user "$admin_uid" "$MAMORICTL" --bus "$BUS" fixed remember z 2>&1); rc=$?
assert_eq "but the action it is authorised for works" 0 "$rc"
kill -TERM "$agent"; wait "$agent"
finish
