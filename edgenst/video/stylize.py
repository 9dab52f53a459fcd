"""Stylize a video frame by frame with the eager student or an exported ``.pte``, streaming.

Frames flow decode -> stylize -> encode one at a time (``edgenst.video.files``), so a long video needs
the memory of a few frames. The eager backend takes any frame size (``inference.stylize`` pads to
a multiple of 4 with a mirrored margin and crops back). A ``.pte`` runs only at its exported sizes;
other frames follow one rule (``fit_plan``): shrink (never enlarge) to fit inside the exported size
that keeps the most of the frame's pixels (the cheapest such size on ties), pad the rest by edge
replication, stylize, crop, and scale back, so the output always has the input's exact size.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence, TypeVar

import torch
import torch.nn.functional as F
from torch import nn

from edgenst.errors import InputError
from edgenst.inference import model_border, stylize
from edgenst.io import DEFAULT_MAX_PIXELS
from edgenst.video.files import FrameWriter, frame_to_tensor, open_frames, probe, tensor_to_frame

if TYPE_CHECKING:
    from edgenst.models.serialization import ModelInfo

log = logging.getLogger(__name__)

#: A frame stylizer: 1 x 3 x H x W in [0, 1] -> the same shape.
Stylizer = Callable[[torch.Tensor], torch.Tensor]

#: Frames decoded ahead and waiting to be encoded: bounds memory (a few frames) while decoding
#: and encoding (ffmpeg, outside the GIL) overlap with the network.
QUEUE_DEPTH = 4
T = TypeVar("T")


@dataclass(frozen=True)
class FitPlan:
    """How a frame of one size runs in a program with fixed sizes."""

    size: tuple[int, int]  # the exported (H, W) it runs at
    inner: tuple[int, int]  # the frame scaled to fit inside it; the rest is padding

    @property
    def exact(self) -> bool:
        return self.inner == self.size


def fit_plan(height: int, width: int, sizes: Iterable[tuple[int, int]]) -> FitPlan:
    """The exported size that keeps the most of the frame's detail; exact matches win outright."""
    sizes = sorted(set(sizes))
    if not sizes:
        raise InputError("the program has no sizes to run at")
    if (height, width) in sizes:
        return FitPlan((height, width), (height, width))

    def inner(s: tuple[int, int]) -> tuple[int, int]:
        scale = min(1.0, s[0] / height, s[1] / width)  # shrink to fit, never enlarge (padding is exact)
        return min(s[0], max(1, round(height * scale))), min(s[1], max(1, round(width * scale)))

    def key(s: tuple[int, int]) -> tuple[int, int]:
        h, w = inner(s)
        return (-h * w, s[0] * s[1])  # most kept pixels, then the cheapest size

    best = min(sizes, key=key)
    return FitPlan(best, inner(best))


class EagerStylizer:
    """The PyTorch student on frames of any size (tiles above ``tile`` pixels a side)."""

    def __init__(self, model: nn.Module, style_weights: torch.Tensor, strength: float, *, tile: int = 1024) -> None:
        self.model, self.style_weights, self.strength, self.tile = model.eval(), style_weights, strength, tile
        self.border = model_border(self.model)  # measured once, not per frame

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        return stylize(self.model, image, self.style_weights, self.strength, tile=self.tile, border=self.border)


class PteStylizer:
    """An exported ``.pte`` (``runtime.PteModel``) on frames, fitted to its sizes by ``fit_plan``."""

    def __init__(self, pte, style_weights: torch.Tensor, strength: float) -> None:
        if style_weights.shape != (1, pte.styles):
            raise InputError(f"{pte.path.name} has {pte.styles} styles; got style weights for {style_weights.shape[-1]}")
        self.pte, self.style_weights = pte, style_weights
        self.strength = torch.full((1, 1), float(strength))
        self._plans: dict[tuple[int, int], FitPlan] = {}

    def plan(self, height: int, width: int) -> FitPlan:
        if (height, width) not in self._plans:
            plan = fit_plan(height, width, self.pte.sizes)
            if not plan.exact:
                have = ", ".join(f"{h}x{w}" for h, w in sorted(self.pte.sizes))
                scaled = "" if plan.inner == (height, width) else f"scaled to {plan.inner[0]}x{plan.inner[1]} and "
                log.info("frames are %dx%d; %s runs at %s only: %spadded to %dx%d", height, width,
                         self.pte.path.name, have, scaled, *plan.size)
            self._plans[(height, width)] = plan
        return self._plans[(height, width)]

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        h, w = image.shape[-2:]
        plan = self.plan(h, w)
        if plan.exact:
            return self.pte.run(image, self.style_weights, self.strength).clamp(0, 1)
        x = image
        if plan.inner != (h, w):
            x = F.interpolate(x, size=plan.inner, mode="bilinear", antialias=True, align_corners=False)
        pad_h, pad_w = plan.size[0] - plan.inner[0], plan.size[1] - plan.inner[1]
        x = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
        y = self.pte.run(x, self.style_weights, self.strength)[..., : plan.inner[0], : plan.inner[1]]
        if plan.inner != (h, w):
            y = F.interpolate(y, size=(h, w), mode="bilinear", antialias=False, align_corners=False)
        return y.clamp(0, 1)


def make_stylizer(model: nn.Module, info: ModelInfo, styles: Sequence[tuple[str, float]], strength: float, *,
                  pte: str | os.PathLike[str] | None = None, tile: int = 1024,
                  threads: int | None = None) -> EagerStylizer | PteStylizer:
    """The frame stylizer for a student's blended ``styles`` (``(name, weight)`` pairs of ``info.styles``):
    the eager PyTorch model, or with ``pte`` that exported program in the ExecuTorch runtime.

    ``threads`` sets the runtime's thread count before the program opens (it cannot change after,
    see ``runtime.set_threads``); the eager model uses torch's setting.
    """
    from edgenst.inference import StyleChoice

    choice = StyleChoice(weights=dict(styles), strength=strength)
    vector = choice.vector(info.styles)
    if pte:
        from edgenst.runtime import PteModel, set_threads

        if threads:
            set_threads(threads)
        return PteStylizer(PteModel(pte), vector, choice.strength)
    return EagerStylizer(model, vector, choice.strength, tile=tile)


@dataclass(frozen=True)
class VideoResult:
    output: Path
    frames: int
    size: tuple[int, int]  # (H, W)
    fps: float  # the video's frame rate
    audio: bool  # audio was carried over
    seconds: float  # wall time, decode to encode
    stylize_seconds: float  # of which the network

    @property
    def throughput(self) -> float:
        """Frames per second end to end (decode, stylize, encode)."""
        return self.frames / max(self.seconds, 1e-9)


def stylize_video(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    stylizer: Stylizer,
    *,
    fps: float = 24.0,
    crf: int = 20,
    preset: str = "veryfast",
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_frames: int | None = None,
    progress: bool = True,
    protect: tuple[str, ...] = (),
    pipeline: bool = True,
) -> VideoResult:
    """Stylize every frame of ``source`` (video file or folder of frames) into ``output``.

    ``output`` is a video file (by extension: the source's audio is carried over, timestamps and
    size kept) or a folder (PNG frames). ``fps`` is the frame rate of a folder of frames.
    ``pipeline`` decodes and encodes in background threads (bounded queues) beside the network.
    """
    src, out = Path(source), Path(output)
    if out.resolve() == src.resolve():
        raise InputError(f"{out}: the output would overwrite the input")
    info = probe(src, fps=fps)
    t0 = time.perf_counter()
    net = 0.0
    bar = _progress(info.frames if max_frames is None else min(max_frames, info.frames or max_frames), progress)
    writer: FrameWriter | None = None
    sink: _Sink | None = None
    frames = open_frames(src, fps=fps, max_pixels=max_pixels)
    try:
        for frame in _prefetch(frames) if pipeline else frames:
            if writer is None:  # the first frame fixes the size (rotated phone video is upright here)
                h, w = frame.rgb.shape[:2]
                info = replace(info, height=h, width=w)
                writer = FrameWriter(out, info, audio_from=src if info.audio else None, crf=crf, preset=preset,
                                     protect=protect + (str(src),))
                sink = _Sink(writer, threaded=pipeline)
            t = time.perf_counter()
            styled = stylizer(frame_to_tensor(frame.rgb))
            net += time.perf_counter() - t
            sink.put(tensor_to_frame(styled), frame.pts)
            if bar is not None:
                bar.update(1)
            if max_frames is not None and sink.count >= max_frames:
                break
        if sink is not None:
            sink.finish()
    except BaseException:
        if sink is not None:
            sink.abort()
        if writer is not None:
            writer.close(ok=False)
        raise
    finally:
        if bar is not None:
            bar.close()
    if writer is None:  # open_frames raises before this; kept for a source that yields nothing
        raise InputError(f"{src}: no frames")
    writer.close()
    seconds = time.perf_counter() - t0
    return VideoResult(output=out, frames=writer.count, size=(info.height, info.width), fps=float(info.fps),
                       audio=info.audio and writer.writes_video, seconds=seconds, stylize_seconds=net)


_DONE = object()


def _prefetch(items: Iterator[T], depth: int = QUEUE_DEPTH) -> Iterator[T]:
    """``items`` produced by a background thread, at most ``depth`` ahead; its errors re-raised here."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised in its thread
            q.put(exc)

    thread = threading.Thread(target=produce, name="edgenst-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


class _Sink:
    """Hands frames to a ``FrameWriter``, from a background thread when ``threaded``."""

    def __init__(self, writer: FrameWriter, *, threaded: bool) -> None:
        self.writer, self.count = writer, 0
        self._error: BaseException | None = None
        self._q: queue.Queue | None = queue.Queue(maxsize=QUEUE_DEPTH) if threaded else None
        if self._q is not None:
            self._thread = threading.Thread(target=self._run, name="edgenst-encode", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is _DONE:
                return
            if self._error is None:
                try:
                    self.writer.write(*item)
                except BaseException as exc:
                    self._error = exc

    def put(self, rgb, pts: int) -> None:
        if self._error is not None:
            raise self._error
        self.count += 1
        if self._q is None:
            self.writer.write(rgb, pts)
        else:
            self._q.put((rgb, pts))

    def finish(self) -> None:
        if self._q is not None:
            self._q.put(_DONE)
            self._thread.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        if self._q is not None and self._thread.is_alive():
            self._error = self._error or RuntimeError("aborted")
            self._q.put(_DONE)
            self._thread.join(timeout=10)


def _progress(total: int | None, enabled: bool):
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="frame", dynamic_ncols=True)
