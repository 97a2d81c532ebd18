"""Attribution time grows linearly with the text: nothing done per quote may scan the whole document.

Timings are compared as ratios between two sizes of the same text (8x apart), never against a
fixed number of seconds: linear work gives a ratio near 8, work per quote over the whole text a
ratio near 64. The bound leaves room for a noisy shared machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from index.attribution.parse import load_parser
from index.models import Span
from index.quotes import find_quotes

_ARTICLE = (
    "Turkish presidential spokesman Ibrahim Kalin said on Monday that the sale would go ahead. "
    '"We will not give up," he said. "It is over," Mr. Kalin added. '
    "According to the Committee to Protect Journalists (CPJ), reporters were held. "
    "Perlich, a police sergeant, told reporters the inquiry goes on, and she said it was lean. "
)
_GROWTH = 8
_LINEAR_BOUND = 3 * _GROWTH  # quadratic work would give about 64


def _seconds(run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def _ratio(text_of: Callable[[int], tuple[str, list[Span]]], parser: object, base: int) -> float:
    def attribute(copies: int) -> Callable[[], object]:
        text, paragraphs = text_of(copies)
        return lambda: find_quotes("doc", text, paragraphs, parser=parser)  # type: ignore[arg-type]

    small, large = attribute(base), attribute(base * _GROWTH)
    small()  # warm caches (folding, lexicon) before timing
    return _seconds(large) / _seconds(small)


def _paragraphs(copies: int) -> tuple[str, list[Span]]:
    text = "\n\n".join([_ARTICLE] * copies)
    spans, at = [], 0
    for _ in range(copies):
        spans.append(Span(at, at + len(_ARTICLE)))
        at += len(_ARTICLE) + 2
    return text, spans


def _one_paragraph(copies: int) -> tuple[str, list[Span]]:
    text = _ARTICLE * copies
    return text, [Span(0, len(text))]


def test_rule_layer_scales_linearly_over_many_paragraphs() -> None:
    assert _ratio(_paragraphs, None, 80) < _LINEAR_BOUND


def test_rule_layer_scales_linearly_within_one_huge_paragraph() -> None:
    assert _ratio(_one_paragraph, None, 80) < _LINEAR_BOUND


def test_parsed_attribution_scales_linearly() -> None:
    parse = load_parser()
    assert parse is not None
    counted: list[int] = []

    def counting(texts: Sequence[str]) -> list[list[tuple[int, int, str, str, str, str, int]]]:
        counted.append(len(texts))
        return parse(texts)

    assert _ratio(_paragraphs, counting, 5) < _LINEAR_BOUND
    # Only sentences that may hold an attribution are parsed, each once per run.
    assert counted and max(counted) <= 5 * _GROWTH * _ARTICLE.count(". ")
