"""Paintings a visitor uploads: each becomes a style vector the student paints with (issue 22).

Why vectors and not new table columns: the exported program's table is fixed, but its
``vector_<H>x<W>`` methods take a style vector as input (``edgenst export --style-vector``), so a
painting costs one prediction on upload and then paints every frame like a shipped style, blended
with one (``painting_weight``) and with the same strength. The server predicts with
``edgenst.style_predictor.predict_style`` on the source model beside the export; the page in
on-device mode gets the same vector back and feeds it to the program in the browser.

The store is small and bounded (``MAX_PAINTINGS``, oldest out first) and keyed by the upload's
sha256, so nothing a client sends becomes a path and the same painting is predicted once.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from pathlib import Path

import torch

from edgenst.errors import InputError

log = logging.getLogger(__name__)

MAX_PAINTINGS = 64
#: A painting is decoded at most this large (the predictor looks at a small square of it anyway).
PAINTING_SIDE = 512


class PaintingStore:
    """Painting id -> its 1 x D style vector, thread-safe (the engine thread reads, uploads write)."""

    def __init__(self, capacity: int = MAX_PAINTINGS) -> None:
        self.capacity = capacity
        self._vectors: OrderedDict[str, torch.Tensor] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()[:16]

    def put(self, key: str, vector: torch.Tensor) -> None:
        with self._lock:
            self._vectors[key] = vector
            self._vectors.move_to_end(key)
            while len(self._vectors) > self.capacity:
                self._vectors.popitem(last=False)

    def get(self, key: str) -> torch.Tensor | None:
        with self._lock:
            return self._vectors.get(key)

    def ids(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._vectors)


class Predictor:
    """``predict_style`` on the student the export was made from (loaded once, on first use)."""

    def __init__(self, folder: Path, source_file: str, dim: int) -> None:
        self.folder, self.source_file, self.dim = folder, source_file, dim
        self._model = None
        self._lock = threading.Lock()

    @staticmethod
    def available() -> bool:
        try:
            from edgenst.style_predictor import predict_style  # type: ignore[import-not-found]  # noqa: F401
        except ImportError:
            return False
        return True

    def vector(self, painting: torch.Tensor) -> torch.Tensor:
        """1 x 3 x H x W RGB in [0, 1] -> the 1 x D style vector (``InputError`` on anything unusable)."""
        try:
            from edgenst.style_predictor import predict_style  # type: ignore[import-not-found]
        except ImportError:
            raise InputError("this server has no style predictor (edgenst.style_predictor)") from None
        with self._lock:
            if self._model is None:
                from edgenst.models.serialization import load_model

                self._model, _ = load_model(self.folder / self.source_file)
                self._model.eval()
            with torch.no_grad():
                values = predict_style(self._model, painting).values
        values = values.detach().to(torch.float32).reshape(1, -1)
        if values.shape[1] != self.dim or not bool(torch.isfinite(values).all()):
            raise InputError(f"the predictor gave {values.shape[1]} values, the model takes {self.dim}")
        return values
