#!/usr/bin/env bash
# N fresh-clone runs, in a row, of every test file that talks to Kafka (listed by
# tools/ci/kafka-test-files.ts). Each run: git clone into a new temporary folder, npm ci, then
# `npm test -- <those files>` (its own broker, wiped data). Stops at the first failing run and keeps its
# clone and log; prints one summary line per run.
#
#   tools/ci/fresh-clone-kafka-runs.sh CLONE_SOURCE [N] [REF]
#     CLONE_SOURCE  anything `git clone` takes (a path or URL); REF: branch or tag to check out (default:
#                   the source's HEAD); N: default 5.
#   Environment: RINGWATCH_KAFKA_PORT / RINGWATCH_KAFKA_CONTROLLER_PORT (default 29092 / 29093) so the runs'
#   broker can sit beside others; RINGWATCH_KAFKA_LIBS_DIR: Kafka jars to reuse (otherwise each clone
#   fetches them from Maven Central, as .ci/run does); FRESH_CLONE_LOG_DIR: where logs go (default: a new
#   temporary folder); RINGWATCH_TEST_SKIP_TOOL_CHECK (default 1). Other variables reach `npm test` as they are.
set -euo pipefail

source_repo="${1:?usage: $0 CLONE_SOURCE [N] [REF]}"
runs="${2:-5}"
ref="${3:-}"
export RINGWATCH_KAFKA_PORT="${RINGWATCH_KAFKA_PORT:-29092}"
export RINGWATCH_KAFKA_CONTROLLER_PORT="${RINGWATCH_KAFKA_CONTROLLER_PORT:-29093}"
# The Kafka files need Java, Maven and the npm packages, not promtool, chromium or the deploy validators.
export RINGWATCH_TEST_SKIP_TOOL_CHECK="${RINGWATCH_TEST_SKIP_TOOL_CHECK:-1}"
log_dir="${FRESH_CLONE_LOG_DIR:-$(mktemp -d -t ringwatch-fresh-clone-logs-XXXXXX)}"
mkdir -p "$log_dir"
echo "fresh-clone Kafka runs: $runs x clone of $source_repo${ref:+ ($ref)}; broker ports $RINGWATCH_KAFKA_PORT/$RINGWATCH_KAFKA_CONTROLLER_PORT; logs in $log_dir"

passed=0
for i in $(seq 1 "$runs"); do
  clone="$(mktemp -d -t ringwatch-fresh-clone-XXXXXX)"
  log="$log_dir/run-$i.log"
  started=$(date +%s)
  status=0
  (
    set -euo pipefail
    git clone --quiet ${ref:+--branch "$ref"} "$source_repo" "$clone"
    cd "$clone"
    echo "== commit $(git rev-parse --short HEAD)"
    npm ci --no-audit --no-fund
    if [ -z "${RINGWATCH_KAFKA_LIBS_DIR:-}" ]; then
      export RINGWATCH_KAFKA_LIBS_DIR="$clone/.ringwatch/kafka-libs"
      bash deploy/kafka/kafka.sh fetch
    fi
    export RINGWATCH_KAFKA_WORKDIR="$clone/.ringwatch/test-kafka"
    mapfile -t files < <(npx node tools/ci/kafka-test-files.ts)
    [ "${#files[@]}" -gt 0 ] || { echo "no Kafka test file found"; exit 1; }
    echo "== ${#files[@]} Kafka test files: ${files[*]}"
    npm test -- "${files[@]}"
  ) >"$log" 2>&1 || status=$?
  secs=$(( $(date +%s) - started ))
  commit="$(git -C "$clone" rev-parse --short HEAD 2>/dev/null || echo '?')"
  nfiles="$(sed -n 's/^== \([0-9]*\) Kafka test files:.*/\1/p' "$log" | head -1)"
  counts="$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -1 || true)"
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1))
    echo "run $i/$runs: pass  commit $commit, ${nfiles:-?} files, ${counts:-no counts}, ${secs} s"
    rm -rf "$clone"
  else
    echo "run $i/$runs: FAIL  commit $commit, ${nfiles:-?} files, ${counts:-no counts}, ${secs} s (exit $status; clone kept in $clone, log $log)"
    tail -n 40 "$log" | sed 's/^/    | /'
    echo "fresh-clone Kafka runs: $passed of $runs passed before the first failure; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    exit 1
  fi
done
echo "fresh-clone Kafka runs: $passed of $runs passed in a row; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
