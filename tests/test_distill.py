"""Training loop: checkpoints, exact resume (also after kill -9), add-a-style, torchrun, bad settings."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from edgenst.distill import DistillConfig, distill
from edgenst.distill import trainer as trainer_mod
from edgenst.distill.data import PhotoPool, draw_batch
from edgenst.errors import InputError
from edgenst.models.serialization import load_model
from edgenst.perceptual import LossConfig
from edgenst.teacher import TeacherConfig

TINY_TEACHER = TeacherConfig(source="random", width=8, pyramid_levels=2)


def tiny_config(**kw) -> DistillConfig:
    base = dict(
        arch="student", model={"width": 8, "blocks": 1}, styles=("texture:swirl", "texture:mosaic"),
        style_size=64, photos=("sample:chelsea", "sample:astronaut"), crop=32, batch=2, steps=6, lr=1e-2,
        loss=LossConfig(), teacher=TINY_TEACHER, checkpoint_every=2, log_every=2, photo_mode=0.3,
    )
    base.update(kw)
    return DistillConfig(**base)


def weights_of(path: Path) -> dict[str, torch.Tensor]:
    model, _ = load_model(path)
    return model.state_dict()


def assert_same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor], atol: float = 0.0) -> None:
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], atol=atol, rtol=0 if atol == 0 else 1e-4, msg=k)


def test_training_lowers_the_loss_and_writes_checkpoints(tmp_path: Path) -> None:
    res = distill(tiny_config(steps=30, photo_mode=0.0, log_every=5), tmp_path, progress=False)
    first, last = res.history[0]["total"], res.history[-1]["total"]
    assert last < 0.8 * first, (first, last)
    assert res.model_path == tmp_path / "model.safetensors"
    assert len(list(tmp_path.glob("ckpt-*.json"))) == 2  # keep_checkpoints
    record = json.loads(sorted(tmp_path.glob("ckpt-*.json"))[-1].read_text())
    assert record["step"] == 30 and record["styles"] == ["swirl", "mosaic"]
    assert len(record["data_digest"]) == 16 and record["config"]["arch"] == "student"
    _, info = load_model(res.model_path)
    assert info.styles == ["swirl", "mosaic"] and info.meta["steps"] == 30


def test_resume_after_a_crash_ends_where_an_uninterrupted_run_ends(tmp_path: Path, monkeypatch) -> None:
    config = tiny_config(steps=6)
    whole = distill(config, tmp_path / "whole", progress=False)

    real_step = trainer_mod.train_step
    calls = {"n": 0}

    def crashing_step(*a, **k):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("power cut")
        return real_step(*a, **k)

    monkeypatch.setattr(trainer_mod, "train_step", crashing_step)
    with pytest.raises(RuntimeError, match="power cut"):
        distill(config, tmp_path / "cut", progress=False)
    monkeypatch.setattr(trainer_mod, "train_step", real_step)
    assert not (tmp_path / "cut" / "model.safetensors").exists()
    resumed = distill(config, tmp_path / "cut", resume=True, progress=False)
    assert_same(weights_of(whole.model_path), weights_of(resumed.model_path))
    assert [h["step"] for h in resumed.history] == [2, 4, 6]


def test_resume_after_kill_9(tmp_path: Path) -> None:
    """A real SIGKILL of the CLI mid-run; the resumed result equals an uninterrupted run's."""
    args = ["--arch", "student", "--width", "8", "--blocks", "1", "--style", "texture:swirl",
            "--photos", "sample:chelsea", "--teacher", "random", "--pyramid-levels", "1", "--crop", "32",
            "--batch", "2", "--steps", "400", "--checkpoint-every", "5", "--style-size", "64", "--lr", "0.005"]
    env = {**os.environ, "EDGENST_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "edgenst", "-q", "--threads", "1", "distill", *args]
    cut = tmp_path / "cut"
    proc = subprocess.Popen(cmd + ["--out", str(cut)], env=env)
    deadline = time.time() + 120
    while not list(cut.glob("ckpt-*.json")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (cut / "model.safetensors").exists(), "the run finished before it could be killed"
    subprocess.run(cmd + ["--out", str(cut), "--resume"], env=env, check=True)
    subprocess.run(cmd + ["--out", str(tmp_path / "whole")], env=env, check=True)
    assert_same(weights_of(tmp_path / "whole" / "model.safetensors"), weights_of(cut / "model.safetensors"))


def test_resume_refuses_a_different_run_and_fresh_runs_refuse_a_used_folder(tmp_path: Path) -> None:
    distill(tiny_config(steps=2), tmp_path, progress=False)
    with pytest.raises(InputError, match="already holds checkpoints"):
        distill(tiny_config(steps=2), tmp_path, progress=False)
    with pytest.raises(InputError, match="settings differ: lr"):
        distill(tiny_config(steps=4, lr=0.5), tmp_path, resume=True, progress=False)
    # a longer step budget is the same run, continued
    res = distill(tiny_config(steps=4), tmp_path, resume=True, progress=False)
    assert res.history[-1]["step"] == 4


def test_damaged_latest_checkpoint_falls_back_to_the_previous_one(tmp_path: Path, caplog) -> None:
    config = tiny_config(steps=4)
    whole = distill(config, tmp_path / "whole", progress=False)
    run = tmp_path / "run"
    distill(replace(config, steps=4), run, progress=False)
    (run / "model.safetensors").unlink()
    latest = run / "ckpt-0000004.safetensors"
    latest.write_bytes(latest.read_bytes()[:100])  # truncated mid-write
    res = distill(config, run, resume=True, progress=False)
    assert "skipping damaged checkpoint ckpt-0000004.json" in caplog.text
    assert_same(weights_of(whole.model_path), weights_of(res.model_path))


def test_add_a_style_trains_only_that_style(tmp_path: Path) -> None:
    base = distill(tiny_config(steps=2), tmp_path / "base", progress=False)
    cfg = tiny_config(steps=4, styles=("texture:stripes",), init_from=str(base.model_path), train="style")
    grown = distill(cfg, tmp_path / "grown", progress=False)
    before, after = weights_of(base.model_path), weights_of(grown.model_path)
    _, info = load_model(grown.model_path)
    assert info.styles == ["swirl", "mosaic", "stripes"]
    changed_new = False
    for name, old in before.items():
        new = after[name]
        if name.endswith((".scale", ".shift")):
            torch.testing.assert_close(new[:, :2], old, rtol=0, atol=0, msg=name)
            changed_new |= not torch.equal(new[:, 2], old.mean(dim=1))
        else:
            torch.testing.assert_close(new, old, rtol=0, atol=0, msg=name)
    assert changed_new, "the new style's parameters did not learn"


def test_cli_train_style_retrains_one_existing_style_only(tmp_path: Path) -> None:
    from edgenst.cli.main import main

    base = distill(tiny_config(steps=2), tmp_path / "base", progress=False)
    common = ["-q", "--threads", "1", "distill", "--init-from", str(base.model_path), "--style", "texture:swirl",
              "--style", "texture:mosaic", "--photos", "sample:chelsea", "--teacher", "random", "--pyramid-levels", "2",
              "--crop", "32", "--batch", "2", "--style-size", "64", "--lr", "0.01", "--train", "style"]
    assert main([*common, "--train-style", "mosaic", "--steps", "3", "--out", str(tmp_path / "m")]) == 0
    before, after = weights_of(base.model_path), weights_of(tmp_path / "m" / "model.safetensors")
    changed = False
    for name, old in before.items():
        new = after[name]
        if name.endswith((".scale", ".shift")):  # (channels, styles, 1, 1): swirl is style 0, mosaic 1
            torch.testing.assert_close(new[:, 0], old[:, 0], rtol=0, atol=0, msg=name)
            changed |= not torch.equal(new[:, 1], old[:, 1])
        else:
            torch.testing.assert_close(new, old, rtol=0, atol=0, msg=name)
    assert changed, "mosaic's parameters did not learn"
    assert main([*common, "--train-style", "stripes", "--out", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()


def test_model_files_record_total_training_steps_across_init_from(tmp_path: Path) -> None:
    from edgenst.distill.trainer import total_training_steps

    first = distill(tiny_config(steps=2), tmp_path / "a", progress=False).model_path
    second = distill(tiny_config(steps=3, init_from=str(first)), tmp_path / "b", progress=False).model_path
    assert total_training_steps(load_model(first)[1].meta) == 2
    meta = load_model(second)[1].meta
    assert meta["steps"] == 3 and total_training_steps(meta) == 5
    assert total_training_steps({"steps": 3}) is None  # an older file: unknown, not guessed


def test_add_a_style_refuses_a_name_it_already_has(tmp_path: Path) -> None:
    base = distill(tiny_config(steps=1), tmp_path / "base", progress=False)
    with pytest.raises(InputError, match="already has style"):
        distill(tiny_config(styles=("texture:swirl",), init_from=str(base.model_path)), tmp_path / "x", progress=False)


def test_student_distils_from_a_teacher_network(tmp_path: Path) -> None:
    teacher = distill(tiny_config(arch="teacher-net", model={"width": 4, "blocks": 1}, steps=2), tmp_path / "t", progress=False)
    res = distill(tiny_config(steps=4, teacher_net=str(teacher.model_path), photo_mode=0.0), tmp_path / "s", progress=False)
    assert {"pixel", "match"} <= set(res.history[-1])
    wrong = tiny_config(styles=("texture:mosaic", "texture:swirl"), teacher_net=str(teacher.model_path))
    with pytest.raises(InputError, match="needs a teacher-net with styles"):
        distill(wrong, tmp_path / "w", progress=False)


def test_batches_are_a_function_of_seed_and_step_and_split_across_ranks() -> None:
    pool = PhotoPool(["sample:chelsea", "sample:coffee"], 32)
    a = draw_batch(pool, 0, 7, 4, 3)
    b = draw_batch(pool, 0, 7, 4, 3)
    torch.testing.assert_close(a.photos, b.photos, rtol=0, atol=0)
    assert not torch.equal(a.photos, draw_batch(pool, 0, 8, 4, 3).photos)
    halves = [draw_batch(pool, 0, 7, 4, 3, rank=r, world=2) for r in (0, 1)]
    torch.testing.assert_close(torch.cat([h.photos for h in halves]), a.photos, rtol=0, atol=0)
    assert a.photos.shape == (4, 3, 32, 32) and a.style_weights.sum(1).eq(1).all()
    only = draw_batch(pool, 0, 7, 8, 3, train_styles=[2])
    assert only.style_weights[:, 2].eq(1).all()


def test_torchrun_two_processes_match_one(tmp_path: Path) -> None:
    """gloo data parallel: 2 processes with half a batch each follow the 1-process run."""
    args = ["--arch", "student", "--width", "8", "--blocks", "1", "--style", "texture:swirl", "--style",
            "texture:mosaic", "--photos", "sample:chelsea", "--photos", "sample:coffee", "--teacher", "random",
            "--pyramid-levels", "1", "--crop", "32", "--batch", "4", "--steps", "3", "--style-size", "64",
            "--photo-mode", "0"]
    env = {**os.environ, "EDGENST_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    two = tmp_path / "two"
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                    "-m", "edgenst", "-q", "--threads", "1", "distill", *args, "--out", str(two)],
                   env=env, check=True, timeout=240)
    one = tmp_path / "one"
    subprocess.run([sys.executable, "-m", "edgenst", "-q", "--threads", "1", "distill", *args, "--out", str(one)],
                   env=env, check=True, timeout=240)
    record = json.loads(sorted(two.glob("ckpt-*.json"))[-1].read_text())
    assert record["world_size"] == 2
    _, info = load_model(two / "model.safetensors")
    sums = info.meta["rank_checksums"]
    assert len(sums) == 2 and sums[0] == sums[1]  # both ranks ended with the same weights
    assert_same(weights_of(one / "model.safetensors"), weights_of(two / "model.safetensors"), atol=1e-4)


@pytest.mark.parametrize("bad", [dict(crop=30), dict(batch=0), dict(lr=0), dict(arch="resnet"), dict(train="some"),
                                 dict(photo_mode=1.0), dict(model={"styles": 3})])
def test_bad_settings_are_refused(bad) -> None:
    with pytest.raises(InputError):
        tiny_config(**bad)


def test_style_balance_weights_each_style_in_the_objective() -> None:
    from edgenst.distill.objective import StyleBank
    from edgenst.perceptual import PerceptualLoss
    from edgenst.teacher import build_teacher

    loss = PerceptualLoss(build_teacher(TINY_TEACHER, LossConfig().all_layers), LossConfig())
    styles = [torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)]
    out, photos = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    one_hot = torch.eye(2)  # sample 0 has style 0, sample 1 style 1

    def style_term(balance):
        target = StyleBank(loss, styles, balance).targets(one_hot)
        return float(loss(out, loss.content_targets(photos), [target]).style)

    s0 = style_term(())
    per = [style_term((1.0, 0.0 + 1e-9)), style_term((1e-9, 1.0))]  # each sample's share alone
    assert per[0] + per[1] == pytest.approx(s0, rel=1e-5)
    assert style_term((3.0, 1.0)) == pytest.approx(3 * per[0] + per[1], rel=1e-5)
    with pytest.raises(InputError):
        StyleBank(loss, styles, (1.0,))
    with pytest.raises(InputError):
        tiny_config(style_balance=(1.0, 0.0))


def test_cli_style_balance_maps_names_to_the_style_order() -> None:
    from edgenst.cli.main import build_parser
    from edgenst.cli.distill import config_from_args

    base = ["distill", "--out", "x", "--style", "texture:swirl", "--style", "texture:mosaic", "--photos", "sample:chelsea"]
    args = build_parser().parse_args(base + ["--style-balance", "mosaic=1.5"])
    assert config_from_args(args).style_balance == (1.0, 1.5)
    for bad in ("nope=2", "mosaic", "mosaic=-1", "mosaic=abc"):
        with pytest.raises(InputError):
            config_from_args(build_parser().parse_args(base + ["--style-balance", bad]))


def test_cli_style_layer_weights_reach_the_loss_config() -> None:
    from edgenst.cli.main import build_parser
    from edgenst.cli.distill import config_from_args

    base = ["distill", "--out", "x", "--style", "texture:swirl", "--photos", "sample:chelsea"]
    cfg = config_from_args(build_parser().parse_args(base + ["--style-layer-weights", "0.85,0.1,0.05"]))
    assert cfg.loss.style_layer_weights == (0.85, 0.1, 0.05)
    assert cfg.loss.layer_weights["relu1_1"] == pytest.approx(0.85)
    assert config_from_args(build_parser().parse_args(base)).loss.style_layer_weights is None
    gram = config_from_args(build_parser().parse_args(base + ["--style-layer-weights", "gram"])).loss
    assert gram.layer_weighting == "gram" and gram.style_layer_weights is None
    for bad in ("a,b,c", "1,1", "-1,1,1"):
        with pytest.raises(InputError):
            config_from_args(build_parser().parse_args(base + [f"--style-layer-weights={bad}"]))


def test_loss_net_flags_and_their_older_teacher_spelling_give_the_same_config() -> None:
    from edgenst.cli.main import build_parser
    from edgenst.cli.distill import config_from_args

    base = ["distill", "--out", "x", "--style", "texture:swirl", "--photos", "sample:chelsea"]
    new = config_from_args(build_parser().parse_args(base + ["--loss-net", "random", "--loss-net-weights", "w.pth"]))
    old = config_from_args(build_parser().parse_args(base + ["--teacher", "random", "--teacher-weights", "w.pth"]))
    assert new.teacher == old.teacher
    assert new.teacher.source == "random" and new.teacher.weights == "w.pth"


def test_config_round_trips_through_json() -> None:
    config = tiny_config(train_styles=(1,), style_balance=(1.0, 2.0))
    again = DistillConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config


def test_checkpoints_from_an_older_edgenst_without_provenance_keys_still_resume(tmp_path: Path) -> None:
    distill(tiny_config(steps=2), tmp_path, progress=False)
    latest = sorted(tmp_path.glob("ckpt-*.json"))[-1]
    record = json.loads(latest.read_text())
    for key in ("teacher_sha256", "teacher_net_sha256", "init_from_sha256"):
        record.pop(key)
    for where in (record["config"], record["identity"]):  # a setting added since
        where["weights"].pop("photo")
    latest.write_text(json.dumps(record))
    res = distill(tiny_config(steps=3), tmp_path, resume=True, progress=False)
    assert res.history[-1]["step"] == 3


def test_unreadable_training_photos_are_skipped_and_none_usable_is_an_error(tmp_path: Path) -> None:
    from edgenst.io import save_image

    save_image(torch.rand(1, 3, 48, 64), tmp_path / "good.png")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    pool = PhotoPool([str(tmp_path)], 32)
    assert len(pool) == 1 and pool.skipped == [str(tmp_path / "broken.jpg")]
    only_bad = tmp_path / "bad"
    only_bad.mkdir()
    (only_bad / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    with pytest.raises(InputError, match="none of the 1 training photos could be used"):
        PhotoPool([str(only_bad)], 32)


def test_a_style_name_without_a_style_folder_says_which_variable_is_missing(tmp_path: Path, monkeypatch) -> None:
    """A resumed run reads its style names back from the checkpoint; a shell without
    EDGENST_STYLE_DIR got only "starry_night: no such file"."""
    from edgenst.distill.data import load_style_images

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EDGENST_STYLE_DIR", raising=False)
    with pytest.raises(InputError, match="EDGENST_STYLE_DIR is not set"):
        load_style_images(["starry_night"], 64)
    (tmp_path / "styles").mkdir()
    from PIL import Image

    Image.new("RGB", (80, 60), (200, 10, 10)).save(tmp_path / "styles" / "starry_night.png")
    monkeypatch.setenv("EDGENST_STYLE_DIR", str(tmp_path / "styles"))
    (img,) = load_style_images(["starry_night"], 64)
    assert tuple(img.shape[-2:]) == (48, 64)
