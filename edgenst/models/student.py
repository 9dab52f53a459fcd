"""The compact multi-style student: built only from operators XNNPACK delegates and quantizes well.

Why this shape (see DESIGN.md, "Operators the student may use"):
- zero padding, strided convs down, bilinear upsampling + conv back to 1/2 resolution, then a
  sub-pixel head (conv to 12 channels + pixel shuffle) for full-resolution detail at 1/2-resolution
  cost (no transposed conv, whose uneven overlap draws checkerboards; no nearest upsampling or
  reflection pad, which XNNPACK leaves outside the delegate). The head starts "ICNR"-initialised
  (the four sub-pixels equal), so it begins as a smooth upsampler rather than a checkerboard;
- a skip connection adds the 1/2-resolution stem features back after upsampling, which keeps
  edges that the 1/4-resolution body blurs;
- depthwise-separable residual blocks at 1/4 resolution, where almost all the MACs are;
- no instance norm at inference: each normalisation point is a per-channel scale and shift, and
  each style owns one such vector. A ``style_weights`` input (N x S) blends the styles' vectors
  with a matrix product, so blending happens inside the graph with no Python-side branching;
- ``strength`` (N x 1, 0..1) mixes each style vector with a learned "photo" vector, so 0 gives the
  network's reconstruction of the photo and 1 the full style. Because the style weights sum to 1,
  that mix is itself a blend: the photo vector is one more "style" with weight ``1 - strength``
  and each style's weight is scaled by ``strength``. The graph computes that (S+1)-vector once and
  each affine is then one 1x1 conv for scale and one for shift, instead of a chain of small
  ops per affine point (each XNNPACK op costs a dispatch, which dominates at small sizes).

The ``fast`` family (16/3) drops the 1/2-resolution affines (``half_res_affine=False``): at
720x1280 those per-pixel multiply-adds cost more than they add. ``decoder="shuffle"`` (1x1 conv +
pixel shuffle instead of bilinear + separable conv) is another 10% faster, but a 16/3 student
trained with it printed a period-4 grid (``edgenst.metrics.grid_score`` 55 after 1500 steps, see benchmarks/results/grid.md;
against 4 for QUALITY_V2 and under 1 for photos), so the shipped fast student decodes bilinearly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from edgenst.errors import InputError

DECODERS = ("bilinear", "shuffle")


@dataclass(frozen=True)
class StudentConfig:
    """Width and depth of a student; ``fast`` and ``quality`` are the two shipped points."""

    styles: int = 1
    width: int = 24  # channels at 1/2 resolution; 2x that at 1/4
    blocks: int = 4  # residual blocks at 1/4 resolution
    center_input: bool = False  # subtract 0.5 first, so zero padding reads as mid-grey, not black
    decoder: str = "bilinear"  # 1/4 -> 1/2 resolution: "bilinear" (+ separable conv) or "shuffle" (1x1 conv + pixel shuffle)
    half_res_affine: bool = True  # per-style scale/shift also at 1/2 resolution (stem and decoder)

    def __post_init__(self) -> None:
        if self.decoder not in DECODERS:
            raise InputError(f"decoder must be one of {', '.join(DECODERS)}, got {self.decoder!r}")
        if self.styles < 1:
            raise InputError(f"a student needs at least one style, got {self.styles}")
        if not 4 <= self.width <= 256 or self.width % 4:
            raise InputError(f"width must be a multiple of 4 in [4, 256], got {self.width}")
        if not 0 <= self.blocks <= 16:
            raise InputError(f"blocks must be in [0, 16], got {self.blocks}")

    def to_dict(self) -> dict:
        return asdict(self)


def _in_place() -> bool:
    """Without autograd the elementwise steps run in place on fresh activations: they are memory
    bound, and this cut the 40/6 student's 768x1024 forward from 0.51 to 0.35 s on 2 cores, with
    bit-identical output. Export functionalizes the graph, so it sees the same operators."""
    return not torch.is_grad_enabled()


class StyleAffine(nn.Module):
    """Per-style scale and shift of ``channels`` features, blended by the style weights."""

    #: The style tensors this module owns, and the axis of each that indexes styles.
    STYLE_TENSORS = {"scale": 1, "shift": 1}

    def __init__(self, styles: int, channels: int) -> None:
        super().__init__()
        # Stored as 1x1 conv weights (channels x styles x 1 x 1): XNNPACK needs constant weights.
        self.scale = nn.Parameter(torch.ones(channels, styles, 1, 1))
        self.shift = nn.Parameter(torch.zeros(channels, styles, 1, 1))
        self.photo_scale = nn.Parameter(torch.ones(1, channels))
        self.photo_shift = nn.Parameter(torch.zeros(1, channels))
        self.channels = channels
        self.frozen = False

    def forward(self, x: torch.Tensor, mix: torch.Tensor | StyleMix) -> torch.Tensor:
        """``mix``: N x (S+1) x 1 x 1 from ``style_mix``: the styles' weights times strength, then
        ``1 - strength`` for the photo vector; or a ``StyleMix`` that also carries this module's
        slice of an explicit style vector (already scaled by its weight times strength).

        The blend is a 1x1 convolution of the mix with the stacked vectors: the same sum as a
        matrix product, in an operator XNNPACK takes without layout copies. The concatenation
        involves only parameters, so export folds it into a constant.
        """
        if self.frozen:
            scale_table, shift_table = self.scale_table, self.shift_table
        else:
            scale_table, shift_table = self.tables()
        extra = None
        if isinstance(mix, StyleMix):
            extra, mix = mix.vector_slices(self), mix.table
        scale, shift = F.conv2d(mix, scale_table), F.conv2d(mix, shift_table)
        if extra is not None:  # the explicit vector's part, added after the table's blend
            gain = getattr(self, "vector_shift_gain", None)  # set by equalization (edgenst.equalize)
            scale, shift = scale + extra[0], shift + (extra[1] if gain is None else extra[1] * gain)
        if _in_place():  # x is always a convolution's fresh output here
            return x.mul_(scale).add_(shift)
        return x * scale + shift

    def tables(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The C x (S+1) x 1 x 1 scale and shift tables: the styles' vectors, then the photo's."""
        c = self.scale.shape[0]
        return (torch.cat([self.scale, self.photo_scale.reshape(c, 1, 1, 1)], dim=1),
                torch.cat([self.shift, self.photo_shift.reshape(c, 1, 1, 1)], dim=1))

    def freeze(self) -> None:
        """Replace the four parameters by the two tables as buffers, so an exported graph has no
        concatenation of weights (XNNPACK delegates a convolution only when its weight is a
        constant) and every constant in it is named after a tensor of this module. Inference
        only: a frozen module no longer has the trainable parameters."""
        if self.frozen:  # already constants (a frozen copy exported again): nothing to do
            return
        scale_table, shift_table = (t.detach().clone() for t in self.tables())
        for name in ("scale", "shift", "photo_scale", "photo_shift"):
            delattr(self, name)
        self.register_buffer("scale_table", scale_table)
        self.register_buffer("shift_table", shift_table)
        self.frozen = True


class StyleMix:
    """The table's mix plus an explicit style vector, cut into each ``StyleAffine``'s scale and shift.

    Why a slice per affine and not one more column: the vector is an *input* (the app feeds a
    predicted or fitted painting), while XNNPACK delegates a convolution only with a constant
    weight. So the vector's values are added after the table's 1x1 convolution: per affine one
    slice (static bounds, delegated) and one broadcast add. The slices follow the model's
    ``StyleSpace`` order (each affine's ``scale`` then ``shift``, in module order), the layout
    ``edgenst.styles.StyleVector`` uses, so a column taken out with ``StyleSpace.column`` and fed
    back here paints what the column paints.
    """

    def __init__(self, table: torch.Tensor, vector: torch.Tensor, offsets: dict[int, int]) -> None:
        self.table = table  # N x (S+1) x 1 x 1, as ``style_mix``, the table's weights already scaled
        self.vector = vector  # N x D, already times vector_weight x strength
        self.offsets = offsets  # id(affine) -> where its slice starts

    def vector_slices(self, affine: "StyleAffine") -> tuple[torch.Tensor, torch.Tensor]:
        start = self.offsets[id(affine)]
        c = affine.channels
        n = self.vector.shape[0]
        return (self.vector[:, start : start + c].reshape(n, c, 1, 1),
                self.vector[:, start + c : start + 2 * c].reshape(n, c, 1, 1))


def vector_mix(style_weights: torch.Tensor, strength: torch.Tensor, style_vector: torch.Tensor,
               vector_weight: torch.Tensor, offsets: dict[int, int]) -> StyleMix:
    """The blend ``(1 - vector_weight) x table(style_weights) + vector_weight x style_vector``, mixed
    with the photo vector by ``strength`` as ``style_mix`` does: all weights still sum to 1."""
    n = style_weights.shape[0]
    strength = strength.reshape(n, 1)
    vector_weight = vector_weight.reshape(n, 1)
    table = style_mix(style_weights * (1.0 - vector_weight), strength)
    return StyleMix(table, style_vector * (vector_weight * strength), offsets)


def style_mix(style_weights: torch.Tensor, strength: torch.Tensor) -> torch.Tensor:
    """N x S weights and N x 1 strength -> the N x (S+1) x 1 x 1 blend every ``StyleAffine`` takes."""
    n = style_weights.shape[0]
    strength = strength.reshape(n, 1)
    return torch.cat([style_weights * strength, 1.0 - strength], dim=1).reshape(n, -1, 1, 1)


class SeparableConv(nn.Module):
    """Depthwise 3x3 (optionally strided) then pointwise 1x1."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, stride=stride, padding=1, groups=cin)
        self.pointwise = nn.Conv2d(cin, cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))


class ResidualBlock(nn.Module):
    def __init__(self, styles: int, channels: int) -> None:
        super().__init__()
        self.conv1 = SeparableConv(channels, channels)
        self.affine1 = StyleAffine(styles, channels)
        self.conv2 = SeparableConv(channels, channels)
        self.affine2 = StyleAffine(styles, channels)

    def forward(self, x: torch.Tensor, mix: torch.Tensor | StyleMix) -> torch.Tensor:
        h = F.relu(self.affine1(self.conv1(x), mix), inplace=_in_place())
        y = self.affine2(self.conv2(h), mix)
        return y.add_(x) if _in_place() else x + y


class Student(nn.Module):
    """RGB in [0, 1] (N x 3 x H x W, H and W multiples of 4) -> stylized RGB in [0, 1]."""

    def __init__(self, config: StudentConfig = StudentConfig()) -> None:
        super().__init__()
        self.config = config
        s, w = config.styles, config.width
        half = config.half_res_affine
        self.stem = nn.Conv2d(3, w, 3, stride=2, padding=1)
        self.stem_affine = StyleAffine(s, w) if half else None
        self.down = SeparableConv(w, 2 * w, stride=2)
        self.down_affine = StyleAffine(s, 2 * w)
        self.blocks = nn.ModuleList(ResidualBlock(s, 2 * w) for _ in range(config.blocks))
        if config.decoder == "shuffle":
            self.up: nn.Module = nn.Conv2d(2 * w, 4 * w, 1)
            _icnr_(self.up, upscale=2)
        else:
            self.up = SeparableConv(2 * w, w)
        self.up_affine = StyleAffine(s, w) if half else None
        self.head = SeparableConv(w, 3 * 4)
        _icnr_(self.head.pointwise, upscale=2)

    def forward(self, x: torch.Tensor, style_weights: torch.Tensor, strength: torch.Tensor) -> torch.Tensor:
        """``style_weights``: N x styles (rows summing to 1); ``strength``: N x 1 in [0, 1]."""
        return self._paint(x, style_mix(style_weights, strength))

    def forward_vector(self, x: torch.Tensor, style_weights: torch.Tensor, strength: torch.Tensor,
                       style_vector: torch.Tensor, vector_weight: torch.Tensor) -> torch.Tensor:
        """``forward`` with an explicit style point beside the table: ``style_vector`` (N x
        ``style_vector_dim``, the ``StyleVector`` layout) blended with the table's ``style_weights``
        by ``vector_weight`` (N x 1 in [0, 1]: 0 is the table alone, 1 the vector alone), then
        mixed with the photo by ``strength`` as in ``forward``."""
        if tuple(style_vector.shape[1:]) != (self.style_vector_dim,):
            raise InputError(f"style_vector must be N x {self.style_vector_dim}, got {tuple(style_vector.shape)}")
        return self._paint(x, vector_mix(style_weights, strength, style_vector, vector_weight, self._vector_offsets()))

    @property
    def style_vector_dim(self) -> int:
        """Entries of one style vector: each affine's scale and shift (``StyleSpace.dim``)."""
        return sum(2 * a.channels for a in self._affines())

    def _affines(self) -> list["StyleAffine"]:
        return [m for m in self.modules() if isinstance(m, StyleAffine)]

    def _vector_offsets(self) -> dict[int, int]:
        offsets, start = {}, 0
        for affine in self._affines():
            offsets[id(affine)] = start
            start += 2 * affine.channels
        return offsets

    def _paint(self, x: torch.Tensor, mix: torch.Tensor | StyleMix) -> torch.Tensor:
        if self.config.center_input:
            x = x - 0.5
        fresh = _in_place()
        skip = F.relu(self._affine(self.stem_affine, self.stem(x), mix), inplace=fresh)
        h = F.relu(self.down_affine(self.down(skip), mix), inplace=fresh)
        for block in self.blocks:
            h = block(h, mix)
        if self.config.decoder == "shuffle":
            h = F.pixel_shuffle(self.up(h), 2)
        else:
            h = self.up(F.interpolate(h, scale_factor=2.0, mode="bilinear", align_corners=False))
        h = F.relu(self._affine(self.up_affine, h, mix), inplace=fresh)
        h = h.add_(skip) if fresh else h + skip
        return torch.sigmoid(F.pixel_shuffle(self.head(h), 2))

    @staticmethod
    def _affine(affine: StyleAffine | None, x: torch.Tensor, mix: torch.Tensor | StyleMix) -> torch.Tensor:
        return x if affine is None else affine(x, mix)

    def frozen_copy(self) -> "Student":
        """An inference copy whose style tables are constants: what export traces."""
        import copy

        frozen = copy.deepcopy(self).eval().requires_grad_(False)
        for module in frozen.modules():
            if isinstance(module, StyleAffine):
                module.freeze()
        return frozen

    def style_axes(self) -> dict[str, int]:
        """Style tensor name -> the axis that indexes styles: one column of each is one style.

        The class says which tensors hold styles (``edgenst.styles`` reads this), so training a
        style alone, growing the table or fitting a new style never guesses from names. A frozen
        copy has constants instead (``frozen_copy``), so it declares none.
        """
        return {f"{path}.{name}": axis for path, m in self.named_modules()
                if isinstance(m, StyleAffine) and not m.frozen for name, axis in m.STYLE_TENSORS.items()}

    def head_prefixes(self) -> tuple[str, ...]:
        """The last layers, which the ``style+head`` train mode (the federated default) also trains."""
        return ("up.", "up_affine.", "head.")

    def shared_parameters(self) -> int:
        return sum(p.numel() for n, p in self.named_parameters() if not _is_style_param(n))

    def per_style_parameters(self) -> int:
        params = dict(self.named_parameters())
        return sum(params[n].numel() for n in self.style_axes()) // self.config.styles


def _icnr_(conv: nn.Conv2d, upscale: int) -> None:
    """Initialise a conv feeding pixel_shuffle so every sub-pixel starts with the same filter."""
    out_c = conv.out_channels // (upscale * upscale)
    with torch.no_grad():
        base = torch.empty(out_c, *conv.weight.shape[1:])
        nn.init.kaiming_uniform_(base, a=5**0.5)
        conv.weight.copy_(base.repeat_interleave(upscale * upscale, dim=0))
        if conv.bias is not None:
            conv.bias.copy_(conv.bias[:: upscale * upscale].repeat_interleave(upscale * upscale))


def _is_style_param(name: str) -> bool:
    return name.endswith((".scale", ".shift", ".photo_scale", ".photo_shift"))
