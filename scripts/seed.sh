#!/usr/bin/env bash
# Fills the service with realistic inference traffic (docs/SEEDER.md):
#   scripts/seed.sh --records 10000 --verify                 through the running service (http://127.0.0.1:8000)
#   scripts/seed.sh --direct-db --records 1000000            straight into ClickHouse (embedded engine unless CLICKHOUSE_HOST)
#   scripts/seed.sh --help                                   every option
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -n "${CLICKHOUSE_HOST:-}" ] || ensure_chdb
ensure_jar
cd "$ROOT"
# shellcheck disable=SC2046
exec $(tools_cmd) seed "$@"
