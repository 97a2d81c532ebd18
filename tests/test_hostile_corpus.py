"""Files a careful tester (or an old zip) puts in a corpus: none of them may stop a build.

Each case is one failure observed against the README's promise that one bad file never stops the
rest; the build must finish, report what it skipped and why, and answer verbatim from the rest.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from index import build_index, ensure_index, open_index
from index import corpus as corpus_module
from index.corpus import MAX_DEPTH, SHOWN_LINES, is_navigation, load_file, scan_corpus
from index.models import Document, SkippedFile

FILLER = "Weather\n\nRain is expected.\n\nWinds stay light.\n\nFog lifts by noon.\n"
GOOD = "Harbor news\n\nThe harbor master said the quay would reopen on Monday.\n"


def _corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "good.txt").write_text(GOOD, "utf-8")
    # BM25 gives a term in half of the passages no weight: other text keeps the good file findable.
    (root / "other.txt").write_text(FILLER, "utf-8")
    return root


def _verbatim(index_dir: Path, corpus: Path) -> None:
    """Every search hit for the good file's words is exactly its text at the offsets."""
    index = open_index(index_dir)
    hits = index.search("quay reopen")
    assert hits and hits[0].doc == "good.txt"
    for hit in hits:
        assert index.document(hit.doc).text[hit.start : hit.end] == hit.text


def test_a_file_name_that_is_not_utf8_is_indexed_under_an_escaped_name(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    with open(os.path.join(os.fsencode(corpus), b"caf\xe9.txt"), "wb") as handle:
        handle.write(b"Cafe menu\n\nThe chef said the soup of the day is lentil.\n")
    built = build_index(corpus, tmp_path / "index")
    assert "caf\\xe9.txt" in built.report.added  # type: ignore[union-attr]
    hit = built.search("lentil soup")[0]
    assert hit.doc == "caf\\xe9.txt" and hit.text.startswith("The chef said")
    assert not open_index(tmp_path / "index").is_stale(corpus)
    _verbatim(tmp_path / "index", corpus)


def test_html_nested_thousands_deep_is_read(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    depth = 5_000
    html = "<html><body>" + "<div>" * depth + "<p>Deep walrus fact.</p>" + "</div>" * depth + "</body></html>"
    (corpus / "deep.html").write_text(html, "utf-8")
    built = build_index(corpus, tmp_path / "index")
    assert built.search("walrus")[0].text == "Deep walrus fact."
    _verbatim(tmp_path / "index", corpus)


def test_a_jsonl_line_nested_too_deep_is_a_bad_line(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    lines = [json.dumps({"text": "Narwhals have tusks."}), "[" * 100_000]
    (corpus / "deep.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    built = build_index(corpus, tmp_path / "index")
    reasons = {s.path: s.reason for s in built.report.skipped}  # type: ignore[union-attr]
    assert "line 2" in reasons["deep.jsonl"]
    assert built.search("narwhals")[0].doc == "deep.jsonl#1"


def _nest(root: Path, depth: int, leaf: str, data: bytes) -> None:
    """Folders ``d/d/.../d`` ``depth`` deep with one file at the bottom, made and later removed one
    level at a time (pathlib, os.makedirs and shutil.rmtree all recurse)."""
    fds = [os.open(root, os.O_RDONLY)]
    for _ in range(depth):
        os.mkdir("d", dir_fd=fds[-1])
        fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
    with open(os.open(leaf, os.O_WRONLY | os.O_CREAT, dir_fd=fds[-1]), "wb") as handle:
        handle.write(data)
    for fd in fds:
        os.close(fd)


def _unnest(root: Path, depth: int, leaf: str) -> None:
    fds = [os.open(root, os.O_RDONLY)]
    for _ in range(depth):
        fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
    os.unlink(leaf, dir_fd=fds[-1])
    for parent in reversed(fds[:-1]):
        os.close(fds.pop())
        os.rmdir("d", dir_fd=parent)
    os.close(fds.pop())


def test_a_folder_nested_deeper_than_the_limit_is_reported(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    _nest(corpus, 1_200, "lost.txt", b"Lost\n\nToo deep to read.\n")
    shallow = corpus / "d" / "d" / "near.txt"
    shallow.write_text("Near\n\nOtters hold hands.\n", "utf-8")
    built = build_index(corpus, tmp_path / "index")
    report = built.report
    assert report is not None
    deep = [s for s in report.skipped if "deeper than" in s.reason]
    assert len(deep) == 1 and deep[0].path.count("/") == MAX_DEPTH
    assert built.search("otters")[0].doc == "d/d/near.txt"
    _verbatim(tmp_path / "index", corpus)
    shallow.unlink()
    _unnest(corpus, 1_200, "lost.txt")


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\r", "\x0b", "\x0c", "\x1c"])
def test_jsonl_records_keep_unicode_line_separators(tmp_path: Path, separator: str) -> None:
    corpus = _corpus(tmp_path)
    text = f"Before the break.{separator}After the break about beavers."
    raw = json.dumps({"id": "x", "text": text}, ensure_ascii=False)
    (corpus / "seps.jsonl").write_text(raw + "\n" + json.dumps({"text": "Second record."}) + "\n", "utf-8")
    built = build_index(corpus, tmp_path / "index")
    assert built.report is not None and not built.report.skipped
    document = built.document("seps.jsonl#x")
    assert document.text == text
    hit = built.search("beavers")[0]
    assert document.text[hit.start : hit.end] == hit.text


def test_bad_jsonl_lines_are_one_capped_report_entry_per_file(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    lines = [
        json.dumps({"text": f"Record {i} about puffins."}) if i % 10 else "{bad" for i in range(1, 5_001)
    ]
    (corpus / "many.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    built = build_index(corpus, tmp_path / "index")
    report = built.report
    assert report is not None
    (entry,) = [s for s in report.skipped if s.path.startswith("many.jsonl")]
    assert entry.reason.startswith("500 bad lines skipped")
    assert "lines 10, 20, 30" in entry.reason and "and 490 more" in entry.reason
    assert entry.reason.count(",") <= SHOWN_LINES + 2  # the count's thousands separator aside
    assert report.documents == 2 + 4_500


def test_html_declaring_a_legacy_charset_is_decoded(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
        "<title>Caf\xe9</title></head><body><p>The caf\xe9 serves cr\xe8me br\xfbl\xe9e.</p></body></html>"
    )
    (corpus / "latin.html").write_bytes(html.encode("latin-1"))
    built = build_index(corpus, tmp_path / "index")
    assert built.report is not None and not built.report.skipped
    document = built.document("latin.html")
    assert document.title == "Café" and "crème brûlée" in document.text


def test_html_with_undeclared_bad_bytes_is_skipped_with_a_reason(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    (corpus / "odd.html").write_bytes(b"<p>caf\xe9</p>")
    built = build_index(corpus, tmp_path / "index")
    reasons = {s.path: s.reason for s in built.report.skipped}  # type: ignore[union-attr]
    assert "not UTF-8" in reasons["odd.html"]


def test_a_badge_line_is_not_a_markdown_title(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    (corpus / "README.md").write_text(
        "[![Build](https://ci.example/badge.svg)](https://ci.example) ![PyPI](https://img.example/v.svg)\n"
        "<!-- a comment -->\n"
        "# Pelican Tracker\n\nIt tracks pelicans.\n",
        "utf-8",
    )
    built = build_index(corpus, tmp_path / "index")
    assert built.document("README.md").title == "Pelican Tracker"


@pytest.mark.parametrize(
    ("paragraph", "navigation"),
    [
        ("Next: Sorting HOW TO, Previous: Logging HOWTO, Up: Python HOWTOs [Contents][Index]", True),
        ("Up: Top | Next: Chapter 2", True),
        ("Next: the minister said the vote would come in March.", False),
        ("The index: a list of terms. Contents: see above.", True),
        ("Next: " + "a long paragraph about votes " * 20 + " Previous: none", False),
    ],
)
def test_navigation_paragraphs(paragraph: str, navigation: bool) -> None:
    assert is_navigation(paragraph) is navigation


def test_site_navigation_is_never_an_answer(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    (corpus / "howto.html").write_text(
        "<html><body><div class='header'><p>Next: <a href='s.html'>Sorting HOW TO</a>, "
        "Previous: <a href='l.html'>Logging HOWTO</a>, Up: <a href='i.html'>Python HOWTOs</a></p></div>"
        "<h1>Sorting basics</h1><p>A simple ascending sort is very easy.</p></body></html>",
        "utf-8",
    )
    built = build_index(corpus, tmp_path / "index")
    assert all("Previous:" not in hit.text for hit in built.search("sorting howto logging", k=20))
    assert "Previous" not in built.document("howto.html").text


def test_an_index_inside_its_corpus_is_not_indexed_and_not_stale(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    index_dir = corpus / "index"
    build_index(corpus, index_dir)
    again = build_index(corpus, index_dir)
    assert again.report is not None
    assert [d.doc for d in again.documents()] == ["good.txt", "other.txt"]
    assert not any(s.path.startswith("index/") for s in again.report.skipped)
    assert not open_index(index_dir).is_stale(corpus)
    assert ensure_index(corpus, index_dir).generation == again.generation  # no rebuild on every ask


def test_a_bug_in_a_reader_costs_only_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = _corpus(tmp_path)
    (corpus / "page.html").write_text("<p>Fine page.</p>", "utf-8")

    def broken(doc: str, text: str) -> tuple[list[Document], list[SkippedFile]]:
        raise ZeroDivisionError("our bug")

    monkeypatch.setitem(corpus_module._TEXT_READERS, ".html", broken)
    built = build_index(corpus, tmp_path / "index")
    reasons = {s.path: s.reason for s in built.report.skipped}  # type: ignore[union-attr]
    assert reasons["page.html"] == corpus_module.INTERNAL_ERROR
    assert "ZeroDivisionError: our bug" in caplog.text  # the traceback is logged
    _verbatim(tmp_path / "index", corpus)


def test_files_changed_during_a_build_are_reported_and_picked_up(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    (corpus / "second.txt").write_text("Second\n\nSeals sleep on ice.\n", "utf-8")
    edited = corpus / "second.txt"

    edits: list[int] = []

    def edit_midway(done: int, total: int) -> None:
        if not edits:  # the first report of progress: after stamps were taken, before the build ends
            edits.append(done)
            edited.write_text("Second\n\nSeals now sleep on the beach instead.\n", "utf-8")
            (corpus / "late.txt").write_text("Late\n\nA late file about gulls.\n", "utf-8")

    built = build_index(corpus, tmp_path / "index", progress=edit_midway)
    assert built.report is not None
    assert built.report.changed_during_build == ["late.txt", "second.txt"]
    assert built.is_stale(corpus)
    fresh = ensure_index(corpus, tmp_path / "index")
    assert fresh.search("gulls") and "beach" in fresh.search("seals")[0].text


def test_unreadable_and_special_files_are_skipped(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    (corpus / "loop.txt").symlink_to(corpus / "loop.txt")
    os.mkfifo(corpus / "pipe.txt")
    sources, skipped = scan_corpus(corpus)
    reasons = {s.path: s.reason for s in skipped}
    assert "symlink" in reasons["loop.txt"] and "regular" in reasons["pipe.txt"]
    assert [s.rel for s in sources] == ["good.txt", "other.txt"]
    assert load_file(sources[0])[0][0].title == "Harbor news"


def test_an_index_whose_corpus_folder_vanished_still_serves(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    build_index(corpus, tmp_path / "index").close()
    for path in corpus.iterdir():
        path.unlink()
    corpus.rmdir()
    served = ensure_index(corpus, tmp_path / "index")
    assert served.warning is not None and "does not exist" in served.warning
    assert served.search("quay reopen")[0].doc == "good.txt"
