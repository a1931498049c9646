# shellcheck shell=bash
# Starting, finding and stopping the control-plane processes. Sourced by cluster.sh ($STATE_DIR set).

pid_file() { echo "$STATE_DIR/$1.pid"; }

# Running = the pid file names a live process whose command is that binary (guards against pid reuse).
running_pid() {
  local file pid
  file=$(pid_file "$1")
  [ -f "$file" ] || return 1
  pid=$(cat "$file")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "/$1 " || return 1
  echo "$pid"
}

is_running() { running_pid "$1" >/dev/null; }

# start_process NAME BINARY ARGS...: detached from the caller (own session, stdin closed, output to the
# log) so it outlives the shell or test binary that ran `up`.
start_process() {
  local name="$1"; shift
  echo "--- $(date -u +%FT%TZ) starting $name" >>"$STATE_DIR/$name.log"
  # 8>&- 9>&-: the lock descriptors of cluster.sh must not live on in the daemons.
  setsid nohup "$@" >>"$STATE_DIR/$name.log" 2>&1 </dev/null 8>&- 9>&- &
  echo $! >"$(pid_file "$name")"
}

# stop_process NAME SIGNAL: signal it, then wait up to 10 s for it to go (SIGKILL after that).
stop_process() {
  local name="$1" signal="${2:-TERM}" pid i
  pid=$(running_pid "$name") || { rm -f "$(pid_file "$name")"; return 0; }
  kill "-$signal" "$pid" 2>/dev/null || true
  for i in $(seq 100); do
    [ -d "/proc/$pid" ] || break
    [ "$i" = 100 ] && kill -KILL "$pid" 2>/dev/null
    sleep 0.1
  done
  rm -f "$(pid_file "$name")"
}

# A free loopback port, chosen by the kernel.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Ports are chosen once and remembered, so a revived API server comes back where the kubeconfig points.
# A port added later (SCHEDULER_PORT) is appended to an existing file.
load_ports() {
  local file="$STATE_DIR/ports.env" name
  touch "$file"
  for name in ETCD_CLIENT_PORT ETCD_PEER_PORT APISERVER_PORT CONTROLLER_MANAGER_PORT SCHEDULER_PORT; do
    grep -q "^$name=" "$file" || echo "$name=$(free_port)" >>"$file"
  done
  # shellcheck disable=SC1090
  . "$file"
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s.
wait_until() {
  local seconds="$1" what="$2" deadline; shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "cluster: gave up after ${seconds} s waiting for $what" >&2
      return 1
    fi
    sleep 0.2
  done
}
