#!/usr/bin/env bash
# Sets up what the service needs on this machine: the chDB library (cached outside the repo) and the jar.
#   scripts/setup.sh            fetch chDB if missing, build the jar if stale
#   scripts/setup.sh --no-build fetch chDB only
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_chdb
if [ "${1:-}" != "--no-build" ]; then
  ensure_jar
fi
