# Start/stop helpers for the cluster's daemons; sourced after env.sh. Each daemon runs in
# the background with its log at .cluster/logs/NAME.log and its pid at .cluster/run/NAME.pid.

running() {  # NAME: is its recorded process alive?
  local pid
  pid=$(cat "$state/run/$1.pid" 2>/dev/null) || return 1
  kill -0 "$pid" 2>/dev/null
}

start() {  # NAME COMMAND...: start unless running with the same command line and files
  # $START_FILES (configs whose change needs a restart) and $START_BINARY (the cached
  # binary the symlinks point at); setsid: the daemon outlives make.
  local name=$1
  shift
  local key
  key=$({ printf '%s\n' "$@" "${START_BINARY:-}"; cat ${START_FILES:-} /dev/null; } | sha256sum | cut -c1-16)
  if running "$name"; then
    [[ $(cat "$state/run/$name.key" 2>/dev/null) == "$key" ]] && return 0
    log "$name: command or configuration changed; restarting"
    stop "$name"
  fi
  mkdir -p "$state/logs" "$state/run"
  log "starting $name"
  setsid "$@" >>"$state/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$state/run/$name.pid"
  echo "$key" >"$state/run/$name.key"
}

stop() {  # NAME: TERM, then KILL after 10 s
  local name=$1 pid i
  pid=$(cat "$state/run/$name.pid" 2>/dev/null) || return 0
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name"
    kill "$pid" 2>/dev/null || true
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$state/run/$name.pid"
}

wait_for() {  # SECONDS WHAT COMMAND...: poll COMMAND until it succeeds
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
      log "timed out waiting for $what"
      return 1
    fi
    sleep 0.5
  done
}
