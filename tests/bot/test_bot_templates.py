"""Golden tests: each Discord template rendered from fixed data, compared with a file under golden/.

After an intended change, regenerate with ``CITEBOT_UPDATE_GOLDEN=1 pytest tests/bot`` and read the
diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jinja2
import pytest
from golden_people import people_cases

from bot.render import create_environment, render
from index.models import Answer, BuildReport, DocumentInfo, Hit, SkippedFile, Span

GOLDEN = Path(__file__).parent / "golden"
KALIN = (
    "\u201cThe US Patriot sale process does not affect the S-400 process. We don't see one as an "
    "alternative for the other,\u201d Kalin said."
)


def kalin_hit(**changes: Any) -> Hit:
    start = 500
    fields: dict[str, Any] = {
        "text": KALIN,
        "doc": "000_turkey.txt",
        "title": "Turkey says *Patriot* talks [ongoing] with the US",
        "paragraph": 4,
        "start": start,
        "end": start + len(KALIN),
        "score": 7.25,
        "speaker": "Ibrahim Kalin",
        "url": "https://example.com/news/turkey_(s-400)",
        "matches": tuple(
            Span(start + KALIN.index(w), start + KALIN.index(w) + len(w)) for w in ("Patriot", "S-400")
        ),
    }
    fields.update(changes)
    return Hit(**fields)


def mention_hit() -> Hit:
    text = "@everyone look: <@123> and <@&456> said **nothing** about it."
    return Hit(text=text, doc="notes/ping.md", title="Pings", paragraph=1, start=0, end=len(text), score=1.0)


CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "answer_answered": (
        "answer.md.j2",
        {
            "answer": Answer("what did Kalin say about Patriots?", True, (kalin_hit(),)),
            "answers": [kalin_hit(), kalin_hit(speaker=None, url=None, paragraph=9)],
            "related": [],
            "budget": 1200,
        },
    ),
    "answer_no_answer": (
        "answer.md.j2",
        {
            "answer": Answer(
                "what did Bob say?", False, (), (mention_hit(),), reason="Nobody named Bob is quoted."
            ),
            "answers": [],
            "related": [mention_hit()],
            "budget": 1200,
        },
    ),
    "answer_tight_budget": (
        "answer.md.j2",
        {
            "answer": Answer("q", True, (kalin_hit(),)),
            "answers": [kalin_hit()],
            "related": [],
            "budget": 60,
        },
    ),
    "support_found": (
        "support.md.j2",
        {
            "answer": Answer("claim", True, (kalin_hit(),)),
            "answers": [kalin_hit()],
            "related": [],
            "claim": "The Patriot sale does not affect the S-400",
            "budget": 1200,
        },
    ),
    "support_none": (
        "support.md.j2",
        {
            "answer": Answer("claim", False, (), (kalin_hit(),)),
            "answers": [],
            "related": [kalin_hit()],
            "claim": "Turkey cancelled the S-400",
            "budget": 1200,
        },
    ),
    "search_page": (
        "search.md.j2",
        {"hits": [kalin_hit(), mention_hit()], "offset": 5, "budget": 700},
    ),
    "search_empty": ("search.md.j2", {"hits": [], "offset": 0, "budget": 700}),
    "sources_page": (
        "sources.md.j2",
        {
            "documents": [
                DocumentInfo("000_turkey.txt", "Turkey *says*", "https://example.com/t", 12, 5000),
                DocumentInfo("odd`name.md", "", None, 1, 10),
            ],
            "offset": 10,
            "budget": 150,
            "added": {},
        },
    ),
    "source_passage": (
        "source.md.j2",
        {
            "before": {"number": 3, "text": "The talks went on. " * 20},
            "focus": {"number": 4, "text": KALIN},
            "after": {"number": 5, "text": "# Not a header\n> not a quote"},
            "total": 9,
            "budget": 400,
        },
    ),
    "reindex_report": (
        "reindex.md.j2",
        {
            "report": BuildReport(
                documents=4,
                added=["new.txt"],
                changed=["a.md", "b.md"],
                removed=[],
                unchanged=1,
                skipped=[SkippedFile("img.png", "binary file"), SkippedFile("bad.txt", "not UTF-8 text")],
            ),
            "documents": 4,
            "seconds": 2.345,
            "budget": 1200,
        },
    ),
    "reindex_many_skipped": (
        "reindex.md.j2",
        {
            "report": BuildReport(skipped=[SkippedFile(f"f{i}.bin", "binary file") for i in range(30)]),
            "documents": 0,
            "seconds": 0.1,
            "budget": 120,
        },
    ),
    "error_user": ("error.md.j2", {"message": "No document matches “x”.", "bug": False}),
    "error_bug": ("error.md.j2", {"message": "", "bug": True}),
}
CASES.update(people_cases())


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    return create_environment()


@pytest.mark.parametrize("case", sorted(CASES))
def test_template_matches_golden(env: jinja2.Environment, case: str) -> None:
    template, context = CASES[case]
    rendered = render(env, template, **context) + "\n"
    path = GOLDEN / f"{case}.md"
    if os.environ.get("CITEBOT_UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}; run with CITEBOT_UPDATE_GOLDEN=1 and review it"
    assert rendered == path.read_text(encoding="utf-8")


def test_every_template_has_a_golden_case() -> None:
    templates = {p.name for p in (Path(__file__).parents[2] / "bot" / "templates").glob("*.md.j2")}
    covered = {template for template, _ in CASES.values()} | {"help_mention.md.j2"}
    assert templates <= covered


def test_no_golden_file_is_orphaned() -> None:
    assert {p.stem for p in GOLDEN.glob("*.md")} <= set(CASES)
