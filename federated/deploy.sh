#!/usr/bin/env bash
# Flower's Deployment Engine on loopback: one SuperLink and N SuperNodes as separate processes,
# TLS certificates made locally, SuperNode authentication on (only registered keys may connect),
# then `flwr run` of the same app that `flwr run federated` simulates.
#
#   federated/deploy.sh                                   # 3 SuperNodes, the demo settings
#   NUM_SUPERNODES=4 RUN_CONFIG="num-server-rounds=2 compression='int8'" federated/deploy.sh
#   NODE_PHOTOS=/data/phones federated/deploy.sh          # node i reads /data/phones/client_i
#
# Environment: NUM_SUPERNODES (3), RUN_CONFIG (extra run config, TOML key=value pairs),
# DEPLOY_DIR (work folder; default a new temporary one), BASE_PORT (19100: the SuperLink's HTTP
# port; SuperNode i uses BASE_PORT+1+i), NODE_PHOTOS (per-node photo folders), KEEP_RUNNING=1
# (leave the federation up after the run). Each SuperNode's data partition comes from its
# --node-config: partition-id/num-partitions, or photos="FOLDER" with NODE_PHOTOS.
set -euo pipefail

N=${NUM_SUPERNODES:-3}
BASE_PORT=${BASE_PORT:-19100}
APP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${DEPLOY_DIR:-$(mktemp -d -t edgenst-deploy.XXXXXX)}
PY=${PYTHON:-python}
RUN_CONFIG=${RUN_CONFIG:-}
mkdir -p "$WORK/logs"
WORK=$(cd "$WORK" && pwd)

if ! [[ "$N" =~ ^[0-9]+$ ]] || [ "$N" -lt 1 ]; then
  echo "deploy.sh: NUM_SUPERNODES must be a whole number >= 1, got '$N'" >&2
  exit 2
fi
for tool in flower-superlink flower-supernode flwr "$PY"; do
  command -v "$tool" >/dev/null || { echo "deploy.sh: '$tool' not found; activate the environment with flwr installed" >&2; exit 2; }
done

# The Flower CLI's own config (SuperLink connections) lives in this run's folder, not in ~/.flwr.
export FLWR_HOME="$WORK/flwr-home"
# edgenst is installed in this environment, not published: no per-run dependency installation.
export FLWR_DISABLE_RUNTIME_DEPENDENCY_INSTALLATION=1
export FLWR_DISABLE_UPDATE_CHECK=1

# shellcheck source=stop-tree.sh
. "$APP_DIR/stop-tree.sh"
PIDS=()
cleanup() {
  if [ "${KEEP_RUNNING:-0}" = "1" ]; then
    echo "deploy.sh: leaving SuperLink and SuperNodes running: kill ${PIDS[*]}"
    return
  fi
  stop_trees "${PIDS[@]}"
}
trap cleanup EXIT INT TERM

echo "deploy.sh: credentials in $WORK (CA, TLS certificate for 127.0.0.1, $N SuperNode key pairs)"
"$PY" -m edgenst.federated.creds --out "$WORK" --supernodes "$N" >/dev/null
CERTS="$WORK/certificates"

mkdir -p "$FLWR_HOME"
cat >"$FLWR_HOME/config.toml" <<EOF
[superlink]
default = "edgenst-deploy"

[superlink.edgenst-deploy]
address = "127.0.0.1:$BASE_PORT"
root-certificates = "$CERTS/ca.crt"
EOF

echo "deploy.sh: SuperLink on 127.0.0.1:$BASE_PORT (TLS, SuperNode authentication on)"
flower-superlink \
  --ssl-ca-certfile "$CERTS/ca.crt" --ssl-certfile "$CERTS/server.pem" --ssl-keyfile "$CERTS/server.key" \
  --enable-supernode-auth --disable-runtime-dependency-installation \
  --host 127.0.0.1 --port "$BASE_PORT" --database "$WORK/superlink.db" \
  >"$WORK/logs/superlink.log" 2>&1 &
PIDS+=($!)

for _ in $(seq 1 60); do
  if flwr supernode list edgenst-deploy >/dev/null 2>&1; then break; fi
  if ! kill -0 "${PIDS[0]}" 2>/dev/null; then
    echo "deploy.sh: the SuperLink exited; see $WORK/logs/superlink.log" >&2
    tail -5 "$WORK/logs/superlink.log" >&2
    exit 1
  fi
  sleep 1
done

for i in $(seq 0 $((N - 1))); do
  flwr supernode register "$WORK/keys/supernode_$i.pub" edgenst-deploy >"$WORK/logs/register_$i.log" 2>&1 || {
    echo "deploy.sh: registering SuperNode $i failed:" >&2; cat "$WORK/logs/register_$i.log" >&2; exit 1; }
done
echo "deploy.sh: registered $N SuperNode public keys"

for i in $(seq 0 $((N - 1))); do
  node_config="partition-id=$i num-partitions=$N"
  if [ -n "${NODE_PHOTOS:-}" ]; then
    node_config="$node_config photos=\"$NODE_PHOTOS/client_$i\""
  fi
  flower-supernode \
    --root-certificates "$CERTS/ca.crt" --auth-supernode-private-key "$WORK/keys/supernode_$i" \
    --superlink "127.0.0.1:$BASE_PORT" --port $((BASE_PORT + 1 + i)) \
    --node-config "$node_config" \
    >"$WORK/logs/supernode_$i.log" 2>&1 &
  PIDS+=($!)
done
echo "deploy.sh: started $N SuperNodes (logs in $WORK/logs)"

case " $RUN_CONFIG " in
  *" run-dir="*) ;;
  *) RUN_CONFIG="run-dir='$WORK/run' $RUN_CONFIG" ;;
esac
case " $RUN_CONFIG " in
  *" clients-per-round="*) ;;
  *) RUN_CONFIG="clients-per-round=$N $RUN_CONFIG" ;;
esac

echo "deploy.sh: flwr run $APP_DIR edgenst-deploy --run-config \"$RUN_CONFIG\" --stream"
flwr run "$APP_DIR" edgenst-deploy --run-config "$RUN_CONFIG" --stream
echo "deploy.sh: done; the run folder is in the run config above (default $WORK/run)"
