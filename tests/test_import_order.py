"""The import order that ``edgenst/__init__.py`` states is the one the code follows.

The statement is read from the docstring, so changing either without the other fails here, and a
module that is in no line of it fails too (it has to be placed where its imports put it).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import edgenst

ROOT = Path(__file__).resolve().parents[1]
#: Folders and the package names they install as (pyproject's package-dir).
FOLDERS = {"edgenst": "edgenst", "export": "edgenst.export", "federated": "edgenst.federated",
           "demo_app": "edgenst.demo_app"}


def stated_order(doc: str) -> list[str]:
    """The names of the docstring's order block: the indented lines after the first blank line that
    follows "Import order", joined by ``->`` and commas."""
    block = doc.split("Import order", 1)[1].split("\n\n")[1]
    names = [n.strip() for n in re.split(r"->|,", block) if n.strip()]
    assert names and all(re.fullmatch(r"[a-z_]+(\.[a-z_]+)*", n) for n in names), names
    return names


def module_names() -> dict[str, Path]:
    out = {}
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([package, *parts])] = path
    return out


def unit(module: str, order: list[str]) -> str | None:
    """The longest name in ``order`` that ``module`` is or lies inside (names relative to edgenst)."""
    rel = module.removeprefix("edgenst.")
    matches = [n for n in order if rel == n or rel.startswith(n + ".")]
    return max(matches, key=len) if matches else None


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every edgenst import in the file, at any depth; ``from a import b`` counts
    as ``a.b`` so importing a submodule by name is seen."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "edgenst":
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "edgenst"]
    return out


def violations(order: list[str], modules: dict[str, Path]) -> list[str]:
    found = []
    for module, path in sorted(modules.items()):
        if module == "edgenst":
            continue
        own = unit(module, order)
        if own is None:
            found.append(f"{module} is in no line of the stated order")
            continue
        for line, target in imported(path):
            other = unit(target, order)
            if other is None or other == own:  # the package itself (__version__), or its own package
                continue
            if order.index(other) > order.index(own):
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                found.append(f"{where}:{line}: {own} imports {other}, listed after it")
    return found


def test_the_stated_import_order_holds() -> None:
    order = stated_order(edgenst.__doc__ or "")
    assert len(set(order)) == len(order), "a name is listed twice"
    assert violations(order, module_names()) == []


def test_the_check_sees_an_import_against_the_order(tmp_path: Path) -> None:
    """The check itself: a low module importing a high one is reported, with its line."""
    low = tmp_path / "io.py"
    low.write_text("def f():\n    from edgenst.cli.main import main\n")
    high = tmp_path / "cli.py"
    high.write_text("from edgenst import io\n")
    found = violations(["io", "cli"], {"edgenst.io": low, "edgenst.cli": high})
    assert len(found) == 1 and "io imports cli" in found[0] and ":2:" in found[0]
    assert violations(["io"], {"edgenst.io": low, "edgenst.cli": high})[0] == "edgenst.cli is in no line of the stated order"
