"""The demo page end to end in a real headless Chromium (Debian's package, driven by Playwright).

Chromium's fake camera (``--use-fake-device-for-media-stream``) feeds the page; the server runs the
shipped student's int8 ``.pte`` (exported once per session at one small size, see
``demo_support``). The page is used under its own Content-Security-Policy (no ``bypass_csp``), so
the checks poll with ``page.evaluate`` rather than string predicates, which that policy forbids.

The screenshot is written to ``tests/artifacts/demo_page.png`` (git-ignored). The test skips, with
the reason, when Playwright or a Chromium binary is missing; ``.ci/run`` installs both and sets
``EDGENST_REQUIRE_BROWSER=1`` so that there it fails instead.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest
from demo_support import SHIPPED_SIZE, shipped_export
from PIL import Image

from edgenst.demo_app.config import DemoConfig
from edgenst.demo_app.launch import BackgroundServer
from edgenst.samples import sample_photo

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _chromium() -> str | None:
    explicit = os.environ.get("EDGENST_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


def _cannot_run(reason: str) -> None:
    if os.environ.get("EDGENST_REQUIRE_BROWSER"):  # .ci/run sets it: there, a skip would hide a broken setup
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright import sync_api
    except ImportError:
        _cannot_run("Playwright is not installed (pip install -e '.[dev]')")
    path = _chromium()
    if path is None:
        _cannot_run("no Chromium binary found (apt-get install chromium, or set EDGENST_CHROMIUM); "
                    "Playwright's own browser downloads are not used")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=["--use-fake-device-for-media-stream",
                                                          "--use-fake-ui-for-media-stream"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    artifact = shipped_export(tmp_path_factory.getbasetemp())
    with BackgroundServer(artifact, DemoConfig(port=0, max_sessions=1, max_upload_bytes=512 * 1024)) as s:
        yield s


def _until(check: Callable[[], object], what: str, timeout: float = 20.0) -> object:
    end = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last value {value!r})")
        time.sleep(0.1)


def _output_spread(page) -> list[int]:
    """[width, height, max - min of the green channel] of the page's output canvas: a picture, not a blank."""
    return page.evaluate("""() => {
        const c = document.getElementById('output');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let lo = 255, hi = 0;
        for (let i = 0; i < d.length; i += 4) { lo = Math.min(lo, d[i + 1]); hi = Math.max(hi, d[i + 1]); }
        return [c.width, c.height, hi - lo];
    }""")


def _text(page, selector: str) -> str:
    return page.locator(selector).inner_text()


def test_camera_style_switch_and_photo_in_a_real_browser(browser, server: BackgroundServer, tmp_path: Path):
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url + "/?run=server")  # today's server mode (the default is on-device)

    # The artifact line names the int8 .pte, its sha256 and the ExecuTorch runtime.
    _until(lambda: page.evaluate("() => document.getElementById('artifact').dataset.file"), "the model info")
    line = _text(page, "#artifact")
    assert "student-int8.pte" in line and "int8" in line and server.artifact.sha256[:12] in line
    assert "ExecuTorch" in line and "XNNPACK" in line
    assert page.locator("#style option").count() == 6 and page.locator("#thumbs img").count() == 6
    assert page.locator("#size option").all_inner_texts() == [f"{SHIPPED_SIZE[0]} × {SHIPPED_SIZE[1]}"]

    # Live camera: stylized frames arrive, the FPS counter rises above zero.
    page.click("#start")
    _until(lambda: int(_text(page, "#frames")) >= 5, "five stylized frames")
    _until(lambda: float(_text(page, "#fps")) > 0, "the FPS counter above zero")
    assert _text(page, "#latency").endswith("ms") and _text(page, "#infer").endswith("ms")
    spread = _output_spread(page)
    assert spread[0] == SHIPPED_SIZE[1] - 8 and spread[2] > 30  # a 4:3 frame at 128 px, and a picture, not a blank

    # Switch the style: frames come back rendered with the new one.
    page.select_option("#style", "great_wave")
    _until(lambda: page.evaluate("() => document.getElementById('stats').dataset.style") == "great_wave",
           "frames with the new style")
    frames_before = int(_text(page, "#frames"))
    _until(lambda: int(_text(page, "#frames")) > frames_before + 2, "more frames after the switch")

    # A second visitor is told the demo is busy (one live session allowed here).
    other = browser.new_page()
    other.goto(server.url + "/?run=server")
    _until(lambda: other.evaluate("() => document.getElementById('artifact').dataset.file"), "the second page")
    other.click("#start")
    _until(lambda: "busy" in _text(other, "#status").lower(), "the busy message")
    other.close()

    # Upload a photo, get the stylized PNG back with a download link.
    photo = tmp_path / "cat.jpg"
    arr = (sample_photo("chelsea")[0].permute(1, 2, 0).numpy() * 255).astype("uint8")
    Image.fromarray(arr).save(photo, quality=90)
    page.set_input_files("#photo", str(photo))
    _until(lambda: page.evaluate("() => document.getElementById('result').naturalWidth"), "the stylized photo")
    assert page.get_attribute("#download", "href").startswith("blob:")
    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename == "stylized-great_wave.png"
    saved = tmp_path / "downloaded.png"
    download.value.save_as(saved)
    result = Image.open(saved)
    assert result.format == "PNG" and result.width > result.height  # the cat photo is landscape

    # A non-image upload: a clear error on the page, and the page keeps streaming.
    junk = tmp_path / "notes.txt"
    junk.write_text("not a picture")
    page.set_input_files("#photo", str(junk))
    _until(lambda: "not a usable image" in _text(page, "#photo-status"), "the upload error")
    frames_before = int(_text(page, "#frames"))
    _until(lambda: int(_text(page, "#frames")) > frames_before, "frames after the bad upload")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo_page.png"), full_page=True)
    page.click("#stop")
    assert errors == []
    page.close()
