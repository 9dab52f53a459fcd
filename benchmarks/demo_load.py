"""Load on the demo server: N concurrent WebSocket clients on loopback for a fixed time.

    python benchmarks/demo_load.py                      # 1 then 4 clients x 15 s at 256x256
    python benchmarks/demo_load.py --clients 4 --seconds 15 --size 256x256 --model-dir exports/

The server is ``edgenst demo`` in its own process (as a person would run it), on the default
export (the cached first-start export of the shipped student) or ``--model-dir``. Each client
behaves like the page: it sends one camera-like JPEG (the sample cat, scaled as the page scales a
640x480 frame to the exported size), waits for the stylized reply, and sends the next. Reported
per run: frames per second over all clients, round-trip latency p50/p95/max, the server's own
ExecuTorch time per frame (from the reply headers), errors and busy refusals. The machine's load
average is recorded beside the numbers: on a shared machine it explains a lot.
-> benchmarks/results/demo_load.md and .json
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from websockets.asyncio.client import connect

from edgenst.demo_app.server import unpack_frame
from edgenst.samples import sample_photo

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
STYLES_CYCLE = 3  # clients use different styles, as different people would


def camera_frame(size: tuple[int, int], camera: tuple[int, int] = (480, 640)) -> bytes:
    """The sample cat as a 640x480 camera frame, scaled the way the page scales it, as JPEG q=80."""
    photo = (sample_photo("chelsea")[0].permute(1, 2, 0).numpy() * 255).astype(np.uint8)
    img = Image.fromarray(photo).resize((camera[1], camera[0]), Image.BILINEAR)
    scale = min(1.0, size[0] / camera[0], size[1] / camera[1])
    img = img.resize((max(1, round(camera[1] * scale)), max(1, round(camera[0] * scale))), Image.BILINEAR)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    return buf.getvalue()


async def client(url: str, index: int, frame: bytes, settings: dict, seconds: float) -> dict:
    rtts, infer, server, errors, busy = [], [], [], [], 0
    async with connect(url, max_size=None, open_timeout=10) as ws:
        hello = json.loads(await ws.recv())
        if hello["type"] == "busy":
            return {"rtt_ms": [], "infer_ms": [], "server_ms": [], "errors": [], "busy": 1}
        styles = settings.pop("styles")
        await ws.send(json.dumps({"type": "config", **settings, "style": styles[index % min(len(styles), STYLES_CYCLE)]}))
        ack = json.loads(await ws.recv())
        if ack["type"] != "config":
            raise RuntimeError(f"config refused: {ack}")
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            t = time.perf_counter()
            await ws.send(frame)
            reply = await ws.recv()
            if isinstance(reply, str):
                errors.append(json.loads(reply).get("message", reply))
                continue
            rtts.append((time.perf_counter() - t) * 1000)
            header, _ = unpack_frame(reply)
            infer.append(header["infer_ms"])
            server.append(header["server_ms"])
    return {"rtt_ms": rtts, "infer_ms": infer, "server_ms": server, "errors": errors, "busy": busy}


async def run_load(url: str, clients: int, seconds: float, frame: bytes, settings: dict) -> dict:
    t = time.perf_counter()
    results = await asyncio.gather(*(client(url, i, frame, dict(settings), seconds) for i in range(clients)))
    wall = time.perf_counter() - t
    rtt = [x for r in results for x in r["rtt_ms"]]
    infer = [x for r in results for x in r["infer_ms"]]
    server = [x for r in results for x in r["server_ms"]]
    pct = lambda xs, q: float(np.percentile(xs, q)) if xs else None  # noqa: E731
    return {
        "clients": clients, "seconds": seconds, "wall_s": wall, "frames": len(rtt),
        "fps_total": len(rtt) / wall, "fps_per_client": [len(r["rtt_ms"]) / wall for r in results],
        "rtt_ms": {"p50": pct(rtt, 50), "p95": pct(rtt, 95), "max": max(rtt) if rtt else None},
        "infer_ms": {"p50": pct(infer, 50), "p95": pct(infer, 95)},
        "server_ms": {"p50": pct(server, 50), "p95": pct(server, 95)},
        "errors": [e for r in results for e in r["errors"]], "busy": sum(r["busy"] for r in results),
    }


def start_server(args: argparse.Namespace, max_sessions: int) -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, "-m", "edgenst.demo_app", "--port", "0", "--max-sessions", str(max_sessions),
           "--profile", args.profile]
    cmd += ["--model-dir", str(args.model_dir)] if args.model_dir else []
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:  # the first start may export the student first (minutes, once)
        m = re.search(r"(http://[^/\s]+)/", line)
        if m:
            return proc, m.group(1)
    raise RuntimeError(f"the demo server exited with code {proc.wait()} before serving")


def info(url: str) -> dict:
    import urllib.request

    with urllib.request.urlopen(url + "/api/info", timeout=10) as r:
        return json.loads(r.read())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, action="append", help="concurrent clients per run (repeat; default 1 and 4)")
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--size", default="256x256", help="exported size to request, HEIGHTxWIDTH")
    ap.add_argument("--profile", default="mid", help="device profile (threads): low or mid")
    ap.add_argument("--model-dir", type=Path, help="an export folder (default: the demo's cached default export)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    clients = args.clients or [1, 4]
    h, _, w = args.size.partition("x")
    frame = camera_frame((int(h), int(w)))

    proc, url = start_server(args, max(clients))
    try:
        meta = info(url)
        settings = {"size": args.size, "profile": args.profile, "strength": 1.0,
                    "styles": [s["name"] for s in meta["styles"]]}
        runs = []
        for n in clients:
            load_before = os.getloadavg()
            r = asyncio.run(run_load(url.replace("http", "ws", 1) + "/ws", n, args.seconds, frame, settings))
            r["loadavg_before"], r["loadavg_after"] = load_before, os.getloadavg()
            runs.append(r)
            print(f"{n} client(s): {r['fps_total']:.1f} frames/s, round trip p50 {r['rtt_ms']['p50']:.1f} ms "
                  f"p95 {r['rtt_ms']['p95']:.1f} ms, ExecuTorch p50 {r['infer_ms']['p50']:.1f} ms, "
                  f"errors {len(r['errors'])}, busy {r['busy']}", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=20)

    result = {
        "command": "python benchmarks/demo_load.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "artifact": meta["artifact"], "runtime": meta["runtime"], "size": args.size, "profile": args.profile,
        "frame_bytes": len(frame),
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "python": platform.python_version()},
        "runs": runs,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "demo_load.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "demo_load.md").write_text(markdown(result))
    print(markdown(result))
    return 0


def markdown(r: dict) -> str:
    a = r["artifact"]
    out = [
        "# Demo server under load: concurrent WebSocket clients on loopback",
        "",
        f"Command: `{r['command'].strip()}`. Server: `edgenst demo` in its own process, "
        f"{a['file']} ({a['precision']}, sha256 {a['sha256'][:12]}, exported from `{a['source']}`) in "
        f"{r['runtime']['name']} {r['runtime']['version']} ({r['runtime']['backend']}), profile `{r['profile']}`, "
        f"{r['size']}. Each client sends a {r['frame_bytes'] / 1024:.1f} KiB camera-like JPEG, waits for the "
        "stylized JPEG and sends the next (one frame in flight, like the page). Machine: "
        f"{r['machine']['cores']} cores, shared with other work (load average in the table).",
        "",
        "| clients | seconds | frames | frames/s (all) | frames/s per client | round trip p50 / p95 / max ms "
        "| ExecuTorch p50 / p95 ms | server p50 ms | errors | busy | load avg before -> after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in r["runs"]:
        rt, inf = run["rtt_ms"], run["infer_ms"]
        per = ", ".join(f"{x:.1f}" for x in run["fps_per_client"])
        out.append(f"| {run['clients']} | {run['seconds']:g} | {run['frames']} | {run['fps_total']:.1f} | {per} | "
                   f"{rt['p50']:.1f} / {rt['p95']:.1f} / {rt['max']:.1f} | {inf['p50']:.1f} / {inf['p95']:.1f} | "
                   f"{run['server_ms']['p50']:.1f} | {len(run['errors'])} | {run['busy']} | "
                   f"{run['loadavg_before'][0]:.1f} -> {run['loadavg_after'][0]:.1f} |")
    out += ["", "Frames are stylized one at a time on the server (one ExecuTorch worker), so more clients share "
            "the same throughput and each waits longer; the server time includes JPEG decode, letterbox and "
            "encode around the ExecuTorch call.", ""]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
