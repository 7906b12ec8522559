#!/usr/bin/env bash
# Chaos run of issue 11 (docs/OPERATIONS.md, "Failure behaviour"): for each fault, events sent vs acknowledged vs
# stored vs dead-lettered, lost and duplicated. Every fault runs on 127.0.0.1 with its own ports, data directories
# (under a temporary directory) and its own redis-server, which this script starts and kills; it never touches any
# other Redis. Exit status 1 when anything acknowledged was lost or stored twice.
#   scripts/chaos.sh                    all faults (a-e), about 8 minutes on 2 cores
#   scripts/chaos.sh --only a,c         some of them
#   scripts/chaos.sh --events 500       lighter load (default 3000 events per load)
#   scripts/chaos.sh --only r           service replicas: 200k events into 3 instances on one consumer group and one
#                                       ClickHouse, one of them killed (-9); 2-3 minutes after the start-ups (not in the
#                                       default set)
#   scripts/chaos.sh --help
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

only="a,b,c,d,e"
events=3000
port_base=18500
redis_base=6391
engine_outage=stop,kill
outage_seconds=30
replica_events=200000
replica_spread=40
replica_claim_idle=""
replica_claim_ttl=""
write_doc=false
keep=false
doc="${ROOT}/docs/OPERATIONS.md"
scaling_doc="${ROOT}/docs/SCALING.md"

usage() {
  cat <<USAGE
usage: scripts/chaos.sh [options]
  --only LIST            faults to run, comma-separated [${only}]
                           a  kill -9 of the service under HTTP and stream load, restart on the same data
                           b  Redis (append-only file, fsync always) killed and restarted under stream and HTTP load
                           c  ClickHouse unreachable for ${outage_seconds} s: the service in external mode, its engine stopped
                           d  a fresh data directory with the old Redis state, the same events posted again
                           e  poison entries on the stream (and a bulk spanning 150 months over HTTP)
                           r  service replicas: 3 instances (the first on the embedded engine, two in external mode on
                              its port) share one Redis consumer group; one of the external ones is killed (-9) midway
                              (not in the default set; its table has markers of its own in docs/SCALING.md)
  --events N             events per load (HTTP and stream each) [${events}]
  --engine-outage LIST   c: stop (SIGSTOP/SIGCONT: a hung engine), kill (kill -9, restart on its data), or both [${engine_outage}]
  --outage-seconds S     c: how long the engine is away [${outage_seconds}]
  --replica-events N     r: events in all, half over HTTP (spread over the instances), half on the stream [${replica_events}]
  --replica-spread S     r: seconds the load is spread over; the kill comes half-way [${replica_spread}]
  --replica-claim-idle D r: REDIS_CLAIM_IDLE of the instances (REDIS_CLAIM_INTERVAL a fifth of it), e.g. 10s [the service's, 60s]
  --replica-claim-ttl D  r: INGEST_DEDUP_CLAIM_TTL of the instances, e.g. 20s [the service's, 60s]
  --port-base P          service ports P+1..P+40, their actuators P+101..P+140 [${port_base}];  --redis-port-base P  Redis ports P..P+5 [${redis_base}]
  --doc                  also write the table between the chaos markers of docs/OPERATIONS.md (r: the replicas markers of docs/SCALING.md)
  --keep                 keep the temporary directory (logs, ledgers, data) instead of deleting it
USAGE
}

command_line="scripts/chaos.sh${*:+ $*}"
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only="$2"; shift 2 ;;
    --events) events="$2"; shift 2 ;;
    --engine-outage) engine_outage="$2"; shift 2 ;;
    --outage-seconds) outage_seconds="$2"; shift 2 ;;
    --replica-events) replica_events="$2"; shift 2 ;;
    --replica-spread) replica_spread="$2"; shift 2 ;;
    --replica-claim-idle) replica_claim_idle="$2"; shift 2 ;;
    --replica-claim-ttl) replica_claim_ttl="$2"; shift 2 ;;
    --port-base) port_base="$2"; shift 2 ;;
    --redis-port-base) redis_base="$2"; shift 2 ;;
    --doc) write_doc=true; shift ;;
    --keep) keep=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) log "unknown option $1"; usage; exit 2 ;;
  esac
done
for fault in ${only//,/ }; do
  case "$fault" in a|b|c|d|e|r) ;; *) log "--only: unknown fault ${fault} (a-e, r)"; exit 2 ;; esac
done
case "$engine_outage" in stop|kill|stop,kill|kill,stop) ;; *) log "--engine-outage must be stop, kill or stop,kill"; exit 2 ;; esac
command -v redis-server >/dev/null || { log "redis-server is needed (apt-get install redis-server)"; exit 1; }

ensure_chdb
ensure_jar
work="$(mktemp -d /tmp/budchaos.XXXXXX)"
results="${work}/results.md"            # the rows of faults a-e
replicas_results="${work}/replicas.md"  # fault r's rows: a table of its own
java_bin="$(java_home)/bin/java"
jsig="$(java_home)/lib/libjsig.so"
failed=false
declare -A pid_of=()   # every process this script started, by name; cleanup kills exactly these

cleanup() {
  local name
  for name in "${!pid_of[@]}"; do
    kill -CONT "${pid_of[$name]}" 2>/dev/null || true
    kill -9 "${pid_of[$name]}" 2>/dev/null || true
  done
  if [ "$keep" = true ]; then log "kept ${work}"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# redis NAME PORT [redis-server options…]: a Redis of this script's own, in the foreground (so its pid is ours).
start_redis() {
  local name="$1" port="$2"; shift 2
  port_free "$port" || { log "port ${port} is in use; pick another --redis-port-base"; exit 1; }
  mkdir -p "${work}/${name}"
  redis-server --port "$port" --bind 127.0.0.1 --dir "${work}/${name}" --save "" --appendonly no "$@" \
      >> "${work}/${name}.log" 2>&1 &
  pid_of[$name]=$!
  for _ in $(seq 1 50); do
    redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return
    sleep 0.1
  done
  log "${name} did not start on ${port}"; exit 1
}

# service NAME APP_PORT [VAR=value…]: the service from the jar, with a clean environment (nothing inherited can point it
# at another Redis or ClickHouse), rate limits off, LD_PRELOAD of libjsig as scripts/run.sh intends, and the actuator on
# a port of its own (APP_PORT + 100), so that two instances never share one.
start_service() {
  local name="$1" app_port="$2" setting; shift 2
  for setting in "APP_PORT=${app_port}" "MANAGEMENT_PORT=$((app_port + 100))" "$@"; do
    case "$setting" in
      APP_PORT=*|MANAGEMENT_PORT=*|CLICKHOUSE_EMBEDDED_PORT=*)
        port_free "${setting#*=}" || { log "port ${setting#*=} is in use; pick another --port-base"; exit 1; } ;;
    esac
  done
  (cd "$ROOT" && exec env -i PATH="$PATH" HOME="$HOME" LANG=C.UTF-8 TMPDIR="${work}" LD_PRELOAD="$jsig" \
      ${CHDB_LIBRARY:+CHDB_LIBRARY="$CHDB_LIBRARY"} ${BUDMETRICS_CACHE:+BUDMETRICS_CACHE="$BUDMETRICS_CACHE"} \
      APP_PORT="$app_port" MANAGEMENT_PORT=$((app_port + 100)) RATE_LIMIT_ENABLED=false REDIS_HOST=127.0.0.1 "$@" \
      "$java_bin" -Dsun.net.httpserver.nodelay=true -XX:G1HeapRegionSize=16m -Xmx1g -jar "$JAR" serve) \
      >> "${work}/${name}.log" 2>&1 &
  pid_of[$name]=$!
}

# wait_healthy NAME APP_PORT: until GET /ping (a Camel route) is 200; sets healthy_after (seconds waited). Not /health:
# it answers 200 while the Camel context is still starting and the routes (ingest included) still answer 404, and it
# may live on the management port.
healthy_after=0
wait_healthy() {
  local name="$1" app_port="$2" started
  started=$(date +%s)
  # on 2 busy cores a start (chDB, migrations, Spring, Camel) has taken up to 100 s
  while [ $(( $(date +%s) - started )) -lt 300 ]; do
    if curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${app_port}/ping" | grep -q 200; then
      healthy_after=$(( $(date +%s) - started ))
      return
    fi
    kill -0 "${pid_of[$name]}" 2>/dev/null || { log "${name} exited; see its log:"; tail -30 "${work}/${name}.log" >&2; exit 1; }
    sleep 0.5
  done
  log "${name} did not become healthy in 300 s"; tail -30 "${work}/${name}.log" >&2; exit 1
}

stop_process() {
  local name="$1" pid="${pid_of[$1]:-}"
  [ -n "$pid" ] || return 0
  kill -CONT "$pid" 2>/dev/null || true
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "pid_of[$name]"
}

# waits for the senders started in the background (they give up on their own, bounded)
wait_senders() {
  local name
  for name in "${!pid_of[@]}"; do
    if [[ "$name" == *-sender ]]; then
      wait "${pid_of[$name]}" || true
      unset "pid_of[$name]"
    fi
  done
}

kill9() {
  local name="$1"
  kill -9 "${pid_of[$name]}" 2>/dev/null || true
  wait "${pid_of[$name]}" 2>/dev/null || true
  unset "pid_of[$name]"
}

# the chaos senders and counter (ai.bud.metrics.bench.ChaosCommand, in the tools jar); a sender started with & has its
# own pid in $!
chaos=("$java_bin" -XX:TieredStopAtLevel=1 -Xmx512m "${TOOLS_LAUNCH[@]}" chaos)

# count LEDGERS ENGINE_PORT FAULT [count options…]: one table row; a loss or a duplicate fails the run
count() {
  local ledgers="$1" ch_port="$2" fault="$3"; shift 3
  local code=0
  "${chaos[@]}" count --clickhouse-url "http://127.0.0.1:${ch_port}" --ledger "$ledgers" --fault "$fault" --table "$results" "$@" || code=$?
  if [ "$code" != 0 ]; then
    failed=true
    [ "$code" = 3 ] || echo "| ${fault} | | | | | | | the count failed (exit ${code}); see the log |" >> "$results"
  fi
}

uuid() { cat /proc/sys/kernel/random/uuid; }
now_ms() { date +%s%3N; }
selected() { [[ ",${only}," == *",$1,"* ]]; }

# --- a. kill -9 under load -------------------------------------------------------------------------------------
fault_a() {
  local redis=$((redis_base)) app=$((port_base + 1)) ch=$((port_base + 11))
  log "a: kill -9 of the service under HTTP and stream load"
  start_redis a-redis "$redis"
  local env=(CLICKHOUSE_EMBEDDED_DATA="${work}/a-data" CLICKHOUSE_EMBEDDED_PORT="$ch" REDIS_PORT="$redis" REDIS_CONSUMER_NAME=chaos-a)
  start_service a-service "$app" "${env[@]}"
  wait_healthy a-service "$app"
  # retries every 0.2 s at most: a sidecar with many deliveries in flight has some of them retried at any moment, so a
  # short window in the restart where the service answers wrongly is hit as it would be in production
  "${chaos[@]}" http-send --url "http://127.0.0.1:${app}" --project "$(uuid)" --events "$events" --batch 100 --senders 2 --spread 20 \
      --give-up-after 120 --max-backoff-ms 200 --ledger "${work}/a-http.ledger" 2>> "${work}/a-senders.log" &
  pid_of[http-sender]=$!
  "${chaos[@]}" stream-send --redis "127.0.0.1:${redis}" --stream budMetricsMessages --project "$(uuid)" --events "$events" --per-message 10 \
      --spread 20 --give-up-after 120 --ledger "${work}/a-stream.ledger" 2>> "${work}/a-senders.log" &
  pid_of[stream-sender]=$!
  sleep 8
  kill9 a-service
  log "a: killed the service 8 s into the 20 s load; restarting it on the same data"
  start_service a-service "$app" "${env[@]}"
  wait_healthy a-service "$app"
  wait_senders
  local note="killed (-9) 8 s into a 20 s load, restarted at once, healthy again ${healthy_after} s later"
  count "${work}/a-http.ledger" "$ch" "a. kill -9, HTTP load" --wait 60 --note "$note"
  count "${work}/a-stream.ledger" "$ch" "a. kill -9, stream load" --redis "127.0.0.1:${redis}" --wait 60 --note "$note"
  stop_process a-service
  stop_process a-redis
}

# --- b. Redis killed and restarted mid-stream --------------------------------------------------------------------
fault_b() {
  local redis=$((redis_base + 1)) app=$((port_base + 2)) ch=$((port_base + 12))
  log "b: Redis killed (-9) and restarted under stream and HTTP load (append-only file, fsync always)"
  local redis_opts=(--appendonly yes --appendfsync always)
  start_redis b-redis "$redis" "${redis_opts[@]}"
  start_service b-service "$app" CLICKHOUSE_EMBEDDED_DATA="${work}/b-data" CLICKHOUSE_EMBEDDED_PORT="$ch" REDIS_PORT="$redis" \
      REDIS_CONSUMER_NAME=chaos-b
  wait_healthy b-service "$app"
  "${chaos[@]}" stream-send --redis "127.0.0.1:${redis}" --stream budMetricsMessages --project "$(uuid)" --events "$events" --per-message 10 \
      --spread 20 --give-up-after 120 --ledger "${work}/b-stream.ledger" 2>> "${work}/b-senders.log" &
  pid_of[stream-sender]=$!
  "${chaos[@]}" http-send --url "http://127.0.0.1:${app}" --project "$(uuid)" --events "$events" --batch 100 --senders 2 --spread 20 \
      --give-up-after 120 --ledger "${work}/b-http.ledger" 2>> "${work}/b-senders.log" &
  pid_of[http-sender]=$!
  sleep 7
  kill9 b-redis
  log "b: killed Redis 7 s into a 20 s load; restarting it in 5 s on its append-only file"
  sleep 5
  start_redis b-redis "$redis" "${redis_opts[@]}"
  wait_senders
  local note="Redis killed (-9) 7 s into a 20 s load and restarted 5 s later from its append-only file (fsync always)"
  count "${work}/b-stream.ledger" "$ch" "b. Redis restarted, stream load" --redis "127.0.0.1:${redis}" --wait 90 --note "$note"
  count "${work}/b-http.ledger" "$ch" "b. Redis restarted, HTTP load" --wait 30 --note "$note"
  stop_process b-service
  stop_process b-redis
}

# --- c. ClickHouse unreachable ------------------------------------------------------------------------------------
# c_outage MODE: one load of HTTP and stream events while the engine is away for outage_seconds, then the count
c_outage() {
  local mode="$1" spread=$((outage_seconds + 20)) note label=stopped
  [ "$mode" = kill ] && label=killed
  "${chaos[@]}" http-send --url "http://127.0.0.1:${c_app}" --project "$(uuid)" --events "$events" --batch 100 --senders 2 \
      --spread "$spread" --give-up-after 150 --ledger "${work}/c-${mode}-http.ledger" 2>> "${work}/c-senders.log" &
  pid_of[http-sender]=$!
  "${chaos[@]}" stream-send --redis "127.0.0.1:${c_redis}" --stream budMetricsMessages --project "$(uuid)" --events "$events" \
      --per-message 10 --spread "$spread" --give-up-after 150 --ledger "${work}/c-${mode}-stream.ledger" 2>> "${work}/c-senders.log" &
  pid_of[stream-sender]=$!
  sleep 8
  if [ "$mode" = stop ]; then
    kill -STOP "${pid_of[c-engine]}"
    log "c: engine stopped (SIGSTOP) for ${outage_seconds} s"
    sleep "$outage_seconds"
    kill -CONT "${pid_of[c-engine]}"
    note="engine stopped (SIGSTOP: connections hang) 8 s into a ${spread} s load, resumed ${outage_seconds} s later"
  else
    kill9 c-engine
    log "c: engine killed (-9); restarting it on its data in ${outage_seconds} s"
    sleep "$outage_seconds"
    start_service c-engine "$c_engine_app" "${c_engine_env[@]}"
    wait_healthy c-engine "$c_engine_app"
    note="engine killed (-9: connections refused) 8 s into a ${spread} s load, restarted ${outage_seconds} s later, healthy ${healthy_after} s after that"
  fi
  wait_senders
  count "${work}/c-${mode}-http.ledger" "$c_engine_ch" "c. ClickHouse ${label} ${outage_seconds} s, HTTP load" \
      --wait 120 --note "$note"
  count "${work}/c-${mode}-stream.ledger" "$c_engine_ch" "c. ClickHouse ${label} ${outage_seconds} s, stream load" \
      --redis "127.0.0.1:${c_redis}" --wait 120 --note "$note"
}

fault_c() {
  c_redis=$((redis_base + 2)) c_app=$((port_base + 3)) c_engine_app=$((port_base + 23)) c_engine_ch=$((port_base + 13))
  log "c: ClickHouse unreachable for ${outage_seconds} s (${engine_outage}) under HTTP and stream load; the service in external mode"
  start_redis c-redis "$c_redis"
  # the engine: a second instance serving only its embedded ClickHouse (its stream consumer off)
  c_engine_env=(CLICKHOUSE_EMBEDDED_DATA="${work}/c-engine-data" CLICKHOUSE_EMBEDDED_PORT="$c_engine_ch" REDIS_PORT="$c_redis"
      REDIS_INGEST_ENABLED=false REDIS_STREAM=chaos-c-engine-unused)
  start_service c-engine "$c_engine_app" "${c_engine_env[@]}"
  wait_healthy c-engine "$c_engine_app"
  start_service c-service "$c_app" CLICKHOUSE_HOST=127.0.0.1 CLICKHOUSE_PORT="$c_engine_ch" REDIS_PORT="$c_redis" REDIS_CONSUMER_NAME=chaos-c
  wait_healthy c-service "$c_app"
  local mode
  for mode in ${engine_outage//,/ }; do
    c_outage "$mode"
  done
  stop_process c-service
  stop_process c-engine
  stop_process c-redis
}

# --- d. fresh data directory, old Redis state ----------------------------------------------------------------------
fault_d() {
  local redis=$((redis_base + 3)) app=$((port_base + 4)) ch=$((port_base + 14)) project now
  log "d: a fresh data directory with the old Redis state, the same events posted again"
  start_redis d-redis "$redis"
  project="$(uuid)"
  now="$(now_ms)"
  local send=(--url "http://127.0.0.1:${app}" --project "$project" --events "$events" --batch 100 --senders 2 --spread 3 --seed 11
      --now "$now" --give-up-after 60)
  start_service d-first "$app" CLICKHOUSE_EMBEDDED_DATA="${work}/d-data-1" CLICKHOUSE_EMBEDDED_PORT="$ch" REDIS_PORT="$redis" \
      REDIS_CONSUMER_NAME=chaos-d
  wait_healthy d-first "$app"
  "${chaos[@]}" http-send "${send[@]}" --ledger "${work}/d-first.ledger" 2>> "${work}/d-senders.log"
  stop_process d-first
  start_service d-second "$app" CLICKHOUSE_EMBEDDED_DATA="${work}/d-data-2" CLICKHOUSE_EMBEDDED_PORT="$ch" REDIS_PORT="$redis" \
      REDIS_CONSUMER_NAME=chaos-d
  wait_healthy d-second "$app"
  "${chaos[@]}" http-send "${send[@]}" --ledger "${work}/d-second.ledger" 2>> "${work}/d-senders.log"
  count "${work}/d-second.ledger" "$ch" "d. fresh data dir, old Redis" --wait 20 \
      --note "the same ${events} events posted to a first data directory, then (same Redis) to a fresh one; counted in the fresh one"
  stop_process d-second
  stop_process d-redis
}

# --- e. poison entries ---------------------------------------------------------------------------------------------
fault_e() {
  local redis=$((redis_base + 4)) app=$((port_base + 5)) ch=$((port_base + 15))
  log "e: poison entries on the stream, a bulk spanning 150 months over HTTP"
  start_redis e-redis "$redis"
  # a 2 s cap on the consumer's retry backoff (default 30 s), so that 10 deliveries of an entry fit in the wait below
  start_service e-service "$app" CLICKHOUSE_EMBEDDED_DATA="${work}/e-data" CLICKHOUSE_EMBEDDED_PORT="$ch" REDIS_PORT="$redis" \
      REDIS_CONSUMER_NAME=chaos-e REDIS_MAX_RETRY_BACKOFF=2s
  wait_healthy e-service "$app"
  local project
  project="$(uuid)"
  "${chaos[@]}" http-send --url "http://127.0.0.1:${app}" --project "$project" --events 300 --batch 150 --senders 2 --spread 1 --span-months 150 \
      --seed 21 --give-up-after 60 --label "events of bulks spanning 150 months" --ledger "${work}/e-http-span.ledger" \
      2>> "${work}/e-senders.log" &
  pid_of[span-sender]=$!
  "${chaos[@]}" http-send --url "http://127.0.0.1:${app}" --project "$project" --events 900 --batch 100 --senders 3 --spread 3 --seed 22 \
      --give-up-after 60 --label "events of valid bulks sent beside them" --ledger "${work}/e-http-valid.ledger" \
      2>> "${work}/e-senders.log" &
  pid_of[valid-sender]=$!
  "${chaos[@]}" poison --redis "127.0.0.1:${redis}" --stream budMetricsMessages --project "$(uuid)" --valid 20 \
      --ledger "${work}/e-stream.ledger" 2>> "${work}/e-senders.log"
  wait_senders
  count "${work}/e-stream.ledger" "$ch" "e. poison entries on the stream" --redis "127.0.0.1:${redis}" --wait 90 \
      --note "each kind of poison once (bulks spanning 150 months: twice), then 20 valid entries; consumer backoff capped at 2 s"
  count "${work}/e-http-span.ledger,${work}/e-http-valid.ledger" "$ch" "e. bulk spanning 150 months over HTTP" --wait 20 \
      --note "2 bulks of 150 events (one per month) and 9 bulks of 100 valid events, concurrently; each bulk retried for 60 s"
  stop_process e-service
  stop_process e-redis
}

# --- r. service replicas ---------------------------------------------------------------------------------------------
# duration_ms 10s|500ms|2m: milliseconds
duration_ms() {
  case "$1" in
    *ms) echo "${1%ms}" ;;
    *s) echo $(( ${1%s} * 1000 )) ;;
    *m) echo $(( ${1%m} * 60000 )) ;;
    *) log "--replica-claim-idle: a duration like 10s, got $1"; exit 2 ;;
  esac
}

# pending_of REDIS PREFIX: the entries the group's consumers named PREFIX or PREFIX-n hold (read, not acknowledged)
pending_of() {
  { redis-cli -p "$1" --raw XINFO CONSUMERS budMetricsMessages budmetrics 2>/dev/null || true; } \
    | awk -v c="$2" '$0 == "name" { getline; name = $0 } $0 == "pending" { getline; if (name == c || index(name, c "-") == 1) n += $0 }
                     END { print n + 0 }'
}

fault_r() {
  local redis=$((redis_base + 5)) ch=$((port_base + 34)) apps=($((port_base + 31)) $((port_base + 32)) $((port_base + 33)))
  local half=$((replica_events / 2)) user=replicas password began loaded_at killed_at i
  # count (below) appends its rows to $results: here, fault r's own table
  local results="$replicas_results"
  password="$(uuid)"
  log "r: 3 instances on one consumer group and one ClickHouse, ${replica_events} events, one instance killed (-9) midway"
  start_redis r-redis "$redis"
  began=$(date +%s)
  # replica-1 runs the embedded engine; its port is the others' ClickHouse, so it asks for credentials (docs/OPERATIONS.md,
  # "The embedded engine's port"). All three read the same stream in the same group (each instance its own consumer
  # names, replica-N-1 and -2) and keep their dedup claims in the same Redis.
  local timers=() claim_note="the service's claim settings (REDIS_CLAIM_IDLE 60 s, INGEST_DEDUP_CLAIM_TTL 60 s)"
  if [ -n "$replica_claim_idle" ]; then
    local idle_ms
    idle_ms="$(duration_ms "$replica_claim_idle")"
    timers+=(REDIS_CLAIM_IDLE="${idle_ms}ms" REDIS_CLAIM_INTERVAL="$((idle_ms / 5))ms")
  fi
  [ -z "$replica_claim_ttl" ] || timers+=(INGEST_DEDUP_CLAIM_TTL="$replica_claim_ttl")
  [ ${#timers[@]} = 0 ] || claim_note="claim settings ${timers[*]}"
  start_service replica-1 "${apps[0]}" CLICKHOUSE_EMBEDDED_DATA="${work}/r-data" CLICKHOUSE_EMBEDDED_PORT="$ch" \
      CLICKHOUSE_EMBEDDED_USER="$user" CLICKHOUSE_EMBEDDED_PASSWORD="$password" REDIS_PORT="$redis" REDIS_CONSUMER_NAME=replica-1 \
      ${timers[@]+"${timers[@]}"}
  wait_healthy replica-1 "${apps[0]}"
  # one after the other: on 2 busy cores two starts side by side have each taken more than wait_healthy's 300 s
  for i in 2 3; do
    start_service "replica-${i}" "${apps[i - 1]}" CLICKHOUSE_HOST=127.0.0.1 CLICKHOUSE_PORT="$ch" CLICKHOUSE_USER="$user" \
        CLICKHOUSE_PASSWORD="$password" REDIS_PORT="$redis" REDIS_CONSUMER_NAME="replica-${i}" ${timers[@]+"${timers[@]}"}
    wait_healthy "replica-${i}" "${apps[i - 1]}"
  done
  loaded_at=$(date +%s)
  local urls="http://127.0.0.1:${apps[0]},http://127.0.0.1:${apps[1]},http://127.0.0.1:${apps[2]}"
  # 6 HTTP senders, 2 per instance; one whose instance is gone moves to the next (a load balancer in front of replicas)
  "${chaos[@]}" http-send --url "$urls" --project "$(uuid)" --events "$half" --batch 100 --senders 6 --spread "$replica_spread" \
      --give-up-after 150 --ledger "${work}/r-http.ledger" 2>> "${work}/r-senders.log" &
  pid_of[http-sender]=$!
  "${chaos[@]}" stream-send --redis "127.0.0.1:${redis}" --stream budMetricsMessages --project "$(uuid)" --events "$half" \
      --per-message 10 --spread "$replica_spread" --give-up-after 150 --ledger "${work}/r-stream.ledger" 2>> "${work}/r-senders.log" &
  pid_of[stream-sender]=$!
  # midway: when half the stream's messages are in (on busy cores the senders fall far behind their schedule, so the
  # clock is no measure), then at a moment when replica-3's consumers hold entries (read, not acknowledged), so that the
  # others have something to claim (waiting at most 10 s for one)
  local messages=$(( (half + 9) / 10 )) published deadline=$(( $(date +%s) + 600 ))
  while true; do
    published="$(redis-cli -p "$redis" XLEN budMetricsMessages 2>/dev/null || echo 0)"
    if [ "${published:-0}" -ge $((messages / 2)) ] || [ "$(date +%s)" -ge "$deadline" ]; then break; fi
    sleep 0.2
  done
  deadline=$(( $(date +%s) + 10 ))
  while [ "$(pending_of "$redis" replica-3)" = 0 ] && [ "$(date +%s)" -lt "$deadline" ]; do
    sleep 0.05
  done
  # replica-3, not replica-1: killing the instance that runs the engine takes ClickHouse from all three (that is fault c)
  kill9 replica-3
  killed_at=$(date +%s)
  local held
  held="$(pending_of "$redis" replica-3)"
  published="$(redis-cli -p "$redis" XLEN budMetricsMessages 2>/dev/null || echo '?')"
  local when="$((killed_at - loaded_at)) s after the senders started (a load planned for ${replica_spread} s), ${published} of ${messages} stream messages published"
  log "r: killed replica-3 (-9) ${when}; its consumers held ${held} entries"
  # when the others have claimed all of them (after REDIS_CLAIM_IDLE, checked every REDIS_CLAIM_INTERVAL)
  ( while [ "$(pending_of "$redis" replica-3)" -gt 0 ] && [ $(( $(date +%s) - killed_at )) -lt 300 ]; do sleep 1; done
    echo $(( $(date +%s) - killed_at )) > "${work}/r-claimed-after" ) &
  pid_of[r-claim-watch]=$!
  wait_senders
  local note="replica-3 (external) killed (-9) ${when}; ${claim_note}"
  CLICKHOUSE_USER="$user" CLICKHOUSE_PASSWORD="$password" count "${work}/r-http.ledger" "$ch" "r. HTTP, 6 senders over 3 instances" \
      --wait 180 --note "$note; a sender whose instance is gone moves to the next"
  CLICKHOUSE_USER="$user" CLICKHOUSE_PASSWORD="$password" count "${work}/r-stream.ledger" "$ch" "r. stream, one consumer group" \
      --redis "127.0.0.1:${redis}" --wait 180 --note "$note; its consumers held ${held} entries"
  wait "${pid_of[r-claim-watch]}" 2>/dev/null || true
  unset "pid_of[r-claim-watch]"
  local claimed_after="not within 300 s"
  [ -s "${work}/r-claimed-after" ] && claimed_after="$(cat "${work}/r-claimed-after") s after the kill"
  # the summary: the two rows' columns summed (sent, acknowledged, stored, dead-lettered, lost, duplicated)
  awk -F'|' -v held="$held" -v after="$claimed_after" -v startup=$((loaded_at - began)) -v total=$(( $(date +%s) - loaded_at )) \
      -v kill_at=$((killed_at - loaded_at)) -v published="$published" -v messages="$messages" '
    /^\| r\. HTTP/ { http = $3 } /^\| r\. stream/ { stream = $3 }
    /^\| r\./ { for (i = 3; i <= 8; i++) { v = $i; gsub(/[* ]/, "", v); sum[i] += v } }
    END {
      print "| instances | killed | events sent: HTTP / stream | stored | lost | duplicated | entries the killed consumers held, claimed by the others | claimed | start-up of the 3 | senders started to settled |"
      print "|---|---|---|---|---|---|---|---|---|---|"
      printf "| 3: replica-1 embedded, replica-2 and -3 external on its port | replica-3, -9, %d s after the senders started, %s of %d stream messages in | %d / %d | %d | %s | %s | %d | %s | %d s | %d s |\n",
        kill_at, published, messages, http, stream, sum[5], (sum[7] ? "**" sum[7] "**" : 0), (sum[8] ? "**" sum[8] "**" : 0), held, after, startup, total
    }' "$replicas_results" > "${work}/r-summary.md"
  stop_process replica-1
  stop_process replica-2
  stop_process r-redis
}

started_at="$(date -u '+%Y-%m-%d %H:%M UTC')"
commit="$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(cd "$ROOT" && git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ' (with uncommitted changes)' || true)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
seconds_start=$(date +%s)
echo "| fault | sent | acknowledged | stored | dead-lettered | lost | duplicated | notes |" | tee "$results" > "$replicas_results"
echo "|---|---|---|---|---|---|---|---|" | tee -a "$results" >> "$replicas_results"
for fault in a b c d e r; do
  if selected "$fault"; then "fault_${fault}"; fi
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# section MARKER TABLE…: the run's header and the tables, between MARKER's begin and end comments
section() {
  local marker="$1" table; shift
  echo "<!-- ${marker}:begin (written by scripts/chaos.sh --doc; edit outside the markers) -->"
  echo "Run: \`${command_line}\` on ${started_at}, commit \`${commit}\`${dirty}; $(( $(date +%s) - seconds_start )) s;"
  echo "$(nproc) cores, load average ${load_before} before, ${load_after} after (other jobs shared the machine)."
  for table in "$@"; do
    echo
    cat "$table"
  done
  echo "<!-- ${marker}:end -->"
}

# write_section MARKER FILE DOC: replaces MARKER's section in DOC (appends it when the doc has none yet)
write_section() {
  local marker="$1" file="$2" doc="$3"
  if grep -q "<!-- ${marker}:begin" "$doc"; then
    awk -v section="$file" -v begin="<!-- ${marker}:begin" -v end="<!-- ${marker}:end" '
      index($0, begin) == 1 { while ((getline line < section) > 0) print line; skip = 1; next }
      index($0, end) == 1 { skip = 0; next }
      !skip { print }' "$doc" > "${doc}.tmp" && mv "${doc}.tmp" "$doc"
  else
    { echo; cat "$file"; } >> "$doc"
  fi
  log "${marker} table written to ${doc}"
}

sections=()
if [[ ",${only}," =~ ,[a-e], ]]; then
  section chaos "$results" > "${work}/section.md"
  sections+=(chaos:"${work}/section.md")
fi
if selected r; then
  section replicas "${work}/r-summary.md" "$replicas_results" > "${work}/replicas-section.md"
  sections+=(replicas:"${work}/replicas-section.md")
fi
for entry in "${sections[@]}"; do
  marker="${entry%%:*}"
  # fault r's table lives in docs/SCALING.md ("Service replicas"), the a-e table in docs/OPERATIONS.md
  if [ "$write_doc" = true ]; then write_section "$marker" "${entry#*:}" "$([ "$marker" = replicas ] && echo "$scaling_doc" || echo "$doc")"; fi
  cat "${entry#*:}"
done
if [ "$failed" = true ]; then
  log "something acknowledged was lost or stored twice (or a count failed): see the table"
  exit 1
fi
