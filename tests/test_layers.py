"""Imports run one way (issue 20): each package imports only from its own layer or the
layers below it, and no module imports itself back through others.

The walk reads every import statement of the project (function-level ones included,
since a lazy import is still a dependency) with ``ast``; nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# lowest first; a module may import from its own layer and any layer before it
LAYERS = (
    ("settings", "store", "crawler"),  # the defaults, the database, the empty package
    ("crawler.core",),  # text, dates, URLs, provinces, addresses
    ("crawler.config",),  # the sources file
    ("crawler.analysis",),  # what a page is: extraction, page type, relevance, dedup
    ("crawler.archive",),  # what is kept and read back
    ("notify",),  # alerts leave
    ("crawler.crawl",),  # Scrapy's side
    ("spiders",),
    ("crawler.run",),  # one night
    ("commands",),
    ("cli",),
)
PROJECT = ("settings", "store", "crawler", "notify", "spiders", "commands", "cli")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_files() -> list[Path]:
    files = [ROOT / "cli.py", ROOT / "settings.py"]
    for package in ("store", "crawler", "notify", "spiders", "commands"):
        files += sorted((ROOT / package).rglob("*.py"))
    return files


def _layer(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), index)
    return None if best is None else best[1]


def _imports(path: Path) -> set[str]:
    """The project modules ``path`` imports (``from x import y`` counts as x.y when x.y
    is a module, else x)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            if name.split(".")[0] in PROJECT and _is_module(name):
                found.add(name)
    return found


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


GRAPH = {_module_name(f): _imports(f) for f in _project_files()}


def test_every_module_belongs_to_a_layer() -> None:
    assert [m for m in GRAPH if _layer(m) is None] == []
    # and the walk sees real imports: the nightly run does import the crawl runner
    assert "crawler.run.runner" in GRAPH["crawler.run.nightly"]


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_upward_import(module: str) -> None:
    own = _layer(module)
    assert own is not None
    upward = sorted(name for name in GRAPH[module]
                    if (_layer(name) or 0) > own and not name.startswith(module + "."))
    assert upward == [], f"{module} (layer {LAYERS[own]}) imports from above: {upward}"


def test_store_imports_nothing_of_the_project() -> None:
    for module, imported in GRAPH.items():
        if module == "store" or module.startswith("store."):
            assert {m for m in imported if not m.startswith("store")} == set(), module


def test_no_import_cycle() -> None:
    """Depth-first search for a module reachable from itself."""
    done: set[str] = set()
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        if module in stack:
            return stack[stack.index(module):] + [module]
        if module in done:
            return None
        stack.append(module)
        for name in sorted(GRAPH.get(module, ())):
            if name.startswith(module + ".") or module.startswith(name + "."):
                continue  # a package and its own modules
            cycle = visit(name)
            if cycle:
                return cycle
        stack.pop()
        done.add(module)
        return None

    for module in sorted(GRAPH):
        assert visit(module) is None


def test_defaults_live_in_settings_only() -> None:
    """settings.py is the one file of defaults: no component reads a setting with a literal
    fallback of its own (a copy that would drift from settings.py)."""
    import re

    fallback = re.compile(r"""\.get(?:int|float|bool|list|dict)?\(\s*["'][A-Z][A-Z0-9_]+["']\s*,""")
    found = [f"{path.relative_to(ROOT)}:{n}" for path in _project_files()
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if fallback.search(line) and "environ" not in line]
    assert found == []


def test_the_cli_process_stays_light() -> None:
    """The CLI process waits all night for its crawl: importing the commands must not load
    Scrapy, extraction (trafilatura, lxml), fingerprints (datasketch) or Datasette, which
    the crawl and worker processes load for themselves."""
    import subprocess
    import sys

    heavy = ("scrapy", "twisted", "trafilatura", "lxml", "datasketch", "datasette")
    probe = ("import sys, cli; "
             f"print(' '.join(m for m in {heavy!r} if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == []
