"""Reading and writing video, one frame at a time, through PyAV (whose wheel carries ffmpeg).

A video is never held in memory: ``open_frames`` yields decoded frames as they come and
``FrameWriter`` encodes each as it is handed over, so memory depends on one frame, not on the
length. A folder of images counts as a video too (sorted by name, at ``fps``). The writer keeps
the exact frame size and the source's timestamps (so its frame rate, variable or not) and copies
the audio stream packet by packet when the output container can hold its codec, re-encoding it
only when it cannot. Anything ffmpeg cannot read is a ``VideoReadError`` with one line.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

from edgenst.errors import ImageReadError, InputError, VideoReadError
from edgenst.extras import require
from edgenst.io import DEFAULT_MAX_PIXELS, list_images, load_image, require_file, save_image

log = logging.getLogger(__name__)

#: File extensions read and written as video containers.
VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi"})

#: Audio codecs each output container takes as they are (copied without re-encoding).
_AUDIO_COPY = {
    ".mp4": {"aac", "mp3", "alac", "ac3", "eac3", "opus", "flac"},
    ".m4v": {"aac", "mp3", "alac", "ac3", "eac3"},
    ".mov": {"aac", "mp3", "alac", "ac3", "eac3", "pcm_s16le", "pcm_s24le", "pcm_f32le"},
    ".webm": {"opus", "vorbis"},
}
_VIDEO_CODEC = {".webm": "libvpx-vp9"}  # everything else: H.264
_AUDIO_FALLBACK = {".webm": "libopus"}  # everything else: AAC


def is_video_file(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


@dataclass(frozen=True)
class VideoInfo:
    """What a writer needs to reproduce the source's geometry and timing."""

    width: int
    height: int
    fps: Fraction  # average frame rate
    frames: int | None  # None when the container does not say
    time_base: Fraction  # unit of the frames' timestamps
    audio: bool  # the source has an audio track
    path: Path


@dataclass(frozen=True)
class Frame:
    """One decoded frame: RGB uint8, H x W x 3, and its timestamp in ``VideoInfo.time_base`` units."""

    rgb: np.ndarray
    pts: int


def frame_to_tensor(rgb: np.ndarray) -> torch.Tensor:
    """H x W x 3 uint8 -> 1 x 3 x H x W float in [0, 1] (the project's image convention).

    The transpose happens on uint8 (4x fewer bytes than after conversion): ~4x faster at 720p.
    """
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1))).unsqueeze(0).to(torch.float32).div_(255.0)


def tensor_to_frame(image: torch.Tensor) -> np.ndarray:
    """1 x 3 x H x W float in [0, 1] -> H x W x 3 uint8 (rounded; the transpose on uint8, for speed)."""
    return image[0].mul(255.0).add_(0.5).clamp_(0, 255).to(torch.uint8).permute(1, 2, 0).contiguous().numpy()


def probe(path: str | os.PathLike[str], *, fps: float = 24.0) -> VideoInfo:
    """Size, frame rate and audio of a video file or a folder of frames, without decoding it all."""
    p = Path(path)
    if p.is_dir():
        files = _frame_files(p)
        first = load_image(files[0]).tensor
        return VideoInfo(width=first.shape[-1], height=first.shape[-2], fps=_fps(fps), frames=len(files),
                         time_base=1 / _fps(fps), audio=False, path=p)
    with _open_input(p) as container:
        stream = _video_stream(container, p)
        rate = stream.average_rate or stream.guessed_rate or Fraction(24)
        return VideoInfo(width=stream.codec_context.width, height=stream.codec_context.height, fps=Fraction(rate),
                         frames=stream.frames or None, time_base=Fraction(stream.time_base), audio=bool(container.streams.audio),
                         path=p)


def open_frames(path: str | os.PathLike[str], *, fps: float = 24.0, max_pixels: int = DEFAULT_MAX_PIXELS) -> Iterator[Frame]:
    """Decoded frames of a video file, or the images of a folder in name order, one at a time."""
    p = Path(path)
    if p.is_dir():
        yield from _folder_frames(p, max_pixels)
        return
    with _open_input(p) as container:
        stream = _video_stream(container, p)
        if stream.codec_context.width * stream.codec_context.height > max_pixels:
            raise VideoReadError(f"{p}: frames of {stream.codec_context.width}x{stream.codec_context.height} exceed "
                                 f"{max_pixels} pixels (--max-pixels)")
        # No decoder worker threads: PyAV's log callback, installed while errors are captured (below),
        # takes the GIL from whichever ffmpeg thread logs, and a worker logging while the Python
        # thread holding the GIL frees this decoder deadlocks (PyAV-Org/PyAV#751; it hung the test
        # suite). One thread decodes far faster than the network stylizes, so nothing is lost.
        stream.thread_type = "NONE"
        stream.thread_count = 1
        count, first_pts, last_pts = 0, None, None
        with _ffmpeg_log() as logs:
            try:
                for frame in container.decode(stream):
                    rgb = frame.to_ndarray(format="rgb24", threads=1)  # swscale: no worker threads either
                    if frame.rotation:  # phone video: turn upright as players do (counterclockwise degrees)
                        rgb = np.ascontiguousarray(np.rot90(rgb, k=round(frame.rotation / 90) % 4))
                    pts = frame.pts if frame.pts is not None else (last_pts + 1 if last_pts is not None else 0)
                    first_pts = pts if first_pts is None else first_pts
                    last_pts = pts
                    count += 1
                    yield Frame(rgb, pts)
            except _ffmpeg_errors() as exc:
                raise VideoReadError(f"{p}: cannot decode frame {count + 1} ({_reason(exc)}); truncated or damaged?") from None
        # Only this file's demuxer: ffmpeg may flush a stale "repeated N times" line of another file.
        cut = [m for _, name, m in logs if name == container.format.name and any(w in m.lower() for w in _DAMAGE_WORDS)]
        if cut:
            raise VideoReadError(f"{p}: truncated or damaged ({cut[0].strip().splitlines()[0]}) after {count} frames")
        if count == 0:
            raise VideoReadError(f"{p}: no video frames could be decoded (truncated or empty?)")
        _check_complete(p, stream, count, (last_pts - first_pts) * Fraction(stream.time_base))


class FrameWriter:
    """Encode frames into a video file (audio copied from ``audio_from``) or PNGs into a folder.

    Use as a context manager; ``write`` takes H x W x 3 uint8 frames of the size given at
    construction. Video timestamps are the source's (``pts`` in ``info.time_base`` units).
    """

    def __init__(self, path: str | os.PathLike[str], info: VideoInfo, *, audio_from: str | os.PathLike[str] | None = None,
                 crf: int = 20, preset: str = "veryfast", protect: tuple[str, ...] = ()) -> None:
        self.path = Path(path)
        self.info = info
        self.count = 0
        self.writes_video = is_video_file(self.path)
        self._protect = protect
        self._audio_in = None
        self._audio_packets: Iterator | None = None
        self._pending_audio = None
        self._audio_out = None
        self._transcode = False
        if not is_video_file(self.path):
            if self.path.suffix:
                raise InputError(f"{self.path}: write video as {', '.join(sorted(VIDEO_EXTENSIONS))}, or frames into a folder")
            self.path.mkdir(parents=True, exist_ok=True)
            self._container = None
            return
        av = _av()

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}")
        self._container = av.open(str(self._tmp), mode="w")
        ext = self.path.suffix.lower()
        codec = _VIDEO_CODEC.get(ext, "libx264")
        self._video = self._container.add_stream(codec, rate=info.fps)
        self._video.width, self._video.height = info.width, info.height
        odd = info.width % 2 or info.height % 2
        # H.264 4:2:0 needs even sizes; 4:4:4 keeps an odd size exactly (VP9 handles odd 4:2:0).
        self._video.pix_fmt = "yuv444p" if odd and codec == "libx264" else "yuv420p"
        self._video.time_base = info.time_base
        self._video.codec_context.time_base = info.time_base
        options = {"crf": str(crf)}
        if codec == "libx264":
            options["preset"] = preset
        else:
            options.update({"b:v": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"})
        self._video.options = options
        if audio_from is not None and info.audio:
            self._open_audio(Path(audio_from), ext)

    # -- audio: copied packet by packet, interleaved with the video by time --------------------
    def _open_audio(self, source: Path, ext: str) -> None:
        av = _av()

        self._audio_in = av.open(str(source))
        a_in = self._audio_in.streams.audio[0]
        name = a_in.codec_context.name
        if ext == ".mkv" or name in _AUDIO_COPY.get(ext, set()):
            self._audio_out = self._container.add_stream_from_template(a_in)
        else:
            codec = _AUDIO_FALLBACK.get(ext, "aac")
            log.info("%s audio cannot go into %s as it is: re-encoding it as %s", name, ext, codec)
            self._transcode = True
            self._audio_out = self._container.add_stream(codec, rate=a_in.codec_context.sample_rate or 48000)
        self._audio_src = a_in
        self._audio_packets = iter(self._audio_in.demux(a_in))

    def _mux_audio_until(self, seconds: float | None) -> None:
        """Copy audio packets up to ``seconds`` (all of them for None)."""
        if self._audio_packets is None:
            return
        tb = self._audio_src.time_base
        while True:
            packet = self._pending_audio or next(self._audio_packets, None)
            self._pending_audio = None
            if packet is None:
                self._audio_packets = None
                return
            if packet.dts is None and packet.size == 0:
                continue  # the demuxer's flush packet
            if seconds is not None and packet.pts is not None and float(packet.pts * tb) > seconds:
                self._pending_audio = packet
                return
            if self._transcode:
                for frame in packet.decode():
                    frame.pts = None
                    self._container.mux(self._audio_out.encode(frame))
            else:
                packet.stream = self._audio_out
                self._container.mux(packet)

    def write(self, rgb: np.ndarray, pts: int | None = None) -> None:
        if rgb.shape != (self.info.height, self.info.width, 3) or rgb.dtype != np.uint8:
            raise InputError(f"frame {self.count + 1} is {rgb.shape} {rgb.dtype}; the video is "
                             f"{self.info.height}x{self.info.width}x3 uint8")
        pts = self.count if pts is None else pts
        self.count += 1
        if self._container is None:
            save_image(frame_to_tensor(rgb), self.path / f"frame_{self.count:06d}.png", protect=self._protect)
            return
        av = _av()

        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = pts
        frame.time_base = self.info.time_base
        self._container.mux(self._video.encode(frame))
        self._mux_audio_until(float(pts * self.info.time_base))

    def close(self, *, ok: bool = True) -> None:
        if self._container is None:
            return
        try:
            if ok:
                self._container.mux(self._video.encode(None))
                self._mux_audio_until(None)
                if self._transcode:
                    self._container.mux(self._audio_out.encode(None))
        finally:
            self._container.close()
            if self._audio_in is not None:
                self._audio_in.close()
            self._container = None
        if ok:
            os.replace(self._tmp, self.path)  # a half-written video never takes the output's name
        else:
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> "FrameWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(ok=exc_type is None)


# -- helpers ------------------------------------------------------------------------------------


def _fps(fps: float) -> Fraction:
    if not (0 < fps <= 1000):
        raise InputError(f"fps must be in (0, 1000], got {fps}")
    return Fraction(fps).limit_denominator(1001)


def _frame_files(folder: Path) -> list[Path]:
    files = list_images(folder)
    if not files:
        raise InputError(f"{folder}: no image frames in this folder")
    return sorted(files, key=lambda f: f.name)


def _folder_frames(folder: Path, max_pixels: int) -> Iterator[Frame]:
    size = None
    for i, f in enumerate(_frame_files(folder)):
        try:
            image = load_image(f, max_pixels=max_pixels).tensor
        except ImageReadError as exc:
            raise VideoReadError(str(exc)) from None
        if size is None:
            size = image.shape[-2:]
        elif image.shape[-2:] != size:
            raise VideoReadError(f"{f}: frame is {image.shape[-2]}x{image.shape[-1]}, the first frame {size[0]}x{size[1]}; "
                                 "all frames of a video need one size")
        yield Frame(tensor_to_frame(image), i)


def _declared_seconds(stream) -> float | None:
    """The video stream's own duration, as the container states it (Matroska: a DURATION tag)."""
    if stream.duration:
        return float(stream.duration * stream.time_base)
    tag = stream.metadata.get("DURATION") or stream.metadata.get("duration")
    if tag:
        try:
            h, m, sec = tag.split(":")
            return int(h) * 3600 + int(m) * 60 + float(sec)
        except ValueError:
            return None
    return None


def _check_complete(p: Path, stream, count: int, span: Fraction) -> None:
    """A file cut short still decodes up to the cut (streaming formats); compare with what it declares."""
    rate = float(stream.average_rate or stream.guessed_rate or 24)
    declared_frames = stream.frames or 0
    if declared_frames > count + 1:
        raise VideoReadError(f"{p}: truncated or damaged: {count} of {declared_frames} frames could be decoded")
    declared = _declared_seconds(stream)
    decoded = float(span) + 1 / rate
    if declared is not None and declared - decoded > max(2 / rate, 0.05 * declared):
        raise VideoReadError(f"{p}: truncated or damaged: frames end at {decoded:.2f} s of {declared:.2f} s")


#: ffmpeg log messages that mean the file stops early or is broken (demuxers read on past a cut).
_DAMAGE_WORDS = ("prematurely", "truncat", "invalid data", "partial file", "moov atom not found")


_LOG_LOCK = threading.Lock()
_log_users = 0
_log_level_before: int | None = None


@contextlib.contextmanager
def _ffmpeg_log():
    """Capture ffmpeg's error messages (PyAV silences them by default) for this thread.

    PyAV's level is process-wide while decoders overlap (the pipeline's decode thread, a probe, an
    abandoned generator), so the first user installs the callback and the last one restores what
    it found: restoring per user left the callback installed, or removed it under another decoder.
    """
    global _log_users, _log_level_before
    _av()  # a one-line error when the video stack is missing
    import av.logging

    with _LOG_LOCK:
        if _log_users == 0:
            _log_level_before = av.logging.get_level()
            av.logging.set_level(av.logging.ERROR)
        _log_users += 1
    try:
        with av.logging.Capture(True) as logs:
            yield logs
    finally:
        with _LOG_LOCK:
            _log_users -= 1
            if _log_users == 0:
                av.logging.set_level(_log_level_before)


def _av():
    """PyAV, imported on first use: it is the optional ``video`` stack (one-line error without it)."""
    return require("av", "reading and writing video")


def _ffmpeg_errors() -> tuple[type[BaseException], ...]:
    av = _av()

    return (av.FFmpegError, OSError, ValueError)


def _reason(exc: BaseException) -> str:
    """ffmpeg's own words without the errno and path PyAV adds ('Invalid data found ...')."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text.splitlines()[0].strip()


def _open_input(p: Path):
    av = _av()

    require_file(p, VideoReadError, "a video file")
    try:
        return av.open(str(p))
    except _ffmpeg_errors() as exc:
        raise VideoReadError(f"{p}: not a readable video ({_reason(exc)})") from None


def _video_stream(container, p: Path):
    if not container.streams.video:
        container.close()
        raise VideoReadError(f"{p}: has no video stream")
    return container.streams.video[0]
