"""The README's table of shipped students matches the weights that ship: every enum member is listed,
with its aliases, file size, parameter count (counted in the loaded model) and GMAC (the member's
measured ``meta``), so a new member or a retrained file cannot leave the README behind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from edgenst.pretrained import StudentWeights, get_weights

README = Path(__file__).resolve().parents[1] / "README.md"


def _model_table() -> dict[str, list[str]]:
    """Rows of the table whose first column is a member name, keyed by that name."""
    rows = {}
    table = README.read_text().split("| member |", 1)[1].split("\n\n", 1)[0]  # the model table only
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        match = re.fullmatch(r"`([A-Z0-9_]+)`(?: \((.*)\))?", cells[0]) if line.startswith("| `") else None
        if match and match.group(1) in StudentWeights.__members__:
            rows[match.group(1)] = cells
    return rows


def _members() -> list[StudentWeights]:
    return list(StudentWeights)  # aliases (DEFAULT) are not separate members


def test_every_shipped_member_is_in_the_table():
    assert set(_model_table()) == {m.name for m in _members()}


def _kilo(text: str) -> float:
    return float(text.rstrip("k")) * 1000


@pytest.mark.parametrize("member", _members(), ids=lambda m: m.name)
def test_table_row_matches_the_weights(member):
    row = _model_table()[member.name]
    header = [c.strip() for c in README.read_text().split("| member |", 1)[1].split("\n", 1)[0].strip("|").split("|")]
    cols = dict(zip(["member", *header], row))
    aliases = re.findall(r"`([a-z0-9_]+)`", cols["member"].split(" ", 1)[1]) if " " in cols["member"] else []
    for alias in aliases:
        assert get_weights(alias) is member, alias
    model, _ = member.load()
    params = sum(p.numel() for p in model.parameters())
    assert params == member.value.meta["params"]
    assert abs(_kilo(cols["parameters"]) - params) <= 50, (cols["parameters"], params)
    assert float(cols["GMAC 256x256"]) == pytest.approx(member.value.meta["gmacs_256"], abs=0.005)
    kib = member.value.path.stat().st_size / 1024
    assert abs(float(cols["file (KiB)"]) - kib) <= 1, (cols["file (KiB)"], kib)


def test_default_is_named_in_the_intro():
    intro = README.read_text().split("## ", 1)[0]
    default = StudentWeights.DEFAULT
    params = f"{default.value.meta['params'] / 1000:.1f}k"
    assert default.name in intro and params in intro and f"{default.value.meta['gmacs_256']:.2f} GMAC" in intro
    count = ["one", "two", "three", "four", "five", "six", "seven", "eight"][len(_members()) - 1]
    assert f"{count} multi-style students" in intro.lower(), count
