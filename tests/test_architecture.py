"""The layer rules of docs/architecture.md, held by reading every module's imports."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "generator"

# Which parts of the package each part may import. Imports point down the layers;
# siblings (content/structure, render/publish) never import each other.
ALLOWED: dict[str, set[str]] = {
    "diagnostics": {"invisible"},
    "invisible": set(),  # which characters hide or reorder text (layer 0, stdlib only)
    "config.schema": set(),
    "model": {"config.schema"},
    "urls": set(),
    "cache": set(),  # the content-hash file cache under .cache/ (standard library only)
    "memory": set(),  # a process's memory (PSS), freed memory handed back (stdlib only)
    "workers": {"memory"},  # how many worker processes, started how (standard library only)
    "readahead": {"workers"},  # the kernel asked to read a build's files first (stdlib only)
    "spill": set(),  # bodies kept in a temporary file during a build (standard library only)
    "config": {"config.schema", "diagnostics", "invisible"},
    "content": {"cache", "workers", "spill", "config", "config.schema", "diagnostics", "invisible",
                "model", "urls"},
    "structure": {"config", "config.schema", "model", "urls"},
    "render": {"cache", "workers", "memory", "spill", "config", "config.schema", "diagnostics",
               "model", "urls", "structure"},
    "publish": {"cache", "config", "config.schema", "diagnostics", "model", "urls", "structure"},
    "writer": {"model"},
    "build": {"spill", "workers", "readahead", "config", "config.schema", "content",
              "diagnostics", "model", "urls", "structure", "render", "publish"},
    # kabar serve's builds: build.py's stages, each file made when a request asks for it.
    "preview": {"build", "config", "config.schema", "content", "diagnostics", "model", "urls",
                "structure", "render", "publish"},
    "scaffold": {"build", "config", "config.schema", "diagnostics", "urls"},
    # kabar ping: reads the built manifest (publish.indexnow's format), posts to IndexNow.
    "ping": {"", "config", "config.schema", "diagnostics", "urls", "publish"},
    # kabar audit: reads the built output/ and site.yaml.
    "audit": {"config", "config.schema", "diagnostics", "urls"},
    "progress": set(),
    # Layer 6, beside cli: the dev server. Only cli imports it.
    "dev": {"build", "preview", "diagnostics", "model", "urls", "config", "config.schema"},
    # kabar report: loads the site (build.load_site), dates in Indonesian (render.dates).
    "report": {"build", "model", "urls", "render", "diagnostics", "config", "config.schema"},
    "cli": {"", "build", "writer", "readahead", "scaffold", "ping", "audit", "report",
            "diagnostics", "config", "config.schema", "progress", "dev"},
    "__main__": {"cli"},
    "": set(),  # generator/__init__.py
}

# Each third-party library lives in one module: swapping it touches one file.
LIBRARIES: dict[str, set[str]] = {
    "yaml": {"config.yamlsource"},
    "markdown": {"content.markdown"},
    "nh3": {"content.sanitize"},
    "PIL": {"content.images", "publish.cards", "publish.variants"},
    "jinja2": {"render.templates"},
    "markupsafe": {"render.templates"},  # Jinja2's own: the Markup a partial returns
    "babel": {"render.dates"},
    "feedgen": {"publish.feeds"},
    "pagefind": {"publish.search"},
    "watchdog": {"dev.watch"},
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts)


def _unit(module: str) -> str:
    """The part of the package a module belongs to (config.schema stands alone)."""
    if module == "config.schema":
        return module
    return module.split(".")[0] if module else ""


def _imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module != "generator":
                found.append((node.module, node.lineno))
                continue
            for alias in node.names:  # `from generator import urls` imports generator/urls.py
                is_module = (PACKAGE / f"{alias.name}.py").exists() or (
                    PACKAGE / alias.name).is_dir()
                found.append((f"generator.{alias.name}" if is_module else "generator",
                              node.lineno))
    return found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "skeleton" not in p.parts)


def test_every_part_is_classified() -> None:
    units = {_unit(_module_name(p)) for p in _modules()}
    assert units <= set(ALLOWED), f"add these to ALLOWED: {sorted(units - set(ALLOWED))}"


def test_imports_point_down_the_layers() -> None:
    problems = []
    for path in _modules():
        module = _module_name(path)
        unit = _unit(module)
        for name, line in _imports(path):
            if not name.startswith("generator.") and name != "generator":
                continue
            target = _unit(name.removeprefix("generator").lstrip("."))
            if target != unit and target not in ALLOWED[unit] and not (
                    name == "generator" and "" in ALLOWED[unit]):
                problems.append(f"generator/{path.relative_to(PACKAGE)}:{line}: "
                                f"{unit or 'generator'} may not import {name}")
    assert not problems, "\n".join(problems)


def test_each_library_is_imported_by_one_module() -> None:
    problems = []
    for path in _modules():
        module = _module_name(path)
        for name, line in _imports(path):
            top = name.split(".")[0]
            if top in LIBRARIES and module not in LIBRARIES[top]:
                problems.append(f"generator/{path.relative_to(PACKAGE)}:{line}: imports {top}"
                                f" (only {sorted(LIBRARIES[top])} may)")
            elif top not in LIBRARIES and top != "generator" and top not in sys.stdlib_module_names:
                problems.append(f"generator/{path.relative_to(PACKAGE)}:{line}: unknown library "
                                f"{top}: add it to LIBRARIES and docs/architecture.md")
    assert not problems, "\n".join(problems)


def test_the_rule_checker_catches_a_violation(tmp_path: Path) -> None:
    """The checker itself works: an upward import is seen."""
    bad = tmp_path / "x.py"
    bad.write_text("from generator.cli import main\nimport jinja2\n")
    names = [n for n, _ in _imports(bad)]
    assert "generator.cli" in names and "jinja2" in names
    assert _unit("cli") not in ALLOWED["content"]
