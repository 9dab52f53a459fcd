#!/usr/bin/env bash
# `flwr run federated` in Flower's Simulation Runtime, with this environment's torch and edgenst,
# on a SuperLink of its own that stops when the run ends.
#
#   federated/flwr-run.sh                                        # the demo settings, 4 SuperNodes
#   federated/flwr-run.sh --run-config "num-server-rounds=5 strategy='fedadam'"
#   NUM_SUPERNODES=8 federated/flwr-run.sh --run-config "clients-per-round=8"
#   federated/flwr-run.sh --run-config "run-dir='/abs/runs/fed1'"   # a named folder: created, or resumed
#
# Why a script around `flwr run`: Flower 1.42's `flwr run` starts a detached local SuperLink on
# first use that (1) installs the app's dependencies into a fresh environment per run unless it was
# started with FLWR_DISABLE_RUNTIME_DEPENDENCY_INSTALLATION=1 (edgenst is not on PyPI, and a fresh
# torch is gigabytes), (2) simulates 2 SuperNodes unless told otherwise, and (3) keeps running after
# the command returns, with no `flwr` command to stop it. Here the SuperLink runs with
# --disable-runtime-dependency-installation in a private FLWR_HOME and free ports, the run gets
# NUM_SUPERNODES simulated SuperNodes (default 4, the app's clients-per-round), and the SuperLink
# is stopped on exit (KEEP_RUNNING=1 leaves it up and prints how to stop it).
#
# Every run without run-dir writes to a new folder, ~/.edgenst/federated-runs/run-<run id>.
# Environment: NUM_SUPERNODES (4), BASE_PORT (19200; the SuperLink uses it and the next two),
# FLWR_RUN_DIR (work folder for the SuperLink's state and log; default a new temporary one).
set -euo pipefail

N=${NUM_SUPERNODES:-4}
BASE_PORT=${BASE_PORT:-19200}
APP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${FLWR_RUN_DIR:-$(mktemp -d -t edgenst-flwr.XXXXXX)}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

if ! [[ "$N" =~ ^[0-9]+$ ]] || [ "$N" -lt 1 ]; then
  echo "flwr-run.sh: NUM_SUPERNODES must be a whole number >= 1, got '$N'" >&2
  exit 2
fi
for tool in flower-superlink flwr; do
  command -v "$tool" >/dev/null || { echo "flwr-run.sh: '$tool' not found; install edgenst[federated] and activate its environment" >&2; exit 2; }
done

export FLWR_HOME="$WORK/flwr-home"
export FLWR_DISABLE_RUNTIME_DEPENDENCY_INSTALLATION=1
export FLWR_DISABLE_UPDATE_CHECK=1
mkdir -p "$FLWR_HOME"
cat >"$FLWR_HOME/config.toml" <<TOML
[superlink]
default = "edgenst-sim"

[superlink.edgenst-sim]
address = "127.0.0.1:$BASE_PORT"
insecure = true
TOML

flower-superlink --insecure --simulation --isolation subprocess --disable-runtime-dependency-installation \
  --host 127.0.0.1 --port "$BASE_PORT" --control-api-address "127.0.0.1:$((BASE_PORT + 1))" \
  --health-server-address "127.0.0.1:$((BASE_PORT + 2))" --database "$WORK/superlink.db" \
  >"$WORK/superlink.log" 2>&1 &
SUPERLINK=$!

# shellcheck source=stop-tree.sh
. "$APP_DIR/stop-tree.sh"
stop() {
  if [ "${KEEP_RUNNING:-0}" = "1" ]; then
    echo "flwr-run.sh: the SuperLink keeps running (FLWR_HOME=$FLWR_HOME); stop it with: kill $SUPERLINK" >&2
    return
  fi
  stop_trees "$SUPERLINK"  # with its simulation process, if still running
}
trap stop EXIT INT TERM

for _ in $(seq 1 60); do
  if flwr ls edgenst-sim >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SUPERLINK" 2>/dev/null; then
    echo "flwr-run.sh: the SuperLink exited; see $WORK/superlink.log" >&2
    tail -5 "$WORK/superlink.log" >&2
    exit 1
  fi
  sleep 1
done

flwr run "$APP_DIR" edgenst-sim --stream --federation-config "num-supernodes=$N" "$@"
