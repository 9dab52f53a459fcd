"""Optional stacks (pip extras) and the one-line error a feature gives when its stack is missing.

The core install (``pip install edgenst``) stylizes photos and exports to ExecuTorch. Video,
Core ML, the demo server and Flower are extras, because together they weigh gigabytes that
someone stylizing a photo never uses. Their modules are imported where they are used, through
:func:`require`, so a missing one ends the command with one line that names the extra to install
(exit code 2, like any bad input), not a ``ModuleNotFoundError`` traceback from deep inside.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

from edgenst.errors import InputError

#: Import name -> (the pip distribution that provides it, the edgenst extra that pulls it in).
STACKS: dict[str, tuple[str, str]] = {
    "av": ("av", "video"),
    "cv2": ("opencv-python-headless", "video"),
    "coremltools": ("coremltools", "coreml"),
    "starlette": ("starlette", "demo"),
    "uvicorn": ("uvicorn", "demo"),
    "websockets": ("websockets", "demo"),
    "flwr": ("flwr", "federated"),
    "ray": ("ray", "federated"),
}


class MissingExtraError(InputError):
    """A feature's optional stack is not installed; the message says which extra brings it."""


def install_hint(module: str) -> str:
    """``pip install 'edgenst[EXTRA]'`` for a module of an optional stack."""
    _, extra = STACKS[module.partition(".")[0]]
    return f"pip install 'edgenst[{extra}]'"


def require(module: str, feature: str) -> ModuleType:
    """Import ``module`` (a key of :data:`STACKS`, or a submodule of one) for ``feature``.

    Raises :class:`MissingExtraError` when the stack's top-level module is not installed; an
    ``ImportError`` from an installed one (a broken install, a missing dependency of the dependency)
    propagates unchanged, since installing the extra would not be the fix.
    """
    top = module.partition(".")[0]
    dist, extra = STACKS[top]
    missing = MissingExtraError(f"{feature} needs {dist}, which is not installed: pip install 'edgenst[{extra}]'")
    if not _installed(top):  # first: a submodule imported earlier would still be in sys.modules
        raise missing
    try:
        return importlib.import_module(module)
    except ImportError:
        if _installed(top):
            raise
        raise missing from None


def _installed(top: str) -> bool:
    """Whether a top-level module can be imported at all (``sys.modules[name] = None`` blocks one)."""
    if top in sys.modules:
        return sys.modules[top] is not None
    return importlib.util.find_spec(top) is not None
