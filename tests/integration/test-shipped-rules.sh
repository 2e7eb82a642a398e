#!/bin/bash
# The shipped policy loads with the shipped plugins, cites a 詳細編 clause
# in every rule, and runs end to end on the demo terminal (`make run`).
. "$(dirname "$0")/lib.sh"

make_plugin_dir "$TMP/plugins" "$BUILD"/plugins/*.so
out=$("$MAMORID" --check-rules --rules "$SRC/rules" --plugins "$TMP/plugins" \
        --config "$SRC/packaging/mamori.conf" 2>&1); rc=$?
assert_eq "shipped rules load with the shipped plugins" 0 "$rc"
assert_contains "no plugin refused" ", 0 refused: OK" "$out"
assert_contains "the policy is named" "policy fujisawa-library 2012-04-01" "$out"

# Every rule's clause: "詳細編 …" (CLAUSES.md's form).
clauses=$(grep -hE '^ *clause:' "$SRC"/rules/*.yaml)
n_rules=$(cat "$SRC"/rules/*.yaml | grep -cE '^ *- id:')
assert_eq "every rule has a clause" "$n_rules" "$(printf '%s\n' "$clauses" | grep -c .)"
assert_eq "every clause cites the 詳細編" "" "$(printf '%s\n' "$clauses" | grep -v '詳細編 [0-9]')"

"$SRC/tests/demo/build-root.sh" "$TMP/demo" >/dev/null
"$MAMORID" --once --root "$TMP/demo" --rules "$SRC/rules" --plugins "$TMP/plugins" --state "$TMP/state" \
        --report "$TMP/report.json" --config "$SRC/packaging/mamori.conf" >"$TMP/out" 2>"$TMP/err"; rc=$?
assert_eq "the agent runs once on the demo terminal" 0 "$rc"
assert_eq "the demo terminal's name" lib-demo-01 "$(jq -r .terminal "$TMP/report.json")"
assert_eq "every shipped rule is in the report" "$n_rules" "$(jq '.rules | length' "$TMP/report.json")"
assert_eq "the demo's empty password is found" fail \
        "$(jq -r '.rules[] | select(.id=="accounts.no-empty-passwords") | .status' "$TMP/report.json")"
assert_contains "naming the account" kiosk \
        "$(jq -r '.rules[] | select(.id=="accounts.no-empty-passwords") | .evidence[]' "$TMP/report.json")"
assert_not_contains "no password hash leaks into the report" 'DEMOdemo' "$(cat "$TMP/report.json")"

# mamori.conf's [USB] RuleFile= reaches the usb plugin (read under the root).
mkdir -p "$TMP/demo/etc/mamori"
echo 'allow id 1234:5678 serial "unterminated' > "$TMP/demo/etc/mamori/site-usb.rules"
printf '[USB]\nRuleFile=/etc/mamori/site-usb.rules\n' > "$TMP/usb.conf"
"$MAMORID" --once --root "$TMP/demo" --rules "$SRC/rules" --plugins "$TMP/plugins" --state "$TMP/state2" \
        --report "$TMP/report2.json" --config "$TMP/usb.conf" >/dev/null 2>&1
assert_contains "[USB] RuleFile= is the file the usb plugin reads" "site-usb.rules cannot be used (line 1" \
        "$(jq -r '.rules[] | select(.id=="usb.enforcing") | .evidence[]' "$TMP/report2.json")"
finish
