"""``edgenst.federated.ray_reaper`` without Ray: a driver killed with SIGKILL has the processes it
started ended, including one it started just before the kill whose parent was already gone (the
race the Ray test hit on a loaded host: such a process is no descendant by the time the reaper
looks, only its inherited token says whose it is); a process the driver did not start is untouched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from edgenst.federated import ray_reaper

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="the reaper needs /proc")

# The driver: starts the reaper, then a `sleep` through a shell that exits at once (the sleep is
# an orphan before the reaper's next scan), says the sleep's pid, and waits to be killed.
DRIVER = """
import subprocess, sys, time
from edgenst.federated import ray_reaper
ray_reaper.watch()
time.sleep(1.0)  # the reaper has scanned at least once
out = subprocess.run(["sh", "-c", "sleep 300 >/dev/null 2>&1 & echo $!"], capture_output=True, text=True).stdout
print(out.strip(), flush=True)
time.sleep(300)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a killed orphan may linger as a zombie of a pid 1 that does not reap


def test_a_killed_driver_s_orphaned_process_is_ended_and_a_stranger_is_not() -> None:
    stranger = subprocess.Popen(["sleep", "300"])
    driver = subprocess.Popen([sys.executable, "-c", DRIVER], stdout=subprocess.PIPE, text=True)
    try:
        orphan = int(driver.stdout.readline())
        assert _alive(orphan)
        parent = int(Path(f"/proc/{orphan}/stat").read_text().rsplit(")", 1)[1].split()[1])
        assert parent != driver.pid  # no descendant of the driver any more
        driver.send_signal(signal.SIGKILL)
        driver.wait(timeout=10)
        deadline = time.monotonic() + 15
        while _alive(orphan) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(orphan), "the driver's orphan outlived it"
        assert stranger.poll() is None, "the reaper ended a process the driver did not start"
    finally:
        for p in (driver, stranger):
            p.kill()
        try:
            os.kill(orphan, signal.SIGKILL)
        except (OSError, NameError):
            pass


def test_done_takes_the_token_out_of_the_driver_s_environment() -> None:
    before = os.environ.get(ray_reaper.TOKEN_VAR)
    watch = ray_reaper.watch()
    try:
        token = os.environ[ray_reaper.TOKEN_VAR]
        child = subprocess.run([sys.executable, "-c", f"import os; print(os.environ.get('{ray_reaper.TOKEN_VAR}'))"],
                               capture_output=True, text=True).stdout.strip()
        assert child == token  # what the driver starts carries it
    finally:
        watch.done()
    assert os.environ.get(ray_reaper.TOKEN_VAR) == before
