"""``edgenst demo``: the on-device demo web app (live camera and photos through the int8 ``.pte``)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from edgenst.errors import InputError

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    from edgenst.demo_app.config import DEFAULT_PROFILE, PROFILES, DemoConfig

    d = DemoConfig()
    p = sub.add_parser(
        "demo", help="serve the on-device demo page: camera and photos stylized by the int8 .pte in ExecuTorch",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Start a local web app (loopback only unless --host says otherwise). The first start "
        "exports the shipped student to an int8 .pte (cached in $XDG_CACHE_HOME/edgenst/demo); every frame "
        "and photo is stylized by that program in the ExecuTorch runtime (XNNPACK).",
        epilog="examples:\n  edgenst demo                      # then open http://127.0.0.1:8000/\n"
        "  edgenst demo --model-dir exports/  # an existing 'edgenst export' folder\n"
        "  edgenst demo --host 0.0.0.0 --https  # a phone on the same network (accept the certificate once)",
    )
    p.add_argument("--host", default=d.host, help=f"address to listen on (default {d.host}: this machine only; "
                   "0.0.0.0 or a LAN address lets phones on the network in)")
    p.add_argument("--port", type=int, default=d.port, help=f"port (default {d.port}; 0 picks a free one)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--model-dir", metavar="DIR", help="use the int8 .pte of this export folder instead of exporting")
    src.add_argument("--model", default="fast", metavar="NAME_OR_FILE",
                     help="shipped model name or model file to export on first start (default: fast, the "
                     "real-time shipped student)")
    p.add_argument("--cache-dir", metavar="DIR",
                   help="where first-start exports are kept (default $XDG_CACHE_HOME/edgenst/demo)")
    p.add_argument("--profile", default=DEFAULT_PROFILE, choices=list(PROFILES), help="initial device profile")
    p.add_argument("--max-sessions", type=int, default=d.max_sessions, help="live camera sessions at once")
    p.add_argument("--paintings", action="store_true",
                   help="let visitors upload a painting to paint with: the first-start export also takes a style "
                   "vector (about twice as long, cached apart); with --model-dir, export that folder with --style-vector")
    p.add_argument("--max-upload-mb", type=float, default=d.max_upload_bytes / 2**20, help="largest photo upload")
    p.add_argument("--idle-timeout", type=float, default=d.idle_timeout_s, metavar="S",
                   help="close a live session that sends nothing for this long")
    tls = p.add_argument_group("https (phones allow the camera only on https:// or localhost)")
    tls.add_argument("--https", action="store_true", help="serve https with a self-signed certificate made once")
    tls.add_argument("--cert", metavar="PEM", help="your own certificate (with --key), e.g. from mkcert")
    tls.add_argument("--key", metavar="PEM", help="the certificate's private key")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from edgenst.demo_app.artifact import default_cache_dir, open_export, prepare_artifact
    from edgenst.demo_app.config import DemoConfig
    from edgenst.demo_app.launch import bind, serve

    if args.max_upload_mb <= 0:
        raise InputError(f"--max-upload-mb must be > 0, got {args.max_upload_mb}")
    cache = Path(args.cache_dir) if args.cache_dir else default_cache_dir()
    cert, key = (Path(args.cert) if args.cert else None), (Path(args.key) if args.key else None)
    if args.https and not cert:
        from edgenst.demo_app.tls import self_signed

        cert, key = self_signed(cache / "tls", args.host)
    for f in (cert, key):
        if f is not None and not f.is_file():
            raise InputError(f"no such file: {f}")
    config = DemoConfig(host=args.host, port=args.port, max_sessions=args.max_sessions,
                        max_upload_bytes=int(args.max_upload_mb * 2**20), idle_timeout_s=args.idle_timeout,
                        profile=args.profile, certfile=cert, keyfile=key)
    sock = bind(config.host, config.port)  # before a first-start export: a busy port fails at once
    try:
        artifact = (open_export(args.model_dir) if args.model_dir
                    else prepare_artifact(args.model, cache, style_vector=args.paintings))
        serve(artifact, config, sock)
    finally:
        sock.close()
    return 0
