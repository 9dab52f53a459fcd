"""Console output of the ``edgenst`` command: the project's own progress by default, dependency chatter
only with ``-v`` (warnings, native output) or ``-vv`` (everything, at debug level).

Why this is more than a log level: one ``edgenst export`` used to print 447 stderr lines, almost all
from dependencies. coremltools logs every MIL op it converts or removes at INFO (which the root level
let through), warns at import about untested torch and scikit-learn versions, and draws tqdm
bars; torch logs a deprecation through its own handler; and ExecuTorch's C++ runtime writes cpuinfo
probes straight to file descriptor 2, which no Python setting reaches. So:

* a filter on the command's one handler passes ``edgenst.*`` records at INFO, other libraries'
  at WARNING, and the known chatty ones (:data:`CHATTY`) at ERROR;
* :func:`quiet_dependencies` sends file descriptor 2 (native writes, tqdm, other handlers) to a
  temporary file around the noisy work while the command's own log handler keeps the real
  stderr, then drops what was caught (``-v`` shows it instead, since it never redirects).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import sys
import tempfile
from typing import Iterator

#: Libraries whose warnings are about themselves (versions, optional native parts), not the user's work.
CHATTY = ("coremltools", "torch", "torchao", "executorch", "py.warnings")

_FORMAT = "%(levelname)s %(name)s: %(message)s"


class VerbosityFilter(logging.Filter):
    """Per-source thresholds: the project's records, other libraries', and the chatty ones'."""

    def __init__(self, own: int, others: int, chatty: int) -> None:
        super().__init__()
        self.own, self.others, self.chatty = own, others, chatty

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        if name == "edgenst" or name.startswith("edgenst."):
            return record.levelno >= self.own
        if any(name == c or name.startswith(c + ".") for c in CHATTY):
            return record.levelno >= self.chatty
        return record.levelno >= self.others


def setup_logging(verbose: int, quiet: bool) -> None:
    """One stderr handler on the root logger with :class:`VerbosityFilter` (idempotent).

    Like ``logging.basicConfig`` it leaves a host that already configured logging (pytest, a
    notebook) alone; Python warnings are routed through logging so the filter decides on them too.
    """
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "edgenst_console", False)), None)
    if handler is None:
        if root.handlers:
            return
        handler = logging.StreamHandler(sys.stderr)
        handler.edgenst_console = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter(_FORMAT))
        root.addHandler(handler)
    if quiet:
        levels = (logging.WARNING, logging.WARNING, logging.ERROR)
    elif verbose >= 2:
        levels = (logging.DEBUG, logging.DEBUG, logging.DEBUG)
    elif verbose == 1:
        levels = (logging.INFO, logging.INFO, logging.WARNING)
    else:
        levels = (logging.INFO, logging.WARNING, logging.ERROR)
    handler.filters = [VerbosityFilter(*levels)]
    root.setLevel(min(levels))
    logging.captureWarnings(True)


@contextlib.contextmanager
def quiet_dependencies(verbose: int) -> Iterator[None]:
    """Around noisy dependency calls at default verbosity: file descriptor 2 goes to a temporary
    file, the command's own handler keeps writing to the real stderr, and fd 2 is restored after.

    With ``-v`` or ``-vv`` nothing is redirected. What was caught is dropped: it is the output the
    issue counted (cpuinfo probes, progress bars of internal passes), and ``-v`` shows it live.
    """
    if verbose > 0:
        yield
        return
    handlers = [h for h in logging.getLogger().handlers if getattr(h, "edgenst_console", False)]
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    _flush_c_stdio()
    saved = os.dup(2)
    real = os.fdopen(os.dup(saved), "w", buffering=1, encoding=getattr(sys.stderr, "encoding", None) or "utf-8",
                     errors="backslashreplace")
    previous = [h.setStream(real) for h in handlers]
    try:
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), 2)
            try:
                yield
            finally:
                sys.stderr.flush()
                _flush_c_stdio()
                os.dup2(saved, 2)
    finally:
        for h, stream in zip(handlers, previous):
            h.setStream(stream)
        real.close()
        os.close(saved)


def _flush_c_stdio() -> None:
    """Flush C's stdio buffers so native output lands on the side of the switch where it was written."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).fflush(None)
