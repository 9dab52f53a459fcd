"""Stylize frames with the int8 ``.pte`` in the ExecuTorch runtime, one at a time, on one worker thread.

Why one worker: the demo host has two cores, and a second inference in parallel would only make
both slower and the latency numbers meaningless. The event loop hands each frame to the engine's
single-thread executor and stays free for other clients.

Device profiles change XNNPACK's thread count. ExecuTorch keeps one thread pool per process and a
method loaded before a pool reset crashes the process when run afterwards, so the pool is guarded
process-wide (``_Threadpool``): every open, reset and run holds its lock, a reset first drops the
engine's program, and each engine reopens its program when the pool changed since it loaded it
(another engine in the same process may have reset it).
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import torch

from edgenst.demo_app.artifact import Artifact
from edgenst.demo_app.frames import crop, decode_image, encode_image, letterbox
from edgenst.demo_app.settings import StyleSettings
from edgenst.errors import InputError


class _Threadpool:
    """The process's XNNPACK thread pool: a lock and a generation bumped on every reset.

    Only code that takes this lock is protected: in a process running the demo, open ExecuTorch
    programs through an ``Engine`` (or under ``lock``), never beside it.
    """

    lock = threading.Lock()
    generation = 0

    @classmethod
    def ensure(cls, threads: int) -> None:
        """Resize the pool if needed (hold ``lock``; every program opened before a reset is stale)."""
        from edgenst.runtime import set_threads, thread_count

        if thread_count() != threads:
            set_threads(threads)
            cls.generation += 1


@dataclass(frozen=True)
class FrameResult:
    data: bytes  # JPEG or PNG
    width: int
    height: int
    infer_ms: float  # the ExecuTorch method alone
    total_ms: float  # decode + letterbox + run + encode
    threads: int
    reopened: bool  # the program was (re)opened for this frame (a profile change)


class Engine:
    """Owns one ``PteModel`` of ``artifact`` and the single thread that runs it."""

    def __init__(self, artifact: Artifact, max_pixels: int = 16_000_000) -> None:
        self.artifact = artifact
        self.max_pixels = max_pixels
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="edgenst-demo-infer")
        self._model = None
        self._threads = 0
        self._generation = -1
        self.frames = 0
        self.reopens = 0
        from edgenst.demo_app.paintings import PaintingStore

        #: Uploaded paintings' style vectors (``settings.painting`` names one).
        self.paintings = PaintingStore()

    def open(self, threads: int) -> None:
        """Load the program now (so a broken file fails at start, not on the first frame), and check
        that it names the styles the page offers (the artifact's manifest)."""
        self._executor.submit(self._ensure_model_locked, threads).result()
        names = self._model.style_names if self._model is not None else None
        if names is not None and tuple(names) != tuple(self.artifact.styles):
            raise InputError(f"{self.artifact.path} names its styles {', '.join(names)}, its manifest "
                             f"{', '.join(self.artifact.styles)}")

    def _ensure_model_locked(self, threads: int) -> bool:
        with _Threadpool.lock:
            return self._ensure_model(threads)

    def _ensure_model(self, threads: int) -> bool:
        from edgenst.runtime import PteModel

        if self._model is not None and self._threads == threads and self._generation == _Threadpool.generation:
            return False
        self._model = None  # drop every loaded method before the pool may be reset
        _Threadpool.ensure(threads)
        self._model = PteModel(self.artifact.path)
        self._threads, self._generation = threads, _Threadpool.generation
        self.reopens += 1
        return True

    def process_sync(self, data: bytes, settings: StyleSettings, fmt: Literal["JPEG", "PNG"] = "JPEG") -> FrameResult:
        """Decode, letterbox, run, crop and encode one image (call on the engine thread, or in tests)."""
        t0 = time.perf_counter()
        image = decode_image(data, max_pixels=self.max_pixels, target=settings.size)
        canvas, box = letterbox(image, settings.size)
        strength = torch.tensor([[settings.strength]], dtype=torch.float32)
        with _Threadpool.lock:
            reopened = self._ensure_model(settings.threads)
            # The program's own names (IOSpec); an old program's come from the manifest.
            weights = settings.style_weights(self._model.style_names or self.artifact.styles)
            vector = self.paintings.get(settings.painting) if settings.painting else None
            if settings.painting and vector is None:
                raise InputError("that painting is no longer on the server: upload it again")
            t1 = time.perf_counter()
            if vector is not None:
                vw = torch.tensor([[settings.painting_weight]], dtype=torch.float32)
                out = self._model.run_vector(canvas, weights, strength, vector, vw)
            else:
                out = self._model.run(canvas, weights, strength)
            infer_ms = (time.perf_counter() - t1) * 1e3
        result = crop(out, box)
        data_out = encode_image(result, fmt)
        self.frames += 1
        return FrameResult(data_out, box.width, box.height, infer_ms, (time.perf_counter() - t0) * 1e3,
                           settings.threads, reopened)

    async def process(self, data: bytes, settings: StyleSettings, fmt: Literal["JPEG", "PNG"] = "JPEG") -> FrameResult:
        """``process_sync`` on the engine's thread: frames from every client queue up there."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.process_sync, data, settings, fmt)

    async def call(self, fn, *args):  # noqa: ANN001, ANN201 - any blocking job
        """Run ``fn(*args)`` on the engine's thread (a painting's prediction queues with the frames:
        the host's two cores are not shared by two heavy jobs at once)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)

    def close(self) -> None:
        def drop() -> None:
            with _Threadpool.lock:
                self._model = None

        try:
            self._executor.submit(drop).result()
        finally:
            self._executor.shutdown(wait=True)
