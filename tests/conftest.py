"""Fixtures shared by the engine tests: the sample corpus and indexes built from it on disk."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index import Index, build_index, sample_corpus_dir


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """An index of the bundled sample articles, built once per test session."""
    root = tmp_path_factory.mktemp("sample")
    corpus = root / "corpus"
    shutil.copytree(sample_corpus_dir(), corpus)
    return build_index(corpus, root / "index")


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A writable copy of the sample corpus."""
    corpus = tmp_path / "corpus"
    shutil.copytree(sample_corpus_dir(), corpus)
    return corpus
