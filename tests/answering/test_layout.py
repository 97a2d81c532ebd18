"""The answer path depends on the Reader protocol only: no engine, no parser on the question path."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "index" / "answering"


def test_importing_answering_loads_neither_the_engine_nor_spacy() -> None:
    code = "import sys, index.answering; print(sorted(sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(eval(run.stdout))  # a list literal printed just above
    assert "index.answering" in loaded
    assert not loaded & {"index.engine", "index.opensearch", "index.store", "spacy", "numpy", "bot"}


def test_no_module_of_answering_imports_an_index_backend() -> None:
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        }
        assert not {
            m for m in imported if m.startswith(("index.engine", "index.opensearch", "index.store"))
        }, path
