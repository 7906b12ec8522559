#!/usr/bin/env bash
# Benchmark of issue 6 (docs/PERFORMANCE.md): loads N inferences with the seeder's direct mode into a scratch data
# directory, starts the service on it (127.0.0.1 only, rate limits off), measures, and writes the results between
# the bench markers of docs/PERFORMANCE.md.
#   scripts/bench.sh                         1,000,000 inferences, 16 clients for 30 s, 100,000 ingested events
#   scripts/bench.sh --records 200000 --duration 10 --ingest-events 20000 --no-doc     a quicker look
#   scripts/bench.sh --help
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

records=1000000
data_dir="${ROOT}/target/bench/data"
reuse=false
duration=30
clients=16
runs=5
ingest_events=100000
ingest_senders=8
ingest_warm_up=60
app_port=18000
ch_port=18123
doc="${ROOT}/docs/PERFORMANCE.md"
write_doc=true
overload_clients=16
overload_seconds=15

usage() {
  cat <<USAGE
usage: scripts/bench.sh [options]
  --records N          inferences to load (both tables; one year; 150 projects, 20 models, 300 endpoints) [${records}]
  --data-dir DIR       scratch data directory of the embedded engine (deleted and reloaded) [target/bench/data]
  --reuse-data         keep DIR when it already holds a load of the same --records (from an earlier run)
  --runs N             measured heavy calls (after 20 warm-up calls); 0 skips the heavy call, its engine floor and the response sizes [${runs}]
  --clients N          concurrent clients of the dashboard mix [${clients}]
  --duration S         seconds of the dashboard mix [${duration}]
  --ingest-events N    events per ingest measurement; 0 skips ingest [${ingest_events}]
  --ingest-senders N   concurrent HTTP / JDBC senders (Dapr delivers in parallel) [${ingest_senders}]
  --ingest-warm-up S   seconds of HTTP ingest before it is timed (on 2 cores the JIT still compiles the ingest path after 45 s) [${ingest_warm_up}]
  --port P             service port [${app_port}];  --clickhouse-port P  its ClickHouse HTTP port [${ch_port}]
  --no-doc             print the results only; do not touch docs/PERFORMANCE.md
  --overload-clients N analytics clients of the overload section (docs/OPERATIONS.md "Under load"); 0 skips it [${overload_clients}]
  --overload-seconds S length of each ingest measurement of the overload section [${overload_seconds}]
USAGE
}

command_line="scripts/bench.sh${*:+ $*}"
while [ $# -gt 0 ]; do
  case "$1" in
    --records) records="$2"; shift 2 ;;
    --data-dir) data_dir="$2"; shift 2 ;;
    --reuse-data) reuse=true; shift ;;
    --runs) runs="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --ingest-events) ingest_events="$2"; shift 2 ;;
    --ingest-senders) ingest_senders="$2"; shift 2 ;;
    --ingest-warm-up) ingest_warm_up="$2"; shift 2 ;;
    --port) app_port="$2"; shift 2 ;;
    --clickhouse-port) ch_port="$2"; shift 2 ;;
    --no-doc) write_doc=false; shift ;;
    --overload-clients) overload_clients="$2"; shift 2 ;;
    --overload-seconds) overload_seconds="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) log "unknown option $1"; usage; exit 2 ;;
  esac
done

case "$(readlink -m "$data_dir")" in
  "$ROOT"/target/*|/tmp/*) ;;
  *) log "--data-dir must be under target/ or /tmp (it is deleted): $data_dir"; exit 2 ;;
esac

ensure_chdb
ensure_jar
work="$(dirname "$(readlink -m "$data_dir")")/run"
mkdir -p "$work"
# the bench talks to its own stream, consumer group and dedup keys, never to those of a real deployment
stream="budbench-$$"
service_pid=""
seeded_recorded=false

stop_service() {
  if [ -n "$service_pid" ] && kill -0 "$service_pid" 2>/dev/null; then
    # also when a measurement failed: the next --reuse-data run finds the data as loaded
    [ "$seeded_recorded" = true ] && forget_bench_rows
    kill "$service_pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$service_pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$service_pid" 2>/dev/null && { log "service did not stop in 15 s; killing it"; kill -9 "$service_pid" 2>/dev/null || true; }
  fi
  service_pid=""
}
trap stop_service EXIT

# Overload (SPEC §6b): ingestion alone and under N clients on the heavy request, analytics answers by status, the
# longest engine query, the queries left behind; appended to the results. Runs against the service started below.
overload_section() {
  [ "$overload_clients" -gt 0 ] || return 0
  log "overload: ${overload_clients} analytics clients on the heavy request, ingestion alone and under them"
  # shellcheck disable=SC2046
  $(tools_cmd) overload --url "http://127.0.0.1:${app_port}" --clickhouse-url "http://127.0.0.1:${ch_port}" \
      --heavy-request "${work}/heavy.json" --clients "$overload_clients" --seconds "$overload_seconds" \
      --deadline "${ANALYTICS_DEADLINE_SECONDS:-30}" --stream "$stream" --delete-stream true --out "${work}/results.md" >/dev/null
}

# Another process on the service's ports (a service left running, an earlier bench) would answer the health check
# and be measured instead of the service this bench starts: refuse before loading anything.
for port in "$app_port" "$((app_port + 1))" "$ch_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then
    log "127.0.0.1:${port} is taken by another process; stop it or choose --port / --clickhouse-port"
    exit 1
  fi
done

# The seeded projects and models are recorded once per data directory, when the service first runs on it (right after
# the load); before the service stops (stop_service) the rows this run's ingestion and overload added (projects and models of their own)
# are deleted from the tables and from every rollup tier, so that a run with --reuse-data measures the data as loaded.
# (Deleted from ModelInferenceDetails alone, they stayed in the rollup: at 100M rows a second run's heavy answer held
# 154,452 rows instead of 109,745, its series included.) A DELETE only masks the rows: they stay in their parts, and every
# query reads them and the mask until a merge drops them (after two 1M-row runs ModelInferenceDetails held 5.6M rows for
# 1M live ones, and a raw-row example took 89 instead of 73 ms of CPU), so the masks are applied at once: the parts that
# hold deleted rows are rewritten without them (APPLY DELETED MASK; also cleans a directory an older bench left masked).
engine_sql() { curl -sf --data-binary "$1" "http://127.0.0.1:${ch_port}/${2:-}"; }
record_seeded() {
  engine_sql "CREATE DATABASE IF NOT EXISTS bench_meta" >/dev/null
  engine_sql "CREATE TABLE IF NOT EXISTS bench_meta.seeded ENGINE = MergeTree ORDER BY tuple() AS
      SELECT DISTINCT project_id, model_id FROM bud.ModelInferenceDetails" >/dev/null
  seeded_recorded=true
}
forget_bench_rows() {
  local entry table column
  # each table with the column its rows are told by: the by-model tier has no project
  for entry in ModelInferenceDetails:project_id InferenceRollup:project_id InferenceRollupDaily:project_id \
      InferenceSecondCounts:project_id InferenceSecondCountsDaily:project_id InferenceRollupDailyByModel:model_id; do
    table="${entry%%:*}"; column="${entry#*:}"
    engine_sql "DELETE FROM bud.${table} WHERE ${column} NOT IN (SELECT ${column} FROM bench_meta.seeded)" >/dev/null \
        || log "could not delete this run's rows from ${table}; the next --reuse-data run reads them too"
    engine_sql "ALTER TABLE bud.${table} APPLY DELETED MASK" "?mutations_sync=1" >/dev/null \
        || log "could not rewrite ${table} without its deleted rows; the next --reuse-data run reads them (masked) too"
  done
}

# --- 1. data ---------------------------------------------------------------------------------------------------
marker="${data_dir}/.bench-records"
load_note="reused from an earlier run"
if [ "$reuse" = true ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$records" ]; then
  log "reusing ${data_dir} ($(cat "$marker") inferences)"
  load_note="$(cat "${data_dir}/.bench-load" 2>/dev/null || echo "$load_note") (reused)"
else
  rm -rf "$data_dir"
  mkdir -p "$data_dir"
  log "loading ${records} inferences into ${data_dir}"
  started=$(date +%s.%N)
  # above 5M rows ClickHouse generates them itself (seed --engine); below, the seeder's direct mode
  mode="--direct-db"; mode_name="direct mode"
  if [ "$records" -gt 5000000 ]; then mode="--engine"; mode_name="engine mode"; fi
  # shellcheck disable=SC2046
  (cd "$ROOT" && env -u CLICKHOUSE_HOST CLICKHOUSE_EMBEDDED_DATA="$data_dir" $(tools_cmd) seed "$mode" \
      --records "$records" --days 365 --projects 150 --models 20 --seed 20261129) | tee "${work}/seed.log" | grep -E '^(seeding|sent)' >&2
  load_seconds=$(echo "$(date +%s.%N) - $started" | bc)
  load_note="$(printf '%.1f s with the seeder (%s, both tables, %.0f inferences/s)' "$load_seconds" "$mode_name" \
      "$(echo "$records / $load_seconds" | bc -l)")"
  echo "$records" > "$marker"
  echo "$load_note" > "${data_dir}/.bench-load"
fi

# --- 2. the heavy request and its SQL ---------------------------------------------------------------------------
now="$(date -u +%Y-%m-%dT%H:%M:%S)"
from="$(date -u -d '365 days ago' +%Y-%m-%dT%H:%M:%S)"
cat > "${work}/heavy.json" <<JSON
{"metrics": ["concurrent_requests"], "from_date": "${from}", "to_date": "${now}", "frequency_unit": "day",
 "group_by": ["model", "project", "endpoint"], "return_delta": true, "fill_time_gaps": true, "filters": {}}
JSON
# shellcheck disable=SC2046
$(java_cmd) -jar "$JAR" explain-query "${work}/heavy.json" > "${work}/heavy.explain"

# --- 3. the service ---------------------------------------------------------------------------------------------
log "starting the service on 127.0.0.1:${app_port} (rate limits off, stream ${stream})"
cd "$ROOT"
# shellcheck disable=SC2046
env -u CLICKHOUSE_HOST CLICKHOUSE_EMBEDDED_DATA="$data_dir" CLICKHOUSE_EMBEDDED_PORT="$ch_port" APP_PORT="$app_port" \
    MANAGEMENT_PORT="$((app_port + 1))" \
    RATE_LIMIT_ENABLED=false REDIS_STREAM="$stream" REDIS_CONSUMER_GROUP=budmetrics-bench \
    INGEST_DEDUP_KEY_PREFIX="budbench-$$:dedup" \
    $(java_cmd) -jar "$JAR" serve > "${work}/service.log" 2>&1 &
service_pid=$!
for i in $(seq 1 120); do
  if curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${app_port}/health" | grep -q 200; then break; fi
  kill -0 "$service_pid" 2>/dev/null || { log "the service exited; see ${work}/service.log"; tail -20 "${work}/service.log" >&2; exit 1; }
  [ "$i" = 120 ] && { log "the service did not become healthy in 120 s; see ${work}/service.log"; exit 1; }
  sleep 1
done

record_seeded

# --- 4. measure -------------------------------------------------------------------------------------------------
disk_du="$(du -sh "$data_dir" | cut -f1)"
disk_parts="$(curl -s --data-binary "SELECT formatReadableSize(sum(bytes_on_disk)) || ' in ' || toString(count()) || ' parts' FROM system.parts WHERE active AND database = 'bud' AND table IN ('ModelInferenceDetails', 'ModelInference')" "http://127.0.0.1:${ch_port}/" || echo "?")"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started_at="$(date -u '+%Y-%m-%d %H:%M UTC')"
# shellcheck disable=SC2046
$(tools_cmd) bench --url "http://127.0.0.1:${app_port}" --clickhouse-url "http://127.0.0.1:${ch_port}" \
    --heavy-request "${work}/heavy.json" --heavy-sql "${work}/heavy.explain" --examples "${ROOT}/examples/analytics" \
    --runs "$runs" --clients "$clients" --duration "$duration" --ingest-events "$ingest_events" \
    --ingest-senders "$ingest_senders" --ingest-warm-up "$ingest_warm_up" --stream "$stream" --delete-stream "$([ "$overload_clients" -gt 0 ] && echo false || echo true)" \
    --out "${work}/results.md"
overload_section
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
stop_service

cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
machine="${cpu:-unknown CPU}, $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB RAM, $(uname -sr), $(java -version 2>&1 | head -1)"
{
  echo "<!-- bench:begin (written by scripts/bench.sh; edit outside the markers) -->"
  echo "Run: \`${command_line}\` on ${started_at}."
  echo
  echo "- Machine: ${machine}. Other jobs shared it: load average ${load_before} (1/5/15 min) before, ${load_after} after."
  echo "- Data: ${records} inferences in ModelInferenceDetails and their ModelInference rows, one year, 150 projects,"
  echo "  20 models, 300 endpoints (\`seed --seed 20261129\`); load: ${load_note}."
  echo "- Disk: ${disk_du} (\`du\` of the data directory); the two tables' active parts: ${disk_parts}."
  echo "- Service: embedded engine, \`RATE_LIMIT_ENABLED=false\` (the default; with limits on, 100 analytics calls/min per"
  echo "  client would turn the mix into 429s), default compression levels, its own Redis stream and consumer group."
  echo
  cat "${work}/results.md"
  echo "<!-- bench:end -->"
} > "${work}/section.md"

if [ "$write_doc" = true ]; then
  if [ -f "$doc" ] && grep -q '<!-- bench:begin' "$doc"; then
    awk -v section="${work}/section.md" '
      /<!-- bench:begin/ { while ((getline line < section) > 0) print line; skip = 1; next }
      /<!-- bench:end/ { skip = 0; next }
      !skip { print }' "$doc" > "${doc}.tmp" && mv "${doc}.tmp" "$doc"
  else
    { echo "# Performance"; echo; cat "${work}/section.md"; } > "$doc"
  fi
  log "results written to ${doc}"
else
  cat "${work}/section.md"
fi
