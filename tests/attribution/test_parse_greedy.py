"""The shipped model's parse, its greedy search stepped from Python, gives spaCy's own trees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from index.attribution.parse import MAX_PARSE_CHARS, load_parser

NEWS = Path(__file__).resolve().parents[2].parent / "shared" / "qa" / "news" / "corpus"


def news_sentences(limit: int) -> list[str]:
    """Sentences of the news dev set's articles (real, varied text), cut roughly at end marks."""
    out: list[str] = []
    for path in sorted(NEWS.glob("*.txt")):
        for para in path.read_text(encoding="utf-8").splitlines():
            out.extend(s for s in re.split(r"(?<=[.!?\"”])\s+(?=[A-Z“\"])", para.strip()) if s)
    return [s for s in out if len(s) <= MAX_PARSE_CHARS][:limit]


@pytest.mark.skipif(not NEWS.is_dir(), reason="needs ../shared/qa/news beside the repository")
def test_the_stepped_parse_gives_spacys_greedy_pipelines_trees() -> None:
    import spacy
    from spacy.parts_of_speech import NAMES

    from index.attribution import parse as parse_module

    sentences = news_sentences(400)
    assert len(sentences) == 400
    parse = load_parser()
    assert parse is not None
    nlp = parse_module._load_with_ops(spacy, parse_module._numpy_blas_ops())
    words_of = parse_module._WordReader(nlp.vocab.strings, NAMES)
    greedy = [words_of(doc) for doc in nlp.pipe(sentences, batch_size=64)]  # spaCy's own loop
    assert parse(sentences) == greedy
    # Batches do not leak into each other: one sentence alone parses as it did among the others.
    assert parse(sentences[130:131]) == greedy[130:131]
    # A batch holding a text of no words, and one of nothing but spaces.
    odd = ["", sentences[7], "   ", sentences[8]]
    assert parse(odd) == [words_of(doc) for doc in nlp.pipe(odd)]
    assert parse([""]) == [[]]
