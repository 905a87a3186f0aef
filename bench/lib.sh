# Sourced by the bench scripts: the JDK 25, the light runtime archive unpacked in a work folder that is
# removed on exit (with every background job stopped), a Mosquitto on a free port, a release key the agent
# trusts, the class path of the bench programs, and the launcher's JVM flags.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
JAVA_HOME="$("$here/bin/find-jdk25")"
export JAVA_HOME  # for the Maven builds: the default JDK may be an older one
cd "$here"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

# $ARCHIVE, else the newest archive under target/ (bin/dist builds one when there is none), unpacked: sets
# archive and root.
unpack_archive() {
  archive="${ARCHIVE:-$(ls -t target/reizi-*-linux-*.tar.gz 2>/dev/null | head -1 || true)}"
  [ -n "$archive" ] || { bin/dist > /dev/null; archive="$(ls -t target/reizi-*-linux-*.tar.gz | head -1)"; }
  tar -C "$work" -xzf "$archive"
  root="$(ls -d "$work"/reizi-*)"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A Mosquitto from broker-config/mosquitto-dev.conf on a free port (sets port), with any extra config lines given.
start_broker() {
  port="$(free_port)"
  { sed -e "s/^listener 1883 /listener $port /" -e "s#^persistence_location .*#persistence_location $work/#" \
      broker-config/mosquitto-dev.conf
    echo "user $(id -un)"
    [ $# -eq 0 ] || printf '%s\n' "$@"
  } > "$work/m.conf"
  /usr/sbin/mosquitto -c "$work/m.conf" > "$work/mosquitto.log" 2>&1 &
  sleep 0.5
}

# A release signing key ($work/k.key) and the trust folder ($work/trust) that holds its public half.
release_key() {
  "$root/bin/reizi" keygen --out "$work/k" > /dev/null
  mkdir -p "$work/trust"
  cp "$work/k.pub" "$work/trust/"
}

# The class path for bench/*.java, which use the agent's classes (sets cp; builds them when missing).
bench_classpath() {
  [ -f agent/target/reizi-agent.jar ] || mvn -q -B -DskipTests install
  cp="agent/target/reizi-agent.jar:$(ls agent/target/lib/*.jar | tr '\n' ':')"
}

# The default JVM flags of a launcher (dist/reizi or an archive's bin/reizi): its jvm.options, on one line.
launcher_flags() {
  sed 's/#.*//' "$(dirname "$1")/jvm.options" | tr -s ' \n' ' '
}

# goodput_run ROOT URL PORT CHUNK COUNT MODE [AGENT_OPTION...]: an agent from the unpacked archive ROOT, on
# URL, receives bench/Goodput.java's stream (MODE: empty, or agent-only); prints Goodput's summary line.
# With GOODPUT_TLS_DIR set, the publisher and mosquitto_sub use mutual TLS. Needs release_key and bench_classpath.
goodput_run() {
  local from="$1" url="$2" sub_port="$3" chunk="$4" count="$5" mode="$6"
  shift 6
  rm -rf "$work/data"
  REIZI_NO_AOT=1 "$from/bin/reizi" agent --id bench --broker "$url" "$@" --data-dir "$work/data" \
    --trust "$work/trust" > "$work/agent.log" 2>&1 &
  local agent=$!
  for _ in $(seq 300); do grep -q READY "$work/agent.log" && break; sleep 0.1; done
  # Stopped before giving up: an agent left running would take the next run's client id over and over.
  grep -q READY "$work/agent.log" || { kill -TERM $agent; tail -5 "$work/agent.log" >&2; echo "the agent did not start (no READY in 30 s)" >&2; exit 1; }
  "$JAVA_HOME/bin/java" -cp "$cp" bench/Goodput.java "$url" "$sub_port" bench "$work/k.key" "$chunk" "$count" "$work" $mode
  kill -TERM $agent; wait $agent 2>/dev/null || true
}
