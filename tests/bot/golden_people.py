"""Golden cases for the corpus, speaker and gaps templates (added to test_bot_templates' CASES)."""

from __future__ import annotations

from typing import Any

from bot.state import WRONG_REASONS, AuditEntry, Gap, Gaps, WrongAnswer
from index.models import BuildReport, DocumentInfo, Hit, SkippedFile
from index.speakers import Speaker

QUOTE = "“We will reopen the quay in March,” said Maria Lopez, the harbour master."


def _hit(page: int | None, paragraph: int) -> Hit:
    return Hit(
        text=QUOTE,
        doc="uploads/harbour-report.pdf",
        title="Harbour *Annual* Report",
        paragraph=paragraph,
        start=100,
        end=100 + len(QUOTE),
        score=0.0,
        speaker="Maria Lopez",
        page=page,
    )


_REPORT = BuildReport(
    documents=3,
    added=["uploads/harbour-report.pdf"],
    unchanged=2,
    skipped=[SkippedFile("x.pdf#page=3", "no text")],
)


def people_cases() -> dict[str, tuple[str, dict[str, Any]]]:
    lopez = Speaker(
        "maria lopez",
        "Maria Lopez",
        ("Maria Lopez", "Lopez", "LÓPEZ"),
        (1, 2, 3),
        ("uploads/harbour-report.pdf", "notes.txt"),
    )
    ping = Speaker("everyone", "@everyone <@123>", ("@everyone <@123>",), (4,), ("notes.txt",))
    return {
        "sources_added": (
            "sources.md.j2",
            {
                "documents": [
                    DocumentInfo("uploads/harbour-report.pdf", "Harbour Annual Report", None, 31, 9000)
                ],
                "offset": 0,
                "budget": 150,
                "added": {
                    "uploads/harbour-report.pdf": AuditEntry(
                        "2026-11-29T15:00:00Z", "add", "uploads/harbour-report.pdf", "ad*min* @here", ""
                    )
                },
            },
        ),
        "corpus_add": (
            "corpus_add.md.j2",
            {
                "stored": [("Harbour report.pdf", "uploads/Harbour_report.pdf")],
                "refused": [
                    ("../../x", "not a document I can read (binary data that is not PDF or DOCX)"),
                    (
                        "bomb`.docx",
                        "bomb-like DOCX (unpacks to 1,073,741,837 bytes; the limit is 209,715,200)",
                    ),
                ],
                "note": "",
                "report": _REPORT,
                "documents": 3,
                "seconds": 0.42,
                "budget": 1200,
            },
        ),
        "corpus_add_refused": (
            "corpus_add.md.j2",
            {
                "stored": [],
                "refused": [("setup.exe", "not a document I can read (binary data that is not PDF or DOCX)")],
                "note": "",
                "report": None,
                "documents": 0,
                "seconds": 0.0,
                "budget": 1200,
            },
        ),
        "corpus_remove": (
            "corpus_remove.md.j2",
            {
                "title": "Harbour *Annual* Report",
                "doc": "uploads/harbour-report.pdf",
                "note": "A reindex was already running; run /reindex when it is done to include this change.",
                "report": None,
                "documents": 0,
                "seconds": 0.0,
                "budget": 1200,
            },
        ),
        "speakers_page": (
            "speakers.md.j2",
            {
                "speakers": [lopez, ping],
                "offset": 0,
                "sources": {"maria lopez": "Harbour Annual Report · notes.txt", "everyone": "notes.txt"},
                "filtered": False,
                "budget": 300,
            },
        ),
        "speakers_none": (
            "speakers.md.j2",
            {"speakers": [], "offset": 0, "sources": {}, "filtered": True, "budget": 300},
        ),
        "speaker_quotes": (
            "speaker_quotes.md.j2",
            {"hits": [_hit(12, 31), _hit(None, 2)], "offset": 5, "topic": None, "budget": 700},
        ),
        "speaker_quotes_none": (
            "speaker_quotes.md.j2",
            {"hits": [], "offset": 0, "topic": "ferries", "budget": 700},
        ),
        "gaps": (
            "gaps.md.j2",
            {
                "gaps": Gaps(
                    [Gap("When does the *ferry* run?", 4, "2026-11-29T15:00:00Z")],
                    [
                        WrongAnswer(
                            "Who reopened the quay?",
                            "uploads/harbour-report.pdf",
                            31,
                            "Maria Lopez",
                            QUOTE,
                            3,
                            1,
                            {"speaker": 2, "context": 1},
                        )
                    ],
                ),
                "reasons": WRONG_REASONS,
                "budget": 200,
            },
        ),
        "gaps_empty": ("gaps.md.j2", {"gaps": Gaps([], []), "reasons": WRONG_REASONS, "budget": 200}),
    }
