"""Bytes in, bytes out: decode a client's image, fit it to an exported size, encode the result.

A ``.pte`` method takes exactly one size, so other frames are *letterboxed*: scaled (aspect ratio
kept) to fit inside the exported size less a small margin, centred, and the rest filled by
mirroring the picture's edges. Mirroring rather than a flat colour keeps the network's zero-padding
frame (a thin dark border the student draws at image edges) outside the photo. The output is
cropped back to the photo's area, so a 640x480 frame at 256x256 comes back as 240x180 (the photo
at the exported resolution less the margin, never stretched).

Decoding reuses ``edgenst.io.pil_to_tensor`` (EXIF rotation, RGBA on white, 16-bit, CMYK ...) and
maps every decoder failure to one ``ImageReadError`` line; big JPEGs are decoded in draft mode
(at 1/2 .. 1/8 scale) because the result is small anyway.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError

from edgenst.errors import ImageReadError
from edgenst.io import pil_to_tensor, tensor_to_pil


@dataclass(frozen=True)
class Box:
    """Where the photo sits inside the letterboxed canvas (pixels)."""

    top: int
    left: int
    height: int
    width: int


def decode_image(data: bytes, *, max_pixels: int, target: tuple[int, int] | None = None) -> torch.Tensor:
    """An uploaded or streamed image -> 1x3xHxW float in [0, 1], upright RGB."""
    if not data:
        raise ImageReadError("the image is empty (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if target is not None and img.format == "JPEG":
                    side = max(target)
                    img.draft("RGB", (side, side))  # decode at a reduced scale, still >= target
                width, height = img.size
                if width * height > max_pixels:
                    raise ImageReadError(f"the image is {width}x{height} ({width * height / 1e6:.1f} megapixels), "
                                         f"above the limit of {max_pixels / 1e6:.1f}")
                img.load()
                tensor, _ = pil_to_tensor(img, alpha="white")  # also applies the EXIF rotation
                return tensor
    except ImageReadError:
        raise
    except Image.DecompressionBombError:
        raise ImageReadError("the image was refused as a decompression bomb") from None
    except UnidentifiedImageError:
        raise ImageReadError("not an image (expected JPEG, PNG, WebP, GIF, BMP or TIFF)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImageReadError(f"cannot decode the image ({reason})") from None


def margin_for(size: tuple[int, int]) -> int:
    """Mirrored margin on each side: about 3% of the short side, at least 2 pixels."""
    return max(2, min(size) // 32)


def letterbox(image: torch.Tensor, size: tuple[int, int]) -> tuple[torch.Tensor, Box]:
    """Fit ``image`` inside ``size`` (H, W) keeping its aspect ratio; mirror-fill the rest."""
    H, W = size
    m = margin_for(size)
    h, w = image.shape[-2:]
    scale = min((H - 2 * m) / h, (W - 2 * m) / w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    x = image
    if (nh, nw) != (h, w):
        x = F.interpolate(image, size=(nh, nw), mode="bilinear", antialias=scale < 1, align_corners=False)
    top, left = (H - nh) // 2, (W - nw) // 2
    x = _mirror_pad(x, top, H - nh - top, left, W - nw - left)
    return x.clamp(0, 1).contiguous(), Box(top, left, nh, nw)


def _mirror_pad(x: torch.Tensor, top: int, bottom: int, left: int, right: int) -> torch.Tensor:
    """Reflect padding, repeated while the pad is wider than the picture, then edge replication."""
    while top or bottom or left or right:
        h, w = x.shape[-2:]
        t, b = min(top, h - 1), min(bottom, h - 1)
        lf, rt = min(left, w - 1), min(right, w - 1)
        if not (t or b or lf or rt):  # a 1-pixel-wide picture cannot reflect: replicate the rest
            return F.pad(x, (left, right, top, bottom), mode="replicate")
        x = F.pad(x, (lf, rt, t, b), mode="reflect")
        top, bottom, left, right = top - t, bottom - b, left - lf, right - rt
    return x


def crop(image: torch.Tensor, box: Box) -> torch.Tensor:
    return image[..., box.top : box.top + box.height, box.left : box.left + box.width]


def encode_image(image: torch.Tensor, fmt: str = "JPEG", quality: int = 85) -> bytes:
    """1x3xHxW in [0, 1] -> JPEG (live frames: small and fast) or PNG (downloads: lossless)."""
    buf = io.BytesIO()
    pil = tensor_to_pil(image.clamp(0, 1))
    if fmt == "JPEG":
        pil.save(buf, format="JPEG", quality=quality)
    else:
        pil.save(buf, format="PNG", compress_level=3)
    return buf.getvalue()
