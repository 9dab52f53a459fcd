"""Keep ExecuTorch's own noise off the terminal unless asked for: its native logs and torch's import warning.

Why this exists: a corrupt ``.pte`` makes ExecuTorch log lines such as ``[program.cpp:114] File
size is too small`` (its Python bindings write them to ``sys.stderr``; other native code writes to
file descriptor 2 directly), and importing ExecuTorch logs a torch deprecation warning. An error
must reach the user as one line, so ``native_stderr`` catches both streams for the duration of one
native call: the first line caught names the cause and goes into the error message, and every line
is logged again at WARNING on the ``executorch.native`` logger, which the CLI shows with ``-v``
(``edgenst.cli.logs`` treats ``executorch.*`` as dependency chatter). With debug logging nothing is
caught: the lines appear live, as ExecuTorch writes them (nothing is lost if native code crashes).
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import logging
import os
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Iterator

#: fd 2 and sys.stderr are process-wide: two threads redirecting them at once would restore them wrongly.
_STDERR_LOCK = threading.Lock()
#: Where the caught lines are logged again (a dependency's output: shown by the CLI with -v).
NATIVE_LOG = logging.getLogger("executorch.native")
#: Loggers of third-party modules that log on import of ExecuTorch (a deprecation notice, not an error).
_IMPORT_NOISE = ("torch.utils._pytree",)


@dataclass
class NativeLog:
    """What native code wrote to fd 2 during a ``native_stderr`` block (empty when not redirected)."""

    lines: list[str] = field(default_factory=list)

    def reason(self, exc: BaseException) -> str:
        """The native log's first line (the root cause; later lines are its consequences) and the exception, on one line."""
        first = next((ln.strip() for ln in self.lines if ln.strip()), "")
        if first.startswith("[") and "] " in first:  # "[program.cpp:114] message" -> "message"
            first = first.split("] ", 1)[1]
        text = " ".join(str(exc).split())
        return f"{first} ({text})" if first else text


def _flush_c_stdio() -> None:
    """Flush C's stdio buffers, so native output written before a switch of fd 2 lands where it was meant to."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).fflush(None)


@contextlib.contextmanager
def native_stderr(log: logging.Logger) -> Iterator[NativeLog]:
    """Catch ``sys.stderr`` and fd 2 for the block unless ``log`` is at debug level; restore both, whatever happens.

    Keep the block short (one native load): while it runs, whatever any thread writes to stderr is
    caught too, and reaches the user only through ``NATIVE_LOG``.
    """
    caught = NativeLog()
    if log.isEnabledFor(logging.DEBUG):
        yield caught
        return
    with _STDERR_LOCK, tempfile.TemporaryFile() as fd2_sink:
        sys.stderr.flush()
        _flush_c_stdio()
        saved_fd2, saved_stream = os.dup(2), sys.stderr
        py_sink = io.StringIO()
        os.dup2(fd2_sink.fileno(), 2)
        sys.stderr = py_sink
        try:
            yield caught
        finally:
            sys.stderr = saved_stream
            _flush_c_stdio()
            os.dup2(saved_fd2, 2)
            os.close(saved_fd2)
            fd2_sink.seek(0)
            caught.lines = py_sink.getvalue().splitlines() + fd2_sink.read().decode(errors="replace").splitlines()
    for line in caught.lines:
        if line.strip():
            NATIVE_LOG.warning("%s", line.rstrip())


@contextlib.contextmanager
def quiet_import(log: logging.Logger) -> Iterator[None]:
    """Silence the warnings third-party modules log while ExecuTorch is imported, unless debugging."""
    if log.isEnabledFor(logging.DEBUG):
        yield
        return
    loggers = [logging.getLogger(name) for name in _IMPORT_NOISE]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
