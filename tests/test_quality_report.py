"""benchmarks/quality_report.py's assembly: measured rows -> the table it writes, and the skip lines.

No model runs here: the rows are made up, so the test checks the bookkeeping (means, the weakest
style, which row gets the int8 PSNR and fps, the read-back check) and not the measure itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import quality_report as QR  # noqa: E402


def _rows(member: str, gains: dict[str, float], content: float) -> list[dict]:
    return [{"member": member, "style": style, "photo": photo, "gain": g + d, "content": content, "seconds": 0.01}
            for style, g in gains.items() for photo, d in (("1", -0.01), ("100007", 0.01))]


def _report(skipped: list[str] | None = None) -> QR.Report:
    refs = [{"style": s, "content": p} for s in ("udnie", "the_scream") for p in ("1", "100007")]
    rows = (_rows("teacher net", {"udnie": 0.5, "the_scream": 0.3}, 0.9)
            + _rows("V3", {"udnie": 0.45, "the_scream": 0.35}, 1.1)
            + _rows("V3 int8", {"udnie": 0.44, "the_scream": 0.36}, 1.2))
    psnr = {"V3 int8": {"photos": 24, "images": 168, "mean_db": 41.234, "worst_db": 31.5,
                        "worst_photo": "classic/newyork.jpg", "worst_setting": "style1", "per_photo_worst_db": {}}}
    latency_rows = [{"threads": 2, "size": "720x1280", "student": "reference", "model": "johnson_eager", "ms": 2400.0,
                     "fps": 1000 / 2400}]
    return QR.Report("python benchmarks/quality_report.py --refs R", refs, rows,
                     {"teacher net": "teacher", "V3": "shipped, fp32", "V3 int8": "shipped, int8 .pte"},
                     psnr, {"V3 int8": 21.64}, latency_rows, "timed", skipped or [], "load average 1 1 1")


def test_table_holds_the_measured_rows(tmp_path: Path) -> None:
    out = tmp_path / "quality.md"
    QR.write(_report(), {}, out)
    table = QR.parse_table(out.read_text())
    assert list(table) == ["teacher net", "V3", "V3 int8"]
    assert table["teacher net"][2:5] == ["0.400", "x0.900", "the_scream (0.300)"]
    assert table["V3"][2:5] == ["0.400", "x1.100", "the_scream (0.350)"]
    assert table["V3"][5:7] == ["-", "-"]  # fp32 rows have no int8 PSNR or fps
    assert table["V3 int8"][5:8] == ["41.23 / 31.50 (classic/newyork.jpg)", "21.6 (52x Johnson)", "4"]
    text = out.read_text()
    assert text.index("Command: `python benchmarks/quality_report.py --refs R`") < text.index(QR.TABLE_HEAD)
    assert "johnson_eager 2400 ms" in text and "gain 1 at content x1 by definition" in text
    assert json.loads(out.with_suffix(".json").read_text())["fps"] == {"V3 int8": 21.64}


def test_check_fails_when_the_table_is_not_the_rows(tmp_path: Path) -> None:
    out = tmp_path / "quality.md"
    QR.write(_report(), {}, out)
    out.write_text(out.read_text().replace("| V3 | shipped, fp32 | 0.400 |", "| V3 | shipped, fp32 | 0.420 |"))
    with pytest.raises(AssertionError):
        QR.check_written(out, out.with_suffix(".json"))
    QR.write(_report(), {}, out)
    out.write_text(out.read_text().replace("\n| V3 int8 |", "\n| V3 int9 |"))
    with pytest.raises(AssertionError, match="table rows"):
        QR.check_written(out, out.with_suffix(".json"))


def test_missing_member_file_becomes_a_skip_line(tmp_path: Path) -> None:
    there = tmp_path / "twin.safetensors"
    there.write_bytes(b"")
    specs = [QR.Spec.parse("QUALITY_V3=default", "shipped"), QR.Spec.parse(f"twin={there}", "scratch"),
             QR.Spec.parse(f"gone twin={tmp_path / 'gone.safetensors'}", "scratch"), QR.Spec.parse("quality_v2", "previous")]
    present, skipped = QR.split_missing(specs)
    assert [s.label for s in present] == ["QUALITY_V3", "twin", "quality_v2"]
    assert skipped == [f"scratch `gone twin` ({tmp_path / 'gone.safetensors'}: no such file)"]
    out = tmp_path / "quality.md"
    QR.write(_report(skipped), {}, out)
    assert f"- scratch `gone twin` ({tmp_path / 'gone.safetensors'}: no such file)" in out.read_text()


def test_reused_latency_reads_either_json(tmp_path: Path) -> None:
    rows = [{"threads": 2, "size": "720x1280", "student": "fast", "model": "pte_int8", "ms": 25.0, "fps": 40.0}]
    (tmp_path / "latency.json").write_text(json.dumps({"rows": rows}))
    (tmp_path / "quality.json").write_text(json.dumps({"latency_rows": rows}))
    for name in ("latency.json", "quality.json"):
        assert QR.fps_of(QR.reused_latency(tmp_path / name), "fast") == 40.0
    assert QR.fps_of(rows, "default") is None
    # latency.py names QUALITY_V3 "quality"; the report's default member is "default": the same model
    quality = [dict(rows[0], student="quality", fps=6.4)]
    assert QR.fps_of(quality, "default") == 6.4 and QR.fps_of(quality, "fast_v1") is None
    assert QR.fps_of(rows, "fast_v1") == 40.0
    with pytest.raises(SystemExit, match="no such file"):
        QR.reused_latency(tmp_path / "nope.json")
