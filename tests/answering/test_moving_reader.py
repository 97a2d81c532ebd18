"""A reader that moves on to another build in place (the OpenSearch reader re-pins to what its alias
serves) must not be answered from ids remembered of the build before: they name other quotes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from index import Index, build_index, open_index
from index.answering import quotes_by


class _Repinning:
    """A real index that another build replaces in place, as a re-pinned cluster reader is."""

    def __init__(self, current: Index) -> None:
        self.current = current

    def __getattr__(self, name: str) -> Any:
        return getattr(self.current, name)


def _index(tmp_path: Path, name: str, paragraphs: list[str]) -> Index:
    corpus = tmp_path / f"{name}-corpus"
    corpus.mkdir()
    (corpus / "story.txt").write_text("A story\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    build_index(corpus, tmp_path / f"{name}-index")
    return open_index(tmp_path / f"{name}-index")


def test_quotes_found_for_a_name_follow_the_reader_to_its_new_build(tmp_path: Path) -> None:
    first = _index(tmp_path, "first", ['"The bridge will open in May," Anna Smith said.'])
    second = _index(
        tmp_path,
        "second",
        [
            '"Taxes are too high," Peter Jones said.',
            '"Rain is coming on Friday," Anna Smith said.',
        ],
    )
    reader = _Repinning(first)
    assert [q.text for q in quotes_by(reader, "Anna Smith")] == ["The bridge will open in May,"]
    reader.current = second
    assert [q.text for q in quotes_by(reader, "Anna Smith")] == ["Rain is coming on Friday,"]
