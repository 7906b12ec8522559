#!/usr/bin/env bash
# Sets up whatever is missing and runs the service on the embedded engine (unless CLICKHOUSE_HOST is set).
#   APP_PORT (default 8000), CLICKHOUSE_EMBEDDED_DATA (default ./data/clickhouse), see .env.example
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_chdb
ensure_jar
cd "$ROOT"
# shellcheck disable=SC2046
exec $(java_cmd) -jar "$JAR" serve "$@"
