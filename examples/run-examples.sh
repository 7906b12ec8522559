#!/usr/bin/env bash
# Posts the dashboard requests in examples/analytics/*.json to a running service and prints a short summary of
# each answer (docs/API_REFERENCE.md describes the fields).
#   examples/run-examples.sh                         all of them, against http://127.0.0.1:${APP_PORT:-8000}
#   examples/run-examples.sh analytics/06-*.json     some of them
#   examples/run-examples.sh --raw 01                the full JSON answer (files matched by prefix or path)
#   BUDMETRICS_URL=http://host:8000 examples/run-examples.sh
# Dates in the files are relative: {{NOW}}, {{NOW-7d}}, {{NOW-24h}}, {{NOW-12w}} (from dates are cut to the hour);
# {{PROJECT_ID}} becomes the busiest project of the last 30 days, asked from the service itself.
# Needs curl and jq (without jq the answers are printed as they come).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
URL="${BUDMETRICS_URL:-http://127.0.0.1:${APP_PORT:-8000}}"
RAW=false
FILES=()
for arg in "$@"; do
  case "$arg" in
    --raw) RAW=true ;;
    -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *)
      if [ -f "$arg" ]; then FILES+=("$arg")
      elif [ -f "$HERE/$arg" ]; then FILES+=("$HERE/$arg")
      else
        matched=("$HERE"/analytics/"$arg"*.json)
        [ -f "${matched[0]}" ] || { echo "no example matches '$arg'" >&2; exit 2; }
        FILES+=("${matched[@]}")
      fi ;;
  esac
done
[ ${#FILES[@]} -gt 0 ] || FILES=("$HERE"/analytics/*.json)

command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }
HAVE_JQ=false
command -v jq >/dev/null && HAVE_JQ=true

AUTH=()
[ -n "${APP_API_TOKEN:-}" ] && AUTH=(-H "dapr-api-token: ${APP_API_TOKEN}")

# GNU date: "{{NOW-7d}}" -> 7 days ago, cut to the hour, as YYYY-MM-DDTHH:MM:SS (UTC)
relative_date() {
  local amount="$1" unit="$2" word
  case "$unit" in h) word=hours ;; d) word=days ;; w) word=weeks ;; *) echo "bad unit $unit" >&2; exit 2 ;; esac
  date -u -d "-${amount} ${word}" +%Y-%m-%dT%H:00:00
}

render() {
  local text now token amount unit
  text="$(cat "$1")"
  now="$(date -u +%Y-%m-%dT%H:%M:%S)"
  text="${text//\{\{NOW\}\}/$now}"
  while [[ "$text" =~ \{\{NOW-([0-9]+)([hdw])\}\} ]]; do
    token="${BASH_REMATCH[0]}"; amount="${BASH_REMATCH[1]}"; unit="${BASH_REMATCH[2]}"
    text="${text//"$token"/$(relative_date "$amount" "$unit")}"
  done
  if [[ "$text" == *"{{PROJECT_ID}}"* ]]; then
    text="${text//\{\{PROJECT_ID\}\}/$(busiest_project)}"
  fi
  printf '%s' "$text"
}

post() {
  curl -sS -X POST "${URL}/observability/analytics" -H 'Content-Type: application/json' "${AUTH[@]}" \
    --data-binary @- -w '\n%{http_code}'
}

busiest_project() {
  local answer
  answer="$(printf '{"metrics":["request_count"],"from_date":"%s","group_by":["project"],"topk":1,"frequency_unit":"month","fill_time_gaps":false}' \
    "$(relative_date 30 d)" | post | sed '$d')"
  if $HAVE_JQ; then
    printf '%s' "$answer" | jq -r '[.items[]?.items[]?.project_id] | map(select(. != null)) | .[0] // "00000000-0000-0000-0000-000000000000"'
  else
    printf '%s' "$answer" | grep -o '"project_id": *"[0-9a-f-]*"' | head -1 | grep -o '[0-9a-f-]\{36\}' || echo "00000000-0000-0000-0000-000000000000"
  fi
}

SUMMARY='
def r: if type == "number" then (. * 100 | round / 100) elif . == null then "-" else . end;
def short: if . == null then "*" else .[0:8] end;
def value: if has("hit_rate") then "hit_rate \(.hit_rate|r)% (\(.hit_count) hits, \(.avg_latency_ms|r) ms)"
  elif has("p95") then "avg \(.avg|r) p95 \(.p95|r) p99 \(.p99|r)"
  elif has("avg_time_ms") then "avg \(.avg_time_ms|r) ms"
  elif has("count") then "\(.count)" + (if .rate != null then " (\(.rate|r)%)" else "" end)
  else "avg \(.avg|r)" end;
def delta: if .delta == null then "" else " Δ\(.delta|r)" end;
if .object == "error" then "  error \(.code) \(.type): \(.message)"
else
  (.items // []) as $buckets
  | ([$buckets[] | select(.items != null)]) as $filled
  | "  \($buckets | length) buckets (\($filled | length) with data), newest first",
    (if ($filled | length) == 0 then "  no data in the range (seed some: scripts/seed.sh --records 10000)"
     else ($filled[0] | "  newest bucket with data: \(.time_period)",
           (.items[:6][] | "    model \(.model_id|short) project \(.project_id|short) endpoint \(.endpoint_id|short): "
              + ([.data | to_entries[] | "\(.key) \(.value | value)\(.value | delta)"] | join(", "))),
           (if (.items | length) > 6 then "    … \(.items | length - 6) more series" else empty end))
     end)
end'

status=0
for file in "${FILES[@]}"; do
  name="$(basename "$file" .json)"
  body="$(render "$file")"
  response="$(printf '%s' "$body" | post)" || { echo "cannot reach ${URL} (is the service running? scripts/run.sh)" >&2; exit 1; }
  code="$(printf '%s' "$response" | tail -n 1)"
  answer="$(printf '%s' "$response" | sed '$d')"
  echo "== ${name} (HTTP ${code})"
  if $RAW || ! $HAVE_JQ; then
    printf '%s\n' "$answer"
  else
    printf '%s' "$answer" | jq -r "$SUMMARY" || printf '%s\n' "$answer"
  fi
  [ "$code" = 200 ] || status=1
done
exit $status
