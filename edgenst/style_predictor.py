"""Predict a painting's point in a student's style space, in milliseconds (issue 22, "predict").

A student holds each style as per-channel scale/shift vectors (``edgenst.styles.StyleSpace``), so a
new painting needs only one vector. ``StylePredictor`` maps a painting to that vector:

- a small frozen encoder (the first layers of the 16x-smaller VGG-19 of Collaborative
  Distillation, to relu4_1, ~0.2 M weights) with zero padding, so an int8 XNNPACK export stays
  well under 1 MB and every op is delegated; the 80 MB VGG loss network is only needed to train;
- the per-channel mean and standard deviation of its relu1_1..relu4_1 features: the statistics
  that AdaIN-style methods showed carry most of a style, and they do not depend on image size;
- an MLP from those statistics to an *offset* from the mean of the student's shipped styles, in
  units of how much the shipped styles differ per entry: an untrained head predicts that mean
  (a sensible style), and training only learns where a painting moves away from it.

The predictor belongs to one student's style space: its output length and offsets only mean
something for that student (``load_predictor`` checks the shape and says which students fit).
``forward_with_vectors`` runs a student with explicit vectors instead of table columns, batched
(one vector per sample) and differentiable: what training the predictor, refining a vector and
scoring it need, without growing the model's table.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import nn

from edgenst.errors import InputError
from edgenst.styles import StyleSpace, StyleVector

if TYPE_CHECKING:
    from edgenst.style_fit import FitConfig

log = logging.getLogger(__name__)

#: The painting's long side when predicting: the size the shipped predictor was trained with.
PREDICT_SIDE = 256
#: Shipped predictors (next to the shipped students), tried in order by ``load_predictor``.
SHIPPED_PREDICTORS = ("style-predictor-quality-v3.safetensors",)
#: Encoder layers whose statistics feed the MLP (the first conv of each VGG block).
TAPPED = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")


@dataclass(frozen=True)
class PredictorConfig:
    """Shape of a predictor: the encoder's widths per block, the MLP's hidden width, the output length."""

    dim: int  # the student's StyleSpace.dim
    widths: tuple[int, int, int, int] = (16, 32, 64, 128)  # small16x VGG-19: blocks 1..4
    hidden: int = 128  # 256 would put the int8 file near 1 MB (the output layer is hidden x dim)

    def __post_init__(self) -> None:
        if self.dim < 1 or self.hidden < 1 or len(self.widths) != 4 or min(self.widths) < 1:
            raise InputError(f"bad predictor shape: {self}")

    @property
    def stats(self) -> int:
        return 2 * sum(self.widths)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["widths"] = list(self.widths)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "PredictorConfig":
        return cls(dim=int(d["dim"]), widths=tuple(int(w) for w in d["widths"]), hidden=int(d["hidden"]))  # type: ignore[arg-type]


def _conv(cin: int, cout: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, padding=1)


class PaintingEncoder(nn.Module):
    """RGB in [0, 1] -> mean and std of relu1_1, relu2_1, relu3_1, relu4_1 (N x 2*sum(widths)).

    The small16x VGG-19's layout (conv0 is its fixed RGB -> BGR x255 - mean 1x1 conv), cut at
    relu4_1, with zero padding instead of reflection (XNNPACK delegates it; statistics barely move).
    """

    def __init__(self, widths: tuple[int, int, int, int]) -> None:
        super().__init__()
        w1, w2, w3, w4 = widths
        self.conv0 = nn.Conv2d(3, 3, 1)
        self.conv11, self.conv12 = _conv(3, w1), _conv(w1, w1)
        self.conv21, self.conv22 = _conv(w1, w2), _conv(w2, w2)
        self.conv31, self.conv32, self.conv33, self.conv34 = _conv(w2, w3), _conv(w3, w3), _conv(w3, w3), _conv(w3, w3)
        self.conv41 = _conv(w3, w4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv0(x)
        taps = []
        h = F.relu(self.conv11(h))
        taps.append(h)
        h = F.max_pool2d(F.relu(self.conv12(h)), 2)
        h = F.relu(self.conv21(h))
        taps.append(h)
        h = F.max_pool2d(F.relu(self.conv22(h)), 2)
        h = F.relu(self.conv31(h))
        taps.append(h)
        for conv in (self.conv32, self.conv33, self.conv34):
            h = F.relu(conv(h))
        h = F.max_pool2d(h, 2)
        taps.append(F.relu(self.conv41(h)))
        stats = []
        for t in taps:
            # keepdim=True, then flatten: XNNPACK delegates a mean that keeps its dims, while
            # keepdim=False left 8 aten.mean.dim outside the delegate in the exported predictor.
            mean = t.mean(dim=(2, 3), keepdim=True)
            var = (t - mean).pow(2).mean(dim=(2, 3), keepdim=True)
            stats += [mean.flatten(1), torch.sqrt(var + 1e-5).flatten(1)]
        return torch.cat(stats, dim=1)


class StylePredictor(nn.Module):
    """Painting (N x 3 x H x W in [0, 1]) -> style vector (N x dim) of one student's style space.

    ``base`` (the mean of the student's styles) and ``spread`` (their per-entry standard
    deviation, floored) are buffers set when the predictor is made for a student; ``stat_mean`` /
    ``stat_std`` standardise the encoder's statistics (set from the training paintings).
    """

    def __init__(self, config: PredictorConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = PaintingEncoder(config.widths)
        self.head = nn.Sequential(nn.Linear(config.stats, config.hidden), nn.ReLU(),
                                  nn.Linear(config.hidden, config.hidden), nn.ReLU(),
                                  nn.Linear(config.hidden, config.dim))
        nn.init.zeros_(self.head[-1].weight)  # an untrained head predicts ``base``
        nn.init.zeros_(self.head[-1].bias)
        self.register_buffer("stat_mean", torch.zeros(config.stats))
        self.register_buffer("stat_std", torch.ones(config.stats))
        self.register_buffer("base", torch.zeros(config.dim))
        self.register_buffer("spread", torch.ones(config.dim))

    def forward(self, painting: torch.Tensor) -> torch.Tensor:
        return self.from_stats(self.encoder(painting))

    def from_stats(self, stats: torch.Tensor) -> torch.Tensor:
        """The head alone: training precomputes the frozen encoder's statistics once per painting view."""
        z = (stats - self.stat_mean) / self.stat_std
        return self.base + self.spread * self.head(z)

    def anchor(self, model: nn.Module) -> None:
        """Centre the output on ``model``'s shipped styles (their mean and per-entry spread)."""
        space = StyleSpace.of(model)
        if space.dim != self.config.dim:
            raise InputError(f"this predictor makes {self.config.dim}-value vectors; the model's have {space.dim}")
        cols = torch.stack([space.column(model, i).values for i in range(space.count)])
        self.base.copy_(cols.mean(0))
        spread = cols.std(0) if space.count > 1 else torch.zeros_like(self.base)
        self.spread.copy_(spread.clamp_min(0.1 * float(spread.mean()) if space.count > 1 else 0.0) + 1e-3)


class NoPredictorError(InputError):
    """No style predictor fits this student (the caller may fall back to the optimiser)."""


def space_signature(model: nn.Module) -> str:
    """What makes two students' style spaces the same shape: tensor names and per-style shapes."""
    space = StyleSpace.of(model)
    text = json.dumps({n: list(s) for n, s in space.shapes.items()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def save_predictor(path: str | Path, predictor: StylePredictor, model: nn.Module, meta: dict[str, Any] | None = None,
                   *, compact: bool = True) -> Path:
    """Write ``predictor`` for ``model``'s style space.

    ``compact`` (the default) stores each weight matrix as int8 with one fp16 scale per output
    channel and the biases in fp16 (0.6 MB instead of 2.4 MB: the shipped files share a 2 MB
    budget); the buffers that place the output (``base``, ``spread``, the statistics' mean and
    std) stay fp32. ``compact=False`` stores everything in fp32, bit for bit.
    """
    from safetensors.torch import save_file

    state: dict[str, torch.Tensor] = {}
    for k, v in predictor.state_dict().items():
        v = v.detach().float().contiguous()
        if compact and k.endswith(".weight") and v.dim() >= 2:
            scale = v.flatten(1).abs().amax(1).clamp_min(1e-12) / 127.0
            scale = scale.half().float()  # the scale as stored, so the rounding below matches reading back
            shape = (-1,) + (1,) * (v.dim() - 1)
            state[k + ".q8"] = torch.round(v / scale.reshape(shape)).clamp(-127, 127).to(torch.int8).contiguous()
            state[k + ".scale"] = scale.half().contiguous()
        elif compact and k.endswith(".bias"):
            state[k] = v.half().contiguous()
        else:
            state[k] = v
    header = {"format": "edgenst-style-predictor-1", "config": json.dumps(predictor.config.to_dict()),
              "space": space_signature(model), "meta": json.dumps(meta or {})}
    save_file(state, str(path), metadata=header)
    return Path(path)


def _dequantize(raw: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    state = {}
    for k, v in raw.items():
        if k.endswith(".scale") and k[: -len(".scale")] + ".q8" in raw:
            continue
        if k.endswith(".q8"):
            name = k[: -len(".q8")]
            scale = raw[name + ".scale"].float()
            state[name] = v.float() * scale.reshape((-1,) + (1,) * (v.dim() - 1))
        else:
            state[k] = v.float()
    return state


def read_predictor(path: str | Path) -> tuple[StylePredictor, dict[str, Any]]:
    """A predictor file -> the predictor (eval, fp32) and its header (``space``, ``meta``)."""
    from safetensors import safe_open

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such style predictor file")
    try:
        with safe_open(str(p), framework="pt") as f:
            header = dict(f.metadata() or {})
            raw = {k: f.get_tensor(k) for k in f.keys()}
        if header.get("format") != "edgenst-style-predictor-1":
            raise InputError(f"{p}: not an edgenst style predictor")
        predictor = StylePredictor(PredictorConfig.from_dict(json.loads(header["config"])))
        predictor.load_state_dict(_dequantize(raw))
    except InputError:
        raise
    except Exception as exc:  # safetensors/json/shape errors: one line, not a traceback
        raise InputError(f"{p}: not a readable style predictor ({type(exc).__name__})") from exc
    header["meta"] = json.loads(header.get("meta", "{}"))
    return predictor.eval().requires_grad_(False), header


def shipped_predictor_paths() -> list[Path]:
    base = resources.files("edgenst.pretrained")
    return [Path(str(base.joinpath(name))) for name in SHIPPED_PREDICTORS]


def load_predictor(model: nn.Module, path: str | Path | None = None) -> StylePredictor:
    """The predictor for ``model``: the file at ``path``, else the shipped one whose style space
    has ``model``'s shape (QUALITY_V3 and any model grown from it by ``edgenst styles add``)."""
    want = space_signature(model)
    candidates = [Path(path)] if path is not None else [p for p in shipped_predictor_paths() if p.is_file()]
    fits = []
    for candidate in candidates:
        predictor, header = read_predictor(candidate)
        if header.get("space") == want:
            log.debug("style predictor %s (%s)", candidate.name, header["meta"].get("student", "?"))
            return predictor
        fits.append(header["meta"].get("student", candidate.name))
    if path is not None:
        raise InputError(f"{path}: this style predictor was made for another student ({', '.join(fits)}); "
                         "its style vectors would not fit this model")
    raise NoPredictorError("no shipped style predictor fits this model (predictors ship for: "
                     f"{', '.join(fits) or 'none'}); use --method optimize, or 'edgenst styles add' to fit the painting")


def painting_tensor(painting: str | Path | "Image.Image", side: int = PREDICT_SIDE) -> torch.Tensor:  # noqa: F821
    """A painting (file or PIL image) as 1 x 3 x H x W in [0, 1], long side ``side``.

    Huge files are refused by the image reader's pixel limit and decoded small; a painting smaller
    than 16 px on a side or of one flat colour is refused (``edgenst.painting_input``: the same
    rule for every path that reads a painting).
    """
    from edgenst.painting_input import read_painting

    return read_painting(painting, side)


@torch.no_grad()
def predict_style(model: nn.Module, painting: str | Path | "Image.Image", predictor: StylePredictor | None = None) -> StyleVector:  # noqa: F821
    """``painting``'s style vector in ``model``'s style space (``predictor`` default: ``load_predictor(model)``)."""
    predictor = predictor if predictor is not None else load_predictor(model)
    vector = predictor.eval()(painting_tensor(painting))[0]
    return StyleVector(vector.detach().clone())


def forward_with_vectors(model: nn.Module, photos: torch.Tensor, vectors: torch.Tensor,
                         strength: torch.Tensor | float = 1.0) -> torch.Tensor:
    """``model`` on ``photos`` (N x 3 x H x W) with sample i painted by ``vectors[i]`` (N x dim).

    The model's style tables are swapped for an N-column table of the vectors and each sample picks
    its own column, so one pass serves a batch of different paintings and gradients reach the
    vectors (and whatever made them); the model's own weights are untouched.
    """
    space = StyleSpace.of(model)
    n = photos.shape[0]
    if vectors.dim() != 2 or vectors.shape != (n, space.dim):
        raise InputError(f"style vectors must be {n} x {space.dim}, got {tuple(vectors.shape)}")
    tables, start = {}, 0
    for name, shape in space.shapes.items():
        size = math.prod(shape)
        part = vectors[:, start : start + size].reshape(n, *shape)
        tables[name] = part.movedim(0, space.axes[name]).to(photos.dtype)
        start += size
    weights = torch.eye(n, dtype=photos.dtype, device=photos.device)
    if not isinstance(strength, torch.Tensor):
        strength = torch.full((n, 1), float(strength), dtype=photos.dtype, device=photos.device)
    return torch.func.functional_call(model, tables, (photos, weights, strength), strict=False)


def refine_vector(model: nn.Module, painting: str | Path, start: StyleVector, config: "FitConfig | None" = None, *,
                  progress: bool = False) -> tuple[StyleVector, dict[str, float]]:
    """Fit ``painting``'s vector further, starting from ``start`` (a prediction): ``edgenst styles
    add``'s objective and settings (``style_fit.FitConfig``: loss network, layers, photos, crops,
    steps, lr), but optimising the one vector directly instead of growing and training the table.

    Returns the refined vector and the style loss before/after on fixed crops (drawn at step 0,
    never trained on), so a caller can see what the minutes bought.
    """
    from edgenst.distill.data import PhotoPool, load_style_images, step_generator
    from edgenst.painting_input import check_painting_file
    from edgenst.perceptual import PerceptualLoss, StyleTarget
    from edgenst.style_fit import FitConfig
    from edgenst.teacher import build_teacher

    config = config if config is not None else FitConfig()
    check_painting_file(painting, config.style_size)  # refuses a painting that holds no style, in one line
    style_image = load_style_images([str(painting)], config.style_size)[0]
    loss = PerceptualLoss(build_teacher(config.loss_network(), config.loss.all_layers), config.loss)
    grams = loss.style_grams(style_image)
    pool = PhotoPool(config.photos, config.crop)
    model = model.eval().requires_grad_(False)

    def terms(v: torch.Tensor, photos: torch.Tensor):
        n = photos.shape[0]
        out = forward_with_vectors(model, photos, v.expand(n, -1))
        target = StyleTarget(grams={k: g.expand(n, *g.shape[1:]) for k, g in grams.items()})
        return loss(out, loss.content_targets(photos), [target])

    held = pool.crops(step_generator(config.seed, 0), config.eval_crops)
    with torch.no_grad():
        before = float(terms(start.values[None], held).style)
    v = start.values[None].clone().requires_grad_(True)
    opt = torch.optim.Adam([v], lr=config.lr)
    for step in range(1, config.steps + 1):
        photos = pool.crops(step_generator(config.seed, step), config.batch)
        t = terms(v, photos)
        opt.zero_grad(set_to_none=True)
        t.total.backward()
        opt.step()
        if progress and (step % config.log_every == 0 or step == config.steps):
            log.info("refining the style vector: step %d/%d, style %.4f", step, config.steps, float(t.style))
    with torch.no_grad():
        after = float(terms(v, held).style)
    log.info("refined style vector: style loss %.4f -> %.4f on %d held crops", before, after, config.eval_crops)
    return StyleVector(v.detach()[0].clone()), {"before": before, "after": after}


__all__ = ["NoPredictorError", "PREDICT_SIDE", "PaintingEncoder", "PredictorConfig", "StylePredictor", "forward_with_vectors",
           "load_predictor", "painting_tensor", "predict_style", "read_predictor", "refine_vector", "save_predictor",
           "space_signature"]
