"""Phones that train in the ExecuTorch training artifact (issue 23, items 2): ``client-runtime``.

One artifact is exported per module (the node cache keeps it; ~10-25 s on 2 busy cores) for a
tiny student with one style at 32 px, batch 1; every test after that reuses it.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MessageType, RecordDict

from edgenst.errors import InputError
from edgenst.federated import executorch_client as etc
from edgenst.federated import node_cache
from edgenst.federated.settings import FedSettings

pytest.importorskip("executorch.extension.training")

from edgenst.export import training as T  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _settings(run: Path, **kw) -> dict:
    base = {"run-dir": str(run), "photos": "synthetic:16", "styles": "texture:swirl", "train": "style",
            "style-size": 64, "crop": 32, "batch": 1, "simulate-profiles": False, "local-steps": 1,
            "num-server-rounds": 1, "clients-per-round": 2, "executorch-lr": 0.05, "client-runtime": "executorch:1"}
    base.update(kw)
    return base


@pytest.fixture(autouse=True)
def _server_task_identity(monkeypatch: pytest.MonkeyPatch):
    """Messages made outside a SuperLink need the task identity a ServerApp process has."""
    from flwr.supercore.task_identity import TaskIdentity

    for attr, value in (("_task_id", 1), ("_run_id", 1), ("_node_id", 0)):
        monkeypatch.setattr(TaskIdentity, attr, getattr(TaskIdentity, attr) or value)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run folder (synthetic photos generated once), with the artifact exported into the cache."""
    run = tmp_path_factory.mktemp("fed-et") / "run"
    s = FedSettings.from_config(_settings(run))
    node_cache.artifact_for(s, 0, s.crop, s.batch)
    return run


def _train(settings: dict, partition: int, arrays: ArrayRecord) -> Message:
    from edgenst.federated.client_app import train_fn

    ctx = Context(run_id=1, node_id=10 + partition, node_config={"partition-id": partition, "num-partitions": 2},
                  state=RecordDict(), run_config={})
    msg = Message(RecordDict({"arrays": arrays, "config": ConfigRecord({"server-round": 1})}),
                  dst_node_id=10 + partition, message_type=MessageType.TRAIN)
    return train_fn(settings)(msg, ctx)


def _global(settings: dict) -> tuple[ArrayRecord, list[str]]:
    from edgenst.federated.task import start_model, to_arrays

    spec = start_model(FedSettings.from_config(settings))
    return to_arrays(spec.model, spec.names), spec.names


def _eager_sgd(settings: dict, partition: int, steps: int, start: ArrayRecord | None = None) -> dict[str, np.ndarray]:
    """What the executorch phone must return: ``steps`` of plain SGD in eager PyTorch on the same
    batches (``draw_batch`` with the phone's round seed), gradients from ``T.eager_step``, from the
    start model or from ``start``'s tensors."""
    from edgenst.distill.data import PhotoPool, draw_batch
    from edgenst.federated.client_app import round_seed
    from edgenst.federated.task import load_arrays, partition_for, to_arrays

    s = FedSettings.from_config(settings)
    spec = node_cache.model_for(s)
    model = spec.model
    if start is not None:
        load_arrays(model, start, spec.names)
    config = etc.training_config(s, 0, s.crop, s.batch)
    loss = T.build_loss(config)
    objective = node_cache.objective_for(s, spec)
    grams = {k: objective.bank.grams[k][0:1] for k in T.gram_keys(config)}
    pool = PhotoPool(partition_for(s, partition, 2), s.crop)
    for step in range(steps):
        b = draw_batch(pool, round_seed(s.seed, partition, 1), step, s.batch, 1)
        grads = T.eager_step(model, loss, config, b.photos, grams)["grads"]
        params = {}
        affines = dict(T._affines(model))
        slots = {T._slot(n): n for n in affines}
        for name, g in grads.items():
            _, slot, attr = name.split(".")
            params[name] = getattr(affines[slots[slot]], attr)[:, 0:1] - s.executorch_lr * g
        T.load_trained(model, 0, params)
    return {k: v.numpy() for k, v in to_arrays(model, spec.names).items()}


# --- settings ------------------------------------------------------------------------------------


def test_client_runtime_setting_parses_fractions_and_partitions() -> None:
    assert etc.parse_client_runtime("pytorch") == (0.0, None)
    assert etc.parse_client_runtime("executorch") == (1.0, None)
    assert etc.parse_client_runtime("executorch:0.5") == (0.5, None)
    assert etc.parse_client_runtime("executorch:0,2") == (0.0, frozenset({0, 2}))
    assert [etc.phone_runtime("executorch:0.5", p) for p in range(4)] == ["pytorch", "executorch"] * 2
    assert [etc.phone_runtime("executorch:0,2", p) for p in range(4)] == ["executorch", "pytorch"] * 2
    assert {etc.phone_runtime("pytorch", p) for p in range(5)} == {"pytorch"}
    assert {etc.phone_runtime("executorch", p) for p in range(5)} == {"executorch"}
    assert sum(etc.phone_runtime("executorch:0.3", p) == "executorch" for p in range(10)) == 3
    for bad in ("tflite", "executorch:", "executorch:1.5", "executorch:a,b", "executorch:-1", "pytorch:0.5"):
        with pytest.raises(InputError, match="client-runtime"):
            etc.parse_client_runtime(bad)


def test_settings_refuse_what_the_artifact_cannot_train(tmp_path: Path) -> None:
    assert FedSettings().client_runtime == "pytorch"  # the default leaves every run as it was
    with pytest.raises(InputError, match="train=style or mode=new-style"):
        FedSettings.from_config({"client-runtime": "executorch"})  # default train=style+head
    with pytest.raises(InputError, match="FedProx"):
        FedSettings.from_config({"client-runtime": "executorch:0.5", "train": "style", "strategy": "fedprox"})
    with pytest.raises(InputError, match="client-runtime"):
        FedSettings.from_config({"client-runtime": "coreml"})
    FedSettings.from_config({"client-runtime": "pytorch", "train": "style+head"})  # all-PyTorch: any train
    FedSettings.from_config({"client-runtime": "executorch:0.5", "train": "style"})


def test_client_optimizer_and_clip_settings(tmp_path: Path) -> None:
    """adam (default: runs as before) or sgd; with sgd an executorch phone steps at ``lr``."""
    s = FedSettings()
    assert (s.client_optimizer, s.clip_grad_norm) == ("adam", 10.0)
    assert etc.executorch_sgd_lr(s) == s.executorch_lr == 0.05  # adam runs: the runtime's own rate
    sgd = FedSettings.from_config({"client-optimizer": "sgd", "lr": "0.03", "clip-grad-norm": "0"})
    assert (sgd.client_optimizer, sgd.lr, sgd.clip_grad_norm) == ("sgd", 0.03, 0.0)
    assert etc.executorch_sgd_lr(sgd) == 0.03 and etc.executorch_sgd_lr(sgd, 0.01) == 0.01
    # FedProx keeps working with sgd on PyTorch phones (its term is added to the gradient) ...
    FedSettings.from_config({"client-optimizer": "sgd", "strategy": "fedprox"})
    with pytest.raises(InputError, match="FedProx"):  # ... and stays refused where a phone runs the artifact
        FedSettings.from_config({"client-optimizer": "sgd", "strategy": "fedprox", "train": "style",
                                 "client-runtime": "executorch"})
    with pytest.raises(InputError, match="client-optimizer must be one of adam, sgd"):
        FedSettings.from_config({"client-optimizer": "rmsprop"})
    for bad in (-1, float("inf"), "ten"):
        with pytest.raises(InputError, match="clip-grad-norm"):
            FedSettings.from_config({"clip-grad-norm": bad})


@pytest.mark.parametrize("argv, match", [
    (["--client-optimizer", "sgd", "--set", "clip-grad-norm=-1"], "bad setting clip-grad-norm=-1.0"),
    (["--set", "client-optimizer=momentum"], "client-optimizer must be one of adam, sgd, got 'momentum'"),
])
def test_cli_bad_optimizer_settings_exit_2_with_one_line(tmp_path: Path, capsys, argv: list[str], match: str) -> None:
    from edgenst.cli.main import main

    assert main(["federate", "--out", str(tmp_path / "r"), *argv]) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1, err


# --- the client ----------------------------------------------------------------------------------


@pytest.mark.parametrize("steps", [1, 2])
def test_mixed_run_clients_return_the_same_tensors_and_executorch_matches_eager_sgd(run: Path, steps: int) -> None:
    """Partition 0 trains in PyTorch, partition 1 in the artifact: the same names, order, shapes and
    dtypes come back; the artifact's values equal ``steps`` eager SGD steps on the same batches (so
    each step started from the program's own values: nothing is carried in Python between steps)."""
    s = _settings(run, **{"local-steps": steps})
    arrays, names = _global(s)
    before = node_cache.BUILDS["artifact"]
    replies = {p: _train(s, p, arrays) for p in (0, 1)}
    assert node_cache.BUILDS["artifact"] == before  # exported once per node, then reused
    out = {p: r.content.array_records["arrays"] for p, r in replies.items()}
    for p in (0, 1):
        assert list(out[p]) == names
        assert [tuple(a.shape) for a in out[p].values()] == [tuple(a.shape) for a in arrays.values()]
        assert [a.dtype for a in out[p].values()] == [a.dtype for a in arrays.values()]
        assert int(replies[p].content.metric_records["metrics"]["local-steps"]) == steps
    got = {k: v.numpy() for k, v in out[1].items()}
    want = _eager_sgd(s, 1, steps)
    start = {k: v.numpy() for k, v in arrays.items()}
    moved = max(float(np.abs(want[k] - start[k]).max()) for k in names)
    assert moved > 1e-4  # the steps did something the comparison can see
    for k in names:
        scale = float(np.abs(want[k] - start[k]).max()) or 1.0
        assert float(np.abs(got[k] - want[k]).max()) <= 1e-3 * scale + 1e-6, k


#: Like for like (``client-optimizer=sgd``, no clipping): a PyTorch phone and an executorch phone
#: given the same global tensors and batches return tensors equal to this fraction of how far the
#: tensors moved (float32, portable kernels against eager's, different summation orders).
LIKE_FOR_LIKE_RTOL = 1e-3


@pytest.mark.parametrize("steps", [1, 2])
def test_sgd_pytorch_phone_equals_the_executorch_phone_on_the_same_batches(run: Path, steps: int) -> None:
    """The same partition (same photos, same round seed) as a PyTorch phone with ``client-optimizer=sgd``
    and as an executorch phone: one rate (``lr``) for both, and the replies agree. With the app's Adam
    (or at a rate other than the artifact's) the PyTorch phone's tensors land elsewhere."""
    common = {"local-steps": steps, "client-optimizer": "sgd", "lr": 0.05, "clip-grad-norm": 0.0,
              "executorch-lr": 0.5}  # ignored with sgd: both kinds step at lr
    et = _settings(run, **common)  # partition 1 is the executorch phone
    pt = _settings(run, **common, **{"client-runtime": "pytorch"})
    arrays, names = _global(et)
    start = {k: v.numpy() for k, v in arrays.items()}
    replies = {kind: _train(s, 1, arrays) for kind, s in (("executorch", et), ("pytorch", pt))}
    got = {kind: {k: v.numpy() for k, v in r.content.array_records["arrays"].items()} for kind, r in replies.items()}
    assert list(got["pytorch"]) == list(got["executorch"]) == names
    moved = max(float(np.abs(got["pytorch"][k] - start[k]).max()) for k in names)
    assert moved > 1e-4  # the steps did something the comparison can see
    for k in names:
        diff = float(np.abs(got["executorch"][k] - got["pytorch"][k]).max())
        assert diff <= LIKE_FOR_LIKE_RTOL * moved + 1e-6, (k, diff, moved)


def _local(run: Path, *, steps: int, mu: float = 0.0, optimizer: str = "sgd", clip: float = 0.0) -> dict[str, np.ndarray]:
    """The PyTorch phone's ``local_train`` from the start model on partition 0's photos."""
    from edgenst.distill.data import PhotoPool
    from edgenst.federated.task import local_train, partition_for, to_arrays

    s = FedSettings.from_config(_settings(run, **{"client-runtime": "pytorch"}))
    spec = node_cache.model_for(s)  # reset to the start model
    pool = PhotoPool(partition_for(s, 0, 2), s.crop)
    if steps:  # 0: the start model
        local_train(spec.model, node_cache.objective_for(s, spec), pool, spec, steps=steps, batch=1, lr=0.05, seed=7,
                    train="style", proximal_mu=mu, optimizer=optimizer, clip=clip)
    return {k: v.numpy() for k, v in to_arrays(spec.model, spec.names).items()}


def test_fedprox_with_sgd_adds_the_proximal_pull_to_the_second_step(run: Path) -> None:
    """Step 1 starts at the global tensors (no pull); step 2's gradient gains mu (p1 - p0), so with
    plain SGD p2(mu) = p2(0) - lr mu (p1 - p0) exactly (up to float rounding)."""
    p0 = _local(run, steps=0)
    p1 = _local(run, steps=1)
    free, prox = _local(run, steps=2), _local(run, steps=2, mu=0.5)
    for k in p0:
        pull = 0.05 * 0.5 * (p1[k] - p0[k])
        assert np.allclose(prox[k], free[k] - pull, rtol=0, atol=1e-6), k
    assert max(float(np.abs(prox[k] - free[k]).max()) for k in p0) > 1e-4


def test_clip_grad_norm_bounds_a_sgd_step_and_zero_turns_it_off(run: Path) -> None:
    p0 = _local(run, steps=0)

    def step_norm(p: dict[str, np.ndarray]) -> float:
        return float(np.sqrt(sum(float(((p[k] - p0[k]) ** 2).sum()) for k in p0)))

    free = step_norm(_local(run, steps=1, clip=0.0))
    assert free > 0.05 * 1e-2 * 10  # the unclipped step is far longer than a clipped one
    assert step_norm(_local(run, steps=1, clip=1e-2)) == pytest.approx(0.05 * 1e-2, rel=1e-3)
    # the setting reaches the PyTorch phone of the app
    s = _settings(run, **{"client-runtime": "pytorch", "client-optimizer": "sgd", "lr": 0.05, "clip-grad-norm": 0.01})
    arrays, _ = _global(s)
    p0 = {k: v.numpy() for k, v in arrays.items()}
    reply = _train(s, 0, arrays).content.array_records["arrays"]
    assert step_norm({k: v.numpy() for k, v in reply.items()}) == pytest.approx(0.05 * 1e-2, rel=1e-3)


def test_the_budget_plan_keeps_the_rounds_global_tensors(run: Path) -> None:
    """The production app plans an executorch phone's steps from the artifact's measured step (no
    ``local-steps``): measuring must not reset the global tensors the round started from."""
    s = _settings(run, **{"local-steps": 0, "time-budget": 1e-9, "max-local-steps": 1})
    arrays, names = _global(s)
    moved = ArrayRecord({k: v.__class__(v.numpy() * 1.05) for k, v in arrays.items()})
    reply = _train(s, 1, moved)
    assert int(reply.content.metric_records["metrics"]["local-steps"]) == 1
    got = {k: v.numpy() for k, v in reply.content.array_records["arrays"].items()}
    want = _eager_sgd(s, 1, 1, start=moved)
    for k in names:
        assert np.allclose(got[k], want[k], rtol=0, atol=1e-5), k


def test_mixed_run_aggregates_through_the_server(run: Path) -> None:
    """A whole (inline) round with one phone of each kind: both updates are accepted and averaged."""
    from edgenst.federated.server_app import run_server
    from tests.test_federated import InlineGrid

    s = _settings(run, **{"run-dir": str(run.parent / "inline"), "photos": "synthetic:16"})
    from edgenst.federated.client_app import make_client_app

    history = run_server(InlineGrid(make_client_app(s), 2), FedSettings.from_config(s))
    assert history[-1]["participants"] == 2 and history[-1]["rejected"] == 0
    assert math.isfinite(history[-1]["eval_total"])


def test_executorch_phone_budget_uses_the_measured_step(run: Path) -> None:
    from edgenst.federated.client_app import reference_step_seconds
    from edgenst.federated.profiles import TIERS, compute_seconds, plan_round

    s = FedSettings.from_config(_settings(run))
    measured = node_cache.artifact_for(s, 0, 32, 1).step_seconds
    assert measured > 0 and reference_step_seconds(s, 1, 32, 1) == measured
    assert reference_step_seconds(s, 0, 32, 1) is None  # the PyTorch phone keeps the compute model
    low = TIERS["low"]
    kw = dict(partition_id=1, seed=0, server_round=1, crop=32, batch=1, time_budget=100 * measured, max_steps=10**6)
    for _ in range(20):  # a round the low tier takes part in
        plan = plan_round(low, 1.0, **kw, ref_step_seconds=lambda c, b: measured)
        if plan.participate:
            break
        kw["server_round"] += 1
    assert plan.steps == int(100 * measured / (measured / low.speed))
    assert compute_seconds(low, plan) == pytest.approx(plan.steps * measured / low.speed * plan.slowdown)
    assert plan_round(low, 1.0, **kw).steps != plan.steps  # the compute model gives another count


# --- a broken artifact ---------------------------------------------------------------------------


def _copy_artifact(run: Path, dst: Path) -> tuple[Path, object]:
    s = FedSettings.from_config(_settings(run))
    art = node_cache.artifact_for(s, 0, 32, 1)
    dst.mkdir(parents=True, exist_ok=True)
    pte = dst / art.path.name
    shutil.copy(art.path, pte)
    shutil.copy(T.manifest_path(art.path), T.manifest_path(pte))
    return pte, art.config


def test_a_good_copy_opens(run: Path, tmp_path: Path) -> None:
    pte, config = _copy_artifact(run, tmp_path)
    art = etc.open_artifact(pte, config)
    assert art.names == T.runtime_trainable_names(art.module) and art.step_seconds > 0


@pytest.mark.parametrize("damage", ["truncated", "garbage", "scrambled", "no-manifest", "other-size"])
def test_a_broken_artifact_is_one_clear_error(run: Path, tmp_path: Path, damage: str) -> None:
    pte, config = _copy_artifact(run, tmp_path)
    data = bytearray(pte.read_bytes())
    if damage == "truncated":
        pte.write_bytes(bytes(data[: len(data) // 2]))
    elif damage == "garbage":
        pte.write_bytes(b"\0" * 64 + bytes(data[64:]))
    elif damage == "scrambled":  # a valid header over a damaged program
        gen = np.random.default_rng(0)
        data[64:4096] = gen.integers(0, 256, 4096 - 64, dtype=np.uint8).tobytes()
        pte.write_bytes(bytes(data))
    elif damage == "no-manifest":
        T.manifest_path(pte).unlink()
    elif damage == "other-size":
        from dataclasses import replace

        config = replace(config, size=64)
    with pytest.raises(InputError) as info:
        etc.open_artifact(pte, config)
    assert str(pte.name) in str(info.value) and "\n" not in str(info.value)
