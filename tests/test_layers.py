"""The package direction of DESIGN.md §3, read from every module's imports with `ast`.

Rules (each failure names file, line and rule):
- direction: a non-view module (models, services, queries, helpers) imports only its own
  package and lower ones; view modules may call any package's services and queries.
- view-to-view: a view module imports no other view module. A view module is one that
  creates a `Blueprint`, or is named views.py, api.py or *_views.py.
- function-import: an import inside a function needs a comment on the same or the previous
  line naming the cycle it breaks (the word "cycle"); the app factory
  (walkapp/__init__.py) importing its blueprints and extensions is the exception.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent / "walkapp"

# Lowest first; names on one tier may import each other.
TIERS: list[set[str]] = [
    {"db", "geo", "i18n", "labels", "errors", "extensions", "templating", "dates", "urls",
     "request_input", "config", "security_headers"},
    {"orgs"},
    {"auth"},
    {"walks"},
    {"findings"},
    {"measures"},
    {"triage", "followup", "exports", "dashboard", "pwa", "privacy"},
    # The application level: the factory, the model registry, the CLI and the demo seed
    # put everything together and so sit above every feature.
    {"__init__", "models", "cli", "cli_areas", "seed"},
]
RANK = {name: rank for rank, names in enumerate(TIERS) for name in names}
FACTORY = "walkapp/__init__.py"


@dataclass(frozen=True)
class Import:
    """One `import`/`from … import` of a walkapp module."""

    target: str  # dotted module name, e.g. walkapp.findings.services
    line: int
    in_function: bool


def _modules(root: Path) -> dict[str, Path]:
    """Every walkapp module under root by dotted name."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module a (possibly relative) `from … import` names."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """The walkapp modules one file imports, at top level and inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    result: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    result.append(Import(alias.name, child.lineno, in_function))
            elif isinstance(child, ast.ImportFrom):
                base = _resolve(module, path, child)
                for alias in child.names:
                    # `from walkapp.findings import services` imports the module services.
                    candidate = f"{base}.{alias.name}"
                    target = candidate if candidate in modules else base
                    result.append(Import(target, child.lineno, in_function))
            visit(child, inner)

    visit(tree, False)
    return [imp for imp in result if imp.target == "walkapp" or imp.target.startswith("walkapp.")]


def package_of(module: str) -> str:
    """The layer name of a module: its package (walkapp.findings.api → findings), or for a
    top-level module its own name (walkapp.geo → geo; walkapp → __init__)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def is_view(path: Path) -> bool:
    """A module that creates a Blueprint, or is named like a view module."""
    if path.name in ("views.py", "api.py") or path.name.endswith("_views.py"):
        return True
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "Blueprint":
                return True
    return False


def violations(root: Path = PACKAGE_ROOT) -> list[str]:
    """Every breach of the three rules under root, as 'file:line: rule: detail'."""
    found: list[str] = []
    modules = _modules(root)
    views = {name for name, path in modules.items() if is_view(path)}
    for module, path in modules.items():
        rel = path.relative_to(root.parent).as_posix()
        own = package_of(module)
        assert own in RANK, f"{rel}: package {own!r} has no place in TIERS; add it to the order"
        lines = path.read_text(encoding="utf-8").splitlines()
        for imp in _imports(module, path, modules):
            target_package = package_of(imp.target)
            if module not in views and RANK.get(target_package, -1) > RANK[own]:
                found.append(
                    f"{rel}:{imp.line}: direction: {own} imports the higher package "
                    f"{target_package} ({imp.target})"
                )
            if module in views and imp.target in views and imp.target != module:
                found.append(f"{rel}:{imp.line}: view-to-view: view module imports view module {imp.target}")
            if imp.in_function and rel != FACTORY:
                nearby = " ".join(lines[max(0, imp.line - 2): imp.line]).lower()
                if "cycle" not in nearby:
                    found.append(
                        f"{rel}:{imp.line}: function-import: import of {imp.target} inside a "
                        f"function without a comment naming the cycle it breaks"
                    )
    return list(dict.fromkeys(found))  # one line per breach even when it imports several names


def test_every_package_has_a_place_in_the_order():
    """A new package must be placed in the order on purpose, not fall outside the check."""
    unknown = sorted({package_of(m) for m in _modules(PACKAGE_ROOT)} - set(RANK))
    assert not unknown, f"packages missing from TIERS: {unknown}"


def test_imports_follow_the_layers():
    """No lower package reaches up, no view imports a view, no unexplained function import."""
    found = violations()
    assert not found, f"{len(found)} layering violation(s):\n" + "\n".join(found)


def test_the_check_sees_a_reach_up(tmp_path):
    """The rule itself catches a model importing a feature, a view importing a view, and a
    silent function import (so the green test above is not green by blindness)."""
    root = tmp_path / "walkapp"
    (root / "walks").mkdir(parents=True)
    (root / "triage").mkdir()
    (root / "__init__.py").write_text("")
    (root / "walks" / "__init__.py").write_text("")
    (root / "triage" / "__init__.py").write_text("")
    (root / "walks" / "models.py").write_text("from walkapp.triage import queries\n")
    (root / "triage" / "queries.py").write_text("def f():\n    from walkapp.walks import models\n")
    (root / "triage" / "views.py").write_text("from walkapp.walks.views import x\n")
    (root / "walks" / "views.py").write_text("# cycle: walks.views ↔ nothing\n")
    found = violations(root)
    rules = sorted(line.split(": ")[1] for line in found)
    assert rules == ["direction", "function-import", "view-to-view"], found
    assert any(line.startswith("walkapp/walks/models.py:1: direction") for line in found), found
    assert any(line.startswith("walkapp/triage/queries.py:2: function-import") for line in found), found
    assert any(line.startswith("walkapp/triage/views.py:1: view-to-view") for line in found), found


TESTS_ROOT = PACKAGE_ROOT.parent / "tests"


def test_no_test_module_imports_another() -> None:
    """No test module imports another test module: what tests share lives in conftest.py or a
    *_helpers.py module (a test module imported elsewhere runs its tests twice and hides fixtures)."""
    found = []
    for path in sorted(TESTS_ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                if name.split(".")[-1].startswith("test_"):
                    found.append(f"{path.relative_to(TESTS_ROOT.parent)}:{node.lineno}: imports {name}")
    assert not found, "\n".join(found)
