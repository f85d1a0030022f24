#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, combined broker+controller) on 127.0.0.1,
# assembled from Maven Central jars with Maven. No Docker, no Kafka distribution.
#
#   kafka.sh fetch     resolve the broker jars into <workdir>/libs-<version> (idempotent)
#   kafka.sh start     fetch if needed, wipe data, format, start, wait ready;
#                      last stdout line: KAFKA_BROKERS=127.0.0.1:<port>
#   kafka.sh stop      SIGTERM, wait up to 30 s, then SIGKILL (succeeds if not running)
#   kafka.sh kill      SIGKILL (simulated crash), data kept
#   kafka.sh resume    start again on the existing data (no wipe), wait ready
#   kafka.sh status    exit 0 if running, 3 if not
#   kafka.sh logs [N]  last N (default 100) lines of the server log
#
# Only the KAFKA_BROKERS=... line goes to stdout; progress and errors go to stderr.
# See README.md next to this file for the environment variables.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"

PORT="${RINGWATCH_KAFKA_PORT:-19092}"
CONTROLLER_PORT="${RINGWATCH_KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_VERSION="${RINGWATCH_KAFKA_VERSION:-4.1.2}"
WORKDIR="${RINGWATCH_KAFKA_WORKDIR:-$SCRIPT_DIR/.work}"
START_TIMEOUT="${RINGWATCH_KAFKA_START_TIMEOUT:-60}"
STOP_TIMEOUT="${RINGWATCH_KAFKA_STOP_TIMEOUT:-30}"
HEAP_OPTS="${RINGWATCH_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
EXTRA_JAVA_OPTS="${RINGWATCH_KAFKA_JAVA_OPTS:-}"
MVN="${RINGWATCH_KAFKA_MVN:-mvn}"
# After a crash (kill), the restarted node waits for its old broker session to expire before it
# is unfenced: resume time ~ this timeout + startup. Kafka's default is 9000 ms.
SESSION_TIMEOUT_MS="${RINGWATCH_KAFKA_BROKER_SESSION_TIMEOUT_MS:-4000}"
EXTRA_CONFIG="${RINGWATCH_KAFKA_EXTRA_CONFIG:-}"
if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]]; then
  JAVA="${JAVA_HOME}/bin/java"
else
  JAVA="java"
fi

# Relative RINGWATCH_KAFKA_WORKDIR is taken relative to the current directory.
mkdir -p "$WORKDIR"
WORKDIR="$(cd "$WORKDIR" && pwd -P)"

# Jars can be shared by several workdirs (parallel test runs): RINGWATCH_KAFKA_LIBS_DIR.
LIBS_DIR="${RINGWATCH_KAFKA_LIBS_DIR:-$WORKDIR/libs-$KAFKA_VERSION}"
mkdir -p "$(dirname "$LIBS_DIR")"
LIBS_DIR="$(cd "$(dirname "$LIBS_DIR")" && pwd -P)/$(basename "$LIBS_DIR")"
STAMP="$LIBS_DIR/.complete"
DATA_DIR="$WORKDIR/data"
LOGS_DIR="$WORKDIR/logs"
SERVER_LOG="$LOGS_DIR/server.log"
STDOUT_LOG="$LOGS_DIR/stdout.log"
CONFIG="$WORKDIR/server.properties"
PID_FILE="$WORKDIR/kafka.pid"
LOG4J_CONFIG="$SCRIPT_DIR/log4j2.properties"
POM="$SCRIPT_DIR/pom.xml"

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

now_ms() { date +%s%3N; }
elapsed() { local s=$1; echo "$(( ($(now_ms) - s) / 100 ))" | sed -E 's/([0-9])$/.\1/; s/^\./0./'; }

validate() {
  [[ "$PORT" =~ ^[0-9]+$ ]] || die "RINGWATCH_KAFKA_PORT must be a number, got '$PORT'"
  [[ "$CONTROLLER_PORT" =~ ^[0-9]+$ ]] || die "RINGWATCH_KAFKA_CONTROLLER_PORT must be a number, got '$CONTROLLER_PORT'"
  [[ "$PORT" != "$CONTROLLER_PORT" ]] || die "broker and controller ports must differ (both $PORT)"
  [[ "$SESSION_TIMEOUT_MS" =~ ^[0-9]+$ && "$SESSION_TIMEOUT_MS" -ge 1000 ]] \
    || die "RINGWATCH_KAFKA_BROKER_SESSION_TIMEOUT_MS must be >= 1000, got '$SESSION_TIMEOUT_MS'"
  [[ "$START_TIMEOUT" =~ ^[0-9]+$ ]] || die "RINGWATCH_KAFKA_START_TIMEOUT must be whole seconds"
  [[ "$STOP_TIMEOUT" =~ ^[0-9]+$ ]] || die "RINGWATCH_KAFKA_STOP_TIMEOUT must be whole seconds"
}

# Serialise kafka.sh invocations that share a workdir (fd 9; closed for the broker itself).
take_lock() {
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$WORKDIR/.lock"
    flock -w 120 9 || die "another kafka.sh holds $WORKDIR/.lock"
  fi
}

# ---------------------------------------------------------------- fetch

stamp_value() {
  printf 'kafka=%s pom=%s\n' "$KAFKA_VERSION" "$(sha256sum "$POM" | cut -d' ' -f1)"
}

libs_complete() {
  [[ -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$(stamp_value)" ]] \
    && [[ -f "$LIBS_DIR/kafka_2.13-$KAFKA_VERSION.jar" ]]
}

do_fetch() {
  if libs_complete; then
    log "jars for Kafka $KAFKA_VERSION already present ($LIBS_DIR)"
    return 0
  fi
  # A libs dir may be shared: one fetch at a time (fd 8, closed for the broker).
  if command -v flock >/dev/null 2>&1; then
    exec 8>"$LIBS_DIR.lock"
    flock -w 600 8 || die "timed out waiting for another fetch into $LIBS_DIR"
    if libs_complete; then
      log "jars for Kafka $KAFKA_VERSION fetched by another kafka.sh ($LIBS_DIR)"
      return 0
    fi
  fi
  command -v "$MVN" >/dev/null 2>&1 || die "Maven ('$MVN') not found; install maven or set RINGWATCH_KAFKA_MVN"
  local t0 tmp mvn_log
  t0=$(now_ms)
  tmp="$LIBS_DIR.tmp.$$"
  mvn_log="$WORKDIR/fetch.log"
  rm -rf "$tmp"
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central ..."
  if ! "$MVN" -B -q -Dstyle.color=never -f "$POM" \
      dependency:copy-dependencies \
      -Dkafka.version="$KAFKA_VERSION" \
      -DincludeScope=runtime \
      -DoutputDirectory="$tmp" >"$mvn_log" 2>&1; then
    rm -rf "$tmp"
    tail -n 30 "$mvn_log" >&2 || true
    die "Maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION (full output: $mvn_log)"
  fi
  [[ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] || { rm -rf "$tmp"; die "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"; }
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
  stamp_value >"$STAMP"
  log "fetched $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars into $LIBS_DIR in $(elapsed "$t0") s"
}

# ---------------------------------------------------------------- process helpers

# True if $1 is a live process that is our broker (guards against a recycled pid).
is_our_broker() {
  local pid=$1 cmd
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || { kill -0 "$pid" 2>/dev/null; return; }
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *kafka.Kafka*"$CONFIG"* ]]
}

# Pid of the running broker for this workdir, or empty. Falls back to scanning /proc
# for a java running kafka.Kafka with exactly our server.properties (lost pid file).
broker_pid() {
  local pid=""
  if [[ -f "$PID_FILE" ]]; then
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    if is_our_broker "$pid"; then echo "$pid"; return 0; fi
  fi
  local d p
  for d in /proc/[0-9]*; do
    p="${d#/proc/}"
    [[ -r "$d/cmdline" ]] || continue
    if is_our_broker "$p"; then echo "$p"; return 0; fi
  done 2>/dev/null
  return 0
}

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

check_ports_free() {
  local p
  for p in "$PORT" "$CONTROLLER_PORT"; do
    if port_open "$p"; then
      die "port 127.0.0.1:$p is already in use by another process (set RINGWATCH_KAFKA_PORT / RINGWATCH_KAFKA_CONTROLLER_PORT)"
    fi
  done
}

# Live and not a zombie (a broker we launched in this shell lingers as a zombie after exit).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]]
}

wait_gone() {
  local pid=$1 secs=$2 i
  for ((i = 0; i < secs * 10; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  return 1
}

# ---------------------------------------------------------------- config, format, launch

cluster_id() {
  # 16 random bytes, base64url without padding = 22 chars; avoid a leading '-' (read as an option).
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* && ${#id} -eq 22 ]] && { echo "$id"; return; }
  done
}

write_config() {
  cat >"$CONFIG" <<EOF
# Generated by deploy/kafka/kafka.sh: single combined KRaft node on loopback.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA_DIR

# One node: every internal topic must have replication factor / min ISR 1.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1

# Fast tests on a small box.
group.initial.rebalance.delay.ms=0
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.num.partitions=1
num.partitions=1
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
auto.create.topics.enable=false

# Faster recovery after a crash (see RINGWATCH_KAFKA_BROKER_SESSION_TIMEOUT_MS).
broker.session.timeout.ms=$SESSION_TIMEOUT_MS
broker.heartbeat.interval.ms=$(( SESSION_TIMEOUT_MS / 4 ))
EOF
  if [[ -n "$EXTRA_CONFIG" ]]; then
    printf '\n# RINGWATCH_KAFKA_EXTRA_CONFIG\n%s\n' "$EXTRA_CONFIG" >>"$CONFIG"
  fi
}

format_storage() {
  local id out
  id="$(cluster_id)"
  if ! out="$(cd "$WORKDIR" && "$JAVA" -Xmx256m -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$LOGS_DIR" \
      -cp "$LIBS_DIR/*" kafka.tools.StorageTool format -t "$id" -c "$CONFIG" --ignore-formatted 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "formatting storage failed"
  fi
  printf '%s\n' "$out" >"$LOGS_DIR/format.log"
}

launch() {
  local offset=0 pid
  [[ -f "$SERVER_LOG" ]] && offset=$(stat -c %s "$SERVER_LOG")

  # shellcheck disable=SC2206
  local jvm=($HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$LOGS_DIR" $EXTRA_JAVA_OPTS)
  local setsid=()
  command -v setsid >/dev/null 2>&1 && setsid=(setsid)
  {
    printf '\n==== %s kafka.sh launch (Kafka %s) ====\n' "$(date -u +%FT%TZ)" "$KAFKA_VERSION"
  } >>"$STDOUT_LOG"
  # Detached: own session, no stdin, output to a file, lock fds closed.
  # (Non-job-control background child is not a group leader, so setsid execs in place: $! is java.)
  # The JVM runs in the work dir (a caller's deleted cwd would stop it from starting; hs_err files land here).
  (cd "$WORKDIR" && exec nohup "${setsid[@]}" "$JAVA" "${jvm[@]}" -cp "$LIBS_DIR/*" kafka.Kafka "$CONFIG") \
    </dev/null >>"$STDOUT_LOG" 2>&1 8>&- 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  wait_ready "$pid" "$offset"
}

wait_ready() {
  local pid=$1 offset=$2 t0 deadline
  t0=$(now_ms)
  deadline=$(( t0 + START_TIMEOUT * 1000 ))
  while :; do
    if ! alive "$pid"; then
      rm -f "$PID_FILE"
      fail_start "broker process $pid exited during startup"
    fi
    if [[ -f "$SERVER_LOG" ]] \
        && tail -c +"$((offset + 1))" "$SERVER_LOG" | grep -q 'Kafka Server started' \
        && port_open "$PORT"; then
      log "broker ready on 127.0.0.1:$PORT (pid $pid, Kafka $KAFKA_VERSION) after $(elapsed "$t0") s"
      return 0
    fi
    if (( $(now_ms) > deadline )); then
      log "broker not ready after ${START_TIMEOUT} s; stopping it"
      stop_pid "$pid" 5 || true
      rm -f "$PID_FILE"
      fail_start "timeout waiting for 'Kafka Server started' on 127.0.0.1:$PORT"
    fi
    sleep 0.2
  done
}

fail_start() {
  log "---- tail of $SERVER_LOG (config dump lines omitted) ----"
  { grep -v $'^\t' "$SERVER_LOG" 2>/dev/null | tail -n 40; } >&2 || true
  log "---- tail of $STDOUT_LOG ----"
  tail -n 20 "$STDOUT_LOG" >&2 2>/dev/null || true
  die "$1"
}

# SIGTERM, wait $2 s, then SIGKILL.
stop_pid() {
  local pid=$1 secs=$2
  kill -TERM "$pid" 2>/dev/null || return 0
  if wait_gone "$pid" "$secs"; then
    return 0
  fi
  log "broker (pid $pid) still running after ${secs} s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  wait_gone "$pid" 10 || die "pid $pid survived SIGKILL"
  return 1
}

print_brokers() { echo "KAFKA_BROKERS=127.0.0.1:$PORT"; }

# ---------------------------------------------------------------- commands

cmd_start() {
  local pid t0
  pid="$(broker_pid)"
  if [[ -n "$pid" ]]; then
    log "already running (pid $pid) on 127.0.0.1:$PORT"
    print_brokers
    return 0
  fi
  t0=$(now_ms)
  check_ports_free
  do_fetch
  rm -rf "$DATA_DIR"
  mkdir -p "$DATA_DIR" "$LOGS_DIR"
  : >"$SERVER_LOG"
  : >"$STDOUT_LOG"
  write_config
  format_storage
  launch
  log "start took $(elapsed "$t0") s in total (format + start)"
  print_brokers
}

cmd_resume() {
  local pid
  pid="$(broker_pid)"
  if [[ -n "$pid" ]]; then
    log "already running (pid $pid) on 127.0.0.1:$PORT"
    print_brokers
    return 0
  fi
  [[ -f "$DATA_DIR/meta.properties" ]] || die "no formatted data in $DATA_DIR to resume; use 'start'"
  check_ports_free
  libs_complete || do_fetch
  mkdir -p "$LOGS_DIR"
  write_config
  launch
  print_brokers
}

cmd_stop() {
  local pid t0
  pid="$(broker_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  t0=$(now_ms)
  log "stopping broker (pid $pid) ..."
  if stop_pid "$pid" "$STOP_TIMEOUT"; then
    log "stopped cleanly in $(elapsed "$t0") s"
  else
    log "killed after ${STOP_TIMEOUT} s"
  fi
  rm -f "$PID_FILE"
}

cmd_kill() {
  local pid
  pid="$(broker_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  kill -KILL "$pid" 2>/dev/null || true
  wait_gone "$pid" 10 || die "pid $pid survived SIGKILL"
  rm -f "$PID_FILE"
  log "killed broker (pid $pid) with SIGKILL; data kept in $DATA_DIR ('resume' to restart)"
}

cmd_status() {
  local pid
  pid="$(broker_pid)"
  if [[ -z "$pid" ]]; then
    echo "not running"
    return 3
  fi
  if port_open "$PORT"; then
    echo "running (pid $pid) on 127.0.0.1:$PORT, Kafka $KAFKA_VERSION, workdir $WORKDIR"
  else
    echo "running (pid $pid) but 127.0.0.1:$PORT is not accepting connections yet"
  fi
}

cmd_logs() {
  local n="${1:-100}"
  [[ -f "$SERVER_LOG" ]] || die "no server log at $SERVER_LOG"
  tail -n "$n" "$SERVER_LOG"
}

usage() {
  sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
  validate
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    fetch)   take_lock; do_fetch ;;
    start)   take_lock; cmd_start ;;
    resume)  take_lock; cmd_resume ;;
    stop)    take_lock; cmd_stop ;;
    kill)    take_lock; cmd_kill ;;
    status)  cmd_status ;;
    logs)    cmd_logs "$@" ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
