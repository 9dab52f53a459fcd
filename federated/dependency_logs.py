"""How much Flower, Ray and their libraries say while a simulation runs, by the CLI's verbosity.

At the default verbosity a run shows edgenst's own progress (one line per round, rejections,
failures) and real warnings; Flower's per-round banners, Ray's start-up and SQLAlchemy/alembic
plugin lines appear with ``-v`` (INFO) or ``-vv`` (DEBUG). Flower logs through its own console
handler (with colour codes) and also propagates to the root logger, so every Flower line came
out twice; here Flower's handler is muted and its records go through the application's handlers
only. Everything is restored when the run ends.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

#: Flower warnings that describe this app's own, deliberate configuration, not a problem.
_EXPECTED_FLOWER_WARNINGS = (
    "The `run_simulation` function is deprecated",  # see simulation.py: no in-process replacement
    "fraction_evaluate is set to 0.0",  # the server evaluates on held-out photos instead
)

#: Libraries that log at INFO during a run; at the default verbosity only their warnings show.
_CHATTY = ("alembic", "sqlalchemy", "ray", "filelock", "asyncio")


#: Flower modules whose errors about a ClientApp come with a traceback; the server's guard already
#: logs each failed phone in one line ("round N: node ... failed: ...").
_CLIENT_ERROR_MODULES = ("vce_api", "raybackend")


class _DropExpected(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.module in _CLIENT_ERROR_MODULES and record.levelno == logging.ERROR:
            return False
        msg = record.getMessage()
        return not any(text in msg for text in _EXPECTED_FLOWER_WARNINGS)


def _quiet_raylet_notices():  # -> Callable[[], None] | None
    """Ray prints the raylet's notices about dead workers and task retries to stdout (not through
    logging, and whatever ``log_to_driver`` says), in the middle of the command's own output. The
    server already logs each failed phone in one line, so at the default verbosity they are
    dropped: ``ray._private.worker.print_to_stdstream`` skips messages from the raylet. Returns
    the function that puts Ray's printer back, or None where this Ray has no such function."""
    try:
        from ray._private import worker as ray_worker
    except ImportError:
        return None
    original = getattr(ray_worker, "print_to_stdstream", None)
    if original is None:
        return None

    def print_to_stdstream(data, ignore_prefix):  # type: ignore[no-untyped-def]
        if isinstance(data, dict) and data.get("pid") == "raylet":
            return
        original(data, ignore_prefix)

    ray_worker.print_to_stdstream = print_to_stdstream

    def restore() -> None:
        ray_worker.print_to_stdstream = original

    return restore


def ray_logging_level(verbosity: int) -> str:
    """Ray's own ``logging_level`` (an ``init_args`` entry of Flower's backend config)."""
    return {0: "ERROR", 1: "WARNING"}.get(verbosity, "INFO")


@contextmanager
def dependency_logging(verbosity: int) -> Iterator[None]:
    """Flower at WARNING (0), INFO (1) or DEBUG (2+), printed once; other libraries at WARNING below -vv."""
    flwr_logger = logging.getLogger("flwr")
    try:
        from flwr.supercore.logger import console_handler
    except ImportError:  # another Flower layout: leave its handler alone
        console_handler = None
    saved = [(flwr_logger, flwr_logger.level)] + [(logging.getLogger(n), logging.getLogger(n).level) for n in _CHATTY]
    handler_level = console_handler.level if console_handler is not None else None
    drop = _DropExpected()
    flwr_logger.setLevel({0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG))
    if verbosity == 0:
        flwr_logger.addFilter(drop)
    if verbosity < 2:
        for name in _CHATTY:
            logging.getLogger(name).setLevel(logging.WARNING)
    if console_handler is not None and logging.getLogger().handlers:
        console_handler.setLevel(logging.CRITICAL + 1)  # the root logger's handlers print Flower's records
    restore_ray = _quiet_raylet_notices() if verbosity == 0 else None
    try:
        yield
    finally:
        if restore_ray is not None:
            restore_ray()
        flwr_logger.removeFilter(drop)
        for logger, level in saved:
            logger.setLevel(level)
        if console_handler is not None and handler_level is not None:
            console_handler.setLevel(handler_level)
