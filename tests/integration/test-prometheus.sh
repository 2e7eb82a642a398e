#!/bin/bash
# A real Prometheus (Debian's) scrapes mamori-reportd over mutual TLS with
# the shipped scrape configuration and alert rules; the score comes back
# through its query API, and rolling the event log back fires the
# chain-broken alert.
. "$(dirname "$0")/lib.sh"

"$SRC/packaging/install-deps.sh" upstream >/dev/null 2>&1 || true
for tool in openssl curl jq prometheus promtool; do
        command -v $tool >/dev/null || { not_ok "$tool is not installed (packaging/install-deps.sh upstream)"; finish; exit; }
done
REPORTD="$BUILD/mamori-reportd"
[ -x "$REPORTD" ] || { not_ok "no $REPORTD"; finish; exit; }

make_certs() { # DIR: CA, server (127.0.0.1), client; see test-endpoint.sh
        d=$1
        mkdir -p "$d"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -keyout "$d/ca.key" \
                -out "$d/ca.crt" -subj "/CN=mamori test ca" -addext basicConstraints=critical,CA:TRUE \
                -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null || return 1
        for n in server client; do
                if [ $n = server ]; then ext="subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"; else ext="extendedKeyUsage=clientAuth"; fi
                printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n%s\n' "$ext" > "$d/$n.ext"
                openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/$n.key" \
                        -out "$d/$n.csr" -subj "/CN=$n" 2>/dev/null &&
                openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
                        -days 30 -extfile "$d/$n.ext" -out "$d/$n.crt" 2>/dev/null || return 1
        done
}

# A port nothing listens on (a race with another program is possible but
# harmless: Prometheus would then fail to start and the test says so).
free_port() {
        for _ in $(seq 50); do
                p=$((20000 + RANDOM % 40000))
                (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return 0; }
        done
        return 1
}

P=$TMP/prom
make_certs "$P" || { not_ok "certificates could not be made"; finish; exit; }

"$SRC/tests/demo/build-root.sh" "$TMP/root" >/dev/null
make_plugin_dir "$TMP/plugins" "$BUILD/plugins/accounts.so"
mkdir -p "$TMP/state" "$TMP/rules"
cp "$SRC/rules/accounts.yaml" "$TMP/rules/"
"$MAMORID" --once --root "$TMP/root" --rules "$TMP/rules" --plugins "$TMP/plugins" --state "$TMP/state" \
        --report "$TMP/report.json" --config "$TMP/empty.conf" >/dev/null 2>&1
[ -s "$TMP/report.json" ] || { not_ok "mamorid wrote no report"; finish; exit; }
score=$(jq -r .score "$TMP/report.json")
seq=$(jq -r .events.seq "$TMP/report.json")

"$REPORTD" --listen 127.0.0.1:0 --port-file "$TMP/port" --cert "$P/server.crt" --key "$P/server.key" \
        --client-ca "$P/ca.crt" --report "$TMP/report.json" 2>"$TMP/reportd.log" &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
RPORT=$(cat "$TMP/port")

# The shipped files, pointed at this test's folder and sped up.
mkdir -p "$P/targets" "$P/data"
sed -e "s|/etc/prometheus/mamori|$P|g" -e 's/scrape_interval: 1m/scrape_interval: 1s/' \
        -e 's/evaluation_interval: 1m/evaluation_interval: 1s/' -e 's/scrape_timeout: 10s/scrape_timeout: 1s/' \
        "$SRC/packaging/prometheus/prometheus.yml" > "$P/prometheus.yml"
cp "$SRC/packaging/prometheus/mamori.rules.yml" "$P/mamori.rules.yml"
printf -- '- targets: ["127.0.0.1:%s"]\n  labels: { branch: test }\n' "$RPORT" > "$P/targets/test.yml"
out=$(promtool check rules "$P/mamori.rules.yml" 2>&1)
assert_contains "promtool accepts the shipped alert rules" SUCCESS "$out"
out=$(promtool check config "$P/prometheus.yml" 2>&1)
assert_contains "promtool accepts the shipped scrape configuration" SUCCESS "$out"

PPORT=$(free_port) || { not_ok "no free port"; finish; exit; }
prometheus --config.file="$P/prometheus.yml" --storage.tsdb.path="$P/data" \
        --web.listen-address=127.0.0.1:$PPORT --log.level=warn >"$TMP/prometheus.log" 2>&1 &
PIDS="$PIDS $!"
API=http://127.0.0.1:$PPORT/api/v1

# query EXPR: the first result's value, "" when none yet.
query() { curl -s --max-time 5 -G "$API/query" --data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // empty' 2>/dev/null; }
wait_query() { # EXPR EXPECTED [SECONDS]
        for _ in $(seq $((${3:-60} * 4))); do
                v=$(query "$1")
                [ "$v" = "$2" ] && { echo "$v"; return 0; }
                sleep 0.25
        done
        echo "$v"
}

assert_eq "Prometheus scraped the endpoint over mutual TLS (up == 1)" 1 "$(wait_query 'up{job="mamori"}' 1 60)"
assert_eq "mamori_score read back through the query API" "$score" "$(wait_query mamori_score "$score" 20)"
assert_eq "the target carries its file_sd label" "$score" "$(query 'mamori_score{branch="test"}')"
assert_eq "mamori_event_sequence read back" "$seq" "$(query mamori_event_sequence)"
assert_eq "one clause score per clause of the report" "$(jq '[.by_clause[] | select(.score != null)] | length' "$TMP/report.json")" \
        "$(query 'count(mamori_clause_score)')"
assert_eq "agent info names the terminal" 1 "$(query 'mamori_agent_info{terminal="lib-demo-01"}')"
assert_eq "failing critical rules" \
        "$(jq '[.rules[] | select(.status=="fail" and .severity=="critical")] | length' "$TMP/report.json")" \
        "$(query 'mamori_failing_rules{severity="critical"}')"
rules=$(curl -s "$API/rules")
assert_eq "every alert rule is healthy" "ok" \
        "$(echo "$rules" | jq -r '[.data.groups[].rules[].health] | unique | join(",")')"

# The event log rolled back: the sequence goes down, and the chain alert fires.
jq ".events.seq = $((seq > 0 ? seq - 1 : 0))" "$TMP/report.json" > "$TMP/report.new" &&
        mv "$TMP/report.new" "$TMP/report.json"
if [ "$seq" -gt 0 ]; then
        assert_eq "MamoriEventChainBroken fires after a rollback" 1 \
                "$(wait_query 'ALERTS{alertname="MamoriEventChainBroken",alertstate="firing"}' 1 30)"
else
        not_ok "the demo report has no event to roll back"
fi

# The endpoint gone: up drops to 0 (what MamoriTerminalNotReporting watches).
for p in $PIDS; do
        case "$(cat /proc/$p/cmdline 2>/dev/null | tr '\0' ' ')" in *mamori-reportd*) kill "$p" ;; esac
done
assert_eq "a stopped endpoint is up == 0" 0 "$(wait_query 'up{job="mamori"}' 0 30)"

finish
