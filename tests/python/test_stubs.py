"""The type stubs (python/scalefit/_core.pyi) match what the extension
exports: every public name, and every public member of every class, both
ways. Regenerate with `PYTHONPATH=BUILD/pkg python3 scripts/gen_stubs.py`."""
import ast
import inspect
import pathlib

import pytest

import scalefit
from scalefit import _core

PKG = pathlib.Path(scalefit.__file__).resolve().parent
# The stub sits next to the package sources (the dev build symlinks them).
STUB = (pathlib.Path(__file__).resolve().parents[2] / "python" / "scalefit" / "_core.pyi")


def _public(names):
    return {n for n in names if not n.startswith("_")}


def _stub_tree():
    return ast.parse(STUB.read_text())


def _stub_namespace(body):
    """Public names defined in a module or class body, with class bodies."""
    names, classes = set(), {}
    for node in body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
            classes[node.name] = node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    names.add(t.id)
    return _public(names), classes


def _runtime_members(cls):
    own = set()
    for klass in inspect.getmro(cls):
        if klass is object or klass.__module__ == "builtins" or klass.__name__ == "pybind11_object":
            continue
        own |= set(vars(klass))
    return _public(own)


def test_py_typed_is_shipped():
    assert (PKG / "py.typed").exists()


def test_module_names_match():
    names, _ = _stub_namespace(_stub_tree().body)
    names.discard("annotations")
    runtime = _public(dir(_core))
    assert names - runtime == set(), "in the stubs but not in _core"
    assert runtime - names == set(), "exported by _core but missing from the stubs"


def test_class_members_match():
    _, classes = _stub_namespace(_stub_tree().body)
    problems = []
    for name, node in classes.items():
        if name.startswith("_"):
            continue
        stub_members, _ = _stub_namespace(node.body)
        runtime = _runtime_members(getattr(_core, name))
        if issubclass(getattr(_core, name), BaseException):
            continue
        if stub_members != runtime:
            problems.append(f"{name}: stub-only {sorted(stub_members - runtime)}, "
                            f"runtime-only {sorted(runtime - stub_members)}")
    assert not problems, "\n".join(problems)


def test_submodules_match():
    _, classes = _stub_namespace(_stub_tree().body)
    for name in _public(dir(_core)):
        obj = getattr(_core, name)
        if inspect.ismodule(obj):
            node = classes.get(f"_{name}_module")
            assert node is not None, f"submodule {name} has no stub namespace"
            stub_members, _ = _stub_namespace(node.body)
            assert stub_members == _public(dir(obj)), name
