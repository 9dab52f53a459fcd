"""What on-device mode downloads, over real sockets (no browser): the ``.pte`` and the web runtime.

The page fetches ``/model/<file>`` and ``/web_runtime/<file>``; both serve a fixed list of files and
sit behind the same host check, security headers and connection guard as every other route. The
committed runtime's bytes must be the ones ``demo_app/web_runtime/BUILD.md`` records.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from importlib import resources
from typing import Iterator

import httpx
import pytest
from demo_support import tiny_export

from edgenst.demo_app.artifact import open_export
from edgenst.demo_app.config import DemoConfig
from edgenst.demo_app.launch import BackgroundServer
from edgenst.demo_app.server import WEB_RUNTIME_FILES

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

WEB_RUNTIME = resources.files("edgenst.demo_app").joinpath("web_runtime")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    artifact = open_export(tiny_export(tmp_path_factory.getbasetemp()))
    with BackgroundServer(artifact, DemoConfig(port=0)) as s:
        yield s


def test_the_pte_is_served_byte_for_byte_and_nothing_else(server: BackgroundServer):
    with httpx.Client(base_url=server.url, timeout=20) as http:
        info = http.get("/api/info").json()
        assert info["on_device"]["model"] == f"/model/{server.artifact.file}"
        r = http.get(info["on_device"]["model"])
        assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
        assert hashlib.sha256(r.content).hexdigest() == server.artifact.sha256 == r.headers["x-sha256"]
        assert "default-src 'self'" in r.headers["content-security-policy"]
        # Other files of the export folder, paths and encodings of paths: 404, never a file.
        for name in ("manifest.json", "student-fp32.pte", "..%2Fmanifest.json", "%2Fetc%2Fpasswd",
                     server.artifact.file + "%00"):
            assert http.get(f"/model/{name}").status_code == 404, name
        assert http.get("/model/../api/info").status_code in (200, 404)  # normalised by the client: not a file
    r = httpx.get(server.url + f"/model/{server.artifact.file}", headers={"Host": "attacker.example"})
    assert r.status_code == 400  # the DNS-rebinding guard covers the downloads too


def test_the_web_runtime_is_served_with_its_types(server: BackgroundServer):
    with httpx.Client(base_url=server.url, timeout=20) as http:
        on_device = http.get("/api/info").json()["on_device"]
        assert on_device["available"] is True
        wasm = http.get("/web_runtime/edgenst_et.wasm")
        # the page checks its downloads against these (also over plain http://)
        assert on_device["sha256"]["edgenst_et.wasm"] == hashlib.sha256(wasm.content).hexdigest()
        assert wasm.status_code == 200 and wasm.headers["content-type"] == "application/wasm"
        assert wasm.content[:4] == b"\0asm"
        js = http.get("/web_runtime/edgenst_et.js")
        assert js.headers["content-type"].startswith("text/javascript") and b"createExecuTorch" in js.content
        for name in ("BUILD.md", "recipe", "LICENSES", "..%2Fserver.py", "edgenst_et.wasm.map", "build-record.txt"):
            assert http.get(f"/web_runtime/{name}").status_code == 404, name
        # The page may compile WebAssembly, but JavaScript eval stays forbidden.
        csp = http.get("/").headers["content-security-policy"]
        assert "'wasm-unsafe-eval'" in csp and "'unsafe-eval'" not in csp.replace("'wasm-unsafe-eval'", "")


def test_the_committed_runtime_is_what_build_md_records_and_small():
    record = WEB_RUNTIME.joinpath("BUILD.md").read_text()
    for name in WEB_RUNTIME_FILES:
        data = WEB_RUNTIME.joinpath(name).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        assert re.search(rf"`{name}`.*{digest}", record), f"{name}: sha256 {digest} is not the one BUILD.md records"
    gzipped = sum(len(gzip.compress(WEB_RUNTIME.joinpath(n).read_bytes(), 9)) for n in WEB_RUNTIME_FILES)
    assert gzipped <= 1_000_000, f"the web runtime is {gzipped} bytes gzipped, above the 1 MB bar"
    for licence in ("executorch.txt", "XNNPACK.txt"):
        assert "Redistribution and use in source and binary forms" in WEB_RUNTIME.joinpath("LICENSES", licence).read_text()
