"""Entry point of the ``edgenst`` command: parse, set up logging, run, map errors to exit codes.

Exit codes: 0 ok, 2 bad usage or bad input (one line on stderr), 1 internal error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Sequence

from edgenst import __version__
from edgenst.cli.logs import quiet_dependencies, setup_logging
from edgenst.errors import EdgenstError, InputError
from edgenst.extras import require

log = logging.getLogger("edgenst")

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2

#: Commands that need an optional stack as a whole (see edgenst.extras): checked before they run, so
#: a core install says in one line which extra to add instead of failing deep inside an import.
COMMAND_STACKS: dict[str, tuple[str, ...]] = {
    "federate": ("flwr",),
    "demo": ("starlette", "uvicorn", "websockets"),
}


def build_parser() -> argparse.ArgumentParser:
    from edgenst.cli import demo, distill, evaluate, export, federate, styles, stylize

    parser = argparse.ArgumentParser(
        prog="edgenst",
        description="Neural style transfer for phones: stylize, evaluate, distil, export, federate.",
        epilog="Run 'edgenst COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"edgenst {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="also the dependencies' warnings and output (-vv: everything, debug level)")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: all cores)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (stylize, styles, distill, evaluate, export, federate, demo):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return _run(_parse(argv))


def entry() -> None:
    """The ``edgenst`` console script: ``sys.exit(main())``, without interpreter teardown after quick commands.

    Tearing down torch (about 180k Python objects and its C++ statics) takes about 0.5 s on 2 cores,
    a quarter of a 1024-pixel stylize, after every output is already written and closed. A command
    that is done when its ``run`` returns (outputs written and closed, no child processes, no
    process group, no temporary folders left to finalizers) says so with ``fast_exit=True`` in its
    parser defaults; after it the streams and log handlers are flushed and the process ends at
    once. ``main`` stays a plain function for tests and notebooks.
    """
    args = _parse(None)
    code = _run(args)
    if getattr(args, "fast_exit", False):
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    args = build_parser().parse_args(argv)  # argparse itself exits with 2 on bad usage
    setup_logging(args.verbose, args.quiet)
    return args


def _run(args: argparse.Namespace) -> int:
    try:
        if args.threads is not None:
            if args.threads < 1:
                raise InputError(f"--threads must be >= 1, got {args.threads}")
            import torch

            torch.set_num_threads(args.threads)
        for module in COMMAND_STACKS.get(args.command, ()):
            require(module, f"edgenst {args.command}")
        if getattr(args, "quiet_dependencies", False):  # the command's noisy dependency calls: see cli.logs
            with quiet_dependencies(args.verbose):
                return int(args.run(args) or EXIT_OK)
        return int(args.run(args) or EXIT_OK)
    except InputError as exc:
        print(f"edgenst {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"edgenst {args.command}: interrupted", file=sys.stderr)
        return 130
    except EdgenstError as exc:
        print(f"edgenst {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as exc:  # an internal error: one line, the traceback only with -vv
        log.debug("internal error", exc_info=True)
        print(f"edgenst {args.command}: internal error: {type(exc).__name__}: {exc} (run with -vv for the traceback)",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    entry()
