#!/bin/sh
# Runs every test-*.sh in DIR (default: this folder); prints the total as
# "N passed, N failed".
dir=${1:-$(dirname "$0")}
label=${2:-integration}
passed=0 failed=0 fail=0
for t in "$dir"/test-*.sh; do
        echo "== $t"
        out=$(bash "$t" 2>&1); rc=$?
        printf '%s\n' "$out"
        line=$(printf '%s\n' "$out" | grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed$' | tail -n 1)
        if [ -z "$line" ]; then
                echo "$t: no result line (exit $rc)"; failed=$((failed + 1)); fail=1; continue
        fi
        p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
        f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
        passed=$((passed + p)); failed=$((failed + f))
        [ "$rc" -eq 0 ] || fail=1
done
echo "$label: $passed passed, $failed failed"
exit $fail
