#!/bin/bash
# mamori-collect against 22 real agents on loopback, each with its own demo
# root, state, report and mamori-reportd: two of them stopped, one whose
# event log was wiped (sequence backwards), one whose newest event hash was
# replaced, one endpoint serving garbage and one that never existed. The
# fleet report's JSON, CSV and history are checked against the agents' own
# reports, and the HTML is rendered in headless Chromium.
. "$(dirname "$0")/lib.sh"

"$SRC/packaging/install-deps.sh" upstream >/dev/null 2>&1 || true
for tool in openssl curl jq sqlite3; do
        command -v $tool >/dev/null || { not_ok "$tool is not installed (packaging/install-deps.sh upstream)"; finish; exit; }
done
REPORTD="$BUILD/mamori-reportd"
COLLECT="$BUILD/mamori-collect"
[ -x "$REPORTD" ] && [ -x "$COLLECT" ] || { not_ok "no $REPORTD or $COLLECT"; finish; exit; }
N=22

make_certs() { # DIR: CA, server (127.0.0.1), client of the CA, client of another CA
        d=$1
        mkdir -p "$d"
        for ca in ca otherca; do
                openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
                        -keyout "$d/$ca.key" -out "$d/$ca.crt" -subj "/CN=mamori test $ca" \
                        -addext basicConstraints=critical,CA:TRUE \
                        -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null || return 1
        done
        for n in server:ca client:ca other:otherca; do
                name=${n%%:*} ca=${n#*:}
                if [ $name = server ]; then ext="subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"; else ext="extendedKeyUsage=clientAuth"; fi
                printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n%s\n' "$ext" > "$d/$name.ext"
                openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/$name.key" \
                        -out "$d/$name.csr" -subj "/CN=$name" 2>/dev/null &&
                openssl x509 -req -in "$d/$name.csr" -CA "$d/$ca.crt" -CAkey "$d/$ca.key" -CAcreateserial \
                        -days 30 -extfile "$d/$name.ext" -out "$d/$name.crt" 2>/dev/null || return 1
        done
}
C=$TMP/certs
make_certs "$C" || { not_ok "certificates could not be made"; finish; exit; }

make_plugin_dir "$TMP/plugins" "$BUILD/plugins/accounts.so"
mkdir -p "$TMP/rules"
cp "$SRC/rules/accounts.yaml" "$TMP/rules/"

# vary ROOT BITS: each bit fixes one of the demo terminal's deviations, so
# that the 16 combinations give different scores.
vary() {
        r=$1 b=$2
        "$SRC/tests/demo/build-root.sh" "$r" >/dev/null
        [ $((b & 1)) -ne 0 ] && sed -i 's/^kiosk::/kiosk:$y$j9T$DEMOdemoDEMOdemo$KIOSKkioskKIOSKkioskKIOSKkioskKIOSKkioskKIO:/' "$r/etc/shadow"
        [ $((b & 2)) -ne 0 ] && sed -i 's/^sudo:x:27:.*/sudo:x:27:/' "$r/etc/group"
        [ $((b & 4)) -ne 0 ] && sed -i 's/pam_unix.so obscure/pam_unix.so remember=5 obscure/' "$r/etc/pam.d/common-password"
        [ $((b & 8)) -ne 0 ] && sed -i -e 's/^PASS_MAX_DAYS.*/PASS_MAX_DAYS   90/' "$r/etc/login.defs" &&
                sed -i 's/:99999:7:::$/:90:7:::/' "$r/etc/shadow"
        return 0
}
agent() { # I: evaluate terminal I once
        i=$1
        "$MAMORID" --once --root "$TMP/t$i/root" --rules "$TMP/rules" --plugins "$TMP/plugins" \
                --state "$TMP/t$i/state" --report "$TMP/t$i/report.json" --config "$TMP/empty.conf" >/dev/null 2>&1
}
name() { printf 'lib-%02d' "$1"; }
start_reportd() { # I [REPORT]
        i=$1
        "$REPORTD" --listen 127.0.0.1:0 --port-file "$TMP/t$i/port" --cert "$C/server.crt" --key "$C/server.key" \
                --client-ca "$C/ca.crt" --report "${2:-$TMP/t$i/report.json}" 2>"$TMP/t$i/reportd.log" &
        echo $! > "$TMP/t$i/pid"
        PIDS="$PIDS $!"
}

for i in $(seq $N); do
        mkdir -p "$TMP/t$i/state"
        vary "$TMP/t$i/root" $((i % 16))
        name $i > "$TMP/t$i/root/etc/hostname"
        agent $i
done
# lib-05 gets a longer history first, so that wiping its log later makes
# the sequence go backwards.
vary "$TMP/t5/root" 15; name 5 > "$TMP/t5/root/etc/hostname"; agent 5
vary "$TMP/t5/root" 0; name 5 > "$TMP/t5/root/etc/hostname"; agent 5
made=0
for i in $(seq $N); do [ -s "$TMP/t$i/report.json" ] && made=$((made + 1)); done
assert_eq "$N agents wrote their reports" $N $made
assert_eq "the 16 variants give at least 5 different scores" yes \
        "$([ "$(cat "$TMP"/t*/report.json | jq -s 'map(.score) | unique | length')" -ge 5 ] && echo yes || echo no)"

mkdir -p "$TMP/garbage"
printf '<html><body>502 Bad Gateway</body></html>\n' > "$TMP/garbage/report.json"
for i in $(seq $N); do start_reportd $i; done
mkdir -p "$TMP/tg"; start_reportd g "$TMP/garbage/report.json"
for i in $(seq $N) g; do
        for _ in $(seq 100); do [ -s "$TMP/t$i/port" ] && break; sleep 0.05; done
done

{
        echo "# staff terminals of the test library"
        for i in $(seq $N); do echo "$(name $i) 127.0.0.1 $(cat "$TMP/t$i/port")"; done
        echo "lib-garbage localhost $(cat "$TMP/tg/port")   # answers, but not with a report"
        echo "lib-ghost 127.0.0.1 1"
} > "$TMP/inventory"
TOTAL=$((N + 2))

collect() {
        "$COLLECT" --inventory "$TMP/inventory" --cert "$C/client.crt" --key "$C/client.key" --cacert "$C/ca.crt" \
                --state "$TMP/history.db" --connect-timeout 3s --timeout 10s "$@"
}

# --- pull 1: everything up ------------------------------------------------------
out=$(collect --json "$TMP/f1.json" --progress 2>"$TMP/progress")
assert_contains "pull 1 summary" "$TOTAL terminals: $N ok, 1 unreachable, 0 http-error, 1 invalid, 0 chain broken" "$out"
assert_contains "--progress counts to the end" "$TOTAL/$TOTAL pulled" "$(tr '\r' '\n' < "$TMP/progress")"
assert_contains "--progress rewrites its line" $'\r' "$(cat "$TMP/progress")"
assert_eq "pull 1: every chain is new" "first" \
        "$(jq -r '[.terminals[] | select(.status=="ok") | .chain.status] | unique | join(",")' "$TMP/f1.json")"

# --- between the pulls: changes, tampering, outages --------------------------------
for i in 1 2 3 4; do
        vary "$TMP/t$i/root" $(((i % 16) ^ 9)); name $i > "$TMP/t$i/root/etc/hostname"; agent $i
done
seq5=$(jq .events.seq "$TMP/t5/report.json")
rm -rf "$TMP/t5/state"; mkdir -p "$TMP/t5/state"; agent 5          # the event log wiped
jq '.events.head = "0000000000000000000000000000000000000000000000000000000000000000"' "$TMP/t6/report.json" \
        > "$TMP/t6/r.new" && mv "$TMP/t6/r.new" "$TMP/t6/report.json"   # newest hash replaced
for i in 7 8; do kill "$(cat "$TMP/t$i/pid")"; done                      # two terminals off
sleep 0.3

# --- pull 2 ----------------------------------------------------------------------
out=$(collect --html "$TMP/fleet.html" --csv "$TMP/fleet.csv" --json "$TMP/fleet.json" 2>"$TMP/collect2.err")
rc=$?
assert_eq "pull 2 exit status" 0 $rc
F=$TMP/fleet.json
assert_contains "pull 2 summary" "$TOTAL terminals: $((N - 2)) ok, 3 unreachable, 0 http-error, 1 invalid, 2 chain broken" "$out"
assert_eq "summary in JSON" "$TOTAL $((N - 2)) 3 1 2" \
        "$(jq -r '.summary | "\(.terminals) \(.ok) \(.unreachable) \(.invalid) \(."chain-broken")"' "$F")"

# Every score is the agent's own.
bad=""
for i in $(seq $N); do
        [ $i = 7 ] || [ $i = 8 ] && continue
        want=$(jq -r '.score // "null"' "$TMP/t$i/report.json")
        got=$(jq -r --arg n "$(name $i)" '.terminals[] | select(.name==$n) | .score // "null"' "$F")
        [ "$want" = "$got" ] || bad="$bad $(name $i):$want/$got"
done
assert_eq "each terminal's score equals its agent's report" "" "$bad"
assert_eq "terminals sorted by score, lowest first" true "$(jq '[.terminals[].score | select(. != null)] | . == sort' "$F")"
assert_eq "the last rows are the terminals without a score" "null null null null" \
        "$(jq -r '[.terminals[-4:][] | .score] | map(tostring) | join(" ")' "$F")"
assert_eq "lib-05: chain broken, sequence backwards" "broken" \
        "$(jq -r '.terminals[] | select(.name=="lib-05") | .chain.status' "$F")"
assert_contains "lib-05: detail names both sequence numbers" "after $seq5" \
        "$(jq -r '.terminals[] | select(.name=="lib-05") | .chain.detail' "$F")"
assert_eq "lib-06: chain broken, same sequence, other hash" "broken" \
        "$(jq -r '.terminals[] | select(.name=="lib-06") | .chain.status' "$F")"
assert_contains "lib-06: detail says the hash changed" "has another hash" \
        "$(jq -r '.terminals[] | select(.name=="lib-06") | .chain.detail' "$F")"
assert_eq "lib-01 re-evaluated: chain ok" ok "$(jq -r '.terminals[] | select(.name=="lib-01") | .chain.status' "$F")"
assert_eq "lib-07 and lib-08 are unreachable" "unreachable unreachable" \
        "$(jq -r '[.terminals[] | select(.name=="lib-07" or .name=="lib-08") | .status] | join(" ")' "$F")"
assert_contains "an unreachable terminal says why" "onnect" \
        "$(jq -r '.terminals[] | select(.name=="lib-07") | .error' "$F")"
assert_eq "the garbage endpoint is invalid, with the reason" "invalid: not a JSON object (or not UTF-8, or nested too deep)" \
        "$(jq -r '.terminals[] | select(.name=="lib-garbage") | "\(.status): \(.error)"' "$F")"
assert_eq "the ghost is unreachable" unreachable "$(jq -r '.terminals[] | select(.name=="lib-ghost") | .status' "$F")"
assert_eq "lib-01's trend is its two reports' scores" \
        "$(jq -r '.score' "$TMP/f1.json" >/dev/null; jq -r '.terminals[] | select(.name=="lib-01") | .score' "$TMP/f1.json"),$(jq -r .score "$TMP/t1/report.json")" \
        "$(jq -r '.terminals[] | select(.name=="lib-01") | .trend | map(tostring) | join(",")' "$F")"
assert_eq "lib-07's trend shows the gap" "null" "$(jq -r '.terminals[] | select(.name=="lib-07") | .trend[-1]' "$F")"

# Failing rules by clause, against the agents' reports.
want=$(for i in $(seq $N); do
        [ $i = 7 ] || [ $i = 8 ] && continue
        jq -e '.rules[] | select(.id=="accounts.no-empty-passwords" and .status=="fail")' "$TMP/t$i/report.json" \
                >/dev/null && echo "$(name $i)"
done | sort | tr '\n' ' ')
got=$(jq -r '[.failing_by_clause[] | select(.clause=="詳細編 6.5(3)") | .rules[] |
        select(.id=="accounts.no-empty-passwords") | .terminals[]] | sort | join(" ")' "$F")
assert_eq "6.5(3): the terminals failing no-empty-passwords" "$want" "$got "
assert_eq "the clause groups are ordered by terminals failing" true \
        "$(jq '[.failing_by_clause[].terminals] | . == (sort | reverse)' "$F")"

# CSV: the same terminals in the same order.
assert_eq "CSV: header and one line per terminal" $((TOTAL + 1)) "$(wc -l < "$TMP/fleet.csv")"
assert_eq "CSV: same order as JSON" "$(jq -r '.terminals[].name' "$F" | tr '\n' ' ')" \
        "$(tail -n +2 "$TMP/fleet.csv" | cut -d, -f2 | tr '\n' ' ')"
assert_eq "CSV: lib-05's row says broken" broken \
        "$(grep '^[0-9]*,lib-05,' "$TMP/fleet.csv" | cut -d, -f17)"

# History: every pull kept.
assert_eq "history holds both pulls of every terminal" $((2 * TOTAL)) \
        "$(sqlite3 "$TMP/history.db" 'SELECT count(*) FROM pulls')"
assert_eq "history keeps the reports as received" "$(cat "$TMP/t1/report.json" | wc -c)" \
        "$(sqlite3 "$TMP/history.db" "SELECT length(report) FROM pulls WHERE terminal='lib-01' ORDER BY id DESC LIMIT 1")"
assert_eq "history file is private" 600 "$(stat -c %a "$TMP/history.db")"

# --- pull 3: the administrator accepts lib-05's new chain ------------------------
out=$(collect --json "$TMP/f3.json" --rebaseline lib-05 2>/dev/null)
assert_eq "lib-05 rebaselined" rebaselined "$(jq -r '.terminals[] | select(.name=="lib-05") | .chain.status' "$TMP/f3.json")"
assert_eq "lib-06 stays broken (compared with the last accepted chain)" broken \
        "$(jq -r '.terminals[] | select(.name=="lib-06") | .chain.status' "$TMP/f3.json")"
out=$(collect --json "$TMP/f4.json" 2>/dev/null)
assert_eq "after rebaselining, lib-05 is ok" ok "$(jq -r '.terminals[] | select(.name=="lib-05") | .chain.status' "$TMP/f4.json")"

# --- mutual TLS from the collector's side -----------------------------------------
out=$("$COLLECT" --inventory "$TMP/inventory" --cert "$C/other.crt" --key "$C/other.key" --cacert "$C/ca.crt" \
        --state "$TMP/other.db" --json "$TMP/other.json" 2>/dev/null)
assert_eq "with another CA's client certificate no terminal answers" 0 "$(jq .summary.ok "$TMP/other.json")"
out=$("$COLLECT" --inventory "$TMP/inventory" --cert "$C/client.crt" --key "$C/client.key" --cacert "$C/otherca.crt" \
        --state "$TMP/other2.db" --json "$TMP/other2.json" 2>/dev/null)
assert_eq "terminals whose certificate the CA did not sign are not trusted" 0 "$(jq .summary.ok "$TMP/other2.json")"

# --- inventory errors ----------------------------------------------------------------
printf 'lib-a 127.0.0.1\n# ok\nlib-b\n' > "$TMP/bad-inventory"
out=$("$COLLECT" --inventory "$TMP/bad-inventory" --check 2>&1); rc=$?
assert_eq "a bad inventory: exit 3" 3 $rc
assert_eq "a bad inventory: file:line: message" "$TMP/bad-inventory:3: expected \"name address [port]\", got 1 field" "$out"
assert_eq "--check on the good inventory" "$TMP/inventory: $TOTAL terminals" \
        "$("$COLLECT" --inventory "$TMP/inventory" --check)"

# --- the HTML page -----------------------------------------------------------------------
H=$TMP/fleet.html
assert_not_contains "HTML: no script" "<script" "$(cat "$H")"
assert_not_contains "HTML: nothing fetched over http" "http://" "$(cat "$H")"
assert_not_contains "HTML: nothing fetched over https" "https://" "$(cat "$H")"
assert_eq "HTML: one sparkline per terminal" $TOTAL "$(grep -o '<svg' "$H" | wc -l)"
assert_contains "HTML: unreachable terminals marked" "到達不能 unreachable" "$(cat "$H")"
assert_contains "HTML: broken chains marked" "chain broken" "$(cat "$H")"
assert_contains "HTML: failing rules grouped by clause" "条項別の失敗ルール" "$(cat "$H")"
out=$BUILD/upstream
mkdir -p "$out"
cp "$H" "$out/fleet.html"
CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -z "$CHROMIUM" ]; then
        not_ok "chromium is not installed (packaging/install-deps.sh upstream)"
else
        rm -f "$out/fleet.png"
        # Offline: no network features, a throw-away profile.
        timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
                --disable-background-networking --disable-component-update --disable-sync \
                --user-data-dir="$TMP/chromium" --screenshot="$out/fleet.png" --window-size=1280,2000 \
                "file://$out/fleet.html" >"$TMP/chromium.log" 2>&1
        size=$(stat -c %s "$out/fleet.png" 2>/dev/null || echo 0)
        [ "$size" -gt 20000 ] && ok "Chromium rendered the page: $out/fleet.png ($size bytes)" ||
                not_ok "no screenshot: $(tail -3 "$TMP/chromium.log")"
fi
finish
