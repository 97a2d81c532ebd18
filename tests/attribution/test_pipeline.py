"""Attribution read off the shipped model's parse: cues, speakers, content, entities, fallbacks."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import pytest

from index import quotes as quotes_module
from index.attribution.cues import find_cues, lexicon, may_hold_cue, surface_forms
from index.attribution.entities import NameIndex
from index.attribution.parse import MAX_PARSE_CHARS, ParsedAhead, load_parser, model_version, parse_spans
from index.attribution.speakers import find_speaker
from index.models import Quote, Span
from index.quotes import find_quotes


def paragraphs(text: str) -> list[Span]:
    return [Span(*m.span()) for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text)]


def quotes_of(text: str) -> list[Quote]:
    return find_quotes("doc", text, paragraphs(text))


def test_the_shipped_model_loads_and_carries_a_version() -> None:
    assert load_parser() is not None
    assert model_version().startswith("citebot_attribution-")


@pytest.mark.parametrize(
    ("text", "speaker", "cue"),
    [
        ('"We will not back down," said Jane Doe, a union leader.', "Jane Doe", "said"),
        ("The plan failed, the minister's aide Tom Reyes told reporters on Monday.", "Tom Reyes", "told"),
        ("According to Health Ministry spokesman Ly Sovann, 12 people were infected.", "Ly Sovann", None),
        ("Officials said the road will reopen next week.", "Officials", "said"),
        ("Anna Berg, who chairs the board, warned that prices would rise.", "Anna Berg", "warned"),
        ("The mayor arrived late and said the budget was final.", "mayor", "said"),
    ],
)
def test_speaker_and_cue_come_from_the_parse(text: str, speaker: str, cue: str | None) -> None:
    found = quotes_of(text)
    assert found, text
    quote = found[0]
    assert quote.speaker is not None and speaker in quote.speaker
    if cue is not None:
        assert quote.cue == cue
    assert text[quote.start : quote.end] == quote.text


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ('"The town has no capacity" to help farmers, Ang Ky, chief of Stoung town, said.', "Ang Ky"),
        (
            "People suffer most once they contract AIDS, said Sum Kim Sean, an official with the agency.",
            "Sum Kim Sean",
        ),
        (
            (
                "Civil Defense director General Suleiman al-Amr, in remarks to television, "
                'said "All were taken away."'
            ),
            "Suleiman al-Amr",
        ),
        (
            (
                "The secretary general of CEI (Italian Episcopal Conference), Nunzio Galantino, "
                'has called it "a danger".'
            ),
            "Nunzio Galantino",
        ),
        ("Australian woman claims Church of Scientology imprisoned her for twelve years", "Australian woman"),
        (
            'Discussing his concern, Malaysia\'s Prime Minister, Najib Razak said, "We are in contact."',
            "Najib Razak",
        ),
    ],
)
def test_news_layouts_the_treebanks_lack(text: str, speaker: str) -> None:
    found = quotes_of(text)
    assert [q.speaker for q in found][:1] == [speaker], found


def test_an_agentless_passive_cue_names_nobody() -> None:
    assert quotes_of("In 1995, at age seventeen, she was told to disconnect from her mother.") == []


def test_a_quoted_title_after_a_preposition_is_not_speech() -> None:
    text = '"It is time to say goodbye," Microsoft says on "The Internet Explorer 6 Countdown".'
    assert [q.text for q in quotes_of(text)] == ["It is time to say goodbye,"]


def test_two_apostrophes_work_as_quote_marks() -> None:
    text = "''We will not give up,'' said Ibrahim Kalin, the spokesman."
    [quote] = quotes_of(text)
    assert quote.text == "We will not give up," and quote.speaker == "Ibrahim Kalin"


def test_a_press_secretary_speaks_for_his_principal_not_as_him() -> None:
    text = "According to Putin's press secretary Dmitry Peskov, the talks will resume in May."
    [quote] = quotes_of(text)
    assert quote.speaker == "Dmitry Peskov" and quote.speaks_for == "Putin"


def test_days_never_speak_and_negated_cues_are_not_cues() -> None:
    assert not any(q.speaker == "Sunday" for q in quotes_of("On Sunday said nothing new happened."))
    assert quotes_of("Officials have not said why the talks ended.") == []


def test_a_cue_inside_another_report_is_part_of_it() -> None:
    text = "Kim Min-Woo conceded a goal after the referee said it was a penalty, officials said."
    speakers = [q.speaker for q in quotes_of(text)]
    assert "referee" not in " ".join(s or "" for s in speakers)


def test_naming_verbs_need_a_quoted_or_as_complement() -> None:
    assert quotes_of("The senator called the police at noon.") == []
    [quote] = quotes_of('The senator called the ruling "a disgrace to the court" on Friday.')
    assert quote.speaker == "senator" or (quote.speaker or "").endswith("senator")


def test_lexicon_forms_feed_the_prefilter() -> None:
    assert {"say", "tell", "dub", "urge"} <= set(lexicon())
    forms = surface_forms()
    assert forms["said"] == "say" and forms["told"] == "tell" and forms["admitted"] == "admit"
    assert may_hold_cue("Villagers Say They Lack Food", 0, 28)
    assert not may_hold_cue("The river rose overnight.", 0, 25)


def test_cues_inside_quotation_marks_are_someone_elses_words() -> None:
    text = '"They said no," he added.'
    parse = load_parser()
    assert parse is not None
    [sentence] = parse_spans(text, [Span(0, len(text))], parse)
    assert sentence is not None
    cues = find_cues(sentence, [Span(0, 15)])
    assert [sentence.tokens[c.token].text for c in cues] == ["added"]
    mention = find_speaker(sentence, cues[0], [Span(0, 15)])
    assert mention is not None and mention.pronoun


def test_a_failing_parser_falls_back_to_the_rules_with_a_logged_reason(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(texts: Sequence[str]) -> list[list[tuple[int, int, str, str, str, str, int]]]:
        raise RuntimeError("model exploded")

    text = '"We will win," said Jane Doe.'
    with caplog.at_level(logging.WARNING):
        found = find_quotes("doc", text, paragraphs(text), parser=broken)
    assert [q.speaker for q in found] == ["Jane Doe"]
    assert "model exploded" in caplog.text


def test_odd_text_is_attributed_without_crashing_and_long_sentences_are_not_parsed() -> None:
    long_line = "word " * (MAX_PARSE_CHARS // 2) + 'said Jane Doe "yes."'
    text = "\n\n".join(
        [
            "Emoji 🎉🎉 said nothing \u200f\u202e right-to-left marks \u202c.",
            "| a | b |\n| said | x |",
            long_line,
        ]
    )
    for quote in quotes_of(text):
        assert text[quote.start : quote.end] == quote.text
    parse = load_parser()
    assert parse is not None
    assert parse_spans(long_line, [Span(0, len(long_line))], parse) == [None]


def test_one_person_under_every_variant_of_the_name() -> None:
    text = (
        "Turkish presidential spokesman Ibrahim Kalin spoke on Monday. Kalın said the sale goes on. "
        "The Committee to Protect Journalists (CPJ) said the same. Mr. Kalin added more."
    )
    names = NameIndex.of(text)
    assert names.expand("Kalin") == "Ibrahim Kalin"
    assert names.expand("Kalın") == "Ibrahim Kalin"
    assert names.expand("CPJ") == "Committee to Protect Journalists"
    assert names.by_role(frozenset({"spokesman"}), len(text)) == "Ibrahim Kalin"


def test_parsing_in_small_windows_attributes_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\n\n".join(
        [
            '"We will not give up," said Ibrahim Kalin. "It is over," he added. Officials said it failed.',
            "The mayor arrived late.",
            "According to the Committee to Protect Journalists (CPJ), reporters were held.",
            '"Prices will rise," Anna Berg, chief of the bank, said. She said rates would follow.',
        ]
    )
    whole = quotes_of(text)
    monkeypatch.setattr(quotes_module, "_PARSE_WINDOW", 1)
    assert quotes_of(text) == whole and len(whole) >= 5


def test_sentences_parsed_ahead_are_exactly_those_find_quotes_asks_for() -> None:
    """A document's parse requests, parsed ahead in one call, leave find_quotes nothing to parse
    itself, and attribute as parsing the document alone does."""
    parse = load_parser()
    assert parse is not None
    calls: list[list[str]] = []

    def recording(texts: Sequence[str]) -> list[list[tuple[int, int, str, str, str, str, int]]]:
        calls.append(list(texts))
        return parse(texts)

    text = "\n\n".join(
        [
            "Villagers Say They Lack Food After Floods",
            '"We will not give up," said Ibrahim Kalin.\u00a0"It is over," he added. The river rose.',
            "According to the Committee to Protect Journalists (CPJ), reporters were held.",
            "The mayor arrived late.",
        ]
    )
    plan = quotes_module.plan_attribution(text, paragraphs(text))
    requests = plan.requests()
    assert len(requests) >= 3 and all(len(r) <= MAX_PARSE_CHARS for r in requests)
    ahead = ParsedAhead(recording, requests)
    found = find_quotes("doc", text, paragraphs(text), parser=ahead, plan=plan)
    assert len(calls) == 1  # the ahead call only: find_quotes asked for nothing else
    assert find_quotes("doc", text, paragraphs(text), parser=ahead) == found and len(calls) == 1
    assert found == find_quotes("doc", text, paragraphs(text), parser=parse) and len(found) >= 3


def test_parsed_ahead_parses_what_it_was_not_given_itself() -> None:
    asked: list[list[str]] = []

    def fake(texts: Sequence[str]) -> list[list[tuple[int, int, str, str, str, str, int]]]:
        asked.append(list(texts))
        return [[(0, len(t), t, "X", "X", "ROOT", 0)] for t in texts]

    ahead = ParsedAhead(fake, ["a b", "c", "a b", "x" * (MAX_PARSE_CHARS + 1)])
    assert asked == [["a b", "c"]]  # once each, too long ones left out
    assert [words[0][2] for words in ahead(["c", "new", "a b", "new"])] == ["c", "new", "a b", "new"]
    assert asked[1:] == [["new"]]
