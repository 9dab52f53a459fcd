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
