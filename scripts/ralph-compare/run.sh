#!/usr/bin/env bash
# Re-records the Ralph fixtures and re-runs our comparison test. Needs Ralph in a virtualenv:
#   python3 -m venv /tmp/ralph-venv && /tmp/ralph-venv/bin/pip install 'ralph-malph[cli]==5.1.0'
# Usage: scripts/ralph-compare/run.sh            (fixtures + test)
#        scripts/ralph-compare/run.sh --bench    (also times Ralph on 20,000 lines)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${RALPH_VENV:-/tmp/ralph-venv}"
RALPH="$VENV/bin/ralph"
PY="$VENV/bin/python"
FIXTURES="$ROOT/shared/domain/test/convert/ralph/fixtures"
PLATFORM_URL="https://lms.example.org/"
NAMESPACE="ee241f8b-174f-5bdb-a4a3-a7b5b2d2fd72"
export PYTHONUTF8=1 # stdin/stdout in UTF-8 whatever the locale

"$RALPH" --version
mkdir -p "$FIXTURES"
python3 "$HERE/generate.py" > "$FIXTURES/input.ndjson"
# --ignore-errors: Ralph logs and skips lines it cannot convert instead of stopping at the first.
"$RALPH" convert --from edx --to xapi --platform-url "$PLATFORM_URL" --uuid-namespace "$NAMESPACE" \
  --ignore-errors < "$FIXTURES/input.ndjson" > "$FIXTURES/ralph-output.ndjson" 2> /tmp/ralph-convert.log
"$PY" "$HERE/record.py" "$FIXTURES/input.ndjson" "$FIXTURES/ralph-output.ndjson" "$PLATFORM_URL" "$NAMESPACE" \
  > "$FIXTURES/ralph-status.ndjson"
"$PY" "$HERE/record_validate.py" "$FIXTURES/input.ndjson" "$RALPH" > "$FIXTURES/ralph-validate-status.ndjson"
echo "input: $(wc -l < "$FIXTURES/input.ndjson") lines, Ralph converted: $(wc -l < "$FIXTURES/ralph-output.ndjson")"
# Byte-level families (BOM, line ends, encodings, the issue's lines), recorded the same way; the CLI
# test (shared/cli/test/ralph-lines.test.ts) runs our commands on both files.
python3 "$HERE/generate.py" --bytes > "$FIXTURES/lines-input.ndjson"
"$RALPH" convert --from edx --to xapi --platform-url "$PLATFORM_URL" --uuid-namespace "$NAMESPACE" \
  --ignore-errors < "$FIXTURES/lines-input.ndjson" > "$FIXTURES/lines-ralph-output.ndjson" 2>> /tmp/ralph-convert.log
"$PY" "$HERE/record.py" "$FIXTURES/lines-input.ndjson" "$FIXTURES/lines-ralph-output.ndjson" "$PLATFORM_URL" "$NAMESPACE" \
  > "$FIXTURES/lines-ralph-status.ndjson"
"$PY" "$HERE/record_validate.py" "$FIXTURES/lines-input.ndjson" "$RALPH" > "$FIXTURES/lines-ralph-validate-status.ndjson"
# The lines on which we knowingly differ (JSON numbers), recorded the same way.
python3 "$HERE/differences.py" > "$FIXTURES/differences-input.ndjson"
"$RALPH" convert --from edx --to xapi --platform-url "$PLATFORM_URL" --uuid-namespace "$NAMESPACE" \
  --ignore-errors < "$FIXTURES/differences-input.ndjson" > "$FIXTURES/differences-ralph-output.ndjson" 2>> /tmp/ralph-convert.log
"$PY" "$HERE/record.py" "$FIXTURES/differences-input.ndjson" "$FIXTURES/differences-ralph-output.ndjson" \
  "$PLATFORM_URL" "$NAMESPACE" > "$FIXTURES/differences-ralph-status.ndjson"

cd "$ROOT" && node --import tsx --test shared/domain/test/convert/ralph/*.test.ts shared/cli/test/ralph-lines.test.ts

if [[ "${1:-}" == "--bench" ]]; then
  # 20,000 distinct events of the nine converted types that also pass Ralph's strict edX models,
  # so both commands time their success path. Ralph's own startup is timed on empty input.
  BENCH=/tmp/ralph-bench-20000.ndjson
  python3 "$HERE/generate.py" --count 20000 --seed 7 --bad-ratio 0 --ralph-valid > "$BENCH"
  echo "bench input: $(wc -l < "$BENCH") lines, $(wc -c < "$BENCH") bytes"
  for run in 1 2 3 4 5; do
    /usr/bin/time -f "convert run $run: %e s wall, %U s user, %M KiB max RSS" "$RALPH" convert --from edx --to xapi \
      --platform-url "$PLATFORM_URL" --uuid-namespace "$NAMESPACE" < "$BENCH" 2>&1 > /dev/null | grep -v INFO
    /usr/bin/time -f "validate run $run: %e s wall, %U s user, %M KiB max RSS" "$RALPH" validate --format edx \
      < "$BENCH" 2>&1 > /dev/null | grep -v INFO
    /usr/bin/time -f "startup run $run: %e s wall" "$RALPH" validate --format edx < /dev/null 2>&1 > /dev/null | grep -v INFO
  done
fi
