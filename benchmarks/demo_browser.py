"""On-device mode's speed: the int8 ``.pte`` in headless Chromium (the ExecuTorch WebAssembly runtime)
against the native ExecuTorch runtime, single-threaded, in the same run (issue 24).

    python benchmarks/demo_browser.py            # -> benchmarks/results/demo_browser.md and .json
    python benchmarks/demo_browser.py --runs 5   # quicker

The demo server (``BackgroundServer``) serves the demo's own artifact (``prepare_artifact``: the
shipped student, int8, default sizes; exported once into the cache). Chromium opens the page, which
loads the runtime and the ``.pte`` (first load: the page's own timing, and the navigation-to-ready
wall time), then runs the same letterboxed photo ``--runs`` times per size inside the page (the
method's ``execute`` alone, as ``edgenst.runtime`` times it). The native runtime runs the same
inputs in this process with XNNPACK at one thread. Medians; the bar: browser within 3x of native at
256x256. Both share this machine's cores with whatever else runs: the ratio is the number to read.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import shutil
import statistics
import sys
import time
from importlib import resources
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SIZES = ((256, 256), (512, 512))
BAR = 3.0


def native_ms(path: Path, image: torch.Tensor, weights: torch.Tensor, strength: torch.Tensor, runs: int) -> list[float]:
    from edgenst.demo_app.engine import _Threadpool
    from edgenst.runtime import PteModel

    with _Threadpool.lock:  # the server's engine shares the process's XNNPACK pool
        _Threadpool.ensure(1)
        model = PteModel(path)
        method = model._method(model.method_for(*image.shape[-2:]))
        inputs = [image.contiguous(), weights, strength]
        method.execute(inputs)  # warm-up
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            method.execute(inputs)
            times.append((time.perf_counter() - t0) * 1e3)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--cache-dir", default=None, help="the demo's export cache (default: the demo's own)")
    parser.add_argument("--out", default=str(RESULTS / "demo_browser.md"))
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from edgenst.demo_app.artifact import prepare_artifact
    from edgenst.demo_app.config import DemoConfig
    from edgenst.demo_app.frames import letterbox
    from edgenst.demo_app.launch import BackgroundServer
    from edgenst.samples import sample_photo

    torch.set_num_threads(1)
    artifact = prepare_artifact(cache_dir=args.cache_dir)
    chromium = next(p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p)
    runtime = resources.files("edgenst.demo_app").joinpath("web_runtime")
    sizes = {}
    for name in ("edgenst_et.wasm", "edgenst_et.js"):
        data = runtime.joinpath(name).read_bytes()
        sizes[name] = {"bytes": len(data), "gzip9_bytes": len(gzip.compress(data, 9))}

    rows, first_load = [], {}
    with BackgroundServer(artifact, DemoConfig(port=0, profile="low")) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium)
        version = browser.version
        page = browser.new_page()
        t0 = time.perf_counter()
        page.goto(server.url + "/")
        while page.evaluate("() => document.getElementById('where').dataset.mode") in (None, "pending"):
            time.sleep(0.02)
        first_load["navigation_to_ready_ms"] = round((time.perf_counter() - t0) * 1e3, 1)
        mode = page.evaluate("() => document.getElementById('where').dataset.mode")
        if mode != "device":
            raise SystemExit(f"the page did not enter on-device mode: {page.locator('#where').inner_text()}")
        first_load["page_timing_ms"] = float(page.evaluate("() => document.getElementById('where').dataset.firstLoadMs"))
        first_load["breakdown"] = page.inner_text("#where")
        styles = list(artifact.styles)
        weights = torch.zeros(1, len(styles))
        weights[0, 0] = 1.0
        strength = torch.tensor([[1.0]])
        for h, w in SIZES:
            image, _ = letterbox(sample_photo("astronaut"), (h, w))
            size = f"{h}x{w}"
            # edgenstDemo.run resolves with the method's execute time, measured in the page's worker
            browser_ms = page.evaluate("""async ([size, x, wts, s, runs]) => {
                const times = [];
                await window.edgenstDemo.run(size, x, wts, s);  // warm-up (loads the method)
                for (let i = 0; i < runs; i++) times.push((await window.edgenstDemo.run(size, x, wts, s)).ms);
                return times;
            }""", [size, image.flatten().tolist(), weights.flatten().tolist(), 1.0, args.runs])
            native = native_ms(artifact.path, image, weights, strength, args.runs)
            b, n = statistics.median(browser_ms), statistics.median(native)
            rows.append({"size": size, "browser_ms": round(b, 2), "native_ms": round(n, 2), "ratio": round(b / n, 2),
                         "browser_min_ms": round(min(browser_ms), 2), "native_min_ms": round(min(native), 2)})
            print(f"{size}: browser {b:.1f} ms, native {n:.1f} ms (x{b / n:.2f})", flush=True)
        browser.close()

    result = {"chromium": version, "runs": args.runs, "artifact": artifact.describe(), "rows": rows,
              "module": sizes, "first_load": first_load, "machine": platform.platform(),
              "python": sys.version.split()[0], "command": "python benchmarks/demo_browser.py " + " ".join(argv or sys.argv[1:])}
    out = Path(args.out)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    total_gz = sum(s["gzip9_bytes"] for s in sizes.values())
    lines = [
        "# The demo's on-device mode: int8 .pte in headless Chromium vs the native runtime",
        "",
        f"`{result['command'].strip()}` on {platform.node() or 'this machine'} ({result['machine']}), "
        f"headless Chromium {version}, {artifact.file} (sha256 {artifact.sha256[:12]}, exported from {artifact.source}). "
        f"Median of {args.runs} runs of the method's `execute` after one warm-up; both single-threaded (XNNPACK, "
        "one thread); the machine's cores were shared with other work, so read the ratio.",
        "",
        "| size | browser (wasm) ms | native ms | browser / native | bar |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        bar = f"<= {BAR:g}x: {'met' if r['ratio'] <= BAR else 'NOT met'}" if r["size"] == "256x256" else ""
        lines.append(f"| {r['size']} | {r['browser_ms']} (min {r['browser_min_ms']}) | {r['native_ms']} "
                     f"(min {r['native_min_ms']}) | {r['ratio']} | {bar} |")
    lines += ["", "| module | bytes | gzip level 9 bytes (Python gzip) |", "|---|---|---|"]
    for name, s in sizes.items():
        lines.append(f"| {name} | {s['bytes']} | {s['gzip9_bytes']} |")
    lines += [f"| total | {sum(s['bytes'] for s in sizes.values())} | {total_gz} (bar <= 1 MB: "
              f"{'met' if total_gz <= 1_000_000 else 'NOT met'}) |", "",
              f"First load (runtime + .pte download + program load, served from localhost, nothing cached): "
              f"{first_load['page_timing_ms']:.0f} ms by the page's clock; navigation to ready "
              f"{first_load['navigation_to_ready_ms']:.0f} ms.", "", f"> {first_load['breakdown']}", ""]
    out.write_text("\n".join(lines))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
