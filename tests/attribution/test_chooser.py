"""The speaker chooser: candidates, the shipped model, abstention, and its training command."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from index.attribution import chooser_train
from index.attribution.candidates import NameMentions, gather
from index.attribution.chooser import FEATURES, LearnedChooser, RuleChooser, shipped_chooser
from index.attribution.entities import NameIndex
from index.attribution.parse import model_version
from index.models import Span
from index.quotes import find_quotes


def paragraphs(text: str) -> list[Span]:
    return [Span(*m.span()) for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text)]


ARTICLE = (
    "Governor Tom Hale opened the new bridge on Friday.\n\n"
    "“It will carry ten thousand cars a day,” Hale said.\n\n"
    "“We built it in two years.”\n\n"
    "Critics of the plan, led by Anna Berg, said it cost too much."
)


def test_the_shipped_chooser_matches_the_code_and_is_in_the_fingerprint() -> None:
    chooser = shipped_chooser()
    assert len(chooser.weights) == len(FEATURES)
    assert 0.0 < chooser.threshold < 1.0
    assert model_version().endswith("+chooser-" + chooser.version)


def test_a_chooser_trained_on_other_features_is_refused() -> None:
    data = json.loads((Path(__file__).parents[2] / "index/attribution/chooser.json").read_text("utf-8"))
    data["features"] = data["features"][:-1]
    with pytest.raises(ValueError, match="retrain"):
        LearnedChooser.from_json(data)


def test_shipped_chooser_keeps_named_speakers_and_continues_quotations() -> None:
    found = find_quotes("doc", ARTICLE, paragraphs(ARTICLE))
    assert [(q.text, q.speaker) for q in found][:2] == [
        ("It will carry ten thousand cars a day,", "Tom Hale"),
        ("We built it in two years.", "Tom Hale"),
    ]
    assert all(ARTICLE[q.start : q.end] == q.text for q in found)


def test_below_the_threshold_a_quote_keeps_no_speaker_but_stays_a_quote() -> None:
    cautious = LearnedChooser(shipped_chooser().weights, shipped_chooser().intercept, 1.0, "test")
    found = find_quotes("doc", ARTICLE, paragraphs(ARTICLE), chooser=cautious)
    assert found, "quotes are still found"
    for quote in found:
        assert ARTICLE[quote.start : quote.end] == quote.text
        assert quote.speaker is None and quote.speaker_as_written is None and quote.speaker_start is None
        assert quote.speaks_for is None and quote.speaker_roles is None


def test_the_rule_chooser_gives_what_the_rules_gave() -> None:
    found = find_quotes("doc", ARTICLE, paragraphs(ARTICLE), chooser=RuleChooser())
    assert [q.speaker for q in found][:2] == ["Tom Hale", "Tom Hale"]


def test_name_mentions_find_every_variant_by_bisection() -> None:
    text = "Ibrahim Kalin spoke. Later Mr. Kalin left, and Monday Kalin returned."
    mentions = NameMentions.of(text, NameIndex.of(text))
    assert mentions.names == ["Ibrahim Kalin"] * 3
    found = mentions.nearest_before(text.index("left"))
    assert found is not None and text[found[0].start : found[0].end] == "Kalin"
    assert mentions.first_within(text.index("Later"), len(text)) == (found[0], "Ibrahim Kalin")


def test_candidates_merge_by_folded_name_and_keep_every_source() -> None:
    merged = gather(
        [("own", "Ibrahim Kalın", Span(0, 5)), ("previous", "ibrahim kalin", None), ("nearest", "", None)]
    )
    assert len(merged) == 1 and merged[0].sources == {"own", "previous"} and merged[0].mention == Span(0, 5)


def test_the_threshold_sits_between_what_it_drops_and_what_it_keeps() -> None:
    best = [(0.2, True), (0.3, False), (0.6, True), (0.7, True)]
    assert chooser_train.pick_threshold(best, cost=2.0, slack=0.0) == pytest.approx(0.45)
    assert chooser_train.pick_threshold(best, cost=0.1, slack=0.0) == 0.0  # wrong ones cost little: keep all
    # Dropping (0.2, right) and (0.3, wrong) wins by one speaker only: within the slack, keep them.
    assert chooser_train.pick_threshold(best, cost=2.0, slack=1.0) == 0.0


def test_folds_group_whole_documents() -> None:
    docs = [f"{n:02d}.txt" for n in range(11)]
    folds = chooser_train.folds_of(docs, 5, seed=0)
    assert set(folds) == set(docs) and set(folds.values()) == set(range(5))
    assert folds == chooser_train.folds_of(list(reversed(docs)), 5, seed=0)  # seeded, order-free


def _write_news(root: Path) -> None:
    """A tiny dev set in the news set's layout: articles and their gold attributions."""
    stories = {
        "a.txt": (
            "Tom Hale",
            "Mayor Tom Hale said the bridge will open in May.",
            "the bridge will open in May",
        ),
        "b.txt": ("Anna Berg", "“Prices will rise,” Anna Berg said on Monday.", "Prices will rise,"),
        "c.txt": ("Li Wei", "Li Wei, a farmer, told reporters the rain came late.", "the rain came late"),
        "d.txt": ("Sam Ko", "“We are ready,” said coach Sam Ko. “The team is fit.”", "We are ready,"),
    }
    (root / "corpus").mkdir(parents=True)
    gold = []
    for name, (speaker, sentence, content) in stories.items():
        text = f"Headline for {name}\n\nJo Park met the press at noon. {sentence}\n"
        (root / "corpus" / name).write_text(text, encoding="utf-8")
        start = text.index(content)
        mention = text.index(speaker)
        gold.append(
            {
                "doc": name,
                "content": [[start, start + len(content)]],
                "speaker": speaker,
                "speaker_span": [mention, mention + len(speaker)],
                "cue": [0, 0],
                "kind": "direct",
            }
        )
    (root / "gold.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gold), encoding="utf-8")


def test_the_training_command_reports_held_out_figures_and_writes_json(tmp_path: Path) -> None:
    _write_news(tmp_path / "news")
    out = tmp_path / "chooser.json"
    news = str(tmp_path / "news")
    command = [sys.executable, "-m", "index.attribution.chooser_train", "--news", news, "--folds", "2"]
    run = subprocess.run(
        [*command, "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "held-out chooser: accuracy" in run.stdout and "held-out quotes, chooser: recall" in run.stdout
    written = json.loads(out.read_text("utf-8"))
    assert written["features"] == list(FEATURES) and "held_out" in written
    LearnedChooser.from_json(written)  # loads as the shipped one would


def test_building_and_answering_never_import_scikit_learn() -> None:
    code = "import sys, index.quotes, index.attribution.chooser; print('sklearn' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"


def test_he_never_refers_to_a_woman() -> None:
    text = (
        "Kiara Perkins, an art student, admitted she was willing to skip class.\n\n"
        "For Kevin Allton, an instructor, the show was a legend. "
        'He said, "Warhol was the center of the Zeitgeist."'
    )
    found = find_quotes("doc", text, paragraphs(text))
    said = [q for q in found if q.text.startswith("Warhol")]
    assert said and said[0].speaker != "Kiara Perkins"
