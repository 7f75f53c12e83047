#!/usr/bin/env bash
# Local infrastructure for mcptap development, tests and the demo: a single-node Kafka (KRaft),
# a ClickHouse server, Alertmanager, and a webhook recorder that Alertmanager notifies. All run as
# user processes bound to 127.0.0.1, with their state under $MCPTAP_HOME/infra/<service>/.
#
#   bash scripts/infra.sh start  [kafka|clickhouse|alertmanager|webhook|all ...]   (default: all)
#   bash scripts/infra.sh start  kafka-cluster      (three-broker Kafka; not part of `all`)
#   bash scripts/infra.sh start  clickhouse-cluster (ZooKeeper and two ClickHouse replicas; not in `all`)
#   bash scripts/infra.sh stop   [...]
#   bash scripts/infra.sh status [...]
#   bash scripts/infra.sh install chromium   (headless browser of the console's tests and screenshots)
#
# kafka-cluster is three KRaft nodes (each broker and controller), kafka-cluster-1..3, for scale-out
# tests: replication factor 3, min.insync.replicas 2, on their own ports and data directories beside
# the single broker, which it never touches. One node can be stopped and started on its own
# (`stop kafka-cluster-2`) to take a broker away under load.
# clickhouse-cluster is a ZooKeeper (jars from Maven Central) and two ClickHouse servers,
# clickhouse-replica-1 and -2, forming the cluster `mcptap_cluster` (one shard, two replicas, macros
# {shard} and {replica}, ON CLUSTER DDL): what `mcptap migrate --cluster mcptap_cluster` is tested on.
# `stop` and `status` without a service leave both profiles out: name them.
#
# start  installs what is missing (apt packages, Kafka jars from Maven Central, cached), starts what
#        is not running, and returns once every requested service passed its health check. A service
#        that is already running and healthy is left alone, so `start` is cheap to call before tests.
# stop   stops only processes this script started (pid files), TERM first, KILL after a timeout.
# status prints each service, running or not, its address and version; exits 3 if any is stopped.
# install installs a tool that is not a service (apt), when missing; nothing is started.
#
# Configuration (environment; defaults in brackets):
#   MCPTAP_HOME                       state directory [<repo>/.mcptap]
#   MCPTAP_KAFKA_PORT                 Kafka broker listener [19092]
#   MCPTAP_KAFKA_CONTROLLER_PORT      Kafka KRaft controller listener [19093]
#   MCPTAP_KAFKA_VERSION              Kafka version resolved from Maven Central [4.1.1]
#   MCPTAP_KAFKA_AUTO_CREATE_TOPICS   broker auto.create.topics.enable [false]
#   MCPTAP_KAFKA_HEAP                 broker -Xmx [512m]
#   MCPTAP_KAFKA_CLUSTER_PORT         broker listener of kafka-cluster-1; node N listens on +N-1 [29092]
#   MCPTAP_KAFKA_CLUSTER_CONTROLLER_PORT  controller listener of kafka-cluster-1, likewise [29095]
#   MCPTAP_KAFKA_CLUSTER_HEAP         -Xmx of each kafka-cluster node [384m]
#   MCPTAP_ZOOKEEPER_PORT             ZooKeeper client port of clickhouse-cluster [22181]
#   MCPTAP_ZOOKEEPER_VERSION          ZooKeeper version resolved from Maven Central [3.9.5]
#   MCPTAP_CLICKHOUSE_CLUSTER_HTTP_PORT HTTP interface of clickhouse-replica-1; replica N uses +N-1 [28123]
#   MCPTAP_CLICKHOUSE_CLUSTER_TCP_PORT  native protocol of clickhouse-replica-1, likewise [28223]
#   MCPTAP_CLICKHOUSE_CLUSTER_INTERSERVER_PORT  replication (interserver HTTP) of replica 1, likewise [28323]
#   MCPTAP_CLICKHOUSE_HTTP_PORT       ClickHouse HTTP interface [18123]
#   MCPTAP_CLICKHOUSE_TCP_PORT        ClickHouse native protocol [19000]
#   MCPTAP_CLICKHOUSE_READER_PASSWORD password of the read-only user mcptap_reader [reader]
#   MCPTAP_ALERTMANAGER_PORT          Alertmanager web/API [19094]
#   MCPTAP_WEBHOOK_PORT               webhook recorder [19095]
#   MCPTAP_INFRA_START_TIMEOUT_S      per-service health deadline on start [120]
#   MCPTAP_INFRA_STOP_TIMEOUT_S       per-service grace period before KILL on stop [30]
#   MCPTAP_INFRA_LOCK_TIMEOUT_S       wait for another infra.sh holding the lock [900]
# Ports, passwords and versions are read when a service is launched; to change them, stop and start.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
INFRA_SCRIPTS=$REPO_ROOT/scripts/infra
MCPTAP_HOME=${MCPTAP_HOME:-$REPO_ROOT/.mcptap}
mkdir -p "$MCPTAP_HOME"
MCPTAP_HOME=$(cd "$MCPTAP_HOME" && pwd)
INFRA_HOME=$MCPTAP_HOME/infra

KAFKA_PORT=${MCPTAP_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${MCPTAP_KAFKA_CONTROLLER_PORT:-19093}
KAFKA_VERSION=${MCPTAP_KAFKA_VERSION:-4.1.1}
KAFKA_AUTO_CREATE_TOPICS=${MCPTAP_KAFKA_AUTO_CREATE_TOPICS:-false}
KAFKA_HEAP=${MCPTAP_KAFKA_HEAP:-512m}
KAFKA_CLUSTER_PORT=${MCPTAP_KAFKA_CLUSTER_PORT:-29092}
KAFKA_CLUSTER_CONTROLLER_PORT=${MCPTAP_KAFKA_CLUSTER_CONTROLLER_PORT:-29095}
KAFKA_CLUSTER_HEAP=${MCPTAP_KAFKA_CLUSTER_HEAP:-384m}
KAFKA_CLUSTER_SIZE=3
ZOOKEEPER_PORT=${MCPTAP_ZOOKEEPER_PORT:-22181}
ZOOKEEPER_VERSION=${MCPTAP_ZOOKEEPER_VERSION:-3.9.5}
CLICKHOUSE_CLUSTER_HTTP_PORT=${MCPTAP_CLICKHOUSE_CLUSTER_HTTP_PORT:-28123}
CLICKHOUSE_CLUSTER_TCP_PORT=${MCPTAP_CLICKHOUSE_CLUSTER_TCP_PORT:-28223}
CLICKHOUSE_CLUSTER_INTERSERVER_PORT=${MCPTAP_CLICKHOUSE_CLUSTER_INTERSERVER_PORT:-28323}
CLICKHOUSE_CLUSTER_NAME=mcptap_cluster
CLICKHOUSE_HTTP_PORT=${MCPTAP_CLICKHOUSE_HTTP_PORT:-18123}
CLICKHOUSE_TCP_PORT=${MCPTAP_CLICKHOUSE_TCP_PORT:-19000}
CLICKHOUSE_READER_PASSWORD=${MCPTAP_CLICKHOUSE_READER_PASSWORD:-reader}
ALERTMANAGER_PORT=${MCPTAP_ALERTMANAGER_PORT:-19094}
WEBHOOK_PORT=${MCPTAP_WEBHOOK_PORT:-19095}
START_TIMEOUT_S=${MCPTAP_INFRA_START_TIMEOUT_S:-120}
STOP_TIMEOUT_S=${MCPTAP_INFRA_STOP_TIMEOUT_S:-30}
LOCK_TIMEOUT_S=${MCPTAP_INFRA_LOCK_TIMEOUT_S:-900}

KAFKA_LIB=$MCPTAP_HOME/cache/kafka-lib/$KAFKA_VERSION
KAFKA_POM=$INFRA_SCRIPTS/kafka-pom.xml
ZOOKEEPER_LIB=$MCPTAP_HOME/cache/zookeeper-lib/$ZOOKEEPER_VERSION
ZOOKEEPER_POM=$INFRA_SCRIPTS/zookeeper-pom.xml
ALERTMANAGER_BIN=/usr/bin/prometheus-alertmanager
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

# Start order; stop runs it backwards. The recorder comes before Alertmanager, which notifies it.
ALL_SERVICES=(kafka clickhouse webhook alertmanager)
# Started only when named (kafka-cluster and clickhouse-cluster name their parts), after the above.
CLUSTER_SERVICES=(kafka-cluster-1 kafka-cluster-2 kafka-cluster-3 zookeeper clickhouse-replica-1 clickhouse-replica-2)

info() { printf 'infra: %s\n' "$*"; }
die() {
  printf 'infra: error: %s\n' "$*" >&2
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
  exit "${1:-2}"
}

for var in MCPTAP_KAFKA_PORT MCPTAP_KAFKA_CONTROLLER_PORT MCPTAP_KAFKA_CLUSTER_PORT \
  MCPTAP_KAFKA_CLUSTER_CONTROLLER_PORT MCPTAP_ZOOKEEPER_PORT MCPTAP_CLICKHOUSE_CLUSTER_HTTP_PORT \
  MCPTAP_CLICKHOUSE_CLUSTER_TCP_PORT MCPTAP_CLICKHOUSE_CLUSTER_INTERSERVER_PORT MCPTAP_CLICKHOUSE_HTTP_PORT \
  MCPTAP_CLICKHOUSE_TCP_PORT MCPTAP_ALERTMANAGER_PORT MCPTAP_WEBHOOK_PORT MCPTAP_INFRA_START_TIMEOUT_S \
  MCPTAP_INFRA_STOP_TIMEOUT_S MCPTAP_INFRA_LOCK_TIMEOUT_S; do
  [[ -z ${!var:-} || ${!var} =~ ^[0-9]+$ ]] || die "$var must be a number, got '${!var}'"
done
[[ $KAFKA_AUTO_CREATE_TOPICS == true || $KAFKA_AUTO_CREATE_TOPICS == false ]] ||
  die "MCPTAP_KAFKA_AUTO_CREATE_TOPICS must be true or false, got '$KAFKA_AUTO_CREATE_TOPICS'"

# ---------------------------------------------------------------------------------------------------
# Processes

svc_dir() { printf '%s/%s' "$INFRA_HOME" "$1"; }
pid_file() { printf '%s/pid' "$(svc_dir "$1")"; }

# Command line of a live process, or nothing.
proc_cmdline() {
  if [[ -r /proc/$1/cmdline ]]; then
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
  else
    ps -o args= -p "$1" 2>/dev/null || true
  fi
}

# The pid of the service if it is running and is the process we started (its command line names the
# service's directory, which guards against a recycled pid). Prints nothing otherwise.
running_pid() {
  local file pid
  file=$(pid_file "$1")
  [[ -f $file ]] || return 0
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  alive "$pid" || return 0
  [[ $(proc_cmdline "$pid") == *"$(svc_dir "$1")"* ]] || return 0
  printf '%s' "$pid"
}

# A process counts as alive until it has exited. An exited process may linger as a zombie until its new
# parent reaps it, which in containers is not always prompt; it counts as gone once its last thread is
# (a multi-threaded process shows a zombie leader while its other threads still shut down).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local stat tasks
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  [[ ${stat:0:1} == Z ]] || return 0
  tasks=(/proc/"$1"/task/*)
  [[ ${#tasks[@]} -gt 1 ]]
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# launch SERVICE LOGFILE COMMAND...: run detached in its own session, stdin closed, output to the log,
# without the lock descriptor (fd 9), and record its pid.
launch() {
  local svc=$1 log=$2
  shift 2
  printf '\n=== %s: starting %s ===\n' "$(date -u +%FT%TZ)" "$svc" >>"$log"
  nohup setsid "$@" </dev/null >>"$log" 2>&1 9>&- &
  printf '%s\n' "$!" >"$(pid_file "$svc")"
}

log_tail() {
  local f
  for f in "$@"; do
    [[ -s $f ]] || continue
    printf -- '--- last lines of %s ---\n' "$f" >&2
    tail -n 25 "$f" >&2
  done
}

# ---------------------------------------------------------------------------------------------------
# Installation

SUDO=()
if [[ $(id -u) -ne 0 ]]; then SUDO=(sudo -n); fi

POLICY_RC=/usr/sbin/policy-rc.d
POLICY_MARK='# written by mcptap scripts/infra.sh'
remove_policy_rc() {
  if [[ -f $POLICY_RC ]] && grep -qF "$POLICY_MARK" "$POLICY_RC"; then "${SUDO[@]}" rm -f "$POLICY_RC"; fi
}

apt_install() {
  local log=$INFRA_HOME/apt-install.log
  if [[ ${#SUDO[@]} -gt 0 ]] && ! command -v sudo >/dev/null; then
    die "missing packages ($*) and not root, no sudo: install them with apt-get and re-run"
  fi
  local began=$SECONDS
  info "installing with apt-get: $* (log: $log)"
  # The packages ship system services (ClickHouse on 8123/9000, Alertmanager on 9093); we run our own
  # user processes instead, so keep the package scripts from starting theirs.
  if [[ ! -e $POLICY_RC ]]; then
    printf '#!/bin/sh\n%s; removed after its apt-get install\nexit 101\n' "$POLICY_MARK" |
      "${SUDO[@]}" tee "$POLICY_RC" >/dev/null
    "${SUDO[@]}" chmod 755 "$POLICY_RC"
    trap remove_policy_rc EXIT
  fi
  if ! { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; } \
    </dev/null >>"$log" 2>&1; then
    log_tail "$log"
    die "apt-get install $* failed; see $log"
  fi
  remove_policy_rc
  info "installed $* in $((SECONDS - began))s"
}

# Installs the system packages that the requested services need and that are not there yet, in one
# apt-get run, before anything starts.
ensure_packages() {
  local svc pkgs=()
  command -v curl >/dev/null || pkgs+=(curl ca-certificates)
  for svc in "$@"; do
    case $svc in
      kafka | kafka-cluster-* | zookeeper)
        command -v "$JAVA" >/dev/null || pkgs+=(default-jre-headless)
        if [[ ! -f $KAFKA_LIB/.resolved || ! -f $ZOOKEEPER_LIB/.resolved ]] && ! command -v mvn >/dev/null &&
          [[ " ${pkgs[*]} " != *" maven "* ]]; then pkgs+=(maven); fi
        ;;
      clickhouse | clickhouse-replica-*)
        command -v clickhouse-server >/dev/null || pkgs+=(clickhouse-server)
        command -v clickhouse-client >/dev/null || pkgs+=(clickhouse-client)
        ;;
      alertmanager)
        [[ -x $ALERTMANAGER_BIN ]] || pkgs+=(prometheus-alertmanager)
        ;;
      chromium)
        # A font, or every page renders as boxes.
        command -v chromium >/dev/null || pkgs+=(chromium fonts-dejavu-core)
        ;;
    esac
  done
  [[ ${#pkgs[@]} -eq 0 ]] || apt_install "${pkgs[@]}"
}

ensure_node_modules() {
  local m
  command -v node >/dev/null || die "node is not on PATH (Node 20 is required)"
  for m in tsx kafkajs; do
    [[ -d $REPO_ROOT/node_modules/$m ]] || die "node_modules/$m is missing: run 'npm ci' in $REPO_ROOT first"
  done
}

# ensure_maven_lib WHAT POM LIB VERSION_PROPERTY VERSION MAIN_JAR: jars from Maven Central, resolved
# once per version and pom content into LIB.
ensure_maven_lib() {
  local what=$1 pom=$2 lib=$3 property=$4 version=$5 main_jar=$6
  local pom_sum tmp log began=$SECONDS
  pom_sum=$(sha256sum "$pom" | cut -d' ' -f1)
  if [[ -f $lib/.resolved && $(<"$lib/.resolved") == "$pom_sum" ]]; then return 0; fi
  command -v mvn >/dev/null || die "mvn is not on PATH; it is needed once to resolve the $what jars"
  mkdir -p "$(dirname "$lib")"
  tmp=$lib.partial.$$
  log=$lib.mvn.log
  info "resolving $what $version jars from Maven Central into $lib (log: $log)"
  rm -rf "$tmp"
  if ! mvn -B -ntp -f "$pom" dependency:copy-dependencies \
    -D"$property"="$version" -DoutputDirectory="$tmp" </dev/null >"$log" 2>&1; then
    rm -rf "$tmp"
    log_tail "$log"
    die "Maven could not resolve $what $version; see $log"
  fi
  [[ -f $tmp/$main_jar ]] || die "Maven resolved no $main_jar; see $log"
  rm -rf "$lib"
  mv "$tmp" "$lib"
  printf '%s\n' "$pom_sum" >"$lib/.resolved"
  info "resolved $(find "$lib" -name '*.jar' | wc -l) jars ($(du -sh "$lib" | cut -f1)) in $((SECONDS - began))s"
}

ensure_kafka_lib() {
  ensure_maven_lib Kafka "$KAFKA_POM" "$KAFKA_LIB" kafka.version "$KAFKA_VERSION" "kafka_2.13-$KAFKA_VERSION.jar"
}

# ---------------------------------------------------------------------------------------------------
# Kafka: single node, KRaft broker+controller.

kafka_ports() { printf '%s %s' "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; }
kafka_address() { printf '127.0.0.1:%s (controller %s)' "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; }
kafka_logs() { printf '%s/logs/server.log %s/logs/stdout.log' "$(svc_dir kafka)" "$(svc_dir kafka)"; }

kafka_version() {
  local f
  f=$(svc_dir kafka)/config/version
  if [[ -f $f ]]; then printf 'Kafka %s' "$(<"$f")"; else printf 'Kafka %s' "$KAFKA_VERSION"; fi
}

# kafka_node_prepare DIR NODE_ID BROKER_PORT CONTROLLER_PORT VOTERS REPLICATION CLUSTER_ID_FILE:
# writes a node's configuration and formats its storage on first start. REPLICATION is the number of
# brokers: every topic, internal ones too, gets that many replicas, and a write needs all but one of
# them in sync, so one node may be down. The nodes of a cluster share its id through CLUSTER_ID_FILE.
kafka_node_prepare() {
  local dir=$1 node_id=$2 port=$3 controller_port=$4 voters=$5 replication=$6 id_file=$7
  ensure_kafka_lib
  local cfg=$dir/config min_isr=$((replication > 1 ? replication - 1 : 1))
  local java_major
  java_major=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [[ ${java_major:-0} -ge 17 ]] || die "Kafka $KAFKA_VERSION needs Java 17 or newer, $JAVA is ${java_major:-unknown}"

  cat >"$cfg/server.properties" <<EOF
# Generated by scripts/infra.sh on each launch; edits are overwritten.
process.roles=broker,controller
node.id=$node_id
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
auto.create.topics.enable=$KAFKA_AUTO_CREATE_TOPICS
num.partitions=3
default.replication.factor=$replication
min.insync.replicas=$min_isr
# Few partitions and no initial rebalance delay keep consumer-group joins in tests fast.
offsets.topic.replication.factor=$replication
offsets.topic.num.partitions=4
group.initial.rebalance.delay.ms=0
transaction.state.log.replication.factor=$replication
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=$replication
share.coordinator.state.topic.min.isr=$min_isr
EOF

  cat >"$cfg/log4j2.properties" <<EOF
# Generated by scripts/infra.sh. The broker logs through slf4j and log4j 2 to $dir/logs.
status = warn
appender.server.type = RollingFile
appender.server.name = server
appender.server.fileName = $dir/logs/server.log
appender.server.filePattern = $dir/logs/server.log.%i
appender.server.layout.type = PatternLayout
appender.server.layout.pattern = [%d] %p %m (%c)%n
appender.server.policies.type = Policies
appender.server.policies.size.type = SizeBasedTriggeringPolicy
appender.server.policies.size.size = 50MB
appender.server.strategy.type = DefaultRolloverStrategy
appender.server.strategy.max = 3
rootLogger.level = info
rootLogger.appenderRef.server.ref = server
logger.clients.name = org.apache.kafka.clients
logger.clients.level = warn
logger.statechange.name = state.change.logger
logger.statechange.level = warn
logger.request.name = kafka.request.logger
logger.request.level = warn
EOF

  cat >"$cfg/tools-log4j2.properties" <<'EOF'
status = warn
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = stderr
EOF

  if [[ ! -f $dir/data/meta.properties ]]; then
    local cluster_id
    if [[ -s $id_file ]]; then
      cluster_id=$(<"$id_file")
    else
      cluster_id=$("$JAVA" -Dlog4j2.configurationFile="$cfg/tools-log4j2.properties" -cp "$KAFKA_LIB/*" \
        kafka.tools.StorageTool random-uuid 2>>"$dir/logs/stdout.log" | tail -n 1)
    fi
    [[ $cluster_id =~ ^[A-Za-z0-9_-]{22}$ ]] ||
      die "kafka.tools.StorageTool random-uuid printed '$cluster_id', not a cluster id; see $dir/logs/stdout.log"
    info "formatting Kafka storage in $dir/data (cluster id $cluster_id)"
    "$JAVA" -Dlog4j2.configurationFile="$cfg/tools-log4j2.properties" -cp "$KAFKA_LIB/*" \
      kafka.tools.StorageTool format -t "$cluster_id" -c "$cfg/server.properties" \
      >>"$dir/logs/stdout.log" 2>&1 || {
      log_tail "$dir/logs/stdout.log"
      die "formatting Kafka storage failed; see $dir/logs/stdout.log"
    }
    printf '%s\n' "$cluster_id" >"$id_file"
  fi
  printf '%s\n' "$KAFKA_VERSION" >"$cfg/version"
}

kafka_prepare() {
  local dir
  dir=$(svc_dir kafka)
  kafka_node_prepare "$dir" 1 "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "1@127.0.0.1:$KAFKA_CONTROLLER_PORT" 1 \
    "$dir/config/cluster-id"
}

# kafka_node_launch SERVICE HEAP
kafka_node_launch() {
  local dir
  dir=$(svc_dir "$1")
  launch "$1" "$dir/logs/stdout.log" "$JAVA" "-Xmx$2" -Xms128m -XX:+UseG1GC \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$dir/config/log4j2.properties" \
    -Dkafka.logs.dir="$dir/logs" -cp "$KAFKA_LIB/*" kafka.Kafka "$dir/config/server.properties"
}

kafka_launch() { kafka_node_launch kafka "$KAFKA_HEAP"; }

kafka_check() {
  (cd "$REPO_ROOT" && node --import tsx "$INFRA_SCRIPTS/kafka-check.ts" \
    --brokers "127.0.0.1:$KAFKA_PORT" "$@")
}

kafka_healthy_quick() { port_open "$KAFKA_PORT" && kafka_check --quick --timeout-ms 5000 >/dev/null 2>&1; }

# Listening first (cheap to poll), then a topic created, a message produced and consumed.
kafka_wait_healthy() {
  local pid=$1 deadline=$2 out
  while ! port_open "$KAFKA_PORT"; do
    alive "$pid" || return 1
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
  while true; do
    local left=$((deadline - SECONDS))
    ((left > 0)) || return 1
    if out=$(kafka_check --timeout-ms "$(((left < 15 ? left : 15) * 1000))" 2>&1); then
      info "$out"
      return 0
    fi
    LAST_CHECK_ERROR=$out
    alive "$pid" || return 1
  done
}

# ---------------------------------------------------------------------------------------------------
# kafka-cluster: three KRaft nodes, each broker and controller. A node's broker listener opens only
# once a controller quorum (two of three) exists, so a node counts as started when its controller
# listens; the cluster as a whole is checked once every requested node runs (kafka_cluster_check).

kafka_cluster_brokers() {
  local n list=()
  for ((n = 1; n <= KAFKA_CLUSTER_SIZE; n++)); do list+=("127.0.0.1:$((KAFKA_CLUSTER_PORT + n - 1))"); done
  (
    IFS=,
    printf '%s' "${list[*]}"
  )
}

kafka_cluster_voters() {
  local n list=()
  for ((n = 1; n <= KAFKA_CLUSTER_SIZE; n++)); do
    list+=("$n@127.0.0.1:$((KAFKA_CLUSTER_CONTROLLER_PORT + n - 1))")
  done
  (
    IFS=,
    printf '%s' "${list[*]}"
  )
}

kafka_cluster_node_ports() { printf '%s %s' "$((KAFKA_CLUSTER_PORT + $1 - 1))" "$((KAFKA_CLUSTER_CONTROLLER_PORT + $1 - 1))"; }
kafka_cluster_node_address() {
  printf '127.0.0.1:%s (controller %s)' "$((KAFKA_CLUSTER_PORT + $1 - 1))" "$((KAFKA_CLUSTER_CONTROLLER_PORT + $1 - 1))"
}
kafka_cluster_node_logs() {
  local d
  d=$(svc_dir "kafka-cluster-$1")/logs
  printf '%s/server.log %s/stdout.log' "$d" "$d"
}
kafka_cluster_node_prepare() {
  kafka_node_prepare "$(svc_dir "kafka-cluster-$1")" "$1" "$((KAFKA_CLUSTER_PORT + $1 - 1))" \
    "$((KAFKA_CLUSTER_CONTROLLER_PORT + $1 - 1))" "$(kafka_cluster_voters)" "$KAFKA_CLUSTER_SIZE" \
    "$INFRA_HOME/kafka-cluster.id"
}
kafka_cluster_node_launch() { kafka_node_launch "kafka-cluster-$1" "$KAFKA_CLUSTER_HEAP"; }
kafka_cluster_node_healthy_quick() { port_open "$((KAFKA_CLUSTER_CONTROLLER_PORT + $1 - 1))"; }

kafka_cluster_check() {
  (cd "$REPO_ROOT" && node --import tsx "$INFRA_SCRIPTS/kafka-check.ts" \
    --brokers "$(kafka_cluster_brokers)" --replication "$KAFKA_CLUSTER_SIZE" "$@")
}

# The service functions of each node, named as the other services' are.
for node in 1 2 3; do
  for fn in ports address logs prepare launch healthy_quick; do
    eval "kafka-cluster-${node}_$fn() { kafka_cluster_node_$fn $node; }"
  done
  eval "kafka-cluster-${node}_version() { kafka_version; }"
done
unset node fn

# ---------------------------------------------------------------------------------------------------
# ClickHouse: the Debian server (18.16), our own config, as a user process.

clickhouse_ports() { printf '%s %s' "$CLICKHOUSE_HTTP_PORT" "$CLICKHOUSE_TCP_PORT"; }
clickhouse_address() {
  printf 'http://127.0.0.1:%s (native 127.0.0.1:%s)' "$CLICKHOUSE_HTTP_PORT" "$CLICKHOUSE_TCP_PORT"
}
clickhouse_logs() {
  local d
  d=$(svc_dir clickhouse)/logs
  printf '%s/clickhouse-server.err.log %s/clickhouse-server.log %s/stdout.log' "$d" "$d" "$d"
}

# clickhouse_query SQL [HTTP_PORT]
clickhouse_query() {
  curl -fsS --max-time 5 "http://127.0.0.1:${2:-$CLICKHOUSE_HTTP_PORT}/?user=default" --data-binary "$1"
}

clickhouse_version() {
  local v
  if v=$(clickhouse_query 'SELECT version()' 2>/dev/null); then
    printf 'ClickHouse %s' "$v"
  elif command -v clickhouse-client >/dev/null; then
    # clickhouse-server 18.16 has no --version; the client is the same build.
    v=$(clickhouse-client --version 2>/dev/null | grep -oE '[0-9]+(\.[0-9]+)+' | head -n 1 || true)
    printf 'ClickHouse %s' "${v:-unknown}"
  else
    printf 'ClickHouse (not installed)'
  fi
}

xml_escape() {
  local s=$1
  s=${s//&/&amp;}
  s=${s//</&lt;}
  s=${s//>/&gt;}
  printf '%s' "$s"
}

# clickhouse_node_prepare SERVICE HTTP_PORT TCP_PORT [XML]: a server's config.xml and users.xml; XML is
# added to its config (a replica's cluster, ZooKeeper and macros).
clickhouse_node_prepare() {
  local svc=$1 http_port=$2 tcp_port=$3 extra=${4:-}
  local dir cfg data logs reader_sha
  dir=$(svc_dir "$svc")
  cfg=$dir/config
  data=$dir/data
  logs=$dir/logs
  mkdir -p "$data/tmp" "$data/user_files" "$data/format_schemas"
  reader_sha=$(printf '%s' "$CLICKHOUSE_READER_PASSWORD" | sha256sum | cut -d' ' -f1)

  cat >"$cfg/config.xml" <<EOF
<?xml version="1.0"?>
<!-- Generated by scripts/infra.sh on each launch; edits are overwritten. -->
<yandex>
  <logger>
    <level>information</level>
    <log>$(xml_escape "$logs")/clickhouse-server.log</log>
    <errorlog>$(xml_escape "$logs")/clickhouse-server.err.log</errorlog>
    <size>100M</size>
    <count>3</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$http_port</http_port>
  <tcp_port>$tcp_port</tcp_port>
  <max_concurrent_queries>100</max_concurrent_queries>
  <keep_alive_timeout>3</keep_alive_timeout>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>$(xml_escape "$data")/</path>
  <tmp_path>$(xml_escape "$data")/tmp/</tmp_path>
  <user_files_path>$(xml_escape "$data")/user_files/</user_files_path>
  <format_schema_path>$(xml_escape "$data")/format_schemas/</format_schema_path>
  <users_config>$(xml_escape "$cfg")/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <!-- Tests drop tables and partitions freely; no size guard. -->
  <max_table_size_to_drop>0</max_table_size_to_drop>
  <max_partition_size_to_drop>0</max_partition_size_to_drop>
  <query_log>
    <database>system</database>
    <table>query_log</table>
    <flush_interval_milliseconds>7500</flush_interval_milliseconds>
  </query_log>
$extra
</yandex>
EOF

  cat >"$cfg/users.xml" <<EOF
<?xml version="1.0"?>
<!-- Generated by scripts/infra.sh on each launch; edits are overwritten. -->
<yandex>
  <profiles>
    <default>
      <max_memory_usage>4000000000</max_memory_usage>
      <use_uncompressed_cache>0</use_uncompressed_cache>
      <load_balancing>random</load_balancing>
    </default>
    <!-- The analyst role (Grafana, ad-hoc forensics): SELECT only, no DDL, no writes. -->
    <readonly>
      <!-- 2, not 1: read-only, but the Grafana ClickHouse plugin may still set max_execution_time. -->
      <readonly>2</readonly>
    </readonly>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks>
        <ip>127.0.0.1</ip>
        <ip>::1</ip>
      </networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
    <mcptap_reader>
      <password_sha256_hex>$reader_sha</password_sha256_hex>
      <networks>
        <ip>127.0.0.1</ip>
        <ip>::1</ip>
      </networks>
      <profile>readonly</profile>
      <quota>default</quota>
    </mcptap_reader>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries>
        <errors>0</errors>
        <result_rows>0</result_rows>
        <read_rows>0</read_rows>
        <execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
EOF
}

clickhouse_prepare() { clickhouse_node_prepare clickhouse "$CLICKHOUSE_HTTP_PORT" "$CLICKHOUSE_TCP_PORT"; }

# clickhouse_node_launch SERVICE
clickhouse_node_launch() {
  local dir
  dir=$(svc_dir "$1")
  # Run from the config directory: the server writes its preprocessed config beside the config file.
  (cd "$dir/config" && launch "$1" "$dir/logs/stdout.log" \
    clickhouse-server --config-file="$dir/config/config.xml")
}

clickhouse_launch() { clickhouse_node_launch clickhouse; }

# clickhouse_node_healthy HTTP_PORT
clickhouse_node_healthy() {
  [[ $(curl -fsS --max-time 2 "http://127.0.0.1:$1/ping" 2>/dev/null) == 'Ok.' ]] &&
    clickhouse_query 'SELECT version()' "$1" >/dev/null 2>&1
}

clickhouse_healthy_quick() { clickhouse_node_healthy "$CLICKHOUSE_HTTP_PORT"; }

# ---------------------------------------------------------------------------------------------------
# clickhouse-cluster: a standalone ZooKeeper and two ClickHouse replicas of one shard.

zookeeper_ports() { printf '%s' "$ZOOKEEPER_PORT"; }
zookeeper_address() { printf '127.0.0.1:%s' "$ZOOKEEPER_PORT"; }
zookeeper_logs() { printf '%s/logs/zookeeper.log' "$(svc_dir zookeeper)"; }
zookeeper_version() { printf 'ZooKeeper %s' "$ZOOKEEPER_VERSION"; }

zookeeper_prepare() {
  ensure_maven_lib ZooKeeper "$ZOOKEEPER_POM" "$ZOOKEEPER_LIB" zookeeper.version "$ZOOKEEPER_VERSION" \
    "zookeeper-$ZOOKEEPER_VERSION.jar"
  local dir
  dir=$(svc_dir zookeeper)
  cat >"$dir/config/zoo.cfg" <<EOF
# Generated by scripts/infra.sh on each launch; edits are overwritten.
tickTime=2000
dataDir=$dir/data
clientPort=$ZOOKEEPER_PORT
clientPortAddress=127.0.0.1
maxClientCnxns=100
admin.enableServer=false
4lw.commands.whitelist=srvr
EOF
}

zookeeper_launch() {
  local dir
  dir=$(svc_dir zookeeper)
  launch zookeeper "$dir/logs/zookeeper.log" "$JAVA" -Xmx256m -Xms64m -Djava.awt.headless=true \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$ZOOKEEPER_LIB/*" \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/config/zoo.cfg"
}

zookeeper_healthy_quick() {
  local answer
  # `srvr`, not `ruok`: ruok answers imok while the server still refuses sessions.
  answer=$({ exec 3<>"/dev/tcp/127.0.0.1/$ZOOKEEPER_PORT" && printf 'srvr' >&3 && timeout 2 cat <&3; } 2>/dev/null)
  [[ $answer == *'Mode: standalone'* ]]
}

clickhouse_replica_http_port() { printf '%s' "$((CLICKHOUSE_CLUSTER_HTTP_PORT + $1 - 1))"; }
clickhouse_replica_tcp_port() { printf '%s' "$((CLICKHOUSE_CLUSTER_TCP_PORT + $1 - 1))"; }

clickhouse_replica_ports() {
  printf '%s %s %s' "$(clickhouse_replica_http_port "$1")" "$(clickhouse_replica_tcp_port "$1")" \
    "$((CLICKHOUSE_CLUSTER_INTERSERVER_PORT + $1 - 1))"
}
clickhouse_replica_address() {
  printf 'http://127.0.0.1:%s (native 127.0.0.1:%s)' "$(clickhouse_replica_http_port "$1")" \
    "$(clickhouse_replica_tcp_port "$1")"
}
clickhouse_replica_logs() {
  local d
  d=$(svc_dir "clickhouse-replica-$1")/logs
  printf '%s/clickhouse-server.err.log %s/clickhouse-server.log %s/stdout.log' "$d" "$d" "$d"
}
clickhouse_replica_version() { clickhouse_version; }

clickhouse_replica_prepare() {
  local n=$1
  clickhouse_node_prepare "clickhouse-replica-$n" "$(clickhouse_replica_http_port "$n")" \
    "$(clickhouse_replica_tcp_port "$n")" "$(
      cat <<EOF
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <interserver_http_port>$((CLICKHOUSE_CLUSTER_INTERSERVER_PORT + n - 1))</interserver_http_port>
  <remote_servers>
    <$CLICKHOUSE_CLUSTER_NAME>
      <shard>
        <!-- The replicated tables copy a write to the other replica; Distributed writes to one. -->
        <internal_replication>true</internal_replication>
        <replica><host>127.0.0.1</host><port>$(clickhouse_replica_tcp_port 1)</port></replica>
        <replica><host>127.0.0.1</host><port>$(clickhouse_replica_tcp_port 2)</port></replica>
      </shard>
    </$CLICKHOUSE_CLUSTER_NAME>
  </remote_servers>
  <zookeeper>
    <node><host>127.0.0.1</host><port>$ZOOKEEPER_PORT</port></node>
  </zookeeper>
  <macros>
    <shard>01</shard>
    <replica>replica-$n</replica>
  </macros>
  <distributed_ddl>
    <path>/clickhouse/task_queue/ddl</path>
  </distributed_ddl>
EOF
    )"
}
clickhouse_replica_launch() { clickhouse_node_launch "clickhouse-replica-$1"; }
clickhouse_replica_healthy_quick() { clickhouse_node_healthy "$(clickhouse_replica_http_port "$1")"; }

for node in 1 2; do
  for fn in ports address logs version prepare launch healthy_quick; do
    eval "clickhouse-replica-${node}_$fn() { clickhouse_replica_$fn $node; }"
  done
done
unset node fn

# ---------------------------------------------------------------------------------------------------
# Alertmanager: the Debian binary, notifying the webhook recorder.

alertmanager_ports() { printf '%s' "$ALERTMANAGER_PORT"; }
alertmanager_address() { printf 'http://127.0.0.1:%s' "$ALERTMANAGER_PORT"; }
alertmanager_logs() { printf '%s/logs/alertmanager.log' "$(svc_dir alertmanager)"; }

alertmanager_version() {
  local v
  if [[ -x $ALERTMANAGER_BIN ]]; then
    v=$("$ALERTMANAGER_BIN" --version 2>&1 | sed -n 's/^alertmanager, version \([^ ]*\).*/\1/p' | head -n 1)
    printf 'Alertmanager %s' "${v:-unknown}"
  else
    printf 'Alertmanager (not installed)'
  fi
}

alertmanager_prepare() {
  cat >"$(svc_dir alertmanager)/config/alertmanager.yml" <<EOF
# Generated by scripts/infra.sh on each launch; edits are overwritten.
global:
  resolve_timeout: 5m
route:
  receiver: mcptap-webhook-recorder
  # mcptap alerts carry a fingerprint label: one notification group per distinct alert.
  group_by: ['alertname', 'fingerprint']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: mcptap-webhook-recorder
    webhook_configs:
      - url: http://127.0.0.1:$WEBHOOK_PORT/alertmanager
        send_resolved: true
EOF
}

alertmanager_launch() {
  local dir
  dir=$(svc_dir alertmanager)
  launch alertmanager "$dir/logs/alertmanager.log" "$ALERTMANAGER_BIN" \
    --config.file="$dir/config/alertmanager.yml" --storage.path="$dir/data" \
    --web.listen-address="127.0.0.1:$ALERTMANAGER_PORT" \
    --web.external-url="http://127.0.0.1:$ALERTMANAGER_PORT" --cluster.listen-address=
}

alertmanager_healthy_quick() {
  curl -fsS --max-time 2 "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready" >/dev/null 2>&1
}

# ---------------------------------------------------------------------------------------------------
# Webhook recorder: scripts/infra/webhook-recorder.ts on Node.

webhook_ports() { printf '%s' "$WEBHOOK_PORT"; }
webhook_address() { printf 'http://127.0.0.1:%s' "$WEBHOOK_PORT"; }
webhook_logs() { printf '%s/logs/webhook-recorder.log' "$(svc_dir webhook)"; }
webhook_version() { printf 'Node %s' "$(node --version 2>/dev/null || printf 'missing')"; }
webhook_prepare() { :; }

webhook_launch() {
  local dir
  dir=$(svc_dir webhook)
  # `--import tsx` resolves from the working directory: run from the repository.
  (
    cd "$REPO_ROOT"
    export MCPTAP_WEBHOOK_PORT=$WEBHOOK_PORT
    launch webhook "$dir/logs/webhook-recorder.log" \
      node --import tsx "$INFRA_SCRIPTS/webhook-recorder.ts" --data-dir "$dir/data"
  )
}

webhook_healthy_quick() { curl -fsS --max-time 2 "http://127.0.0.1:$WEBHOOK_PORT/healthz" >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------------------
# Commands

# Until the service passes its quick check, or has exited, or the deadline (in SECONDS) has passed.
# Kafka has its own kafka_wait_healthy, a fuller check.
wait_healthy() {
  local svc=$1 pid=$2 deadline=$3
  if declare -F "${svc}_wait_healthy" >/dev/null; then
    "${svc}_wait_healthy" "$pid" "$deadline"
    return
  fi
  until "${svc}_healthy_quick"; do
    alive "$pid" || return 1
    ((SECONDS < deadline)) || return 1
    sleep 0.25
  done
}

LAST_CHECK_ERROR=

# Once its nodes run: every broker of kafka-cluster in the metadata (a node may have been started
# alone, to rejoin), then a round trip through a topic with a replica on each broker.
wait_cluster_healthy() {
  local svc out began=$SECONDS
  for svc in kafka-cluster-1 kafka-cluster-2 kafka-cluster-3; do
    [[ -n $(running_pid "$svc") ]] || {
      info "kafka-cluster: $svc is stopped; the cluster runs on the other nodes"
      return 0
    }
  done
  if out=$(kafka_cluster_check --timeout-ms $((START_TIMEOUT_S * 1000)) 2>&1); then
    info "kafka-cluster healthy at $(kafka_cluster_brokers) after $((SECONDS - began))s: $out"
  else
    log_tail $(kafka_cluster_node_logs 1)
    die "kafka-cluster did not become healthy within ${START_TIMEOUT_S}s: $out"
  fi
}

health_failure() {
  local svc=$1 pid=$2 why logs
  read -r -a logs <<<"$("${svc}_logs")"
  if alive "$pid"; then
    why="did not become healthy within ${START_TIMEOUT_S}s (MCPTAP_INFRA_START_TIMEOUT_S)"
  else
    why="exited during start-up"
    rm -f "$(pid_file "$svc")"
  fi
  [[ -z $LAST_CHECK_ERROR ]] || printf 'last check: %s\n' "$LAST_CHECK_ERROR" >&2
  log_tail "${logs[@]}"
  die "$svc $why; logs: ${logs[*]}"
}

start_service() {
  local svc=$1 pid port started=$SECONDS
  local dir
  dir=$(svc_dir "$svc")
  pid=$(running_pid "$svc")
  if [[ -n $pid ]]; then
    if "${svc}_healthy_quick"; then
      info "$svc already running (pid $pid) at $("${svc}_address")"
      return 0
    fi
    info "$svc running (pid $pid) but not healthy yet; waiting"
    LAST_CHECK_ERROR=
    wait_healthy "$svc" "$pid" $((SECONDS + START_TIMEOUT_S)) || health_failure "$svc" "$pid"
    return 0
  fi
  rm -f "$(pid_file "$svc")"
  for port in $("${svc}_ports"); do
    if port_open "$port"; then
      die "$svc: 127.0.0.1:$port is already in use by a process this script did not start; stop it or choose another port (see 'bash scripts/infra.sh --help')"
    fi
  done
  mkdir -p "$dir/data" "$dir/logs" "$dir/config"
  "${svc}_prepare"
  "${svc}_launch"
  pid=$(<"$(pid_file "$svc")")
  info "$svc starting (pid $pid)"
  LAST_CHECK_ERROR=
  wait_healthy "$svc" "$pid" $((SECONDS + START_TIMEOUT_S)) || health_failure "$svc" "$pid"
  info "$svc healthy at $("${svc}_address") after $((SECONDS - started))s"
}

stop_service() {
  local svc=$1 pid file waited=0
  file=$(pid_file "$svc")
  pid=$(running_pid "$svc")
  if [[ -z $pid ]]; then
    if [[ -f $file ]]; then
      rm -f "$file"
      info "$svc not running (removed stale pid file)"
    else
      info "$svc not running"
    fi
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  while alive "$pid" && ((waited < STOP_TIMEOUT_S * 10)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if alive "$pid"; then
    info "$svc (pid $pid) still running after ${STOP_TIMEOUT_S}s; sending KILL"
    # It runs in its own session (setsid): KILL the group so no child of it survives.
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    while alive "$pid"; do sleep 0.1; done
  fi
  local port tries
  for port in $("${svc}_ports"); do
    for ((tries = 0; tries < 50; tries++)); do
      port_open "$port" || break
      sleep 0.1
    done
  done
  rm -f "$file"
  info "$svc stopped (pid $pid)"
}

status_line() {
  local svc=$1 pid state
  pid=$(running_pid "$svc")
  if [[ -n $pid ]]; then state="running (pid $pid)"; else state=stopped; fi
  printf '%-20s %-22s %-48s %s\n' "$svc" "$state" "$("${svc}_address")" "$("${svc}_version")"
  [[ -n $pid ]]
}

print_versions() {
  local svc java_v
  for svc in "$@"; do status_line "$svc" || true; done
  java_v=$("$JAVA" -version 2>&1 | head -n 1 || true)
  printf '%-20s %s\n' java "${java_v:-not found}" node "$(node --version 2>/dev/null || printf 'not found')"
}

with_lock() {
  mkdir -p "$INFRA_HOME"
  exec 9>"$INFRA_HOME/.lock"
  if ! flock -n 9; then
    info "waiting for another infra.sh (lock $INFRA_HOME/.lock)"
    flock -w "$LOCK_TIMEOUT_S" 9 || die "another infra.sh held $INFRA_HOME/.lock for ${LOCK_TIMEOUT_S}s"
  fi
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case $cmd in
    start | stop | status) ;;
    install)
      [[ $# -gt 0 ]] || die "install what? (chromium)"
      for svc in "$@"; do [[ $svc == chromium ]] || die "unknown tool '$svc' (chromium)"; done
      with_lock
      ensure_packages "$@"
      info "installed: $*"
      return 0
      ;;
    -h | --help | help) usage 0 ;;
    *) usage 2 >&2 ;;
  esac

  local services=() svc
  [[ $# -gt 0 ]] || set -- all
  for svc in "$@"; do
    case $svc in
      all) services+=("${ALL_SERVICES[@]}") ;;
      kafka-cluster) services+=(kafka-cluster-1 kafka-cluster-2 kafka-cluster-3) ;;
      clickhouse-cluster) services+=(zookeeper clickhouse-replica-1 clickhouse-replica-2) ;;
      kafka | clickhouse | alertmanager | webhook | kafka-cluster-[123] | zookeeper | clickhouse-replica-[12])
        services+=("$svc")
        ;;
      *) die "unknown service '$svc' (kafka, clickhouse, alertmanager, webhook, all; kafka-cluster or kafka-cluster-1..3; clickhouse-cluster: zookeeper, clickhouse-replica-1..2)" ;;
    esac
  done
  # De-duplicate, in start order.
  local ordered=()
  for svc in "${ALL_SERVICES[@]}" "${CLUSTER_SERVICES[@]}"; do
    [[ " ${services[*]} " == *" $svc "* ]] && ordered+=("$svc")
  done

  case $cmd in
    start)
      with_lock
      local began=$SECONDS
      ensure_packages "${ordered[@]}"
      ensure_node_modules
      for svc in "${ordered[@]}"; do start_service "$svc"; done
      [[ " ${ordered[*]} " != *" kafka-cluster-"* ]] || wait_cluster_healthy
      print_versions "${ordered[@]}"
      info "ready in $((SECONDS - began))s (state in $INFRA_HOME)"
      ;;
    stop)
      with_lock
      local i
      for ((i = ${#ordered[@]} - 1; i >= 0; i--)); do stop_service "${ordered[i]}"; done
      ;;
    status)
      local all_up=0
      for svc in "${ordered[@]}"; do status_line "$svc" || all_up=3; done
      return "$all_up"
      ;;
  esac
}

main "$@"
