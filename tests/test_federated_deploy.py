"""Flower's Deployment Engine on loopback: ``federated/deploy.sh`` starts a SuperLink (TLS, SuperNode
authentication on) and SuperNodes as separate processes, registers their keys and runs the app."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _free_port_block(n: int) -> int:
    """A base port with ``n`` free ports after it (best effort)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + n >= 65535:
            continue
        ok = True
        for p in range(base, base + n + 1):
            with socket.socket() as t:
                try:
                    t.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    pytest.skip("no block of free loopback ports")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("flower-superlink") is None, reason="flwr's command-line tools are not on PATH")
def test_deploy_script_runs_the_app_with_tls_and_node_auth(tmp_path: Path) -> None:
    env = {**os.environ, "DEPLOY_DIR": str(tmp_path / "deploy"), "NUM_SUPERNODES": "2",
           "BASE_PORT": str(_free_port_block(3)), "OMP_NUM_THREADS": "1",
           "RUN_CONFIG": "num-server-rounds=1 photos='synthetic:16' crop=32 style-size=64 local-steps=1 simulate-profiles=false"}
    proc = subprocess.run(["bash", str(REPO / "federated" / "deploy.sh")], env=env, capture_output=True, text=True,
                          timeout=240)
    logs = tmp_path / "deploy" / "logs"
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "registered 2 SuperNode public keys" in proc.stdout
    assert "Uvicorn running on https://127.0.0.1" in (logs / "superlink.log").read_text()  # TLS on
    for i in range(2):
        registered = (logs / f"register_{i}.log").read_text()
        node_id = registered.split("SuperNode ")[1].split()[0]
        assert f"SuperNode ID: {node_id}" in (logs / f"supernode_{i}.log").read_text()  # authenticated as itself
    history = json.loads((tmp_path / "deploy" / "run" / "history.json").read_text())
    assert [h["round"] for h in history] == [0, 1] and history[1]["participants"] == 2
    assert (tmp_path / "deploy" / "run" / "model.safetensors").is_file()
    leftover = subprocess.run(["pgrep", "-f", str(tmp_path / "deploy")], capture_output=True, text=True).stdout.split()
    assert not leftover, "deploy.sh left processes running"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("flower-superlink") is None, reason="flwr's command-line tools are not on PATH")
def test_flwr_run_script_uses_this_environment_and_stops_its_superlink(tmp_path: Path) -> None:
    """``federated/flwr-run.sh``: ``flwr run federated`` with NUM_SUPERNODES simulated SuperNodes, no
    per-run dependency installation (the app imports this environment's edgenst and torch), and
    the SuperLink gone when the script returns."""
    work = tmp_path / "flwr"
    env = {**os.environ, "FLWR_RUN_DIR": str(work), "NUM_SUPERNODES": "3", "BASE_PORT": str(_free_port_block(3)),
           "OMP_NUM_THREADS": "1"}
    run_config = (f"num-server-rounds=1 clients-per-round=3 photos='synthetic:16' crop=32 style-size=64 local-steps=1 "
                  f"simulate-profiles=false run-dir='{tmp_path / 'run'}'")
    proc = subprocess.run(["bash", str(REPO / "federated" / "flwr-run.sh"), "--run-config", run_config], env=env,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    assert [h["round"] for h in history] == [0, 1] and history[1]["participants"] == 3  # all 3 SuperNodes took part
    assert "Installing application dependencies" not in (work / "superlink.log").read_text() + proc.stdout
    leftover = subprocess.run(["pgrep", "-f", str(work)], capture_output=True, text=True).stdout.split()
    assert not leftover, "flwr-run.sh left its SuperLink running"


def test_deploy_script_rejects_a_bad_node_count(tmp_path: Path) -> None:
    proc = subprocess.run(["bash", str(REPO / "federated" / "deploy.sh")], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NUM_SUPERNODES": "zero", "DEPLOY_DIR": str(tmp_path)})
    assert proc.returncode == 2 and "NUM_SUPERNODES must be a whole number" in proc.stderr
