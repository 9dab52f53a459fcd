"""Where the teacher's VGG weights come from, and how they are mapped onto named layers.

Three sources, one result (a ``VGGFeatures`` trunk):
- torchvision's ImageNet VGG16/VGG19, from a local file, the torch hub cache, or (when online and
  allowed) torchvision's own download, exactly as ``vgg19(weights=...)`` would fetch it;
- the "normalised" VGG-19 of Gatys et al. as distributed by the AdaIN/WCT line of work, a plain
  ``nn.Sequential`` state dict truncated at any layer (keys are Sequential indices);
- seeded random weights: a stand-in for tests and for machines without any weights (random
  filters still carry texture statistics, but far less than trained ones).
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path
from urllib.parse import urlparse

import torch
from torch import nn

from edgenst.errors import InputError, WeightsNotFoundError
from edgenst.teacher.vgg import MeanStdInput, VGGFeatures, layer_plan, conv_names, layer_names

log = logging.getLogger(__name__)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

#: Set to 1 to forbid any download attempt (CI, air-gapped machines).
OFFLINE_ENV = "EDGENST_OFFLINE"


def torchvision_weights(arch: str, tag: str = "IMAGENET1K_V1"):
    """The torchvision ``Weights`` enum member, e.g. ``VGG19_Weights.IMAGENET1K_V1``."""
    from torchvision.models import get_weight

    try:
        return get_weight(f"{arch.upper()}_Weights.{tag}")
    except (ValueError, KeyError):
        raise InputError(f"torchvision has no weights {arch.upper()}_Weights.{tag}") from None


def hub_cache_path(url: str) -> Path:
    """Where ``torch.hub`` keeps (or would keep) the file behind ``url``."""
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(urlparse(url).path).name


def is_offline(url: str, timeout: float = 3.0) -> bool:
    """True when ``EDGENST_OFFLINE`` is set or the download host cannot be reached quickly."""
    if os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes"):
        return True
    host = urlparse(url).hostname or ""
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return False
    except OSError:
        return True


def read_state_dict(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """Load a state dict from a ``torch.save`` file safely (``weights_only``), with one-line errors."""
    p = Path(path)
    if not p.is_file():
        raise WeightsNotFoundError(f"{p}: weights file not found")
    try:
        obj = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt pickles/zips
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{p}: not a readable weights file ({reason[:160]})") from None
    if isinstance(obj, dict) and "model" in obj and isinstance(obj["model"], dict):
        obj = obj["model"]
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise InputError(f"{p}: expected a state dict of tensors")
    return obj


def load_torchvision_vgg(
    arch: str = "vgg19",
    *,
    last_layer: str,
    path: str | os.PathLike[str] | None = None,
    tag: str = "IMAGENET1K_V1",
    allow_download: bool = True,
) -> VGGFeatures:
    """torchvision's ImageNet VGG trunk, cut at ``last_layer``.

    Looks in order at ``path``, the torch hub cache, then downloads through torchvision when the
    host is reachable and ``allow_download`` is true. Offline, it fails with how to pass a path.
    """
    weights = torchvision_weights(arch, tag)
    if path is not None:
        state = read_state_dict(path)
        source = str(path)
    else:
        cached = hub_cache_path(weights.url)
        if not cached.is_file():
            hint = (
                f"pass --teacher-weights PATH (a copy of {cached.name}), put that file in {cached.parent}, "
                f"or use --teacher vgg19-normalised --teacher-weights PATH"
            )
            if not allow_download:
                raise WeightsNotFoundError(f"{weights} is not in the torch hub cache and downloads are off; {hint}")
            if is_offline(weights.url):
                raise WeightsNotFoundError(f"{weights} is not cached and this machine is offline; {hint}")
            log.info("downloading %s through torchvision", weights)
        try:
            state = weights.get_state_dict(progress=True, check_hash=True)
        except Exception as exc:
            raise WeightsNotFoundError(f"could not obtain {weights}: {str(exc).splitlines()[0][:160]}") from None
        source = str(cached)
    transform = weights.transforms()
    trunk = VGGFeatures(
        arch,
        last_layer=last_layer,
        input_transform=MeanStdInput(transform.mean, transform.std),
        padding="zeros",
    )
    _load_indexed(trunk, state, prefix="features.", source=source)
    log.info("teacher: torchvision %s (%s) up to %s from %s", arch, tag, last_layer, source)
    return trunk


def normalised_vgg19_indices() -> dict[str, int]:
    """Sequential index of each conv in the normalised VGG-19 file (index 0 is the input 1x1 conv).

    That Sequential is: conv0, then per conv ReflectionPad + Conv + ReLU, and a MaxPool per block.
    """
    idx, out = 1, {}
    for name, _, _ in layer_plan("vgg19"):
        if name.startswith("conv"):
            out[name] = idx + 1  # the pad sits before the conv
            idx += 2
        elif name.startswith("relu"):
            idx += 1
        else:
            idx += 1
    return out


def load_normalised_vgg19(path: str | os.PathLike[str], *, last_layer: str | None = None) -> VGGFeatures:
    """The normalised VGG-19 (reflection padding, Caffe BGR input conv), cut at ``last_layer``.

    ``last_layer=None`` takes the deepest ReLU the file holds.
    """
    state = read_state_dict(path)
    if "0.weight" not in state or tuple(state["0.weight"].shape) != (3, 3, 1, 1):
        raise InputError(f"{path}: not a normalised VGG-19 file (no 3x3x1x1 input conv under key '0')")
    indices = normalised_vgg19_indices()
    present = [n for n in conv_names("vgg19") if f"{indices[n]}.weight" in state]
    if not present or present[0] != "conv1_1":
        raise InputError(f"{path}: no conv1_1 weights (key '{indices['conv1_1']}.weight')")
    deepest = "relu" + present[-1][len("conv"):]
    if last_layer is None:
        last_layer = deepest
    names = layer_names("vgg19")
    if last_layer not in names:
        raise InputError(f"vgg19 has no layer {last_layer!r}")
    if names.index(last_layer) > names.index(deepest):
        raise InputError(
            f"layer {last_layer} is deeper than the weights in {path} hold (they stop at {deepest}); "
            f"choose layers up to {deepest} or use weights that reach {last_layer}"
        )
    conv0 = nn.Conv2d(3, 3, 1)
    conv0.load_state_dict({"weight": state["0.weight"], "bias": state["0.bias"]})
    trunk = VGGFeatures("vgg19", last_layer=last_layer, input_transform=conv0, padding="reflect")
    _load_indexed(trunk, state, prefix="", source=str(path), indices=indices)
    trunk.requires_grad_(False)
    log.info("teacher: normalised vgg19 up to %s from %s", last_layer, path)
    return trunk


def random_vgg(arch: str = "vgg19", *, last_layer: str, seed: int = 0, width: int = 1) -> VGGFeatures:
    """A VGG trunk with seeded He-initialised weights: a stand-in when no trained weights exist."""
    trunk = VGGFeatures(
        arch,
        last_layer=last_layer,
        input_transform=MeanStdInput(IMAGENET_MEAN, IMAGENET_STD),
        padding="zeros",
        width=width,
    )
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in trunk.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu", generator=gen)
                m.bias.zero_()
    return trunk


def _load_indexed(
    trunk: VGGFeatures,
    state: dict[str, torch.Tensor],
    *,
    prefix: str,
    source: str,
    indices: dict[str, int] | None = None,
) -> None:
    """Copy Sequential-indexed conv weights into the named layers of ``trunk``."""
    if indices is None:
        # torchvision's features Sequential: conv, relu per conv, pool per block, from index 0.
        indices = {name: i for i, (name, _, _) in enumerate(layer_plan(trunk.arch)) if name.startswith("conv")}
    for name, module in trunk.layers.items():
        if not isinstance(module, nn.Conv2d):
            continue
        key = f"{prefix}{indices[name]}"
        try:
            w, b = state[f"{key}.weight"], state[f"{key}.bias"]
        except KeyError:
            raise InputError(f"{source}: missing weights for {name} (key '{key}.weight')") from None
        if w.shape != module.weight.shape or b.shape != module.bias.shape:
            raise InputError(
                f"{source}: {name} has shape {tuple(w.shape)}, expected {tuple(module.weight.shape)} for {trunk.arch}"
            )
        with torch.no_grad():
            module.weight.copy_(w)
            module.bias.copy_(b)
