"""Temporal stability for training: two views of one crop related by a known small motion.

Video flicker comes from a network whose output jumps when its input moves by a fraction of a
pixel or picks up sensor noise; the stride-4 student is not shift-equivariant by construction.
Without real video and optical flow, a known motion gives exact "flow" for free (as in Gupta et
al. 2017 and ReCoNet): view 2 is view 1 moved by a random small affine transform (shift, rotation,
zoom) plus noise, and the output of view 2 must equal the output of view 1 moved the same way.
Pixels that the motion brings in from outside the crop have no counterpart and are masked out.

At inference each frame is mirror-padded (``inference.run_model``), and as the camera pans the
mirrored context changes with it: the frame's rim flickers most (``benchmarks/video_rim.py``).
``mirror`` runs both views padded the same way, so that rim is trained instead of masked.

Every random draw comes from ``(seed, step)``, so ``--resume`` stays exact, and the global batch's
motions are drawn whole and sliced per torchrun rank, so data parallel matches one process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from edgenst.errors import InputError


@dataclass(frozen=True)
class MotionConfig:
    """How far view 2 moves from view 1 (the motion between consecutive video frames)."""

    shift: float = 4.0  # max translation in pixels, each axis
    rotate: float = 2.0  # max rotation in degrees
    zoom: float = 0.03  # max relative scale change
    noise: float = 0.02  # std of Gaussian noise on view 2 (sensor noise, compression)
    margin: int = 16  # pixels at the crop's edges left out: the network's zero padding shapes them
    mirror: int = 0  # pixels mirrored around both views before the model, as inference does (then margin 0)

    def __post_init__(self) -> None:
        for name in ("shift", "rotate", "zoom", "noise", "margin", "mirror"):
            v = getattr(self, name)
            if not (0 <= v < float("inf")):
                raise InputError(f"motion {name} must be a finite number >= 0, got {v}")
        if self.zoom >= 0.5 or self.rotate > 45:
            raise InputError(f"motion too large for a frame-to-frame change: zoom {self.zoom}, rotate {self.rotate}")
        if self.mirror != int(self.mirror) or self.mirror % 2:
            raise InputError(f"motion mirror must be an even whole number of pixels, got {self.mirror}")


@dataclass
class ViewPair:
    """View 2 of a batch and where each of its pixels sits in view 1."""

    image: torch.Tensor  # B x 3 x H x W: the moved, noisy view 2
    grid: torch.Tensor  # B x H x W x 2: view 2's pixels in view 1's normalised coordinates
    valid: torch.Tensor  # B x 1 x H x W: 1 where view 2 sees content that view 1 has
    mirror: int = 0  # both views go through the model mirror-padded by this much (MotionConfig.mirror)

    def to(self, device: torch.device) -> "ViewPair":
        return ViewPair(self.image.to(device), self.grid.to(device), self.valid.to(device), self.mirror)

    def warp(self, view1: torch.Tensor) -> torch.Tensor:
        """Move view 1 (or anything aligned with it, like its stylized output) onto view 2."""
        return F.grid_sample(view1, self.grid, mode="bilinear", padding_mode="border", align_corners=False)


def temporal_generator(seed: int, step: int) -> torch.Generator:
    """Independent of the batch's own generator, so W > 0 leaves the photos of a step unchanged."""
    return torch.Generator().manual_seed((seed * 1_000_003 + step) * 2 + 1)


def random_affine(n: int, height: int, width: int, gen: torch.Generator, motion: MotionConfig) -> torch.Tensor:
    """``n`` affine matrices (N x 2 x 3, ``affine_grid`` convention) within the motion limits."""
    u = torch.rand(n, 4, generator=gen) * 2 - 1  # uniform in [-1, 1]
    angle = u[:, 0] * math.radians(motion.rotate)
    scale = 1 + u[:, 1] * motion.zoom
    tx = u[:, 2] * motion.shift * 2 / width  # pixels -> normalised coordinates ([-1, 1] spans the side)
    ty = u[:, 3] * motion.shift * 2 / height
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    aspect = height / width  # rotate in pixel space, not in the stretched normalised square
    row0 = torch.stack([cos, -sin * aspect, tx], dim=1)
    row1 = torch.stack([sin / aspect, cos, ty], dim=1)
    return torch.stack([row0, row1], dim=1)


def make_view_pair(photos: torch.Tensor, theta: torch.Tensor, noise: torch.Tensor | None = None, *,
                   margin: int = 0) -> ViewPair:
    """View 2 of ``photos`` under the affine ``theta``; ``noise`` (same shape as photos) is added.

    Valid pixels lie at least ``margin`` pixels inside view 2 and map to at least ``margin`` pixels
    inside view 1 (with their bilinear neighbours): the network's zero padding makes outputs near
    a crop's edge differ for reasons no motion explains.
    """
    n, _, h, w = photos.shape
    if 2 * margin >= min(h, w) - 2:
        raise InputError(f"margin {margin} leaves nothing of a {h}x{w} crop")
    grid = F.affine_grid(theta.to(photos.dtype), [n, 3, h, w], align_corners=False)
    limit_x, limit_y = 1 - (2 * margin + 1) / w, 1 - (2 * margin + 1) / h
    valid = ((grid[..., 0].abs() <= limit_x) & (grid[..., 1].abs() <= limit_y)).unsqueeze(1)
    if margin:
        inner = torch.zeros_like(valid)
        inner[..., margin : h - margin, margin : w - margin] = True
        valid = valid & inner
    image = F.grid_sample(photos, grid, mode="bilinear", padding_mode="border", align_corners=False)
    if noise is not None:
        image = (image + noise).clamp(0, 1)
    return ViewPair(image=image, grid=grid, valid=valid.to(photos.dtype))


def draw_view_pair(photos: torch.Tensor, seed: int, step: int, motion: MotionConfig, *, global_batch: int,
                   rank: int = 0) -> ViewPair:
    """The view pair of ``step``: the global batch's motions are drawn, this rank keeps its slice."""
    n, c, h, w = photos.shape
    gen = temporal_generator(seed, step)
    theta = random_affine(global_batch, h, w, gen, motion)
    noise = torch.randn(global_batch, c, h, w, generator=gen) * motion.noise if motion.noise > 0 else None
    sl = slice(rank * n, (rank + 1) * n)
    pair = make_view_pair(photos, theta[sl], noise[sl] if noise is not None else None, margin=motion.margin)
    pair.mirror = int(motion.mirror)
    return pair


def temporal_loss(output1: torch.Tensor, output2: torch.Tensor, pair: ViewPair) -> torch.Tensor:
    """Masked mean squared difference between view 2's output and view 1's output moved onto it.

    Gradients flow into both outputs: the network is pushed to be consistent, not to copy a
    fixed frame. Identical views (no motion, no noise) give 0 up to float rounding.
    """
    if output1.shape != output2.shape:
        raise InputError(f"outputs differ in shape: {tuple(output1.shape)} and {tuple(output2.shape)}")
    diff = (output2 - pair.warp(output1)).pow(2) * pair.valid
    return diff.sum() / (pair.valid.sum() * output1.shape[1]).clamp_min(1.0)
