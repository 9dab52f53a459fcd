"""Temporal stability of a stylized video: warping error and flicker, from the input's optical flow.

Warping error (as in Lai et al. 2018, "Learning Blind Video Temporal Consistency"): estimate the
optical flow between consecutive *input* frames (OpenCV's DIS, or Farneback), move the previous
*stylized* frame along it onto the current one, and average the squared difference over pixels
the flow can be trusted for. Occluded and disoccluded pixels are masked by forward-backward
consistency (Sundaram et al. 2010, as used by Ruder et al. 2016): forward and backward flow must
cancel. A perfectly stable stylization scores what the input itself scores (the flow's own error);
``reference`` reports that floor. Flicker is the mean absolute change between consecutive frames
of the stylized video minus that of the input: motion counts in both, flicker only in the first.

Frames stream through: only the previous frame and its flow are kept.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from edgenst.errors import InputError
from edgenst.extras import require

FLOW_METHODS = ("dis", "farneback")


@dataclass(frozen=True)
class FlowConfig:
    method: str = "dis"  # dis (OpenCV DIS, preset medium) or farneback
    consistency: float = 0.01  # |f + b|^2 <= consistency * (|f|^2 + |b|^2) + slack
    slack: float = 0.5  # pixels^2

    def __post_init__(self) -> None:
        if self.method not in FLOW_METHODS:
            raise InputError(f"flow method must be one of {', '.join(FLOW_METHODS)}, got {self.method!r}")
        if self.consistency < 0 or self.slack < 0:
            raise InputError("flow consistency thresholds must be >= 0")


@dataclass
class TemporalMetrics:
    """Means over consecutive frame pairs; pixel values in [0, 1]."""

    frames: int
    warping_error: float  # masked MSE of the stylized video against its previous frame moved by the flow
    reference: float  # the same for the input video: the floor the flow's own error sets
    flicker: float  # mean |S_t - S_t-1| minus mean |I_t - I_t-1|
    valid_fraction: float  # share of pixels the occlusion mask kept
    per_pair: list[float] = field(default_factory=list)  # warping error of each pair

    def to_dict(self) -> dict:
        return asdict(self)


def optical_flow(src: np.ndarray, dst: np.ndarray, config: FlowConfig = FlowConfig()) -> np.ndarray:
    """H x W x 2 flow from grey ``src`` to grey ``dst`` (uint8): ``src[p]`` moves to ``dst[p + flow[p]]``."""
    cv2 = require("cv2", "optical flow (the warping error)")

    if config.method == "dis":
        dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
        return dis.calc(src, dst, None)
    return cv2.calcOpticalFlowFarneback(src, dst, None, 0.5, 4, 21, 5, 7, 1.5, 0)


def warp_back(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """``out[p] = image[p + flow[p]]`` (bilinear; ``flow`` maps the current frame into ``image``)."""
    cv2 = require("cv2", "optical flow (the warping error)")

    h, w = flow.shape[:2]
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(image, xs + flow[..., 0], ys + flow[..., 1], interpolation=cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def consistent_mask(backward: np.ndarray, forward: np.ndarray, config: FlowConfig = FlowConfig()) -> np.ndarray:
    """Pixels of the current frame whose flow into the previous frame is trustworthy.

    ``backward``: current -> previous; ``forward``: previous -> current. Where the two do not
    cancel, the pixel was occluded or the flow is wrong; where the backward flow leaves the frame,
    there is nothing to compare with.
    """
    h, w = backward.shape[:2]
    fwd_at = warp_back(forward, backward)  # forward flow read where each current pixel came from
    err = np.sum((backward + fwd_at) ** 2, axis=-1)
    mag = np.sum(backward**2, axis=-1) + np.sum(fwd_at**2, axis=-1)
    ok = err <= config.consistency * mag + config.slack
    xs, ys = np.meshgrid(np.arange(w), np.arange(h))
    tx, ty = xs + backward[..., 0], ys + backward[..., 1]
    inside = (tx >= 0) & (tx <= w - 1) & (ty >= 0) & (ty <= h - 1)
    return ok & inside


def pair_flow(prev_rgb: np.ndarray, cur_rgb: np.ndarray, config: FlowConfig = FlowConfig()) -> tuple[np.ndarray, np.ndarray]:
    """(backward flow current -> previous, mask of trusted pixels) for two consecutive input frames."""
    g_prev, g_cur = _grey(prev_rgb), _grey(cur_rgb)
    backward = optical_flow(g_cur, g_prev, config)
    return backward, consistent_mask(backward, optical_flow(g_prev, g_cur, config), config)


def input_flows(inputs: Iterable[np.ndarray], config: FlowConfig = FlowConfig()) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every consecutive pair's ``pair_flow``, to measure several stylizations of one clip (in memory)."""
    frames = iter(inputs)
    prev = next(frames, None)
    out = []
    for cur in frames:
        out.append(pair_flow(prev, cur, config))
        prev = cur
    return out


def _grey(rgb: np.ndarray) -> np.ndarray:
    cv2 = require("cv2", "optical flow (the warping error)")

    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def measure_temporal(inputs: Iterable[np.ndarray], stylized: Iterable[np.ndarray],
                     config: FlowConfig = FlowConfig(), *, flows: list[tuple[np.ndarray, np.ndarray]] | None = None
                     ) -> TemporalMetrics:
    """Warping error and flicker of ``stylized`` (H x W x 3 uint8 frames) against its ``inputs``.

    ``flows``: the inputs' ``input_flows``, when already computed (several stylizations of one clip).
    """
    prev_in = prev_out = prev_in_u8 = None
    pair_err: list[float] = []
    ref_err, valid, change_out, change_in = [], [], [], []
    count = 0
    it_out = iter(stylized)
    for frame_in in inputs:
        frame_out = next(it_out, None)
        if frame_out is None:
            raise InputError(f"the stylized video has {count} frames, the input more")
        if frame_out.shape != frame_in.shape:
            raise InputError(f"frame {count + 1}: stylized {frame_out.shape[1]}x{frame_out.shape[0]}, input "
                             f"{frame_in.shape[1]}x{frame_in.shape[0]}; both videos need one size")
        count += 1
        cur_in = frame_in.astype(np.float32) / 255.0
        cur_out = frame_out.astype(np.float32) / 255.0
        if prev_in is not None:
            backward, mask = flows[count - 2] if flows is not None else pair_flow(prev_in_u8, frame_in, config)
            n = int(mask.sum())
            valid.append(n / mask.size)
            if n:
                pair_err.append(_masked_mse(cur_out, warp_back(prev_out, backward), mask))
                ref_err.append(_masked_mse(cur_in, warp_back(prev_in, backward), mask))
            change_out.append(float(np.abs(cur_out - prev_out).mean()))
            change_in.append(float(np.abs(cur_in - prev_in).mean()))
        prev_in, prev_out, prev_in_u8 = cur_in, cur_out, frame_in
    if next(it_out, None) is not None:
        raise InputError(f"the stylized video has more frames than the input ({count})")
    if count < 2:
        raise InputError(f"temporal metrics need at least 2 frames, got {count}")
    if not pair_err:
        raise InputError("the flow found no pixel it could follow between any two frames")
    return TemporalMetrics(
        frames=count,
        warping_error=float(np.mean(pair_err)),
        reference=float(np.mean(ref_err)),
        flicker=float(np.mean(change_out) - np.mean(change_in)),
        valid_fraction=float(np.mean(valid)),
        per_pair=[round(e, 7) for e in pair_err],
    )


def _masked_mse(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    return float(((a - b) ** 2)[mask].mean())


def measure_videos(input_video: str | os.PathLike[str], stylized_video: str | os.PathLike[str], *,
                   config: FlowConfig = FlowConfig(), fps: float = 24.0) -> TemporalMetrics:
    """``measure_temporal`` on two videos or folders of frames, decoded in step."""
    from edgenst.video.files import open_frames

    return measure_temporal((f.rgb for f in open_frames(input_video, fps=fps)),
                            (f.rgb for f in open_frames(stylized_video, fps=fps)), config)


def write_temporal_json(path: Path, metrics: TemporalMetrics, meta: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"meta": meta, "summary": metrics.to_dict()}, indent=2))
