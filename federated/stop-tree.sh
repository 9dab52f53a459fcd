# Sourced by deploy.sh and flwr-run.sh: stop the processes a script started, with every process
# they started in turn. Flower's SuperLink and SuperNodes fork helpers (flower-superexec, app
# processes, forked workers that keep their parent's command line) that notice their parent's end
# only later; a script that returns while they still exit leaves a caller that looks for leftovers
# (or starts the next federation on the same ports) racing them.

# Every descendant of PID, children before grandchildren.
descendants_of() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do
    echo "$child"
    descendants_of "$child"
  done
}

# stop_trees PID...: SIGTERM to each PID and all its descendants, wait up to STOP_GRACE seconds
# (default 10) for every one of them to end, then SIGKILL what is left. The PIDs must be this
# shell's own background jobs: they are reaped with `wait`.
stop_trees() {
  local pid tree=() alive=() p
  for pid in "$@"; do
    tree+=("$pid")
    for p in $(descendants_of "$pid"); do tree+=("$p"); done
  done
  [ ${#tree[@]} -eq 0 ] && return 0
  kill -TERM "${tree[@]}" 2>/dev/null || true
  local deadline=$((SECONDS + ${STOP_GRACE:-10}))
  while :; do
    alive=()
    for p in "${tree[@]}"; do
      # A zombie (ended, not yet reaped by its parent) counts as ended.
      if [ -e "/proc/$p" ] && ! grep -qs '^State:[[:space:]]*Z' "/proc/$p/status"; then alive+=("$p"); fi
    done
    [ ${#alive[@]} -eq 0 ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      kill -KILL "${alive[@]}" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}
