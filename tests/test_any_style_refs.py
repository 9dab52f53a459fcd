"""benchmarks/any_style.py's reference handling: a subset folder for the paintings trained outright
(score.py scores a whole folder) and the licence rule that keeps unknown-licence paintings out of
the picture grid."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import any_style as A  # noqa: E402


def _refs(tmp_path: Path) -> Path:
    refs = tmp_path / "refs"
    (tmp_path / "data").mkdir()
    for name in ("a", "b"):
        (tmp_path / "data" / f"{name}.jpg").write_bytes(b"painting")
    (tmp_path / "data" / "photo.jpg").write_bytes(b"photo")
    refs.mkdir()
    for name in ("a", "b"):
        (refs / f"{name}__1.json").write_text(json.dumps(
            {"style": name, "content": "1", "photo": "../data/photo.jpg", "style_image": f"../data/{name}.jpg"}))
        (refs / f"{name}__1.png").write_bytes(b"gatys")
    return refs


def test_subset_refs_keeps_the_named_paintings_with_paths_that_still_resolve(tmp_path: Path) -> None:
    refs = A.references(_refs(tmp_path))
    folder = A.subset_refs(refs, {"b"}, tmp_path / "work" / "refs-trained")
    assert sorted(p.name for p in folder.iterdir()) == ["b__1.json", "b__1.png"]
    d = json.loads((folder / "b__1.json").read_text())
    # score.py joins the folder with these paths: they must not depend on the folder's depth
    assert Path(d["photo"]).is_absolute() and Path(d["photo"]).read_bytes() == b"photo"
    assert Path(d["style_image"]).read_bytes() == b"painting"
    assert (folder / "b__1.png").read_bytes() == b"gatys"
    again = A.subset_refs(refs, {"a"}, folder)  # a rerun replaces what was there
    assert sorted(p.name for p in again.iterdir()) == ["a__1.json", "a__1.png"]


def test_only_public_domain_paintings_count_as_showable(tmp_path: Path) -> None:
    assert A.licence_class(A.DATA / "styles" / "udnie.jpg") == "public-domain"
    assert A.licence_class(tmp_path / "not_listed_anywhere.jpg") == "unknown"
    index = A.DATA / "paintings" / "index.csv"
    if not index.is_file():
        pytest.skip("../shared/data/paintings/index.csv is not on this machine")
    assert A.licence_class(A.DATA / "paintings" / "jules_dupre_choppy_sea.jpg") == "public-domain"
    assert A.licence_class(A.DATA / "paintings" / "unknown_styleid_10.jpg") == "unknown"
