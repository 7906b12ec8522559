#!/usr/bin/env bash
# Creates or verifies the schema: scripts/migrate.sh [--max-retries N] [--retry-delay S] [--verify-only] [--include-model-inference]
#   [--cluster NAME] [--print]   (ON CLUSTER DDL for a ClickHouse cluster; --print shows the statements, runs nothing)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -n "${CLICKHOUSE_HOST:-}" ] || ensure_chdb
ensure_jar
cd "$ROOT"
# shellcheck disable=SC2046
exec $(java_cmd) -jar "$JAR" migrate "$@"
