"""Time per training step of the training .pte (ExecuTorch runtime) against eager PyTorch.

A step is the same in both: forward + backward of one style's scale/shift vectors through the
perceptual loss, then one SGD update. Runtime: ``TrainingModule.forward_backward`` + the runtime's
``get_sgd_optimizer``; eager: the student and ``PerceptualLoss`` with only the scale/shift tables
trainable + ``torch.optim.SGD``. Run with ``OMP_NUM_THREADS=1`` (the runtime's portable kernels are
single-threaded, so this is the like-for-like setting). Each timing is the median of ``--steps``
steps after one warm-up step; every run also checks the artifact with ``verify_training_pte``.

    OMP_NUM_THREADS=1 python benchmarks/on_device_training.py --sizes 64 96 --losses random8 random real
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import tempfile
import time
from pathlib import Path

import torch

from edgenst.export import training as T
from edgenst.models import build_model
from edgenst.perceptual import StyleTarget
from edgenst.teacher import TeacherConfig

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL_VGG = SHARED / "teachers" / "vgg19_normalised" / "vgg_normalised_conv3_1.pth"
#: The shipped fast student's shape (edgenst.pretrained "fast"), with 2 styles.
STUDENT = {"styles": 2, "width": 16, "blocks": 3, "half_res_affine": False, "center_input": True}
LOSSES = {
    "random8": lambda: TeacherConfig(source="random", width=8),  # the federated simulation's default
    "random": lambda: TeacherConfig(source="random", width=1),  # VGG-19 shape to relu3_1, seeded
    "real": lambda: TeacherConfig(source="vgg19-normalised", weights=str(REAL_VGG), allow_download=False),
}


def _median_s(fn, steps: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(loss_name: str, size: int, batch: int, steps: int, workdir: Path) -> dict:
    from executorch.extension.training import get_sgd_optimizer

    torch.manual_seed(0)
    student = build_model("student", STUDENT)
    config = T.TrainingExportConfig(style=0, size=size, batch=batch, lr=1e-3, teacher=LOSSES[loss_name]())
    path = workdir / f"train_{loss_name}_{size}.pte"
    t0 = time.perf_counter()
    manifest = T.export_training_pte(student, config, path)
    export_s = time.perf_counter() - t0
    loss = T.build_loss(config)
    photos = torch.rand(batch, 3, size, size)
    grams = loss.style_grams(torch.rand(1, 3, size, size))
    check = T.verify_training_pte(path, student, config, photos, grams)

    module = T.load_training_pte(path)
    inputs = (photos, *(grams[k] for k in T.gram_keys(config)))
    module.forward_backward(T.METHOD, inputs)
    sgd = get_sgd_optimizer(module.named_parameters(), config.lr)

    def runtime_step() -> None:
        module.forward_backward(T.METHOD, inputs)
        sgd.step(module.named_gradients())

    model = copy.deepcopy(student).train()
    for n, p in model.named_parameters():
        p.requires_grad_(n.endswith((".scale", ".shift")))
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=config.lr)
    weights = torch.zeros(batch, 2)
    weights[:, 0] = 1.0
    strength = torch.ones(batch, 1)
    target = [StyleTarget(grams=grams)]

    def eager_step() -> None:
        opt.zero_grad(set_to_none=True)
        out = model(photos, weights, strength)
        loss(out, loss.content_targets(photos), target).total.backward()
        opt.step()

    rt = _median_s(runtime_step, steps)
    eg = _median_s(eager_step, steps)
    return {
        "loss_network": loss_name, "size": size, "batch": batch, "runtime_step_s": rt, "eager_step_s": eg,
        "ratio": rt / eg, "export_s": export_s, "pte_bytes": manifest["bytes"],
        "trainable_tensors": len(manifest["trainable"]),
        "trainable_values": sum(int(torch.tensor(t["shape"]).prod()) for t in manifest["trainable"]),
        "verify_ok": check["ok"], "verify_diffs": check["relative_max_abs_diff"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 96])
    parser.add_argument("--losses", nargs="+", default=["random8", "random", "real"], choices=sorted(LOSSES))
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--out", default=None, help="JSON file for the rows")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for loss_name in args.losses:
            if loss_name == "real" and not REAL_VGG.is_file():
                print(f"skip real: {REAL_VGG} absent")
                continue
            for size in args.sizes:
                row = measure(loss_name, size, args.batch, args.steps, Path(tmp))
                print(json.dumps(row), flush=True)
                rows.append(row)
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
