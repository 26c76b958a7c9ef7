"""The Python package imports in one direction: _core -> adapters -> results
-> topic modules -> the public names (__init__) -> plot, cli (DEVELOPING.md). The import graph is built from
the sources with ast (imports inside functions count too) and must be a DAG
whose every edge points to a lower layer."""
import ast
import pathlib

import pytest

PKG = pathlib.Path(__file__).resolve().parents[2] / "python" / "scalefit"

# Layer of each module (a prefix names a package and its submodules). A new
# module must be placed here, deliberately.
LAYERS = {
    "scalefit._core": 0,
    "scalefit._inputs": 1,
    "scalefit._log": 1,
    "scalefit._progress": 1,
    "scalefit._user_laws": 1,
    "scalefit._warnings": 1,
    "scalefit._ladder": 1,
    "scalefit.results": 2,
    "scalefit._api": 3,
    "scalefit.io": 3,
    "scalefit.allocation": 3,
    "scalefit.uncertainty": 3,
    "scalefit.approaches": 3,
    "scalefit.backtest": 3,
    "scalefit.flops": 3,
    "scalefit.datasets": 3,
    "scalefit.downstream": 3,
    "scalefit.emergence": 3,
    "scalefit": 4,            # __init__: the public names (plot and cli use them)
    "scalefit.plot": 5,
    "scalefit.cli": 6,
    "scalefit.__main__": 7,
}
# Within a layer, only these imports are allowed (adapters build on each
# other; the CLI's modules share readers and options).
SAME_LAYER_OK = {1, 6}


def module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> int:
    best = None
    for name, lv in LAYERS.items():
        if module == name or module.startswith(name + "."):
            if best is None or len(name) > len(best):
                best = name
    assert best is not None, f"module {module} has no layer in test_layers.LAYERS"
    return LAYERS[best]


def resolve(module: str, is_package: bool, node) -> list:
    """Absolute scalefit modules imported by an Import/ImportFrom node."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "scalefit"]
    if node.level == 0:
        base = node.module or ""
        if base.split(".")[0] != "scalefit":
            return []
    else:
        parts = module.split(".")
        if not is_package:
            parts = parts[:-1]
        parts = parts[:len(parts) - (node.level - 1)]
        base = ".".join(parts + ([node.module] if node.module else []))
    out = []
    for a in node.names:
        # "from . import results" imports a module; "from .x import f" imports x.
        candidate = f"{base}.{a.name}"
        out.append(candidate if _exists(candidate) else base)
    return out


def _exists(module: str) -> bool:
    rel = pathlib.Path(*module.split(".")[1:])
    return ((PKG / rel).with_suffix(".py").exists() or (PKG / rel / "__init__.py").exists()
            or module == "scalefit._core")


def import_graph():
    graph = {}
    for path in sorted(PKG.rglob("*.py")):
        mod = module_name(path)
        tree = ast.parse(path.read_text(), str(path))
        deps = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                deps.update(resolve(mod, path.name == "__init__.py", node))
        deps.discard(mod)
        graph[mod] = deps
    return graph


def find_cycle(graph):
    """A cycle as a list of modules, or None (depth-first search)."""
    state, stack = {}, []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if state.get(d) is None:
                found = visit(d)
                if found:
                    return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if state.get(m) is None:
            found = visit(m)
            if found:
                return found
    return None


def test_every_module_has_a_layer():
    for mod in import_graph():
        layer(mod)


def test_imports_form_a_dag():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_imports_point_down_the_layers():
    bad = []
    for mod, deps in import_graph().items():
        for dep in deps:
            a, b = layer(mod), layer(dep)
            if b > a or (b == a and a not in SAME_LAYER_OK and not
                         (mod.startswith(dep + ".") or dep.startswith(mod + "."))):
                bad.append(f"{mod} (layer {a}) imports {dep} (layer {b})")
    assert not bad, "\n".join(sorted(bad))


def test_the_checker_finds_a_cycle():
    # The detector itself: a planted circle like the one the layers forbid.
    graph = {"scalefit.allocation": {"scalefit.results"},
             "scalefit.results": {"scalefit.uncertainty"},
             "scalefit.uncertainty": {"scalefit.allocation"}}
    assert find_cycle(graph) == ["scalefit.allocation", "scalefit.results",
                                 "scalefit.uncertainty", "scalefit.allocation"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("source, expected", [
    ("from . import results", {"scalefit.results"}),
    ("from .results import FitResult", {"scalefit.results"}),
    ("from ._inputs import unwrap", {"scalefit._inputs"}),
    ("import scalefit.plot", {"scalefit.plot"}),
    ("def f():\n    from .uncertainty import bootstrap", {"scalefit.uncertainty"}),
])
def test_relative_imports_resolve(source, expected):
    tree = ast.parse(source)
    got = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            got.update(resolve("scalefit.allocation", False, node))
    assert got == expected


def test_no_name_list_copied_from_the_core():
    # Strategy, method and objective names are checked in C++ only.
    for path in PKG.rglob("*.py"):
        text = path.read_text()
        for copied in ('("case", "cluster"', '("auto", "hoffmann"',
                       '["huber_log", "mse_log", "mse"]', '("confidence", "prediction")'):
            assert copied not in text, f"{path.name} copies a C++ name list: {copied}"
