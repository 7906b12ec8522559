#!/bin/sh
# Starts a command of the jar (serve by default). Without CLICKHOUSE_HOST the embedded engine is used, which
# exists only in images built with --build-arg WITH_CHDB=true.
set -eu
case "${1:-}" in
  help | --help | -h) exec java -jar /app/budmetrics.jar "$@" ;; # the list of commands needs no engine
esac
if [ -z "${CLICKHOUSE_HOST:-}" ]; then
  if [ -f /opt/chdb/libchdb.so ]; then
    export CHDB_LIBRARY="${CHDB_LIBRARY:-/opt/chdb/libchdb.so}"
    # chain the JVM's signal handlers with the ones the native engine installs
    export LD_PRELOAD="${JAVA_HOME}/lib/libjsig.so"
  else
    echo "budmetrics: CLICKHOUSE_HOST is not set and this image has no embedded engine;" \
         "set CLICKHOUSE_HOST (see .env.example) or build with --build-arg WITH_CHDB=true" >&2
    exit 64
  fi
fi
# shellcheck disable=SC2086
exec java -Dsun.net.httpserver.nodelay=true ${JAVA_OPTS:-} -jar /app/budmetrics.jar "$@"
