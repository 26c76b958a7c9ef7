#!/usr/bin/env python3
"""Executes the example notebooks and writes them back with their outputs
(figures included), so that they read as a tutorial without a kernel.

    python3 scripts/run_notebooks.py [examples/01_fit_chinchilla_and_plan.ipynb ...]

Run after changing a notebook or anything it prints; CI re-executes every
notebook (tests/python/test_notebooks.py) and checks that each plotting cell
still draws a figure.
"""
from __future__ import annotations

import os
import pathlib
import sys
import tempfile

import nbclient
import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]


def execute(path: pathlib.Path, timeout: int = 600) -> nbformat.NotebookNode:
    """The notebook at ``path`` executed in a scratch directory (files it
    writes do not land in the source tree)."""
    nb = nbformat.read(path, as_version=4)
    # The kernel inherits the environment; a non-interactive MPLBACKEND
    # (e.g. Agg in CI) would keep the notebook's inline figures from showing.
    backend = os.environ.pop("MPLBACKEND", None)
    # The kernel starts in a scratch directory: relative PYTHONPATH entries
    # (PYTHONPATH=build/dev/pkg) would point nowhere there and the kernel
    # would import another installed scalefit.
    pythonpath = os.environ.get("PYTHONPATH")
    if pythonpath:
        os.environ["PYTHONPATH"] = os.pathsep.join(
            os.path.abspath(p) if p else p for p in pythonpath.split(os.pathsep))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                    resources={"metadata": {"path": tmp}}).execute()
    finally:
        if backend is not None:
            os.environ["MPLBACKEND"] = backend
        if pythonpath:
            os.environ["PYTHONPATH"] = pythonpath
    return nb


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drops run-specific metadata (timings, kernel versions) so that a
    re-run changes only what the notebook shows."""
    nb.metadata.pop("widgets", None)
    nb.metadata.get("language_info", {}).pop("version", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    return nb


def main(argv: list[str]) -> int:
    paths = [pathlib.Path(p) for p in argv] or sorted((ROOT / "examples").glob("*.ipynb"))
    for path in paths:
        nb = clean(execute(path))
        nbformat.write(nb, path)
        images = sum(1 for c in nb.cells if c.cell_type == "code"
                     for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
        print(f"{path.relative_to(ROOT) if path.is_absolute() else path}: executed, {images} figure(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
