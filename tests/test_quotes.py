"""Quote attribution on real sample text and on the patterns news writing uses."""

from __future__ import annotations

import re

import pytest

from index.models import Quote, Span
from index.paths import sample_corpus_dir
from index.quotes import find_quotes


def paragraphs(text: str) -> list[Span]:
    pattern = r"\S(?:.*?\S)??(?=[ \t\xa0\r]*\n[ \t\xa0\r]*\n|\s*$)"
    return [Span(*m.span()) for m in re.finditer(pattern, text, re.S)]


def quotes_of(text: str) -> list[Quote]:
    return find_quotes("doc", text, paragraphs(text))


def only(text: str) -> Quote:
    found = quotes_of(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "speaker", "cue"),
    [
        ('"We will not back down," said Jane Doe.', "Jane Doe", "said"),
        ('"We will not back down," Jane Doe said.', "Jane Doe", "said"),
        ("“We will not back down,” the mayor, Jane Doe, said.", "Jane Doe", "said"),
        ('Jane Doe said: "We will not back down."', "Jane Doe", "said"),
        ('The plan "will fail," according to finance minister Ali Veli.', "Ali Veli", "according to"),
        ("Prices will rise, a senior bank official told Reuters", "a senior bank official", "told"),
        ("Local media has reported that the bridge will open in May.", "Local media", "reported"),
        ("Regional officials have previously warned that the dam is unsafe.", "Regional officials", "warned"),
        ("The bridge will open in May, the ministry said on Monday.", "the ministry", "said"),
        ("The vote was delayed, as reported by City News.", "City News", "reported by"),
        ("John Smith, the family's lawyer, said the ruling was wrong.", "John Smith", "said"),
        ("According to a statement from the Ministry, 12 were held.", "Ministry", "according to"),
        ("Prices rose, with the central bank warning that it would last.", "the central bank", "warning"),
    ],
)
def test_attribution_patterns(text: str, speaker: str, cue: str) -> None:
    quote = only(text)
    assert quote.cue == cue
    assert quote.speaker == speaker
    assert text[quote.start : quote.end] == quote.text
    assert quote.speaker_start is not None and quote.speaker_end is not None
    assert text[quote.speaker_start : quote.speaker_end] == quote.speaker_as_written


@pytest.mark.parametrize("text", ['He said: ""', 'Mary said: " "', "Jon said: “…”", 'She wrote: "" then'])
def test_quotation_marks_around_no_words_are_not_a_quote(text: str) -> None:
    assert all(any(ch.isalnum() for ch in q.text) for q in quotes_of(text))


def test_quoted_as_saying_names_the_speaker_not_the_relay() -> None:
    text = "“Talks are over,” the Tass news agency quoted presidential aide Ivan Petrov as saying."
    quote = only(text)
    assert quote.speaker == "Ivan Petrov"
    assert quote.speaker_as_written == "presidential aide Ivan Petrov"
    assert quote.relay == "the Tass news agency"
    assert quote.text == "Talks are over,"


def test_continuation_quote_takes_the_previous_speaker() -> None:
    text = "“Talks are over,” said Ivan Petrov. “We are leaving. Nothing is agreed.”"
    found = quotes_of(text)
    assert [q.speaker for q in found] == ["Ivan Petrov", "Ivan Petrov"]
    assert found[1].text == "We are leaving. Nothing is agreed."
    assert found[1].cue is None


def test_a_quotation_after_someone_new_is_brought_in_is_not_the_earlier_speakers() -> None:
    text = (
        "“We want to thank all of the cities,” said NASA chief Charles Bolden. “This was a very"
        " difficult decision.”\n\nNot all were pleased. Senator John Cornyn of Texas issued a"
        " statement on the choice. “Like many Texans, I am disappointed with the decision.”"
    )
    found = quotes_of(text)
    assert [q.speaker for q in found] == ["Charles Bolden", "Charles Bolden", "John Cornyn"]
    assert [q.cue is None for q in found] == [False, True, True]
    # With nobody brought in between, the quotation in the next paragraph goes on with Bolden's.
    plain = "“We want to thank all of the cities,” said NASA chief Charles Bolden.\n\n“This was hard.”"
    assert [q.speaker for q in quotes_of(plain)] == ["Charles Bolden", "Charles Bolden"]


@pytest.mark.parametrize(
    ("text", "reported"),
    [
        # A cue in a relative clause ("where they claimed", "who say") reports what follows it.
        (
            "On Monday, the company's lawyers went to the county court in East Springfield where they"
            " claimed Jones secretly took the files with him.",
            "Jones secretly took the files with him.",
        ),
        (
            "Mary Jones, who ran the shop for thirty years, had it closed by the city inspectors who say"
            " they acted legally.",
            "they acted legally",
        ),
        # Elsewhere the report before the speaker stays the report, however long the rest.
        (
            "The plan failed and was abandoned last year after the vote, officials said on Monday as"
            " they left.",
            "The plan failed and was abandoned last year after the vote",
        ),
        (
            "The economy grew by three percent last year as the finance minister predicted.",
            "The economy grew by three percent last year as",
        ),
    ],
)
def test_a_cue_in_a_relative_clause_reports_what_follows_it(text: str, reported: str) -> None:
    assert [q.text for q in quotes_of(text)] == [reported]


def test_a_quotation_mark_glued_to_the_next_word_is_read_as_its_own_word() -> None:
    # 'issue,"she said' (no space after the mark, common in text stripped of markup): the parse
    # must still see "she" as the subject of "said", so "adding that …" is her report too.
    text = '"We will wait for the court,"she said, adding that the talks would resume next week.'
    assert [(q.text, q.cue) for q in quotes_of(text)] == [
        ("We will wait for the court,", "said"),
        ("the talks would resume next week", "adding"),
    ]


def test_pronoun_and_role_resolve_to_named_people() -> None:
    text = (
        "President Anna Berg met Governor Tom Hale on Friday. Berg spoke first and Berg spoke last.\n\n"
        "The president later declared that the talks “went well.”\n\n"
        '"We disagree," he said.'
    )
    found = quotes_of(text)
    assert found[0].speaker == "Anna Berg"
    assert found[0].speaker_as_written == "The president"


def test_words_inside_quotes_are_not_cues() -> None:
    found = quotes_of('"He said nothing to us," Maria Lopez told reporters.')
    assert [q.speaker for q in found] == ["Maria Lopez"]


def test_a_capitalized_name_is_not_a_cue() -> None:
    assert quotes_of("The United States Reports office opened in 1990.") == []


def test_sample_articles() -> None:
    by_speaker: dict[str | None, list[Quote]] = {}
    for path in sorted(sample_corpus_dir().glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for q in find_quotes(path.name, text, paragraphs(text)):
            assert text[q.start : q.end] == q.text
            by_speaker.setdefault(q.speaker, []).append(q)
    assert "Ibrahim Kalin" in by_speaker
    assert by_speaker["Hogan Gidley"][0].speaker_as_written == "White House spokesman Hogan Gidley"
    ushako = by_speaker["Yuri Ushako"]
    assert len(ushako) == 2 and ushako[0].relay is not None and "TASS" in ushako[0].relay
    assert any(q.speaker_as_written == "The president" for q in by_speaker["Trump"])
    assert "Defense News" in by_speaker and "Turkish media" in by_speaker
    assert "the United States" in by_speaker  # "with the United States warning that ..."
    assert not any(s and s.endswith("United") for s in by_speaker)  # "States" is not a cue


def test_pronoun_takes_the_previous_sentence_subject() -> None:
    text = (
        "The Secretary-General presented the budget to the General Assembly. "
        "He said that the proposals reflect strict discipline.\n\n"
        "Development cannot wait, the Secretary-General added."
    )
    found = quotes_of(text)
    assert found[0].speaker == "The Secretary-General" and found[0].speaker_as_written == "He"
    assert all(q.speaker and "Assembly" not in q.speaker for q in found)


def test_she_says_and_a_following_quote_paragraph_belong_to_the_last_speaker() -> None:
    text = (
        "“Each piece takes two rows at a time,” Fifita explains.\n\n"
        "She says that older practices used symbols.\n\n"
        "“The practice is communal and shared by all.”"
    )
    assert [q.speaker for q in quotes_of(text)] == ["Fifita", "Fifita", "Fifita"]


def test_scare_quotes_are_not_speech() -> None:
    text = "“We will act,” said Ana Ruiz.\n\nIt is the year to help the “bottom billion” of the poor."
    assert [q.text for q in quotes_of(text)] == ["We will act,"]


def test_inverted_cue_needs_the_clause_to_end_and_told_names_the_listener() -> None:
    text = "The father who told police his daughter vanished has now told police she died, a warrant says."
    assert all(q.speaker != "police" for q in quotes_of(text))


def test_apposition_and_of_phrases_name_the_person() -> None:
    text = (
        "A third officer was wounded, Bryan Reyes, Police Chief told a news conference.\n\n"
        "Sergeant Kevin Perlich of the Richardson Police Department said the inquiry goes on.\n\n"
        "“By no means is it complete,” Perlich said."
    )
    assert [q.speaker for q in quotes_of(text)] == ["Bryan Reyes", "Kevin Perlich", "Kevin Perlich"]


def test_he_skips_groups_and_documents_for_the_person() -> None:
    text = (
        "Wesley Mathews reported his daughter missing.\n\n"
        "Mathews changed his story, according to police documents.\n\n"
        "He told detectives that the child choked."
    )
    assert quotes_of(text)[-1].speaker == "Wesley Mathews"


def test_and_said_takes_the_sentence_subject() -> None:
    text = "The Secretary-General presented the budget today, and told them that it was lean."
    (quote,) = quotes_of(text)
    assert quote.speaker == "The Secretary-General" and quote.text == "it was lean."


def test_mr_keeps_its_period_and_nouns_are_not_cues() -> None:
    text = (
        "But Mr. Powell said no decisions had been taken.\n\n"
        "Initial claims for unemployment benefits remain muted, and vacancies rose."
    )
    found = quotes_of(text)
    assert [(q.speaker, q.speaker_as_written) for q in found] == [("Powell", "Mr. Powell")]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            "“These results are exciting,” says study lead author Dr. Stanley Hazen, in a release.",
            "Stanley Hazen",
        ),
        ("Niacin may harm the heart, reports Study Finds.", "Study Finds"),
        ("One witness claims the father told her about it.", "One witness"),
        ("Fed Chair Jerome Powell said the report was welcome.", "Jerome Powell"),
        ("In their statement on Wednesday, officials reiterated that rates would rise.", "officials"),
        ("El-Rufai, who was on TV earlier on Wednesday alleged that some plotted.", "El-Rufai"),
        ("In an interview with Citi News, Acheampong emphasized that he meant no harm.", "Acheampong"),
    ],
)
def test_more_news_patterns(text: str, speaker: str) -> None:
    assert only(text).speaker == speaker


def test_a_scare_quote_inside_reported_speech_leaves_the_clause_as_the_quote() -> None:
    quote = only("Officials have said it “needs” the S-400 system and will buy it.")
    assert quote.kind == "reported" and quote.text.startswith("it “needs” the S-400")
