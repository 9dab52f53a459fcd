"""Shared test fixtures. Tests run offline and without ../shared unless marked ``shared_data``."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NORMALISED_VGG = SHARED_DATA / "teachers" / "vgg19_normalised" / "vgg_normalised_conv3_1.pth"


@pytest.fixture(autouse=True)
def _offline_and_seeded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDGENST_OFFLINE", "1")
    torch.manual_seed(0)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if NORMALISED_VGG.is_file():
        return
    skip = pytest.mark.skip(reason=f"needs the real teacher weights and photos in {SHARED_DATA} (absent here)")
    for item in items:
        if "shared_data" in item.keywords:
            item.add_marker(skip)


def tiny_trained_like_student(styles: int = 2) -> torch.nn.Module:
    """A tiny student with every parameter distinct, like a trained one (a fresh one has equal
    per-style vectors, which exporters may merge into one constant)."""
    from edgenst.models import build_model

    torch.manual_seed(0)
    m = build_model("student", {"styles": styles, "width": 8, "blocks": 1})
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return m.eval()
