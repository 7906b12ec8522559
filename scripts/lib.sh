# Shared by the scripts: paths, the chDB library, the JVM launcher. Source it; do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHDB_VERSION="26.5.3"
CHDB_PACKAGE="@chdb/lib-linux-x64-gnu@${CHDB_VERSION}"
# Checksums of the npm tarball and of the library inside it (pinned: a changed download is refused).
CHDB_TGZ_SHA256="b874e449710950da3abd7e20376f7bb3387d9e03adcc7082f022be18dfdf316a"
CHDB_LIB_SHA256="4330da79405733f7572f27c1442f46c03a08301f00859dce0368645731b1e1dc"
BUDMETRICS_CACHE="${BUDMETRICS_CACHE:-$HOME/.cache/budmetrics}"
CHDB_DIR="${BUDMETRICS_CACHE}/chdb/${CHDB_VERSION}"
JAR="${ROOT}/target/budmetrics.jar"
# the seeder and the load tools (tools/src): not in the service jar; tools_cmd runs them with it
TOOLS_JAR="${ROOT}/target/budmetrics-tools.jar"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }

java_home() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "${JAVA_HOME}/bin/java" ]; then
    echo "$JAVA_HOME"
  else
    dirname "$(dirname "$(readlink -f "$(command -v java)")")"
  fi
}

# Fetches libchdb.so into the cache once (npm pack), verifying both checksums.
ensure_chdb() {
  if [ -n "${CHDB_LIBRARY:-}" ]; then
    [ -f "$CHDB_LIBRARY" ] || { log "CHDB_LIBRARY=$CHDB_LIBRARY does not exist"; exit 1; }
    return
  fi
  local lib="${CHDB_DIR}/libchdb.so"
  if [ -f "$lib" ] && [ -f "${lib}.verified" ]; then
    return
  fi
  command -v npm >/dev/null || { log "npm is needed to fetch the chDB library (apt-get install npm)"; exit 1; }
  mkdir -p "$CHDB_DIR"
  local work
  work="$(mktemp -d "${CHDB_DIR}/fetch.XXXXXX")"
  log "fetching ${CHDB_PACKAGE} (about 170 MB) into ${CHDB_DIR}"
  (cd "$work" && npm pack --silent "$CHDB_PACKAGE" >/dev/null)
  local tgz
  tgz="$(ls "$work"/*.tgz)"
  echo "${CHDB_TGZ_SHA256}  ${tgz}" | sha256sum -c --quiet - || { log "checksum of $tgz does not match; refusing it"; rm -rf "$work"; exit 1; }
  tar -xzf "$tgz" -C "$work" package/libchdb.so
  echo "${CHDB_LIB_SHA256}  ${work}/package/libchdb.so" | sha256sum -c --quiet - || { log "checksum of libchdb.so does not match"; rm -rf "$work"; exit 1; }
  mv "$work/package/libchdb.so" "$lib"
  touch "${lib}.verified"
  rm -rf "$work"
  log "chDB library ready: $lib"
}

# Builds the jars (the service's and the tools') when one is missing or older than the sources.
ensure_jar() {
  if [ -f "$JAR" ] && [ -f "$TOOLS_JAR" ] \
      && [ -z "$(find "$ROOT/src/main" "$ROOT/tools/src/main" "$ROOT/pom.xml" -newer "$JAR" -print -quit)" ] \
      && [ -z "$(find "$ROOT/src/main" "$ROOT/tools/src/main" "$ROOT/pom.xml" -newer "$TOOLS_JAR" -print -quit)" ]; then
    return
  fi
  log "building ${JAR} and ${TOOLS_JAR}"
  (cd "$ROOT" && mvn -B -q -DskipTests package)
}

# The JVM flags the embedded engine needs: libjsig chains signal handlers installed by native code,
# and the JDK HTTP server must not delay small responses (Nagle).
java_cmd() {
  local jh
  jh="$(java_home)"
  # LD_PRELOAD travels on the command line (env …): an export here would stay in the $(java_cmd) subshell
  local preload="${jh}/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"
  # 16 MB G1 regions: request bodies (~0.8 MB per 1000 events) and the JSON writer's 4 MB chunks stay out of the
  # humongous path, which under ingest load kept G1's concurrent marking busy (docs/PERFORMANCE.md)
  echo env "LD_PRELOAD=${preload}" "${jh}/bin/java" -Dsun.net.httpserver.nodelay=true -XX:G1HeapRegionSize=16m ${JAVA_OPTS:-}
}

# How a tool (seed, bench, chaos; ai.bud.metrics.tools.Tools) is launched: the service jar's classes and dependencies on
# the classpath (Spring Boot's PropertiesLauncher reads the jar as java -jar would), the tools jar added by loader.path.
TOOLS_LAUNCH=(-cp "$JAR" -Dloader.path="$TOOLS_JAR" -Dloader.main=ai.bud.metrics.tools.Tools
  org.springframework.boot.loader.launch.PropertiesLauncher)

# java_cmd for a tool: $(tools_cmd [JVM options…]) seed --help
tools_cmd() {
  echo "$(java_cmd)" "$@" "${TOOLS_LAUNCH[@]}"
}
