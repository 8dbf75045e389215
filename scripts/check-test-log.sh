#!/usr/bin/env bash
# Reads a `swift test` log on stdin and fails unless the whole suite ran and passed: any
# skipped test or suite, a failed one, or a missing "Test run ... passed" line is a failure.
# CI runs it on its test log (and once on a made-up log with a skip, to prove it bites).
set -euo pipefail
log=$(cat)
status=0
if grep -E "(Test|Suite) .* skipped" <<<"$log" >/dev/null; then
  echo "check-test-log: tests were skipped (a skipped test is a failed test):" >&2
  grep -E "(Test|Suite) .* skipped" <<<"$log" | head -20 >&2
  status=1
fi
if grep -E "✘ Test run with|Test Suite '.*' failed" <<<"$log" >/dev/null; then
  echo "check-test-log: tests failed" >&2
  status=1
fi
summary=$(grep -E "✔ Test run with [0-9]+ tests? in [0-9]+ suites? passed" <<<"$log" | tail -n 1 || true)
if [ -z "$summary" ]; then
  echo "check-test-log: no passing swift-testing summary line" >&2
  status=1
else
  echo "check-test-log: $summary" >&2
fi
exit $status
