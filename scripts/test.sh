#!/usr/bin/env bash
# Sets up whatever is missing (chDB library, a Redis on 127.0.0.1:6379, Debian's headless chromium and its driver for
# DashboardBrowserTest) and runs the whole test suite.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_chdb

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if ! command -v redis-server >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      log "installing redis-server"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    else
      log "no Redis answers on 127.0.0.1:6379 and redis-server is not installed"; exit 1
    fi
  fi
  log "starting redis-server on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

# the dashboard's browser test drives /usr/bin/chromium through /usr/bin/chromedriver (Debian's packages)
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing chromium and chromium-driver"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    log "DashboardBrowserTest needs /usr/bin/chromium and /usr/bin/chromedriver: apt-get install chromium chromium-driver"; exit 1
  fi
fi

cd "$ROOT"
exec mvn -B clean verify "$@"
