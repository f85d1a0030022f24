#!/usr/bin/env bash
# Fuzz the collector from its OpenAPI document with schemathesis (PyPI): valid and invalid requests to
# every operation; the run fails on any 5xx answer, or if the collector crashed or logged an unexpected
# error. Two modes:
#   default                         embedded mode: memory bus, auth off
#   RINGWATCH_FUZZ_KAFKA_BROKERS=h:p  a real broker, auth on (device and release tokens from the document's
#                                    security schemes)
# Bounds (environment): FUZZ_MAX_EXAMPLES (per operation, default 150), FUZZ_MAX_TIME_SECS (whole run,
# default 150), FUZZ_SEED (default: random), FUZZ_CHECKS (default: no 5xx, plus answers as documented). Needs `pip install schemathesis` (4.x).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd -P)"
export PATH="$ROOT/node_modules/.bin:$PATH"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-150}"
MAX_TIME="${FUZZ_MAX_TIME_SECS:-150}"
# No 5xx, and every answer as the document says (status, body schema, content type, headers).
DEFAULT_CHECKS=not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance,response_headers_conformance
SEED_ARGS=()
[[ -n "${FUZZ_SEED:-}" ]] && SEED_ARGS=(--seed "$FUZZ_SEED")
OUT="$ROOT/.ringwatch/fuzz"
mkdir -p "$OUT"
LOG="$OUT/collector.log"

log() { printf 'fuzz: %s\n' "$*" >&2; }
command -v schemathesis >/dev/null 2>&1 || { log "schemathesis not found: pip install schemathesis"; exit 2; }

PORT="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
COLLECTOR_ENV=(
  RINGWATCH_INSTANCE_ID=fuzz-collector
  RINGWATCH_COLLECTOR_LISTEN_HOST=127.0.0.1
  RINGWATCH_COLLECTOR_LISTEN_PORT="$PORT"
  RINGWATCH_LOG_LEVEL=info
  # The fuzzer sends hundreds of requests a second from one address with one token: limits off its path.
  RINGWATCH_COLLECTOR_RATE_LIMIT_DEVICE_PER_SEC=1000000 RINGWATCH_COLLECTOR_RATE_LIMIT_BURST=1000000
  RINGWATCH_COLLECTOR_RATE_LIMIT_SOURCE_PER_SEC=1000000 RINGWATCH_COLLECTOR_RATE_LIMIT_SOURCE_BURST=1000000
)
CONFIG_ARGS=()
if [[ -n "${RINGWATCH_FUZZ_KAFKA_BROKERS:-}" ]]; then
  DEVICE_TOKEN="fuzz-device-$RANDOM$RANDOM$RANDOM"
  RELEASE_TOKEN="fuzz-release-$RANDOM$RANDOM$RANDOM"
  COLLECTOR_ENV+=(
    RINGWATCH_BUS_KIND=kafka RINGWATCH_KAFKA_BROKERS="$RINGWATCH_FUZZ_KAFKA_BROKERS"
    RINGWATCH_TOPIC_PREFIX="fuzz-$RANDOM$RANDOM." RINGWATCH_BUS_PARTITIONS=1
    RINGWATCH_COLLECTOR_DEVICE_TOKENS="$DEVICE_TOKEN" RINGWATCH_COLLECTOR_RELEASE_TOKEN="$RELEASE_TOKEN"
  )
  # Tokens go to schemathesis through its environment, never on a command line.
  export FUZZ_DEVICE_TOKEN="$DEVICE_TOKEN" FUZZ_RELEASE_TOKEN="$RELEASE_TOKEN"
  cat >"$OUT/fuzz-auth.toml" <<'EOF'
[auth.openapi.deviceToken]
bearer = "${FUZZ_DEVICE_TOKEN}"

[auth.openapi.releaseToken]
bearer = "${FUZZ_RELEASE_TOKEN}"
EOF
  CONFIG_ARGS=(--config-file "$OUT/fuzz-auth.toml")
  log "collector on Kafka $RINGWATCH_FUZZ_KAFKA_BROKERS, auth on"
else
  COLLECTOR_ENV+=(RINGWATCH_BUS_KIND=memory RINGWATCH_COLLECTOR_AUTH_ENABLED=false)
  log "collector in embedded mode (memory bus, auth off)"
fi

env "${COLLECTOR_ENV[@]}" node "$ROOT/app/ringwatch.ts" collector >"$LOG" 2>&1 &
PID=$!
cleanup() { kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true; }
trap cleanup EXIT

URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 150); do
  curl -fsS "$URL/readyz" >/dev/null 2>&1 && break
  kill -0 "$PID" 2>/dev/null || { log "collector exited during start-up"; cat "$LOG" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "$URL/readyz" >/dev/null || { log "collector not ready"; cat "$LOG" >&2; exit 1; }

log "schemathesis: up to $MAX_EXAMPLES examples per operation, at most $MAX_TIME s"
set +e
# From the output folder: schemathesis keeps a cache in its working directory, not in the repository.
cd "$OUT"
schemathesis "${CONFIG_ARGS[@]}" run "$ROOT/collectors/openapi.json" --url "$URL" \
  --checks "${FUZZ_CHECKS:-$DEFAULT_CHECKS}" --mode all --max-examples "$MAX_EXAMPLES" --max-time "$MAX_TIME" \
  --phases examples,coverage,fuzzing --workers 2 --request-timeout 10 --no-color \
  --generation-database none "${SEED_ARGS[@]}" \
  --report junit --report-junit-path "$OUT/junit.xml"
RC=$?
set -e

STATUS=0
[[ $RC -eq 0 ]] || { log "schemathesis failed (exit $RC)"; STATUS=1; }
if ! kill -0 "$PID" 2>/dev/null; then
  log "the collector crashed during the run"; tail -n 40 "$LOG" >&2; STATUS=1
elif ! curl -fsS "$URL/livez" >/dev/null; then
  log "the collector stopped answering /livez"; STATUS=1
fi
if grep -q '"level":"error"\|"level":"fatal"' "$LOG"; then
  log "the collector logged errors:"; grep '"level":"error"\|"level":"fatal"' "$LOG" | tail -n 10 >&2; STATUS=1
fi
curl -fsS "$URL/metrics" | grep -E '^ringwatch_collector_requests_total\{' | awk '$2 > 0' >&2 || true
[[ $STATUS -eq 0 ]] && log "no 5xx, no crash, no error logged"
exit $STATUS
