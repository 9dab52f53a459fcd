"""Exceptions that the CLI turns into exit codes.

Library code raises these instead of printing or exiting, so a notebook gets a normal exception
and the CLI prints one line: ``InputError`` (the user's input is at fault) exits with 2, any other
``EdgenstError`` or unexpected exception exits with 1.
"""

from __future__ import annotations

from typing import Callable, NoReturn


class EdgenstError(Exception):
    """Base class of every error edgenst raises on purpose."""


class InputError(EdgenstError, ValueError):
    """Bad input from the user: a file, a value, an option. The message is one line."""


class ImageReadError(InputError):
    """An image could not be read: missing, empty, truncated, not an image, or too large."""


class WeightsNotFoundError(InputError):
    """Pretrained weights are not on this machine and cannot be downloaded."""


class VideoReadError(InputError):
    """A video could not be read: missing, empty, truncated, not a video, or no video stream."""


def exit_with(main: Callable[[], int | None]) -> NoReturn:
    """Run a script's ``main`` and exit with its code; an ``InputError`` becomes one ``error:`` line
    and exit 2, as the CLI does. For the scripts under ``benchmarks/`` that are not CLI commands."""
    import sys

    try:
        code = main()
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    sys.exit(int(code or 0))
