"""Property: any tree of files, with any names and any bytes, builds; every file is either indexed
or reported as skipped with a reason; and every answer is verbatim."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index import build_index

SUFFIXES = [b".txt", b".md", b".html", b".htm", b".jsonl", b".markdown", b".bin", b""]
WORDS = ["harbor", "minister", "said", "budget", "\u202e", "caf\u00e9", "\u2028", "\u200b", "Patriot", "\n\n"]
MARKUP = ['"', "<p>", "</div>", "<meta charset=latin-1>", "{", '"text": ', "[", ". ", "\r\n", "# "]

# Any bytes but "/" and NUL; folders and files get distinct prefixes so that names never collide.
raw_name = st.binary(min_size=1, max_size=10).filter(lambda b: b"/" not in b and b"\x00" not in b)
text_body = st.lists(st.sampled_from(WORDS + MARKUP), max_size=60).map(" ".join)
body = st.one_of(
    st.binary(max_size=300),
    text_body.map(lambda t: t.encode("utf-8")),
    text_body.map(lambda t: t.encode("latin-1", "replace")),
    text_body.map(lambda t: ('{"text": "' + t.replace('"', "'").replace("\n", "\\n") + '"}\n').encode()),
)
entry = st.tuples(st.lists(raw_name, max_size=2), raw_name, st.sampled_from(SUFFIXES), body)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entry, min_size=1, max_size=12))
def test_any_tree_builds_reports_every_skip_and_answers_verbatim(
    entries: list[tuple[list[bytes], bytes, bytes, bytes]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(os.fsencode(tmp), b"corpus")
        os.mkdir(root)
        expected: set[str] = set()
        for folders, stem, suffix, data in entries:
            parts = [b"d-" + f for f in folders] + [b"f-" + stem + suffix]
            os.makedirs(os.path.join(root, *parts[:-1]), exist_ok=True)
            with open(os.path.join(root, *parts), "wb") as handle:
                handle.write(data)
            # Reported as its bytes, a byte that is not UTF-8 shown as a \xNN escape.
            expected.add(b"/".join(parts).decode("utf-8", "backslashreplace"))

        index = build_index(Path(os.fsdecode(root)), Path(tmp) / "index")
        report = index.report
        assert report is not None
        skipped = {s.path: s.reason for s in report.skipped}
        assert all(skipped.values())
        assert expected == set(index.manifest["files"]) | set(skipped)
        for info in index.documents():
            document = index.document(info.doc)
            for span in document.paragraphs:
                assert 0 <= span.start < span.end <= len(document.text)
        for query in ("harbor minister", "budget Patriot", "café"):
            for hit in index.search(query, k=50):
                assert index.document(hit.doc).text[hit.start : hit.end] == hit.text
        answer = index.ask("What did the minister say about the budget?")
        for hit in [*answer.answers, *answer.related]:
            assert index.document(hit.doc).text[hit.start : hit.end] == hit.text
        index.close()
