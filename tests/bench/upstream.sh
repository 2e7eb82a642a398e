#!/bin/bash
# Upstream benchmarks (issue 7), all on loopback with mutual TLS:
#  - mamori-collect pulling 1,000 reports from 50 mamori-reportd instances
#    (each listed 20 times under different names): wall time, peak memory
#    (/usr/bin/time -v), and the size of the HTML fleet report;
#  - mamori-reportd answering GET /metrics: requests per second over one
#    kept-alive connection and with a new TLS handshake per request, and its
#    memory while serving.
# Usage: tests/bench/upstream.sh BUILD_DIR [TERMINALS] [ENDPOINTS] [REQUESTS]
set -u
BUILD=$(cd "${1:?usage: upstream.sh BUILD_DIR [TERMINALS] [ENDPOINTS] [REQUESTS]}" && pwd)
TERMINALS=${2:-1000}
ENDPOINTS=${3:-50}
REQUESTS=${4:-5000}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
"$SRC/packaging/install-deps.sh" upstream bench >/dev/null 2>&1 || true
for tool in openssl curl jq /usr/bin/time; do
        command -v $tool >/dev/null || { echo "upstream.sh: $tool is missing (packaging/install-deps.sh upstream bench)" >&2; exit 1; }
done
REPORTD=$BUILD/mamori-reportd
COLLECT=$BUILD/mamori-collect
for b in "$REPORTD" "$COLLECT" "$BUILD/mamorid" "$BUILD/plugins/accounts.so"; do
        [ -e "$b" ] || { echo "upstream.sh: no $b (make first)" >&2; exit 1; }
done

OUT=$BUILD/bench-upstream
rm -rf "$OUT"
mkdir -p "$OUT"
TMP=$(mktemp -d /tmp/mamori-bench.XXXXXX)
PIDS=""
cleanup() {
        for p in $PIDS; do kill "$p" 2>/dev/null; done
        wait 2>/dev/null
        rm -rf "$TMP"
}
trap cleanup EXIT

# Certificates: a CA, one server certificate for 127.0.0.1, one client.
C=$TMP/certs
mkdir -p "$C"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -keyout "$C/ca.key" \
        -out "$C/ca.crt" -subj "/CN=mamori bench ca" -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null || exit 1
for n in server client; do
        if [ $n = server ]; then ext="subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"; else ext="extendedKeyUsage=clientAuth"; fi
        printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n%s\n' "$ext" > "$C/$n.ext"
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/$n.key" \
                -out "$C/$n.csr" -subj "/CN=$n" 2>/dev/null &&
        openssl x509 -req -in "$C/$n.csr" -CA "$C/ca.crt" -CAkey "$C/ca.key" -CAcreateserial -days 2 \
                -extfile "$C/$n.ext" -out "$C/$n.crt" 2>/dev/null || exit 1
done

# One real report from the demo terminal (the shipped accounts rules).
"$SRC/tests/demo/build-root.sh" "$TMP/root" >/dev/null
mkdir -p "$TMP/plugins" "$TMP/rules" "$TMP/state"
install -m 0644 "$BUILD/plugins/accounts.so" "$TMP/plugins/"
chmod 0755 "$TMP/plugins"
cp "$SRC/rules/accounts.yaml" "$TMP/rules/"
: > "$TMP/empty.conf"
"$BUILD/mamorid" --once --root "$TMP/root" --rules "$TMP/rules" --plugins "$TMP/plugins" --state "$TMP/state" \
        --report "$TMP/report.json" --config "$TMP/empty.conf" >/dev/null 2>&1 || { echo "mamorid failed" >&2; exit 1; }
report_size=$(stat -c %s "$TMP/report.json")

start_reportd() { # NAME REPORT [ARGS...]: sets RPID, PORT
        n=$1 r=$2; shift 2
        "$REPORTD" --listen 127.0.0.1:0 --port-file "$TMP/$n.port" --cert "$C/server.crt" --key "$C/server.key" \
                --client-ca "$C/ca.crt" --report "$r" --log-level warning "$@" 2>"$TMP/$n.log" &
        RPID=$!
        PIDS="$PIDS $RPID"
}
wait_port() { for _ in $(seq 200); do [ -s "$TMP/$1.port" ] && break; sleep 0.05; done; cat "$TMP/$1.port"; }

# --- collector: TERMINALS pulls from ENDPOINTS reportd processes -------------
for e in $(seq "$ENDPOINTS"); do
        mkdir -p "$TMP/e$e"
        jq --arg t "bench-$e" --argjson s $((e % 101)) '.terminal = $t | .score = $s' "$TMP/report.json" > "$TMP/e$e/report.json"
        start_reportd "e$e" "$TMP/e$e/report.json"
done
: > "$TMP/inventory"
for e in $(seq "$ENDPOINTS"); do
        port=$(wait_port "e$e")
        [ -n "$port" ] || { echo "reportd e$e did not start: $(cat "$TMP/e$e.log")" >&2; exit 1; }
        echo "$port" > "$TMP/e$e/port"
done
for i in $(seq "$TERMINALS"); do
        e=$(( (i - 1) % ENDPOINTS + 1 ))
        printf 'term-%04d 127.0.0.1 %s\n' "$i" "$(cat "$TMP/e$e/port")"
done > "$TMP/inventory"

collect_run() { # LABEL: one pull of all, timed
        /usr/bin/time -v -o "$TMP/time-$1" "$COLLECT" --inventory "$TMP/inventory" --cert "$C/client.crt" \
                --key "$C/client.key" --cacert "$C/ca.crt" --state "$TMP/history.db" --parallel 64 \
                --html "$OUT/fleet-$1.html" --csv "$OUT/fleet-$1.csv" --json "$OUT/fleet-$1.json" > "$TMP/collect-$1.out" 2>&1
        wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$TMP/time-$1")
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/time-$1")
        cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$TMP/time-$1")
        echo "collector ($1): $TERMINALS reports from $ENDPOINTS endpoints, wall $wall, CPU ${cpu}s, peak RSS $((rss / 1024)) MiB"
        echo "  $(tail -n 1 "$TMP/collect-$1.out")"
        jq -r '.terminals[] | select(.status != "ok") | "  not pulled: \(.error)"' "$OUT/fleet-$1.json" | sort | uniq -c
}
echo "== mamori-collect: $TERMINALS terminals over mutual TLS (report $report_size bytes each, --parallel 64)"
collect_run first
collect_run second      # with history: trends and chain checks against the first pull
echo "  HTML $(stat -c %s "$OUT/fleet-second.html") bytes, CSV $(stat -c %s "$OUT/fleet-second.csv") bytes, JSON $(stat -c %s "$OUT/fleet-second.json") bytes, history $(stat -c %s "$TMP/history.db") bytes after 2 pulls"
for p in $PIDS; do kill "$p" 2>/dev/null; done
wait $PIDS 2>/dev/null
PIDS=""

# --- reportd: GET /metrics ----------------------------------------------------
start_reportd metrics "$TMP/report.json" --max-connections 256 --max-connections-per-ip 64
port=$(wait_port metrics)
URL=https://127.0.0.1:$port/metrics
rss() { sed -n "s/^$1:[[:space:]]*//p" /proc/$RPID/status; }
# CPU seconds the endpoint used so far (user + system).
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' /proc/$RPID/stat; }
per_req() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.0f", (b - a) * 1e6 / n }'; }
echo "== mamori-reportd: GET /metrics over mutual TLS ($(curl -s --cacert "$C/ca.crt" --cert "$C/client.crt" \
        --key "$C/client.key" "$URL" | wc -c) bytes), RSS idle $(rss VmRSS)"
for i in $(seq "$REQUESTS"); do echo "url = \"$URL\""; echo 'output = "/dev/null"'; done > "$TMP/urls"

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

# Kept alive: one TLS session, requests one after another.
c0=$(cpu); t0=$(now)
codes=$(curl -s --cacert "$C/ca.crt" --cert "$C/client.crt" --key "$C/client.key" -w '%{http_code}\n' -K "$TMP/urls" | sort | uniq -c)
t1=$(now); c1=$(cpu)
echo "  one kept-alive connection: $REQUESTS requests, $(rate "$REQUESTS" "$t0" "$t1") requests/s ($(echo $codes));" \
        "endpoint CPU $(per_req "$c0" "$c1" "$REQUESTS") µs/request"

# Eight clients at once, keep-alive each.
c0=$(cpu); t0=$(now)
clients=""
for c in $(seq 8); do
        curl -s --cacert "$C/ca.crt" --cert "$C/client.crt" --key "$C/client.key" -K "$TMP/urls" &
        clients="$clients $!"
done
wait $clients
t1=$(now); c1=$(cpu)
echo "  8 kept-alive connections: $((8 * REQUESTS)) requests, $(rate $((8 * REQUESTS)) "$t0" "$t1") requests/s;" \
        "endpoint CPU $(per_req "$c0" "$c1" $((8 * REQUESTS))) µs/request"

# A full mutual-TLS handshake for every request (Prometheus with keep-alive
# off, or many scrapers).
n=$((REQUESTS / 5))
head -n $((2 * n)) "$TMP/urls" > "$TMP/urls-short"
c0=$(cpu); t0=$(now)
curl -s --no-progress-meter --cacert "$C/ca.crt" --cert "$C/client.crt" --key "$C/client.key" -H 'Connection: close' \
        --parallel --parallel-max 8 -K "$TMP/urls-short" 2>/dev/null
t1=$(now); c1=$(cpu)
echo "  new TLS handshake per request, 8 in parallel: $n requests, $(rate "$n" "$t0" "$t1") requests/s;" \
        "endpoint CPU $(per_req "$c0" "$c1" "$n") µs/request"
echo "  reportd memory after serving: RSS $(rss VmRSS), peak $(rss VmHWM)"
echo "  (client and server share the same $(nproc) CPUs; curl's own TLS work is in these figures)"
