#!/bin/bash
# `mamorid --once` on a fake root: the report's score and counts must equal
# the values computed by hand below from the fixture, not from the code.
. "$(dirname "$0")/lib.sh"

root=$TMP/root
mkdir -p "$root/etc/security" "$root/etc/pam.d" "$TMP/rules" "$TMP/state"
echo lib-test-01 > "$root/etc/hostname"
cat > "$root/etc/passwd" <<'X'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
toor:x:0:0:second root:/root:/bin/bash
taro:x:1000:1000:Taro:/home/taro:/bin/bash
hanako:x:1001:1001:Hanako:/home/hanako:/bin/bash
X
cat > "$root/etc/shadow" <<'X'
root:$y$j9T$abc$def:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
toor:!:19000:0:99999:7:::
taro::19000:0:90:7:::
hanako:$y$j9T$xyz$uvw:19000:0:90:7:::
X
cat > "$root/etc/group" <<'X'
root:x:0:
sudo:x:27:hanako
taro:x:1000:
hanako:x:1001:
X
# No /etc/pam.d/common-password: the password-quality rule cannot be
# evaluated and must be `error`, not a pass.

cat > "$TMP/rules/10-test.yaml" <<'X'
policy: { id: test-policy, version: "1" }
rules:
  - id: t.empty              # taro has an empty password: fail, critical (10)
    title: { ja: 空のパスワードがないこと, en: No empty passwords }
    clause: 詳細編 6.5(3)
    severity: critical
    check: accounts.empty-passwords
  - id: t.uid0               # toor has UID 0: fail, high (6)
    title: { ja: root以外にUID 0がないこと, en: Only root has UID 0 }
    clause: 詳細編 5.1(1)④
    severity: high
    check: accounts.uid0
  - id: t.admins             # hanako is in sudo and allowed: pass, medium (3)
    title: { ja: 管理者グループ, en: Admin groups }
    clause: 詳細編 5.1(1)④ 6.4
    severity: medium
    check: accounts.admin-groups
    params: { allowed: [hanako] }
  - id: t.quality            # no common-password: error (not counted)
    title: { ja: パスワードの品質, en: Password quality }
    clause: 詳細編 6.5(4)
    severity: high
    check: accounts.password-quality
  - id: t.fixed-pass         # pass, low (1)
    title: { ja: 固定, en: Fixed pass }
    clause: 詳細編 8.2(4)
    severity: low
    check: fixed.status
    params: { status: pass }
  - id: t.fixed-na           # not-applicable (not counted)
    title: { ja: 固定, en: Fixed n/a }
    clause: 詳細編 8.2(4)
    severity: critical
    check: fixed.status
    params: { status: not-applicable }
  - id: t.fixed-none         # reports nothing: must be error, never a pass
    title: { ja: 固定, en: Fixed nothing }
    clause: 詳細編 8.2(4)
    severity: critical
    check: fixed.status
    params: { status: [] }
X
make_plugin_dir "$TMP/plugins" "$BUILD/plugins/accounts.so" "$BUILD/tests/plugins/fixed.so"

out=$("$MAMORID" --once --root "$root" --rules "$TMP/rules" --state "$TMP/state" \
        --plugins "$TMP/plugins" --report "$TMP/out.json" --config "$TMP/empty.conf" 2>"$TMP/err")
rc=$?
assert_eq "exit status of --once" 0 "$rc"
[ -s "$TMP/out.json" ] || { not_ok "no report written: $(cat "$TMP/err")"; finish; exit; }

# Hand computation: pass weights 3 + 1 = 4; fail weights 10 + 6 = 16;
# score = floor(100 * 4 / 20) = 20.
assert_eq "score" 20 "$(jq -r .score "$TMP/out.json")"
assert_eq "pass count" 2 "$(jq -r '.counts.pass' "$TMP/out.json")"
assert_eq "fail count" 2 "$(jq -r '.counts.fail' "$TMP/out.json")"
assert_eq "error count" 2 "$(jq -r '.counts.error' "$TMP/out.json")"
assert_eq "not-applicable count" 1 "$(jq -r '.counts["not-applicable"]' "$TMP/out.json")"
assert_eq "terminal from the root's /etc/hostname" lib-test-01 "$(jq -r .terminal "$TMP/out.json")"
assert_eq "policy id" test-policy "$(jq -r .policy.id "$TMP/out.json")"
assert_eq "schema" 1 "$(jq -r .schema "$TMP/out.json")"
assert_eq "status of t.quality" error "$(jq -r '.rules[] | select(.id=="t.quality") | .status' "$TMP/out.json")"
assert_eq "status of t.fixed-none" error "$(jq -r '.rules[] | select(.id=="t.fixed-none") | .status' "$TMP/out.json")"
assert_contains "evidence names taro" taro "$(jq -r '.rules[] | select(.id=="t.empty") | .evidence[]' "$TMP/out.json")"
assert_not_contains "no password hash in the report" 'j9T' "$(cat "$TMP/out.json")"
# Per clause: 5.1(1)④ has t.uid0 (fail, 6) and t.admins (pass, 3): floor(300/9) = 33.
assert_eq "score of clause 5.1(1)④" 33 \
        "$(jq -r '.by_clause[] | select(.clause=="詳細編 5.1(1)④") | .score' "$TMP/out.json")"
# Per plugin: accounts has pass 3, fail 16: floor(300/19) = 15.
assert_eq "score of plugin accounts" 15 \
        "$(jq -r '.by_plugin[] | select(.plugin=="accounts") | .score' "$TMP/out.json")"
assert_contains "summary on stdout" "score 20" "$out"
assert_eq "event head is a sha256" 64 "$(jq -r .events.head "$TMP/out.json" | tr -d '\n' | wc -c)"
finish
