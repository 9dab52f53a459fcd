"""Ends the processes a simulation started when its driver dies without shutting them down.

``ray.init`` in the driver (the ``edgenst federate`` process) starts Ray's GCS server, raylet,
dashboard and runtime-env agents and the workers; a normal run or an exception ends them with
``ray.shutdown()``. A driver killed by a signal (SIGKILL, or SIGTERM, which Ray's own handler turns
into an immediate exit) left some of them running for a minute or more. So ``watch()`` starts this
file as a small separate process (its own session, no torch) that

- keeps a list of the driver's descendants (children, and their children: Ray's workers), read
  from ``/proc`` twice a second, with their start times so a reused pid is never hit;
- ends at once when the driver says ``done`` on the pipe (a normal end, Ray already shut down);
- when the pipe closes without ``done`` (the driver died), sends SIGTERM to those processes that
  are still the same processes, then SIGKILL two seconds later to any that remain.

A scan twice a second misses a process started in the last half second before the kill: by the
time the reaper looks, its parent is gone and it belongs to init, no longer a descendant (the Ray
test caught two such processes on a loaded host). So ``watch()`` also puts a token in the driver's
environment (``EDGENST_RAY_REAPER``, unique to this driver), which every process it starts
afterwards inherits, and on the driver's death the reaper ends the processes whose environment
carries it as well. Only processes the driver started are touched. Where there is no ``/proc`` it
does nothing.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

_DONE = b"done\n"
#: The environment variable that marks the processes a driver started (value: its token).
TOKEN_VAR = "EDGENST_RAY_REAPER"


class Watch:
    """The driver's end: ``done()`` after Ray was shut down normally."""

    def __init__(self, proc: subprocess.Popen | None, token: str | None = None) -> None:
        self._proc = proc
        self._token = token

    def done(self) -> None:
        if self._token is not None and os.environ.get(TOKEN_VAR) == self._token:
            del os.environ[TOKEN_VAR]  # what the driver starts from now on is not this run's
        if self._proc is None or self._proc.stdin is None:
            return
        try:
            self._proc.stdin.write(_DONE)
            self._proc.stdin.close()
            self._proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass


def watch() -> Watch:
    """Start the reaper for this process (the driver); a no-op where ``/proc`` is missing."""
    if not Path("/proc/self/stat").exists():
        return Watch(None)
    token = f"{os.getpid()}-{time.time_ns()}"
    env = {k: v for k, v in os.environ.items() if k != TOKEN_VAR}  # the reaper itself carries no token
    proc = subprocess.Popen([sys.executable, "-S", __file__, str(os.getpid()), token], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            close_fds=True, env=env)
    os.environ[TOKEN_VAR] = token
    return Watch(proc, token)


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time) of ``pid``, or None when it is gone."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[19])


def _descendants(root: int, known: dict[int, int]) -> None:
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        st = _stat(pid)
        if st is not None and (st[0] == root or st[0] in known) and pid not in known and pid != os.getpid():
            known[pid] = st[1]


def _tagged(token: str, known: dict[int, int]) -> None:
    """Add the processes whose environment carries this driver's token (``TOKEN_VAR``)."""
    mark = f"{TOKEN_VAR}={token}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid() or int(entry) in known:
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:  # gone, or another user's
            continue
        if mark in environ.split(b"\0") and (st := _stat(int(entry))) is not None:
            known[int(entry)] = st[1]


def _end(known: dict[int, int]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = [pid for pid, start in known.items() if (st := _stat(pid)) is not None and st[1] == start]
        for pid in alive:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        if not alive:
            return
        time.sleep(2.0)


def main(driver: int, token: str | None = None) -> None:
    known: dict[int, int] = {}
    while True:
        ready, _, _ = select.select([0], [], [], 0.5)
        if ready:
            data = os.read(0, 64)
            if data.startswith(_DONE):
                return
            if not data:  # the driver is gone (its end of the pipe closed with it)
                _descendants(driver, known)
                if token:
                    _tagged(token, known)
                _end(known)
                return
        _descendants(driver, known)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None)
