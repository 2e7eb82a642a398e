#!/bin/bash
# SIGKILL while events are being written: every event the agent reported as
# written ("event N …" is logged only after the commit) is in the database
# after a restart, with an intact chain.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/rules" "$TMP/state" "$TMP/root/etc"
make_plugin_dir "$TMP/plugins" "$BUILD/tests/plugins/flood.so"
cat > "$TMP/rules/a.yaml" <<'X'
rules:
  - id: t.flood
    title: { ja: 試験, en: Event flood }
    clause: 詳細編 8.1(5)
    severity: low
    check: flood.tick
    params: { interval-ms: 1 }
X
start_bus || { not_ok "private bus"; finish; exit; }

for round in 1 2 3; do
        "$MAMORID" --foreground --root "$TMP/root" --rules "$TMP/rules" --state "$TMP/state" \
                --plugins "$TMP/plugins" --config "$TMP/empty.conf" --bus "$BUS" --report "" \
                2>"$TMP/agent-$round.log" &
        agent=$!
        sleep 1.$((round * 3))
        kill -9 "$agent"; wait "$agent" 2>/dev/null
        grep -oE 'event [0-9]+ flood\.tick tick: n=[0-9]+' "$TMP/agent-$round.log" \
                | sed -E 's/^event ([0-9]+) flood\.tick tick: (.*)$/\1|\2/' > "$TMP/acked-$round"
        n=$(wc -l < "$TMP/acked-$round")
        [ "$n" -gt 10 ] && ok "round $round: $n events acknowledged before SIGKILL" \
                || not_ok "round $round: only $n events acknowledged: $(tail -3 "$TMP/agent-$round.log")"
        sqlite3 "$TMP/state/mamori.db" "SELECT seq || '|' || text FROM events WHERE kind = 'flood.tick'" \
                > "$TMP/stored-$round"
        missing=$(grep -vxF -f "$TMP/stored-$round" "$TMP/acked-$round" | head -3)
        assert_eq "round $round: every acknowledged event is stored" "" "$missing"
done

"$MAMORID" --foreground --root "$TMP/root" --rules "$TMP/rules" --state "$TMP/state" \
        --plugins "$TMP/plugins" --config "$TMP/empty.conf" --bus "$BUS" --report "" 2>"$TMP/agent-final.log" &
agent=$!; PIDS="$PIDS $agent"
wait_agent || { not_ok "agent did not restart: $(tail -5 "$TMP/agent-final.log")"; finish; exit; }
out=$("$MAMORICTL" --bus "$BUS" events --verify); rc=$?
assert_eq "chain intact after three SIGKILLs" 0 "$rc"
assert_eq "database integrity_check" ok "$(sqlite3 "$TMP/state/mamori.db" 'PRAGMA integrity_check')"
kill -TERM "$agent"; wait "$agent"
finish
