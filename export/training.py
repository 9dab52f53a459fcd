"""A training ``.pte``: one style's scale/shift vectors learn inside the ExecuTorch runtime.

Why this shape (issue 23, item 1):

- ExecuTorch 1.5.1's training extension takes a program whose first output is a scalar loss,
  exported with ``torch.export`` and turned into a joint forward + backward graph by
  ``torch.export.experimental._export_forward_backward``. The runtime returns the loss, the
  gradients and the parameters themselves (``executorch.extension.training.TrainingModule``), and
  ``get_sgd_optimizer`` updates those parameter tensors in place inside the loaded program. So the
  SGD step is the runtime's own optimizer, and the trained vectors live in the program's mutable
  memory between steps (the Python ``TrainingModule`` holds references to them, not copies).
- Only the tensors that require grad get gradients in the joint graph. ``StyleTrainingStep`` turns
  the chosen style's slice of every ``StyleAffine`` scale/shift (C x 1 x 1 x 1) into the only
  ``nn.Parameter``s; every other tensor (shared convolutions, the other styles, the photo vectors,
  the loss network) is a frozen constant. The full tables are rebuilt with one concatenation per
  affine, so the student's own ``forward`` runs unchanged (``torch.func.functional_call``).
- The style target enters as its Gram matrices, not the painting: they are a few small C x C inputs
  independent of the painting's size, the server (or item 3's fit) computes them once, and each step
  saves a loss-network pass over the painting. The photo's content features are computed inside
  (detached), as ``PerceptualLoss.content_targets`` does.
- Training one style means style weights = that style's one-hot row and strength = 1 (at strength 0
  the style vectors get no gradient), so both are constants of the program, not inputs.
- No delegate: XNNPACK has no backward kernels, so every operator runs in the portable kernels.
- The loss network's 2x2 max pools are exported as a max over each window (``WindowMax2d``): the
  same forward values, but ExecuTorch 1.5.1's portable ``max_pool2d_with_indices_backward``
  scatter-adds into a gradient buffer it never zeroes (pytorch/executorch#21686, fixed after 1.5.1
  by #21878), which here made the artifact's gradients 25-40% off, and the content term's 2500x.
  ``amax``'s backward splits a gradient among tied maxima where max-pool gives it to the first;
  loss-network pools follow a ReLU, whose backward zeroes the only common tie (all zeros). Likewise
  the pyramid's 2x2 average pool is a window mean: 1.5.1's portable kernels have no
  ``avg_pool2d_backward`` (error 0x14, OperatorMissing). Verification compares against the
  unmodified loss.
- Not in the artifact yet: ``distill.train_step``'s gradient-norm clipping (10), momentum.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import torch
from torch import nn

from edgenst.errors import InputError
from edgenst.models.student import StyleAffine, Student
from edgenst.perceptual import LossConfig, PerceptualLoss, StyleTarget, gram_key
from edgenst.teacher import PyramidFeatures, TeacherConfig, build_teacher
from edgenst.teacher.pyramid import MIN_LEVEL_SIDE

#: Name of the joint forward + backward method in the program.
METHOD = "forward"
FORMAT = "edgenst-training-pte"
FORMAT_VERSION = 1
#: ``verify_training_pte``'s default tolerance: max |runtime - eager| / max |eager| per compared
#: tensor. float32 with different kernels (portable vs. eager's oneDNN) and summation orders.
DEFAULT_RTOL = 1e-4
#: Tolerance of the SGD update ``p_after - p_before`` against ``-lr * g`` (see ``verify_training_pte``).
UPDATE_RTOL = 1e-3


@dataclass(frozen=True)
class TrainingExportConfig:
    """What the artifact trains and how it scores: one style, one photo size, one loss network."""

    style: int = 0  # index of the style whose vectors learn
    size: int = 64  # photos are batch x 3 x size x size
    batch: int = 1
    lr: float = 1e-2  # SGD learning rate the manifest suggests (the runtime's optimizer takes it)
    teacher: TeacherConfig = field(default_factory=lambda: TeacherConfig(source="random", width=8))
    loss: LossConfig = field(default_factory=LossConfig)

    def __post_init__(self) -> None:
        if self.size < 16 or self.size % 4:
            raise InputError(f"size must be a multiple of 4 and >= 16, got {self.size}")
        if self.batch < 1:
            raise InputError(f"batch must be >= 1, got {self.batch}")
        if not (self.lr > 0 and self.lr < float("inf")):
            raise InputError(f"lr must be a finite number > 0, got {self.lr}")
        if self.style < 0:
            raise InputError(f"style index must be >= 0, got {self.style}")


class WindowMax2d(nn.Module):
    """``nn.MaxPool2d(2, 2)`` as a reshape and ``amax`` (whose backward the runtime gets right)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        x = x[..., : h // 2 * 2, : w // 2 * 2]  # MaxPool2d drops an odd last row/column
        return x.reshape(n, c, h // 2, 2, w // 2, 2).amax(dim=(3, 5))


class WindowMeanPyramid(PyramidFeatures):
    """``PyramidFeatures`` whose 2x2 average pool between levels is a reshape and ``mean``: the
    portable kernels of 1.5.1 have no ``avg_pool2d_backward`` (a 2-level artifact failed to run
    with error 0x14, OperatorMissing)."""

    def forward(self, x: torch.Tensor, layers: Sequence[str], levels: int | None = None) -> list[dict[str, torch.Tensor]]:
        n = self.levels if levels is None else levels
        out = []
        for level in range(n):
            if level > 0:
                b, c, h, w = x.shape
                x = x[..., : h // 2 * 2, : w // 2 * 2].reshape(b, c, h // 2, 2, w // 2, 2).mean(dim=(3, 5))
                if min(x.shape[-2:]) < MIN_LEVEL_SIDE:
                    raise InputError(f"image too small for {n} pyramid levels: level {level} would be "
                                     f"{x.shape[-2]}x{x.shape[-1]} (< {MIN_LEVEL_SIDE} px)")
            out.append(self.trunk(x, layers))
        return out


def exportable_loss(loss: PerceptualLoss) -> PerceptualLoss:
    """A copy of ``loss`` with the same values and gradients whose pools the portable kernels
    differentiate correctly: ``WindowMax2d`` and ``WindowMeanPyramid`` (see the module docstring)."""
    out = copy.deepcopy(loss)
    out.teacher = WindowMeanPyramid(out.teacher.trunk, levels=out.teacher.levels)
    layers = out.teacher.trunk.layers
    for name, layer in list(layers.items()):
        if isinstance(layer, nn.MaxPool2d):
            if (layer.kernel_size, layer.stride, layer.padding, layer.dilation, layer.ceil_mode) not in ((2, 2, 0, 1, False),):
                raise InputError(f"loss network pool {name} is not a plain 2x2 max pool; cannot export it for training")
            layers[name] = WindowMax2d()
    return out


def build_loss(config: TrainingExportConfig) -> PerceptualLoss:
    """The perceptual loss the artifact embeds; eager verification builds the same one."""
    teacher = build_teacher(config.teacher, config.loss.all_layers)
    return PerceptualLoss(teacher, config.loss).eval().requires_grad_(False)


def gram_keys(config: TrainingExportConfig) -> list[str]:
    """The Gram inputs' order: each pyramid level, each style layer (``layer@level``)."""
    return [gram_key(layer, lv) for lv in range(config.teacher.pyramid_levels) for layer in config.loss.style_layers]


def _affines(student: Student) -> list[tuple[str, StyleAffine]]:
    return [(n, m) for n, m in student.named_modules() if isinstance(m, StyleAffine)]


def _slot(affine_name: str) -> str:
    """Module names may not contain dots: ``blocks.0.affine1`` -> ``blocks_0_affine1``."""
    return affine_name.replace(".", "_")


class _StyleSlice(nn.Module):
    """One affine's trainable vectors for the chosen style, shaped like a slice of its tables."""

    def __init__(self, scale: torch.Tensor, shift: torch.Tensor) -> None:
        super().__init__()
        self.scale = nn.Parameter(scale.detach().clone())
        self.shift = nn.Parameter(shift.detach().clone())


class StyleTrainingStep(nn.Module):
    """(photos, *grams) -> (loss, content, style, tv); only ``style.<affine>.{scale,shift}`` learn."""

    def __init__(self, student: Student, loss: PerceptualLoss, config: TrainingExportConfig) -> None:
        super().__init__()
        check_student(student, config)
        self.student = copy.deepcopy(student).eval().requires_grad_(False)
        self.loss = loss
        self.config = config
        self.keys = gram_keys(config)
        k = config.style
        self.style = nn.ModuleDict()
        self.affine_names: list[str] = []
        for name, affine in _affines(self.student):
            self.style[_slot(name)] = _StyleSlice(affine.scale[:, k : k + 1], affine.shift[:, k : k + 1])
            self.affine_names.append(name)
        weights = torch.zeros(config.batch, student.config.styles)
        weights[:, k] = 1.0
        self.register_buffer("style_weights", weights)
        self.register_buffer("strength", torch.ones(config.batch, 1))

    def trainable_names(self) -> list[str]:
        """Parameter names in the order ``named_parameters`` gives them (the program's order)."""
        return [n for n, p in self.named_parameters() if p.requires_grad]

    def _overrides(self) -> dict[str, torch.Tensor]:
        k = self.config.style
        out: dict[str, torch.Tensor] = {}
        for name in self.affine_names:
            affine = self.student.get_submodule(name)
            piece = self.style[_slot(name)]
            for attr in ("scale", "shift"):
                table = getattr(affine, attr)
                out[f"{name}.{attr}"] = torch.cat([table[:, :k], getattr(piece, attr), table[:, k + 1 :]], dim=1)
        return out

    def forward(self, photos: torch.Tensor, *grams: torch.Tensor) -> tuple[torch.Tensor, ...]:
        stylized = torch.func.functional_call(self.student, self._overrides(), (photos, self.style_weights, self.strength))
        cfg = self.loss.config
        content = {k: v.detach() for k, v in self.loss.teacher(photos, cfg.content_layers, levels=1)[0].items()}
        terms = self.loss(stylized, content, [StyleTarget(grams=dict(zip(self.keys, grams)))])
        return terms.total, terms.content.detach(), terms.style.detach(), terms.tv.detach()


def check_student(student: nn.Module, config: TrainingExportConfig) -> None:
    if not isinstance(student, Student):
        raise InputError(f"a training artifact needs an edgenst student, got {type(student).__name__}")
    if not _affines(student) or any(m.frozen for _, m in _affines(student)):
        raise InputError("the student's style tables are frozen (an inference copy); export the trainable student")
    if not 0 <= config.style < student.config.styles:
        raise InputError(f"style {config.style} out of range for a student with {student.config.styles} styles")


def gram_shapes(loss: PerceptualLoss, config: TrainingExportConfig) -> dict[str, list[int]]:
    """Shape of each Gram input (1 x C x C), read off the loss network on a photo of ``size``."""
    with torch.no_grad():
        grams = loss.style_grams(torch.zeros(1, 3, config.size, config.size))
    return {k: list(grams[k].shape) for k in gram_keys(config)}


def example_inputs(loss: PerceptualLoss, config: TrainingExportConfig) -> tuple[torch.Tensor, ...]:
    shapes = gram_shapes(loss, config)
    photos = torch.rand(config.batch, 3, config.size, config.size)
    return (photos, *(torch.rand(*shapes[k]) for k in gram_keys(config)))


def export_training_pte(
    student: Student, config: TrainingExportConfig, out_path: str | os.PathLike[str]
) -> dict[str, Any]:
    """Write ``out_path`` (.pte, joint forward + backward, portable kernels) and ``<out>.json``.

    Returns the manifest: which tensors train (names, student tensors, shapes, in the program's
    order), the inputs and outputs, the loss network and loss weights, the suggested SGD rate.
    """
    from executorch.exir import EdgeCompileConfig, to_edge
    from torch.export.experimental import _export_forward_backward

    loss = build_loss(config)
    step = StyleTrainingStep(student, exportable_loss(loss), config)
    inputs = example_inputs(loss, config)
    ep = torch.export.export(step, inputs, strict=False)
    ep = _export_forward_backward(ep, joint_loss_index=0)
    program = to_edge(ep, compile_config=EdgeCompileConfig(_check_ir_validity=False)).to_executorch()
    path = Path(out_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(program.buffer)
    os.replace(tmp, path)
    text = json.dumps(_manifest(step, loss, config, path), indent=2)
    manifest_path(path).write_text(text + "\n")
    return json.loads(text)  # what a reader of the file gets (lists, not tuples)


def manifest_path(pte: Path) -> Path:
    return pte.with_suffix(".json")


def _manifest(step: StyleTrainingStep, loss: PerceptualLoss, config: TrainingExportConfig, path: Path) -> dict[str, Any]:
    params = dict(step.named_parameters())
    trainable = []
    for name in step.trainable_names():
        slot, attr = name.split(".")[1:]
        affine = next(a for a in step.affine_names if _slot(a) == slot)
        trainable.append({"name": name, "student_tensor": f"{affine}.{attr}", "style_axis": 1,
                          "style_index": config.style, "shape": list(params[name].shape)})
    shapes = gram_shapes(loss, config)
    teacher = asdict(config.teacher)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "file": path.name,
        "bytes": path.stat().st_size,
        # The runtime does not verify a program's flatbuffer: a damaged one can crash the process,
        # so a reader checks this hash before loading (federated.executorch_client.open_artifact).
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "method": METHOD,
        "backend": "portable (no delegate)",
        "student": student_config(step.student),
        "style": config.style,
        "fixed": {"style_weights": f"one-hot at {config.style}", "strength": 1.0},
        "inputs": [{"name": "photos", "dtype": "float32", "shape": [config.batch, 3, config.size, config.size],
                    "range": [0.0, 1.0], "layout": "NCHW", "color": "RGB"}]
                  + [{"name": f"gram:{k}", "dtype": "float32", "shape": shapes[k]} for k in gram_keys(config)],
        "outputs": ["loss", "content", "style", "tv"],
        "trainable": trainable,
        "optimizer": {"kind": "sgd", "runtime": "executorch.extension.training.get_sgd_optimizer", "lr": config.lr},
        "loss_network": {"source": teacher["source"], "weights": Path(teacher["weights"]).name if teacher["weights"] else None,
                         "pyramid_levels": config.teacher.pyramid_levels, "width": config.teacher.width,
                         "seed": config.teacher.seed},
        "loss": asdict(config.loss),
    }


def student_config(student: Student) -> dict[str, Any]:
    return student.config.to_dict()


# --- running it ---------------------------------------------------------------------------------


def load_training_pte(path: str | os.PathLike[str]):
    """The runtime's ``TrainingModule`` for ``path`` (portable kernels)."""
    from edgenst.runtime import check_pte_header
    from executorch.extension.training import _load_for_executorch_for_training_from_buffer

    p = Path(path)
    if not p.is_file():
        raise InputError(f"no training program at {p}")
    data = p.read_bytes()
    check_pte_header(p, data)
    module = _load_for_executorch_for_training_from_buffer(data)
    # The runtime reads the program from these bytes without copying them (freeing them first made
    # the method fail to load with error 0x23, or crash): keep them alive with the module.
    module._edgenst_program_bytes = data
    return module


def runtime_trainable_names(module) -> list[str]:
    """The parameter names the program itself says it trains (its ``__et_training_fqn_`` method)."""
    return list(module.model.run_method(f"__et_training_fqn_{METHOD}", ()))


def _inputs(photos: torch.Tensor, grams: dict[str, torch.Tensor], config: TrainingExportConfig) -> tuple[torch.Tensor, ...]:
    want = (config.batch, 3, config.size, config.size)
    if tuple(photos.shape) != want:
        raise InputError(f"photos must be {want}, got {tuple(photos.shape)}")
    missing = [k for k in gram_keys(config) if k not in grams]
    if missing:
        raise InputError(f"Gram targets lack {missing[0]}; build them with the same loss config")
    return (photos.float().contiguous(), *(grams[k].float().contiguous() for k in gram_keys(config)))


def eager_step(
    student: Student, loss: PerceptualLoss, config: TrainingExportConfig, photos: torch.Tensor, grams: dict[str, torch.Tensor]
) -> dict[str, Any]:
    """The reference in plain PyTorch: the student and ``PerceptualLoss`` as training uses them
    (not ``StyleTrainingStep``), gradients of the full scale/shift tables sliced at the style."""
    model = copy.deepcopy(student).train()
    for n, p in model.named_parameters():
        p.requires_grad_(n.endswith((".scale", ".shift")))
    k = config.style
    weights = torch.zeros(config.batch, model.config.styles)
    weights[:, k] = 1.0
    out = model(photos, weights, torch.ones(config.batch, 1))
    terms = loss(out, loss.content_targets(photos), [StyleTarget(grams=dict(grams))])
    terms.total.backward()
    grads = {}
    for name, affine in _affines(model):
        for attr in ("scale", "shift"):
            grads[f"style.{_slot(name)}.{attr}"] = getattr(affine, attr).grad[:, k : k + 1].clone()
    return {"loss": terms.total.detach(), "grads": grads}


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    """max |a - b| / max |b| (0 when both are zero)."""
    scale = float(b.abs().max())
    diff = float((a - b).abs().max())
    return diff / scale if scale > 0 else diff


def verify_training_pte(
    path: str | os.PathLike[str],
    student: Student,
    config: TrainingExportConfig,
    photos: torch.Tensor,
    grams: dict[str, torch.Tensor],
    *,
    rtol: float = DEFAULT_RTOL,
) -> dict[str, Any]:
    """Run one step in the runtime and in eager PyTorch on the same inputs; compare.

    Compares the loss, every gradient, the parameters after one runtime SGD step with ``config.lr``
    against ``p - lr * g`` in eager, and the loss of a second runtime step against eager's loss at
    the updated parameters (which shows the update happened inside the program). Each comparison is
    ``max |runtime - eager| / max |eager|``; ``ok`` is whether all are within ``rtol`` (the update
    ``p_after - p_before`` within ``UPDATE_RTOL``). The eager side is the unmodified student and
    ``PerceptualLoss`` (real max pools), so the check also covers the export's substitutions.
    """
    from executorch.extension.training import get_sgd_optimizer

    inputs = _inputs(photos, grams, config)
    loss = build_loss(config)
    module = load_training_pte(path)
    names = runtime_trainable_names(module)
    t0 = time.perf_counter()
    outs = module.forward_backward(METHOD, inputs)
    runtime_s = time.perf_counter() - t0
    rt_grads = {n: g.clone() for n, g in module.named_gradients().items()}
    ref = eager_step(student, loss, config, photos, grams)
    if sorted(names) != sorted(ref["grads"]):
        raise InputError(f"{path} trains {names[:3]}..., not this student's style {config.style} vectors")
    side = manifest_path(Path(path))
    if side.is_file() and [t["name"] for t in json.loads(side.read_text())["trainable"]] != names:
        raise InputError(f"{side} lists other trainable tensors (or another order) than {Path(path).name}")

    diffs: dict[str, float] = {"loss": _rel(outs[0], ref["loss"])}
    diffs["grads"] = max(_rel(rt_grads[n], ref["grads"][n]) for n in names)

    before = {n: p.clone() for n, p in module.named_parameters().items()}
    get_sgd_optimizer(module.named_parameters(), config.lr).step(module.named_gradients())
    expected = {n: before[n] - config.lr * ref["grads"][n] for n in names}
    after = {n: p.clone() for n, p in module.named_parameters().items()}
    diffs["sgd_params"] = max(_rel(after[n], expected[n]) for n in names)
    # The update itself (lr * g) is small next to the vectors, so fp32 rounding of p - lr * g
    # weighs more in it: held to UPDATE_RTOL, and it fails when the runtime did not step.
    update = max(_rel(after[n] - before[n], expected[n] - before[n]) for n in names)

    stepped = _apply_slices(student, config, expected)
    ref2 = eager_step(stepped, loss, config, photos, grams)
    outs2 = module.forward_backward(METHOD, inputs)
    diffs["loss_after_step"] = _rel(outs2[0], ref2["loss"])
    return {
        "ok": all(v <= rtol for v in diffs.values()) and update <= UPDATE_RTOL,
        "rtol": rtol,
        "update_rtol": UPDATE_RTOL,
        "relative_max_abs_diff": {**diffs, "sgd_update": update},
        "loss": {"runtime": float(outs[0]), "eager": float(ref["loss"]),
                 "runtime_after_step": float(outs2[0]), "eager_after_step": float(ref2["loss"])},
        "trainable": names,
        "runtime_first_step_s": runtime_s,
    }


def _apply_slices(student: Student, config: TrainingExportConfig, values: dict[str, torch.Tensor]) -> Student:
    """A copy of ``student`` with the style's vectors replaced by ``values`` (names as the program's)."""
    out = copy.deepcopy(student)
    load_trained(out, config.style, values)
    return out


def load_trained(student: Student, style: int, values: dict[str, torch.Tensor]) -> None:
    """Write the artifact's trained vectors (``style.<affine>.{scale,shift}``) into ``student``'s tables."""
    affines = dict(_affines(student))
    slots = {_slot(n): n for n in affines}
    with torch.no_grad():
        for name, value in values.items():
            parts = name.split(".")
            if len(parts) != 3 or parts[0] != "style" or parts[1] not in slots or parts[2] not in ("scale", "shift"):
                raise InputError(f"{name!r} is not a style vector of this student")
            table = getattr(affines[slots[parts[1]]], parts[2])
            if tuple(value.shape) != tuple(table[:, style : style + 1].shape):
                raise InputError(f"{name}: shape {tuple(value.shape)} != {tuple(table[:, style:style + 1].shape)}")
            table[:, style : style + 1].copy_(value)


__all__: Sequence[str] = (
    "DEFAULT_RTOL",
    "StyleTrainingStep",
    "TrainingExportConfig",
    "build_loss",
    "eager_step",
    "export_training_pte",
    "gram_keys",
    "load_trained",
    "load_training_pte",
    "runtime_trainable_names",
    "verify_training_pte",
)
