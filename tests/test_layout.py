"""The package's layout: stages import only lower layers, no import cycle, every re-export resolves."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "workflow"
# Each folder's layer: a module may import its own folder and lower layers only. mt and publish share a layer
# and do not import each other; exchange (TMX, XLIFF) sits below mt, whose drafts read imported memories. The
# top-level modules are split in two: the base every stage uses, and the commands that put stages together.
BASE = {"settings", "schema", "naming", "digests", "errors", "lock", "fsio", "parallel", "exports", "__init__"}
LAYERS = {"base": 0, "segment": 1, "po": 2, "exchange": 3, "mt": 4, "publish": 4, "report": 5, "top": 6}


def _layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return "base" if parts[-1] in BASE or module == "workflow" else "top"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(path: Path) -> list[tuple[str, int]]:
    """The workflow modules a file imports (a package's re-exported name counts as its package), with lines."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "workflow":
            found.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names if alias.name.split(".")[0] == "workflow")
    return found


MODULES = _modules()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_its_own_stage_and_lower_layers(module: str) -> None:
    layer = _layer_of(module)
    for imported, line in _imports(MODULES[module]):
        other = _layer_of(imported)
        if other == layer or imported == "workflow":
            continue
        assert LAYERS[other] < LAYERS[layer], f"{MODULES[module]}:{line}: {layer} imports {imported} ({other})"


def test_the_layers_catch_an_upward_import() -> None:
    assert _layer_of("workflow.publish.building") == "publish" and _layer_of("workflow.cli") == "top"
    assert not LAYERS[_layer_of("workflow.publish")] < LAYERS[_layer_of("workflow.segment.units")]


def test_there_is_no_import_cycle() -> None:
    graph = {module: {imported for imported, _ in _imports(path) if imported in MODULES and imported != module}
             for module, path in MODULES.items()}
    # A package's own __init__ imports nothing of its stage (its re-exports are lazy), so it is no link.
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            raise AssertionError("import cycle: " + " → ".join(trail[trail.index(module):] + [module]))
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, trail + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


@pytest.mark.parametrize("stage", ["segment", "po", "mt", "publish", "report"])
def test_a_stage_says_what_it_takes_and_gives_and_every_export_resolves(stage: str) -> None:
    package = importlib.import_module(f"workflow.{stage}")
    assert "Takes:" in package.__doc__ and "Gives:" in package.__doc__
    assert package.__all__
    for name in package.__all__:
        assert getattr(package, name) is not None
    with pytest.raises(AttributeError):
        getattr(package, "no_such_name")


def test_no_module_is_longer_than_600_lines_and_no_function_longer_than_80() -> None:
    for module, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        assert text.count("\n") <= 600, f"{path}: {text.count(chr(10))} lines"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                assert length <= 80, f"{path}:{node.lineno}: {node.name} has {length} lines"
