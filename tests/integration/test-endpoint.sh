#!/bin/bash
# mamori-reportd: mutual TLS (no certificate, another CA's, an expired one
# refused; the right one answered), exactly two resources, and the limits:
# request size, header timeout (slowloris), connections per address and in
# total. Slow and malformed clients must not stall the others.
. "$(dirname "$0")/lib.sh"

"$SRC/packaging/install-deps.sh" upstream >/dev/null 2>&1 || true
for tool in openssl curl jq; do
        command -v $tool >/dev/null || { not_ok "$tool is not installed (packaging/install-deps.sh upstream)"; finish; exit; }
done
REPORTD="$BUILD/mamori-reportd"
[ -x "$REPORTD" ] || { not_ok "no $REPORTD"; finish; exit; }

# make_certs DIR: a CA, a server certificate for 127.0.0.1 and localhost, a
# client certificate of the CA, one of another CA, and an expired one
# (OpenSSL 3.0's `x509 -req` cannot backdate: `openssl ca -startdate/-enddate` can).
make_certs() {
        d=$1
        mkdir -p "$d/db"; : > "$d/db/index.txt"; echo 1000 > "$d/db/serial"
        for ca in ca otherca; do
                openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
                        -keyout "$d/$ca.key" -out "$d/$ca.crt" -subj "/CN=mamori test $ca" \
                        -addext basicConstraints=critical,CA:TRUE \
                        -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null || return 1
        done
        cat > "$d/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $d/db/index.txt
serial = $d/db/serial
new_certs_dir = $d/db
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
[server]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[client]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
CNF
        sign() { # name ca extensions openssl-ca-args...
                n=$1 c=$2 e=$3; shift 3
                openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
                        -keyout "$d/$n.key" -out "$d/$n.csr" -subj "/CN=$n" 2>/dev/null &&
                openssl ca -batch -notext -config "$d/ca.cnf" -cert "$d/$c.crt" -keyfile "$d/$c.key" \
                        -extensions "$e" -in "$d/$n.csr" -out "$d/$n.crt" "$@" 2>/dev/null
        }
        sign server ca server -days 30 && sign client ca client -days 30 &&
                sign other otherca client -days 30 &&
                sign expired ca client -startdate 20200101000000Z -enddate 20200201000000Z
}

C=$TMP/certs
make_certs "$C" || { not_ok "certificates could not be made"; finish; exit; }
assert_contains "the expired certificate is expired" "notAfter=Feb  1 00:00:00 2020 GMT" \
        "$(openssl x509 -in "$C/expired.crt" -noout -enddate)"

# A report from a real agent on the demo terminal, with the shipped
# accounts rules (their plugin is the one these tests rely on).
"$SRC/tests/demo/build-root.sh" "$TMP/root" >/dev/null
make_plugin_dir "$TMP/plugins" "$BUILD/plugins/accounts.so"
mkdir -p "$TMP/state" "$TMP/rules"
cp "$SRC/rules/accounts.yaml" "$TMP/rules/"
"$MAMORID" --once --root "$TMP/root" --rules "$TMP/rules" --plugins "$TMP/plugins" --state "$TMP/state" \
        --report "$TMP/report.json" --config "$TMP/empty.conf" >/dev/null 2>&1
[ -s "$TMP/report.json" ] || { not_ok "mamorid wrote no report"; finish; exit; }

# start_reportd NAME ARGS...: sets PORT and RPID.
start_reportd() {
        name=$1; shift
        rm -f "$TMP/$name.port"
        "$REPORTD" --listen 127.0.0.1:0 --port-file "$TMP/$name.port" --cert "$C/server.crt" \
                --key "$C/server.key" --client-ca "$C/ca.crt" "$@" 2>"$TMP/$name.log" &
        RPID=$!
        PIDS="$PIDS $RPID"
        for _ in $(seq 100); do [ -s "$TMP/$name.port" ] && break; sleep 0.05; done
        PORT=$(cat "$TMP/$name.port" 2>/dev/null)
        [ -n "$PORT" ]
}
stop_reportd() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

start_reportd main --report "$TMP/report.json" --max-connections 32 --max-connections-per-ip 4 \
        --header-timeout 3 --idle-timeout 30 --max-request-size 8192 ||
        { not_ok "mamori-reportd did not start: $(cat "$TMP/main.log")"; finish; exit; }
URL=https://127.0.0.1:$PORT
good() { curl -sS --max-time 10 --cacert "$C/ca.crt" --cert "$C/client.crt" --key "$C/client.key" "$@"; }

# --- mutual TLS ---------------------------------------------------------
good -o "$TMP/got.json" -D "$TMP/got.h" "$URL/v1/report"
assert_eq "the right client gets the report, byte for byte" "" "$(cmp "$TMP/got.json" "$TMP/report.json" 2>&1)"
assert_contains "report is application/json" "content-type: application/json" "$(tr -d '\r' < "$TMP/got.h" | tr A-Z a-z)"
metrics=$(good -D "$TMP/m.h" "$URL/metrics")
assert_contains "/metrics carries the report's score" "mamori_score $(jq -r .score "$TMP/report.json")" "$metrics"
assert_contains "/metrics carries the event sequence" "mamori_event_sequence $(jq -r .events.seq "$TMP/report.json")" "$metrics"
assert_contains "/metrics is text format 0.0.4" "text/plain; version=0.0.4" "$(cat "$TMP/m.h")"

for tls in 1.3 1.2; do
        out=$(curl -sS --max-time 10 --tls-max $tls --cacert "$C/ca.crt" "$URL/v1/report" 2>&1); rc=$?
        assert_not_contains "TLS $tls, no client certificate: refused (curl exit $rc)" '"schema"' "$out"
        [ $rc -ne 0 ] && ok "TLS $tls, no client certificate: the transfer failed" || not_ok "TLS $tls without certificate succeeded"
        for who in other expired; do
                out=$(curl -sS --max-time 10 --tls-max $tls --cacert "$C/ca.crt" --cert "$C/$who.crt" \
                        --key "$C/$who.key" "$URL/v1/report" 2>&1); rc=$?
                assert_not_contains "TLS $tls, $who certificate: no report" '"schema"' "$out"
                [ $rc -ne 0 ] && ok "TLS $tls, $who certificate: refused (curl exit $rc)" || not_ok "TLS $tls with $who certificate succeeded"
        done
done
# With TLS 1.2 the refusal is in the handshake itself (curl exit 35); with
# TLS 1.3 the client certificate comes after the server's Finished, so
# curl sees the connection closed instead of an answer.
curl -sS --max-time 10 --tls-max 1.2 --cacert "$C/ca.crt" --cert "$C/other.crt" --key "$C/other.key" \
        "$URL/metrics" >/dev/null 2>&1
assert_eq "TLS 1.2 with another CA's certificate fails in the handshake" 35 "$?"
assert_not_contains "no refused client ever reached request handling" "GET /v1/report: 200" \
        "$(sed -n '1,$p' "$TMP/main.log" | grep -v 'debug')"

# --- exactly two resources ----------------------------------------------
code() { good -o "$TMP/body" -w '%{http_code}' "$@"; }
assert_eq "GET / is 404" 404 "$(code "$URL/")"
assert_eq "GET /v1/report/ is 404" 404 "$(code "$URL/v1/report/")"
assert_eq "a query string is 404" 404 "$(code "$URL/metrics?x=1")"
assert_eq "GET /ECHOMARK-xyz is 404" 404 "$(code "$URL/ECHOMARK-xyz")"
assert_not_contains "the 404 body does not echo the path" ECHOMARK "$(cat "$TMP/body")"
assert_eq "POST /v1/report is 405" 405 "$(code -X POST -d x "$URL/v1/report")"
assert_eq "PUT /metrics is 405" 405 "$(code -X PUT -d x "$URL/metrics")"
assert_eq "DELETE /v1/report is 405" 405 "$(code -X DELETE "$URL/v1/report")"
assert_contains "405 says Allow: GET" "allow: get" "$(good -si -X POST "$URL/metrics" | tr -d '\r' | tr A-Z a-z)"
assert_eq "HEAD /metrics is 405" 405 "$(good -o /dev/null -w '%{http_code}' -I "$URL/metrics")"
assert_eq "GET with a body is 413" 413 "$(code -X GET --data-binary @"$TMP/report.json" "$URL/metrics")"
assert_eq "the report is unchanged after all that" "" "$(cmp "$TMP/got.json" "$TMP/report.json" 2>&1)"

# --- request size ---------------------------------------------------------
big=$(head -c 20000 /dev/zero | tr '\0' a)
c=$(good -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$URL/metrics" 2>/dev/null)
case "$c" in 200) not_ok "a 20 KB header was answered 200" ;; *) ok "a 20 KB header is refused (status '$c')" ;; esac
c=$(good -o /dev/null -w '%{http_code}' "$URL/metrics?$(head -c 9000 /dev/zero | tr '\0' b)=1" 2>/dev/null)
case "$c" in 200) not_ok "a 9 KB URL was answered 200" ;; *) ok "a 9 KB URL is refused (status '$c')" ;; esac
assert_eq "and the next request is served" 200 "$(code "$URL/metrics")"

# --- malformed requests, raw over TLS -------------------------------------
raw() { # bytes: what the server answers over a verified TLS connection
        # -quiet keeps reading after our input ends, until the server closes.
        { printf "$1"; sleep 3; } | timeout 10 openssl s_client -quiet -connect 127.0.0.1:$PORT \
                -CAfile "$C/ca.crt" -cert "$C/client.crt" -key "$C/client.key" 2>/dev/null | head -c 300
}
# libmicrohttpd closes on a request line without a version, answering nothing.
assert_not_contains "a garbage request line gets no answer" "HTTP/1.1 200" "$(raw 'GARBAGE\r\n\r\n')"
assert_contains "HTTP/1.1 without Host gets 400" "HTTP/1.1 400" "$(raw 'GET /metrics HTTP/1.1\r\n\r\n')"
assert_contains "a header line without a colon gets 400" "HTTP/1.1 400" \
        "$(raw 'GET /metrics HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n')"
assert_contains "a well-formed raw request gets 200" "HTTP/1.1 200" \
        "$(raw 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')"
assert_eq "the endpoint still answers" 200 "$(code "$URL/metrics")"

# --- slow clients -----------------------------------------------------------
now_ms() { date +%s%3N; }
# A TLS client trickling a header line every second: its idle timer never
# runs out, the header timeout (3 s) closes it anyway.
t0=$(now_ms)
( printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n'; for i in $(seq 30); do sleep 1; printf 'X-Slow-%s: y\r\n' $i; done ) |
        timeout 40 openssl s_client -quiet -connect 127.0.0.1:$PORT -CAfile "$C/ca.crt" -cert "$C/client.crt" \
        -key "$C/client.key" >"$TMP/slow.out" 2>/dev/null &
slow=$!
sleep 0.5
t1=$(now_ms); c=$(code "$URL/metrics"); t2=$(now_ms)
assert_eq "a client is served while a slowloris trickles" 200 "$c"
[ $((t2 - t1)) -lt 2000 ] && ok "and promptly ($((t2 - t1)) ms)" || not_ok "served only after $((t2 - t1)) ms"
wait $slow 2>/dev/null
t3=$(now_ms)
[ $((t3 - t0)) -lt 12000 ] && ok "the trickling client was cut off after $((t3 - t0)) ms (header timeout 3 s)" ||
        not_ok "the trickling client lasted $((t3 - t0)) ms"
assert_not_contains "the trickling client got no answer" "200 OK" "$(cat "$TMP/slow.out")"

# Four silent TCP connections from 127.0.0.1 fill its per-address limit (4):
# another client from 127.0.0.1 is turned away, one from 127.0.0.2 is
# served at once, and after the header timeout the silent ones are gone.
fds=""
for i in 1 2 3 4; do exec {fd}<>/dev/tcp/127.0.0.1/$PORT; fds="$fds $fd"; done
sleep 0.3
c=$(code "$URL/metrics" 2>/dev/null)
assert_eq "per-address limit: a fifth connection from 127.0.0.1 is refused" 000 "$c"
t1=$(now_ms); c=$(code --interface 127.0.0.2 "$URL/metrics"); t2=$(now_ms)
assert_eq "a client from 127.0.0.2 is served meanwhile" 200 "$c"
[ $((t2 - t1)) -lt 2000 ] && ok "and promptly ($((t2 - t1)) ms)" || not_ok "served only after $((t2 - t1)) ms"
sleep 4
assert_eq "after the header timeout 127.0.0.1 is served again" 200 "$(code "$URL/metrics")"
for fd in $fds; do exec {fd}>&-; done
assert_contains "the reaper logged the closed connections" "did not send a request within 3s" "$(cat "$TMP/main.log")"
stop_reportd "$RPID"

# The total limit (3), with no limit per address. One worker thread: with
# several, libmicrohttpd splits the total among them (mamori-reportd(8)).
start_reportd total --report "$TMP/report.json" --max-connections 3 --max-connections-per-ip 0 --header-timeout 2 \
        --threads 1
fds=""
for i in 1 2 3; do exec {fd}<>/dev/tcp/127.0.0.1/$PORT; fds="$fds $fd"; done
sleep 0.3
# A full server stops accepting: the fourth waits in the kernel's backlog.
assert_eq "total limit: a fourth connection is not answered" 000 \
        "$(good -o /dev/null -w '%{http_code}' --max-time 1 --interface 127.0.0.2 https://127.0.0.1:$PORT/metrics 2>/dev/null)"
sleep 3
assert_eq "after the header timeout there is room again" 200 \
        "$(good -o /dev/null -w '%{http_code}' https://127.0.0.1:$PORT/metrics)"
for fd in $fds; do exec {fd}>&-; done
stop_reportd "$RPID"

# --- the report file changing under it --------------------------------------
cp "$TMP/report.json" "$TMP/r2.json"
start_reportd change --report "$TMP/r2.json"
URL=https://127.0.0.1:$PORT
jq '.score = 7 | .events.seq = 99' "$TMP/report.json" > "$TMP/r2.new" && mv "$TMP/r2.new" "$TMP/r2.json"
assert_contains "a replaced report is served at once" "mamori_score 7" "$(good "$URL/metrics")"
rm -f "$TMP/r2.json"
assert_eq "no report file: 503" 503 "$(code "$URL/v1/report")"
echo 'not json' > "$TMP/r2.json"
assert_eq "a broken report: /metrics 503" 503 "$(code "$URL/metrics")"
assert_eq "a broken report: /v1/report serves the file as it is" 200 "$(code "$URL/v1/report")"
kill -TERM "$RPID"; wait "$RPID"; rc=$?
assert_eq "SIGTERM ends it cleanly" 0 "$rc"

# --- usage errors -------------------------------------------------------------
"$REPORTD" --listen 127.0.0.1:0 --cert "$C/server.crt" --key "$C/server.key" >/dev/null 2>&1
assert_eq "no --client-ca: usage error" 2 "$?"
"$REPORTD" --listen localhost:1 --cert a --key b --client-ca c >/dev/null 2>&1
assert_eq "a --listen that is not numeric: usage error" 2 "$?"
"$REPORTD" --listen 127.0.0.1:0 --cert "$C/server.crt" --key "$C/other.key" --client-ca "$C/ca.crt" \
        --report "$TMP/report.json" >/dev/null 2>&1
assert_eq "a key that does not match the certificate: runtime error" 1 "$?"
finish
