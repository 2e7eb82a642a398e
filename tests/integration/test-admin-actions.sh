#!/bin/bash
# The administrator's actions of the real plugins, end to end over D-Bus:
# accepting a configuration baseline and the installed packages, listing
# USB devices, each change logged with who made it.
. "$(dirname "$0")/lib.sh"

root=$TMP/root
"$SRC/tests/demo/build-root.sh" "$root" >/dev/null
echo "127.0.0.1 localhost" > "$root/etc/hosts"
mkdir -p "$TMP/rules" "$TMP/state"
cat > "$TMP/rules/a.yaml" <<'X'
rules:
  - id: t.hosts
    title: { ja: hosts, en: hosts }
    clause: 詳細編 7.5(1)④
    severity: high
    check: integrity.no-drift
    params: { paths: [/etc/hosts] }
  - id: t.packages
    title: { ja: パッケージ, en: Packages }
    clause: 詳細編 7.1(13)③
    severity: high
    check: software.approved-packages
X
make_plugin_dir "$TMP/plugins" "$BUILD/plugins/integrity.so" "$BUILD/plugins/software.so" "$BUILD/plugins/usb.so"
start_bus || { not_ok "private bus"; finish; exit; }
"$MAMORID" --foreground --root "$root" --rules "$TMP/rules" --state "$TMP/state" --plugins "$TMP/plugins" \
        --config "$TMP/empty.conf" --bus "$BUS" --report "" 2>"$TMP/agent.log" &
agent=$!; PIDS="$PIDS $agent"
wait_agent || { not_ok "agent: $(cat "$TMP/agent.log")"; finish; exit; }
status() { "$MAMORICTL" --bus "$BUS" --json findings | jq -r ".[] | select(.id==\"$1\") | .status"; }

assert_eq "first run records the baseline" pass "$(status t.hosts)"
echo "10.0.0.66 update.example" >> "$root/etc/hosts"
for _ in $(seq 50); do [ "$(status t.hosts)" = fail ] && break; sleep 0.1; done
assert_eq "a changed /etc/hosts is drift (inotify)" fail "$(status t.hosts)"
out=$("$MAMORICTL" --bus "$BUS" baseline accept /etc/hosts 2>&1); rc=$?
assert_eq "mamorictl baseline accept" 0 "$rc"
for _ in $(seq 50); do [ "$(status t.hosts)" = pass ] && break; sleep 0.1; done
assert_eq "accepted: passes again" pass "$(status t.hosts)"
assert_contains "the change names who made it" "integrity accept by uid 0 (root): /etc/hosts" \
        "$("$MAMORICTL" --bus "$BUS" events | grep admin.change)"

printf 'Package: nethack\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.6.6-3\n\n' \
        >> "$root/var/lib/dpkg/status"
for _ in $(seq 60); do [ "$(status t.packages)" = fail ] && break; sleep 0.1; done
assert_eq "a new package fails the approved set" fail "$(status t.packages)"
assert_contains "naming it" nethack "$("$MAMORICTL" --bus "$BUS" findings --failed)"
out=$("$MAMORICTL" --bus "$BUS" software accept 2>&1); rc=$?
assert_eq "mamorictl software accept" 0 "$rc"
for _ in $(seq 50); do [ "$(status t.packages)" = pass ] && break; sleep 0.1; done
assert_eq "accepted: passes again" pass "$(status t.packages)"

out=$("$MAMORICTL" --bus "$BUS" usb list 2>&1); rc=$?
assert_eq "mamorictl usb list" 0 "$rc"
assert_contains "lists the stick with its decision" "2-1      46f4:0001" "$out"
assert_contains "and that it would be blocked" "block" "$out"
kill -TERM "$agent"; wait "$agent"
finish
