"""The ``[tool.flwr.app.config]`` table of ``federated/pyproject.toml``, generated from ``FedSettings``.

Flower reads an app's run config from that file only, so the table has to exist as text; this
module writes it from the settings' defaults and, in check mode (what the tests and CI run), fails
when someone edited one side alone:

    python -m edgenst.federated.app_config           # check: exit 1 and a diff when they differ
    python -m edgenst.federated.app_config --write   # rewrite the table from FedSettings
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path
from typing import Any

from edgenst.federated.settings import DEFAULTS

HEADER = "[tool.flwr.app.config]"
PYPROJECT = Path(__file__).resolve().with_name("pyproject.toml")


def toml_value(value: Any) -> str:
    """One TOML scalar: the run config holds only bools, numbers and strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value))  # a TOML basic string is a JSON string for this text


def render_table(defaults: dict[str, Any] | None = None) -> str:
    rows = [f"{key} = {toml_value(value)}" for key, value in (defaults or DEFAULTS).items()]
    return "\n".join([HEADER, *rows]) + "\n"


def with_table(text: str, table: str) -> str:
    """``text`` (a pyproject) with its config table replaced by ``table``; the table ends at the next
    table header or at the end of the file."""
    lines = text.splitlines(keepends=True)
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == HEADER)
    except StopIteration:
        raise ValueError(f"no {HEADER} table") from None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    tail = lines[end:]
    return "".join(lines[:start]) + table + ("\n" + "".join(tail) if tail else "")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m edgenst.federated.app_config", description=__doc__.splitlines()[0])
    p.add_argument("--write", action="store_true", help="rewrite the table instead of checking it")
    p.add_argument("--pyproject", type=Path, default=PYPROJECT)
    args = p.parse_args(argv)
    text = args.pyproject.read_text()
    wanted = with_table(text, render_table())
    if wanted == text:
        return 0
    if args.write:
        args.pyproject.write_text(wanted)
        print(f"wrote {HEADER} of {args.pyproject}")
        return 0
    diff = difflib.unified_diff(text.splitlines(), wanted.splitlines(), str(args.pyproject), "from FedSettings",
                                lineterm="")
    print(f"{args.pyproject}: {HEADER} differs from FedSettings; run with --write\n" + "\n".join(diff),
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
