"""``federated/stop-tree.sh``: deploy.sh and flwr-run.sh end the processes they started together with
every process those started, and return only once all of them are gone (CI once found a SuperLink's
forked helper still alive right after deploy.sh returned)."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

HELPER = Path(__file__).resolve().parents[1] / "federated" / "stop-tree.sh"


def _running(marker: str) -> list[str]:
    return subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()


def test_stop_trees_ends_grandchildren_and_waits_for_them():
    marker = f"edgenst-stoptree-{uuid.uuid4().hex}"
    # A job whose child and grandchild trap SIGTERM and take a moment to exit: a stop that only
    # signals direct children, or does not wait, returns while they still run.
    slow_exit = "trap 'sleep 0.5; exit 0' TERM; while :; do sleep 0.05; done # $MARK"
    script = f"""
. {HELPER}
bash -c "bash -c \\"{slow_exit}\\" & {slow_exit}" &
JOB=$!
sleep 1
[ "$(pgrep -f "$MARK" | wc -l)" -ge 2 ] || {{ echo "tree did not start"; exit 3; }}
stop_trees "$JOB"
pgrep -f "$MARK" && exit 4
exit 0
"""
    try:
        proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "MARK": marker})  # not on the script's own command line
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert not _running(marker)
    finally:
        subprocess.run(["pkill", "-KILL", "-f", marker])


def test_stop_trees_kills_what_ignores_sigterm_after_the_grace_time():
    marker = f"edgenst-stoptree-{uuid.uuid4().hex}"
    stubborn = "trap '' TERM; while :; do sleep 0.05; done # $MARK"
    script = f"""
. {HELPER}
bash -c "{stubborn}" &
JOB=$!
sleep 0.5
STOP_GRACE=1 stop_trees "$JOB"
pgrep -f "$MARK" && exit 4
exit 0
"""
    try:
        proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "MARK": marker})  # not on the script's own command line
        assert proc.returncode == 0, proc.stdout + proc.stderr
    finally:
        subprocess.run(["pkill", "-KILL", "-f", marker])
