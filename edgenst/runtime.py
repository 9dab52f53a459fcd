"""Stylize with an exported ``.pte`` in the ExecuTorch runtime (what a phone app embeds).

``PteModel`` opens a program, finds its ``forward_<H>x<W>`` methods (one per exported size) and
runs them. A corrupt, truncated or foreign file is an ``InputError`` with one line, never a crash.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import torch

from edgenst.errors import InputError

_METHOD = re.compile(r"forward_(\d+)x(\d+)")


def set_threads(threads: int) -> None:
    """Size XNNPACK's thread pool (ExecuTorch keeps one pool per process).

    Call it before opening any ``PteModel``: loaded XNNPACK methods keep a pointer to the old pool,
    and running one after a reset crashes the process (seen with ExecuTorch 1.5.1). Open the
    models again after changing the thread count.
    """
    if threads < 1:
        raise InputError(f"threads must be >= 1, got {threads}")
    from executorch.extension.pybindings import portable_lib as lib

    lib._unsafe_reset_threadpool(threads)


def thread_count() -> int:
    from executorch.extension.pybindings import portable_lib as lib

    return int(lib._threadpool_get_thread_count())


class PteModel:
    """An exported student: ``run(image, style_weights, strength)`` picks the method for the size."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        from executorch.runtime import Runtime

        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"no .pte file at {self.path}")
        data = self.path.read_bytes()
        if len(data) < 16 or data[4:8] != b"ET12":
            raise InputError(f"{self.path} is not an ExecuTorch program (bad header; corrupt or another format)")
        try:
            self._program = Runtime.get().load_program(data)
            names = sorted(self._program.method_names)
        except RuntimeError as exc:
            raise InputError(f"{self.path} could not be loaded by the ExecuTorch runtime (corrupt or truncated?): {exc}") from None
        self.sizes: dict[tuple[int, int], str] = {}
        for name in names:
            m = _METHOD.fullmatch(name)
            if m:
                self.sizes[(int(m.group(1)), int(m.group(2)))] = name
        if not self.sizes:
            raise InputError(f"{self.path} has no forward_<H>x<W> methods (found: {', '.join(names) or 'none'})")
        self._methods: dict[str, object] = {}
        self.styles = self._style_count(next(iter(self.sizes.values())))

    def _method(self, name: str):
        if name not in self._methods:
            try:
                self._methods[name] = self._program.load_method(name)
            except RuntimeError as exc:
                raise InputError(f"{self.path}: method {name} failed to load (corrupt file?): {exc}") from None
        return self._methods[name]

    def _style_count(self, name: str) -> int:
        meta = self._method(name).metadata
        text = str(meta.input_tensor_meta(1)) if hasattr(meta, "input_tensor_meta") else str(meta)
        m = re.search(r"sizes=\[1, (\d+)\]", text)
        if not m:
            raise InputError(f"{self.path}: cannot read the style-weights input shape of {name}")
        return int(m.group(1))

    def method_for(self, height: int, width: int) -> str:
        if (height, width) not in self.sizes:
            have = ", ".join(f"{h}x{w}" for h, w in sorted(self.sizes))
            raise InputError(f"{self.path.name} has no method for {height}x{width}; exported sizes: {have}")
        return self.sizes[(height, width)]

    def run(self, image: torch.Tensor, style_weights: torch.Tensor, strength: torch.Tensor) -> torch.Tensor:
        """``image`` 1 x 3 x H x W in [0, 1] at an exported size -> stylized, same shape."""
        if image.dim() != 4 or image.shape[:2] != (1, 3):
            raise InputError(f"expected a 1 x 3 x H x W image, got {tuple(image.shape)}")
        if tuple(style_weights.shape) != (1, self.styles):
            raise InputError(f"style_weights must be 1 x {self.styles}, got {tuple(style_weights.shape)}")
        if tuple(strength.shape) != (1, 1):
            raise InputError(f"strength must be 1 x 1, got {tuple(strength.shape)}")
        method = self._method(self.method_for(*image.shape[-2:]))
        inputs = [t.contiguous().to(torch.float32) for t in (image, style_weights, strength)]
        return method.execute(inputs)[0]
