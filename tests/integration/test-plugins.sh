#!/bin/bash
# The plugin host refuses a plugin built for another ABI; the rules that
# needed it report `error` with the reason, and nothing passes by default.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/rules" "$TMP/state" "$TMP/root/etc"
make_plugin_dir "$TMP/plugins" "$BUILD/tests/plugins/wrong-abi.so" "$BUILD/tests/plugins/fixed.so"
cat > "$TMP/rules/a.yaml" <<'X'
rules:
  - id: t.needs-wrong-abi
    title: { ja: 試験, en: Needs the refused plugin }
    clause: 詳細編 8.2(4)
    severity: high
    check: wrong-abi.tick
  - id: t.fixed
    title: { ja: 試験, en: Fixed }
    clause: 詳細編 8.2(4)
    severity: low
    check: fixed.status
    params: { status: fail }
  - id: t.errno
    title: { ja: 試験, en: Check returns an error }
    clause: 詳細編 8.2(4)
    severity: low
    check: fixed.status
    params: { errno: 5 }
X
common="--root $TMP/root --rules $TMP/rules --state $TMP/state --plugins $TMP/plugins --config $TMP/empty.conf"
out=$("$MAMORID" --check-rules $common 2>&1); rc=$?
assert_eq "policy naming a refused plugin's check still loads" 0 "$rc"
assert_contains "refusal logged with the ABI" "ABI 99" "$out"

"$MAMORID" --once $common --report "$TMP/r.json" >/dev/null 2>"$TMP/err"; rc=$?
assert_eq "--once exits 0" 0 "$rc"
assert_eq "rule of the refused plugin is error" error \
        "$(jq -r '.rules[] | select(.id=="t.needs-wrong-abi") | .status' "$TMP/r.json")"
assert_contains "its evidence gives the reason" "ABI 99" \
        "$(jq -r '.rules[] | select(.id=="t.needs-wrong-abi") | .evidence[0]' "$TMP/r.json")"
assert_eq "a check that fails with errno is error" error \
        "$(jq -r '.rules[] | select(.id=="t.errno") | .status' "$TMP/r.json")"
assert_contains "with the errno's text" "Input/output error" \
        "$(jq -r '.rules[] | select(.id=="t.errno") | .evidence[0]' "$TMP/r.json")"
assert_eq "score counts only the fixed rule: 0" 0 "$(jq -r .score "$TMP/r.json")"

# A group-writable plugin directory is refused outright.
mkdir -p "$TMP/dup"
install -m 0644 "$BUILD/tests/plugins/fixed.so" "$TMP/dup/fixed.so"
chmod 0775 "$TMP/dup"
out=$("$MAMORID" --check-rules --root "$TMP/root" --rules "$TMP/rules" --plugins "$TMP/dup" \
        --config "$TMP/empty.conf" 2>&1); rc=$?
assert_eq "group-writable plugin directory is refused" 3 "$rc"
assert_contains "and says why" "writable by others" "$out"
finish
