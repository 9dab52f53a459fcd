"""Colour preservation for style transfer (Gatys et al. 2016, "Preserving color in neural
artistic style transfer"): either transfer only luminance and keep the photo's chroma, or first
give the painting the photo's colour histogram."""

from __future__ import annotations

import numpy as np
import torch

from edgenst.errors import InputError

COLOR_MODES = ("none", "luminance", "histogram")

# ITU-R BT.601 YIQ.
_RGB_TO_YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
_YIQ_TO_RGB = torch.linalg.inv(_RGB_TO_YIQ)


def rgb_to_yiq(image: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,bjhw->bihw", _RGB_TO_YIQ.to(image), image)


def yiq_to_rgb(image: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,bjhw->bihw", _YIQ_TO_RGB.to(image), image)


def luminance(image: torch.Tensor) -> torch.Tensor:
    """The Y channel repeated to 3 channels, so a VGG teacher can look at it."""
    return rgb_to_yiq(image)[:, :1].expand(-1, 3, -1, -1).contiguous()


def match_luminance(style: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """The style's luminance image, shifted and scaled to the content's luminance mean and std."""
    ys, yc = luminance(style), luminance(content)
    return ((ys - ys.mean()) * (yc.std() / ys.std().clamp_min(1e-6)) + yc.mean()).clamp(0, 1)


def with_content_chroma(stylized: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """Luminance from ``stylized``, chroma (I, Q) from ``content``."""
    if stylized.shape != content.shape:
        raise InputError(f"shapes differ: {tuple(stylized.shape)} vs {tuple(content.shape)}")
    yiq = torch.cat([rgb_to_yiq(stylized)[:, :1], rgb_to_yiq(content)[:, 1:]], dim=1)
    return yiq_to_rgb(yiq).clamp(0, 1)


def match_histograms(style: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """The style image recoloured so each RGB channel's histogram matches the content's."""
    from skimage.exposure import match_histograms as _match

    s = style[0].permute(1, 2, 0).cpu().numpy()
    c = content[0].permute(1, 2, 0).cpu().numpy()
    out = _match(s, c, channel_axis=-1).astype(np.float32)
    return torch.from_numpy(out).permute(2, 0, 1).unsqueeze(0).clamp(0, 1).to(style)
