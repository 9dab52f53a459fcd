"""Video: decoding/encoding round trips, the warping-error metric, and the temporal training loss.

Everything here is synthetic and small (no ../shared/data), so it runs in seconds.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from edgenst.cli.main import main
from edgenst.distill import DistillWeights
from edgenst.distill.temporal import MotionConfig, draw_view_pair, make_view_pair, random_affine, temporal_loss
from edgenst.video.temporal_metrics import measure_temporal, measure_videos
from edgenst.video.files import VideoInfo, open_frames, probe
from edgenst.video.stylize import PteStylizer, fit_plan, stylize_video

SHARED_FRAMES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "video" / "mountain_2"


def pattern(shift: float, h: int = 36, w: int = 50) -> np.ndarray:
    """A smooth colour pattern moved ``shift`` pixels to the right (a panning camera)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.empty((h, w, 3), np.uint8)
    img[..., 0] = 127 + 100 * np.sin((xx - shift) / 3.0) * np.cos(yy / 4.0)
    img[..., 1] = 127 + 100 * np.cos((xx - shift) / 5.0 + yy / 6.0)
    img[..., 2] = 90
    return img


def make_clip(path: Path, *, frames: int = 10, h: int = 36, w: int = 50, fps: int = 12, audio: bool = True) -> None:
    """A moving pattern as H.264 (4:4:4 for odd sizes) with a 440 Hz AAC tone, written with PyAV."""
    import av

    with av.open(str(path), "w") as c:
        v = c.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = w, h, "yuv444p" if (w % 2 or h % 2) else "yuv420p"
        a = c.add_stream("aac", rate=16000) if audio else None
        if a is not None:
            a.layout = "mono"
        for i in range(frames):
            f = av.VideoFrame.from_ndarray(pattern(2 * i, h, w), format="rgb24")
            f.pts = i
            c.mux(v.encode(f))
        c.mux(v.encode(None))
        if a is not None:
            n = 16000 * frames // fps
            tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / 16000) * 32767).astype(np.int16)[None]
            for s in range(0, n, 1024):
                af = av.AudioFrame.from_ndarray(tone[:, s : s + 1024], format="s16", layout="mono")
                af.sample_rate, af.pts = 16000, s
                c.mux(a.encode(af))
            c.mux(a.encode(None))


def audio_packets(path: Path) -> list[bytes]:
    import av

    with av.open(str(path)) as c:
        if not c.streams.audio:
            return []
        return [bytes(p) for p in c.demux(c.streams.audio[0]) if p.size]


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    make_clip(path)
    return path


# --- the temporal training loss --------------------------------------------------------------


def _photos(n: int = 2, size: int = 64) -> torch.Tensor:
    g = torch.Generator().manual_seed(1)
    smooth = torch.nn.functional.interpolate(torch.rand(n, 3, size // 8, size // 8, generator=g), size=(size, size),
                                             mode="bilinear", align_corners=False)
    return smooth.clamp(0, 1)


def test_temporal_loss_is_zero_for_identical_views_and_positive_for_moved_ones() -> None:
    photos = _photos()
    identity = torch.tensor([[1.0, 0, 0], [0, 1, 0]]).repeat(2, 1, 1)
    same = make_view_pair(photos, identity)
    assert torch.allclose(same.image, photos, atol=1e-6)
    assert float(temporal_loss(photos, same.image, same)) < 1e-10
    # Warping the output of view 1 is exactly what a shift-equivariant "stylizer" does: ~0 loss.
    moved = draw_view_pair(photos, seed=0, step=3, motion=MotionConfig(noise=0.0, margin=4), global_batch=2)
    assert float(temporal_loss(photos, moved.image, moved)) < 1e-10
    # A stylizer whose output ignores the motion (returns view 1's output for view 2) is penalised.
    assert float(temporal_loss(photos, photos, moved)) > 1e-4
    noisy = draw_view_pair(photos, seed=0, step=3, motion=MotionConfig(shift=0, rotate=0, zoom=0, noise=0.05, margin=4),
                           global_batch=2)
    assert float(temporal_loss(photos, noisy.image, noisy)) == pytest.approx(0.05**2, rel=0.3)


def test_view_pairs_mask_what_comes_from_outside_and_are_a_function_of_seed_and_step() -> None:
    photos = _photos(4)
    shift = torch.tensor([[1.0, 0, 16 / 64], [0, 1, 0]]).repeat(4, 1, 1)  # view 2 samples 8 px to the right
    pair = make_view_pair(photos, shift)
    assert pair.valid[..., :, -8:].sum() == 0 and pair.valid[..., :, :-9].min() == 1
    torch.testing.assert_close(pair.image[..., :, :-8], photos[..., :, 8:])
    a = draw_view_pair(photos, 0, 5, MotionConfig(margin=4), global_batch=4)
    b = draw_view_pair(photos, 0, 5, MotionConfig(margin=4), global_batch=4)
    torch.testing.assert_close(a.image, b.image)
    half = draw_view_pair(photos[2:], 0, 5, MotionConfig(margin=4), global_batch=4, rank=1)
    torch.testing.assert_close(half.image, a.image[2:])
    theta = random_affine(64, 160, 160, torch.Generator().manual_seed(0), MotionConfig())
    assert theta[:, :, 2].abs().max() <= 4 * 2 / 160 + 1e-6  # shifts stay within 4 px


class _EdgeSensitive(torch.nn.Module):
    """A zero-padded blur that records its inputs: its output near an edge depends on the padding."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 3, 5, padding=2)
        self.seen: list[tuple[int, ...]] = []

    def forward(self, x: torch.Tensor, style_weights: torch.Tensor, strength: torch.Tensor) -> torch.Tensor:
        self.seen.append(tuple(x.shape))
        return self.conv(x)


@pytest.mark.parametrize("mirror", [0, 8])
def test_mirrored_views_reach_the_model_as_inference_pads_frames(mirror: int) -> None:
    from edgenst.distill.data import Batch
    from edgenst.distill.objective import train_step
    from edgenst.inference import run_model
    from edgenst.perceptual import LossTerms

    photos = _photos(2)
    pair = draw_view_pair(photos, 0, 1, MotionConfig(noise=0.0, margin=0, mirror=mirror), global_batch=2)
    assert pair.mirror == mirror and pair.valid[..., :, :2].sum() > 0  # margin 0: the rim is in the term
    batch = Batch(photos, torch.ones(2, 1), torch.ones(2, 1), False, pair)
    model, outputs = _EdgeSensitive(), {}

    class Objective:
        weights = DistillWeights(temporal=1.0)

        def __call__(self, output, batch, view_output):
            outputs["view1"] = output.detach()
            t = temporal_loss(output, view_output, batch.view)
            return LossTerms(total=t, content=t, style=t, tv=t)

    train_step(model, Objective(), batch, torch.optim.SGD(model.parameters(), lr=0.0))
    assert model.seen == [(4, 3, 64 + 2 * mirror, 64 + 2 * mirror)]  # both views in one call, padded
    # View 1's training output is what inference makes of that photo with the same border.
    expected = run_model(model, photos[:1], torch.ones(1, 1), 1.0, border=mirror)
    torch.testing.assert_close(outputs["view1"][:1].clamp(0, 1), expected)


def test_distill_with_temporal_runs_records_the_weight_and_zero_changes_nothing(tmp_path: Path) -> None:
    from test_distill import tiny_config, weights_of

    from edgenst.distill import DistillWeights, distill

    base = tiny_config(steps=2, photo_mode=0.0, checkpoint_every=2, log_every=1)
    assert base.weights.temporal == 0.0
    off = distill(base, tmp_path / "off", progress=False)
    assert all("temporal" not in h for h in off.history)  # W = 0: no second view is even drawn

    on = replace(base, weights=DistillWeights(temporal=100.0), motion=MotionConfig(margin=4))
    res = distill(on, tmp_path / "on", progress=False)
    assert all(h["temporal"] > 0 for h in res.history)
    record = json.loads(sorted((tmp_path / "on").glob("ckpt-*.json"))[-1].read_text())
    assert record["config"]["weights"]["temporal"] == 100.0 and record["config"]["motion"]["margin"] == 4
    a, b = weights_of(off.model_path), weights_of(res.model_path)
    assert any(not torch.equal(a[k], b[k]) for k in a)


def test_the_cli_motion_flags_set_the_second_view() -> None:
    import argparse

    from edgenst.cli.distill import config_from_args, register

    p = argparse.ArgumentParser()
    register(p.add_subparsers())
    base = ["distill", "--out", "x", "--style", "texture:swirl", "--photos", "sample:coffee", "--temporal", "50"]
    default = config_from_args(p.parse_args(base))
    assert default.motion == MotionConfig()
    clean = config_from_args(p.parse_args(base + ["--motion-noise", "0", "--motion-shift", "2", "--motion-rotate", "1",
                                                  "--motion-zoom", "0.01"]))
    assert clean.motion == MotionConfig(shift=2.0, rotate=1.0, zoom=0.01, noise=0.0)
    assert clean.identity() != default.identity()  # a resumed run cannot silently change its motion
    rim = config_from_args(p.parse_args(base + ["--motion-mirror", "16", "--motion-margin", "0"]))
    assert rim.motion == MotionConfig(margin=0, mirror=16)


def test_motion_mirror_must_be_an_even_count_of_pixels() -> None:
    from edgenst.errors import InputError

    for bad in (3, -2, float("nan")):
        with pytest.raises(InputError, match="mirror"):
            MotionConfig(mirror=bad)


def test_temporal_margin_must_fit_the_crop() -> None:
    from test_distill import tiny_config

    from edgenst.distill import DistillWeights
    from edgenst.errors import InputError

    with pytest.raises(InputError, match="margin"):
        tiny_config(weights=DistillWeights(temporal=1.0))  # margin 16 of a 32 px crop


# --- reading and writing video -----------------------------------------------------------------


@pytest.mark.parametrize("ext", [".mp4", ".webm", ".mkv"])
def test_a_clip_round_trips_with_its_size_frame_rate_and_audio(clip: Path, tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"out{ext}"
    result = stylize_video(clip, out, lambda x: x, progress=False)
    assert (result.frames, result.size, result.fps, result.audio) == (10, (36, 50), 12.0, True)
    info = probe(out)
    assert (info.width, info.height, info.fps, info.audio) == (50, 36, 12, True)
    frames = [f.rgb.astype(int) for f in open_frames(out)]
    source = [f.rgb.astype(int) for f in open_frames(clip)]
    assert len(frames) == 10
    for i, f in enumerate(frames):  # a lossy codec: close to its source frame, and in order (it moves)
        own = np.abs(f - source[i]).mean()
        assert own < 4 and own < np.abs(f - source[i - 1 if i else 1]).mean() / 2, i
    if ext != ".webm":  # AAC fits mp4 and mkv: copied packet for packet, not re-encoded
        assert audio_packets(out) == audio_packets(clip)


def test_odd_sizes_folders_of_frames_and_silent_clips(tmp_path: Path) -> None:
    odd = tmp_path / "odd.mov"
    make_clip(odd, h=35, w=49, audio=False)
    frames_dir = tmp_path / "frames"
    res = stylize_video(odd, frames_dir, lambda x: 1 - x, progress=False)  # video -> PNG frames
    assert res.frames == 10 and not res.audio and len(list(frames_dir.glob("frame_*.png"))) == 10
    back = tmp_path / "back.mp4"
    res = stylize_video(frames_dir, back, lambda x: 1 - x, fps=12, progress=False)  # frames -> video
    assert probe(back).width == 49 and probe(back).height == 35 and probe(back).fps == 12
    first = next(open_frames(back)).rgb
    assert np.abs(first.astype(int) - pattern(0, 35, 49)).mean() < 6  # inverted twice


def test_the_cli_stylizes_a_video_with_the_shipped_student(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "styled.mp4"
    assert main(["-q", "stylize", str(clip), "--style", "starry_night", "-o", str(out)]) == 0
    info = probe(out)
    assert (info.width, info.height, info.audio) == (50, 36, True)
    assert sum(1 for _ in open_frames(out)) == 10
    assert main(["-q", "evaluate", str(out), "--video", str(clip)]) == 0
    summary = json.loads(out.with_suffix(".temporal.json").read_text())["summary"]
    assert summary["frames"] == 10 and summary["warping_error"] > summary["reference"] >= 0


def test_video_defaults_to_the_temporally_stable_student(clip: Path, tmp_path: Path) -> None:
    from edgenst.inference import StyleChoice, stylize
    from edgenst.pretrained import get_weights
    from edgenst.video.files import frame_to_tensor, tensor_to_frame

    out = tmp_path / "styled.mp4"
    assert main(["-q", "stylize", str(clip), "--style", "udnie", "-o", str(out)]) == 0
    got = next(open_frames(out)).rgb.astype(np.float64)
    first = frame_to_tensor(next(open_frames(clip)).rgb)

    def by(name: str) -> np.ndarray:
        model, info = get_weights(name).load()
        return tensor_to_frame(stylize(model, first, StyleChoice({"udnie": 1.0}).vector(info.styles))).astype(np.float64)

    # H.264 at this tiny size costs about 4 levels; the other model is nearly twice as far off.
    assert np.abs(got - by("stable")).mean() < 0.75 * np.abs(got - by("default")).mean()


def _bad_files(tmp_path: Path, clip: Path) -> dict[str, Path]:
    data = clip.read_bytes()
    files = {"truncated": tmp_path / "cut.mp4", "not a video": tmp_path / "text.mp4", "empty": tmp_path / "empty.mov",
             "missing": tmp_path / "missing.mp4"}
    files["truncated"].write_bytes(data[: len(data) // 2])
    files["not a video"].write_text("hello, not a video\n" * 50)
    files["empty"].write_bytes(b"")
    mkv = tmp_path / "full.mkv"
    stylize_video(clip, mkv, lambda x: x, progress=False)
    files["truncated mkv"] = tmp_path / "cut.mkv"  # Matroska decodes up to the cut: the check must notice
    files["truncated mkv"].write_bytes(mkv.read_bytes()[: int(mkv.stat().st_size * 0.6)])
    return files


def test_bad_video_files_fail_with_one_line_and_exit_code_2(clip: Path, tmp_path: Path, capsys) -> None:
    for what, path in _bad_files(tmp_path, clip).items():
        out = tmp_path / f"out-{path.stem}.mp4"
        code = main(["stylize", str(path), "--style", "udnie", "-o", str(out)])
        err = capsys.readouterr().err.strip()
        assert code == 2, (what, err)
        assert len(err.splitlines()) == 1 and str(path) in err, (what, err)
        assert not out.exists() and not list(tmp_path.glob(".out-*")), what  # no half-written output
        assert main(["evaluate", str(clip), "--video", str(path)]) == 2, what
        capsys.readouterr()


# --- the warping error -------------------------------------------------------------------------


def test_warping_error_is_zero_for_a_static_clip_and_grows_with_flicker() -> None:
    static = [pattern(0)] * 8
    m = measure_temporal(static, static)
    assert m.warping_error == 0.0 and m.flicker == 0.0 and m.valid_fraction == 1.0
    rng = np.random.default_rng(0)
    errors = []
    for amplitude in (2, 8, 24):  # a random brightness jump per frame
        flicker = [np.clip(f.astype(int) + rng.integers(-amplitude, amplitude + 1, size=3), 0, 255).astype(np.uint8)
                   for f in static]
        errors.append(measure_temporal(static, flicker).warping_error)
    assert 0 < errors[0] < errors[1] < errors[2], errors


def test_a_pure_shift_gives_near_zero_error_for_a_shift_equivariant_stylizer() -> None:
    moving = [pattern(2 * i) for i in range(8)]
    pointwise = [255 - f for f in moving]  # a per-pixel colour map commutes with any motion
    m = measure_temporal(moving, pointwise)
    assert m.valid_fraction > 0.8
    assert m.warping_error < 1e-4 and abs(m.flicker) < 1e-6
    rng = np.random.default_rng(1)
    noisy = [np.clip(f.astype(int) + rng.integers(-10, 11, size=3), 0, 255).astype(np.uint8) for f in pointwise]
    assert measure_temporal(moving, noisy).warping_error > 10 * m.warping_error


def test_metrics_refuse_videos_that_do_not_match(tmp_path: Path, clip: Path) -> None:
    from edgenst.errors import InputError

    with pytest.raises(InputError, match="frames"):
        measure_temporal([pattern(0)] * 3, [pattern(0)] * 2)
    with pytest.raises(InputError, match="one size"):
        measure_temporal([pattern(0)] * 3, [pattern(0, 20, 20)] * 3)
    assert measure_videos(clip, clip).warping_error == measure_videos(clip, clip).reference


# --- the .pte size rule --------------------------------------------------------------------------


def test_fit_plan_prefers_exact_sizes_then_the_most_kept_pixels() -> None:
    sizes = [(256, 256), (512, 512), (720, 1280)]
    assert fit_plan(720, 1280, sizes).exact
    assert fit_plan(436, 1024, sizes).size == (720, 1280) and fit_plan(436, 1024, sizes).inner == (436, 1024)
    assert fit_plan(1080, 1920, sizes).inner == (720, 1280)  # scaled down to fit
    assert fit_plan(200, 200, sizes).size == (256, 256)  # the cheapest size that holds it all
    assert fit_plan(1280, 720, sizes).size == (512, 512) or fit_plan(1280, 720, sizes).size == (720, 1280)


class _FakePte:
    """Stands in for ``runtime.PteModel`` (sizes, styles, run): the rule, not ExecuTorch, is tested."""

    def __init__(self) -> None:
        self.path, self.styles, self.sizes, self.calls = Path("fake.pte"), 2, {(64, 64): "m", (32, 96): "n"}, []

    def run(self, image: torch.Tensor, style_weights: torch.Tensor, strength: torch.Tensor) -> torch.Tensor:
        assert tuple(image.shape[-2:]) in self.sizes
        self.calls.append(tuple(image.shape[-2:]))
        return 1 - image


def test_pte_frames_of_other_sizes_are_fitted_and_come_back_at_their_own_size() -> None:
    fake = _FakePte()
    stylizer = PteStylizer(fake, torch.tensor([[1.0, 0.0]]), 1.0)
    frame = torch.rand(1, 3, 30, 90)
    out = stylizer(frame)
    assert out.shape == frame.shape and fake.calls == [(32, 96)]
    torch.testing.assert_close(out, 1 - frame)  # fits without scaling: only padding, cropped off
    assert stylizer(torch.rand(1, 3, 64, 64)).shape == (1, 3, 64, 64)


@pytest.mark.shared_data
def test_the_shipped_student_on_real_frames_is_less_stable_than_its_input() -> None:
    if not SHARED_FRAMES.is_dir():
        pytest.skip(f"needs {SHARED_FRAMES}")
    from edgenst.inference import StyleChoice
    from edgenst.pretrained import StudentWeights
    from edgenst.video.files import frame_to_tensor, tensor_to_frame
    from edgenst.video.stylize import EagerStylizer

    model, info = StudentWeights.DEFAULT.load()
    stylizer = EagerStylizer(model, StyleChoice({"udnie": 1.0}).vector(info.styles), 1.0)
    frames = [f.rgb[:192, :256] for f, _ in zip(open_frames(SHARED_FRAMES), range(5))]
    styled = [tensor_to_frame(stylizer(frame_to_tensor(f))) for f in frames]
    m = measure_temporal(frames, styled)
    assert m.warping_error > m.reference > 0 and 0.5 < m.valid_fraction <= 1


def test_make_stylizer_blends_the_named_styles_and_opens_a_pte_only_when_asked(tmp_path: Path) -> None:
    from conftest import tiny_trained_like_student
    from edgenst.errors import InputError
    from edgenst.inference import StyleChoice
    from edgenst.models.serialization import load_model, save_model
    from edgenst.video.stylize import EagerStylizer, make_stylizer

    model, info = load_model(save_model(tmp_path / "s.safetensors", tiny_trained_like_student(2), ["ink", "sea"]))
    stylizer = make_stylizer(model, info, [("sea", 3.0), ("ink", 1.0)], 0.5, tile=256)
    assert isinstance(stylizer, EagerStylizer) and stylizer.tile == 256 and stylizer.strength == 0.5
    assert torch.equal(stylizer.style_weights, StyleChoice({"sea": 3.0, "ink": 1.0}).vector(["ink", "sea"]))
    assert torch.allclose(stylizer.style_weights, torch.tensor([[0.25, 0.75]]))
    with pytest.raises(InputError, match="unknown style"):
        make_stylizer(model, info, [("fire", 1.0)], 1.0)
    with pytest.raises(InputError):  # a .pte path that is not there: the runtime says so in one line
        make_stylizer(model, info, [("ink", 1.0)], 1.0, pte=tmp_path / "missing.pte")


def _native_threads() -> int:
    return len(os.listdir("/proc/self/task"))


@pytest.mark.skipif(not Path("/proc/self/task").is_dir() or (os.cpu_count() or 1) < 2,
                    reason="counts native threads through /proc on a machine with 2+ cores")
def test_decoding_starts_no_ffmpeg_worker_threads_while_its_errors_are_captured(clip: Path) -> None:
    """PyAV's log callback takes the GIL from whichever ffmpeg thread logs an error. A decoder's
    worker thread doing so while the Python thread holding the GIL frees that decoder (an abandoned
    ``open_frames`` generator) deadlocked this suite's video tests about one run in four
    (PyAV-Org/PyAV#751). So decoding stays in the calling thread while errors are captured."""
    before = _native_threads()
    frames = open_frames(clip)
    next(frames)
    during = _native_threads()
    frames.close()
    assert during == before, f"the decoder started {during - before} native threads"


def test_overlapping_and_abandoned_decoders_leave_pyav_logging_as_they_found_it(clip: Path) -> None:
    import av.logging

    assert av.logging.get_level() is None  # PyAV's default: its Python callback is not installed
    first, second = open_frames(clip), open_frames(clip)
    next(first)
    next(second)
    assert av.logging.get_level() == av.logging.ERROR
    first.close()  # the other decoder still captures: its errors must still reach it
    assert av.logging.get_level() == av.logging.ERROR
    second.close()
    assert av.logging.get_level() is None  # no callback left that an ffmpeg thread could block in
