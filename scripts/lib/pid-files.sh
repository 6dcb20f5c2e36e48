# Processes a script started in their own session, each known by RUN_DIR/NAME.pid (sourced by
# scripts/stack.sh and scripts/telemetry.sh; the sourcing script sets RUN_DIR and defines `log`).

pid_of() { [[ -f "$RUN_DIR/$1.pid" ]] && cat "$RUN_DIR/$1.pid" || true; }

# alive NAME [MATCH]: its pid runs and, given MATCH, its command line has MATCH (after a crash the
# pid may have been recycled for somebody else's process).
alive() {
  local pid
  pid=$(pid_of "$1")
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  [[ -z "${2:-}" ]] || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2"
}

# stop_one NAME MATCH: TERM, then KILL after 10 s; only a process whose command line has MATCH.
stop_one() {
  local name=$1 match=$2 pid
  pid=$(pid_of "$name")
  [[ -n "$pid" ]] || return 0
  if alive "$name" "$match"; then
    log "stopping $name (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name (pid $pid) still running after 10 s; sending SIGKILL"
      kill -9 "$pid" 2>/dev/null || true
    fi
  else
    log "$name (pid $pid) not running"
  fi
  rm -f "$RUN_DIR/$name.pid"
}
