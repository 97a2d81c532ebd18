"""News layouts read on the surface: a cue set off by commas, and mixed quotation marks."""

from __future__ import annotations

import re

from index.models import Span
from index.quotes import find_quotes


def paragraphs(text: str) -> list[Span]:
    return [Span(*m.span()) for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text)]


def test_a_cue_set_off_by_commas_names_the_speaker_after_it() -> None:
    text = "Institutional recipients, said Mauer, are required to exhibit the photographs every ten years."
    found = find_quotes("doc", text, paragraphs(text))
    assert [q.speaker for q in found] == ["Mauer"]


def test_a_straight_mark_closed_by_a_curly_one_is_a_quotation() -> None:
    text = 'Ann Lee wrote in a statement: "The plan is a mistake and I am so disappointed.“ We vote Monday.'
    found = find_quotes("doc", text, paragraphs(text))
    assert [(q.text, q.speaker) for q in found] == [
        ("The plan is a mistake and I am so disappointed.", "Ann Lee")
    ]
    assert all(text[q.start : q.end] == q.text for q in found)


def test_a_participle_takes_no_subject_after_it() -> None:
    text = (
        'One poster admitted to being a part of the effort, writing in a blog post "I have loaded the tool."'
    )
    found = find_quotes("doc", text, paragraphs(text))
    assert [q.speaker for q in found if q.text.startswith("I have")] == ["One poster"]


def test_an_organisation_with_a_participle_of_saying_speaks() -> None:
    text = 'The form "must be completed in English", the government recommending "online translation tools".'
    found = find_quotes("doc", text, paragraphs(text))
    assert ("online translation tools", "the government") in [(q.text, q.speaker) for q in found]


def test_a_subordinator_is_never_the_subject_of_a_cue() -> None:
    text = (
        'Sunak defended the record whilst promising an update is coming: "We are working as fast as we can."'
    )
    found = find_quotes("doc", text, paragraphs(text))
    assert found and all(q.speaker == "Sunak" for q in found)


def test_a_perfect_tense_is_not_a_passive() -> None:
    text = (
        "The president of the region, Roberto Maroni, has reacted by proposing new measures to fund schools."
    )
    found = find_quotes("doc", text, paragraphs(text))
    assert [q.speaker for q in found] == ["Roberto Maroni"]


def test_according_to_a_title_and_a_name() -> None:
    text = "The museum saw attendance reach 11,000 visitors in 2010, according to curator Elaine Gustafon."
    found = find_quotes("doc", text, paragraphs(text))
    assert [q.speaker for q in found] == ["Elaine Gustafon"]


def test_a_weak_verb_reports_a_that_clause_but_not_a_thing() -> None:
    reported = "Wilkins observed that the program began on the anniversary of the artist's death."
    assert [q.speaker for q in find_quotes("doc", reported, paragraphs(reported))] == ["Wilkins"]
    watched = "Wilkins observed the birds near the river for an hour."
    assert find_quotes("doc", watched, paragraphs(watched)) == []


def test_a_cue_inside_another_cues_that_clause_is_part_of_its_report() -> None:
    text = (
        "Whitmore told LA Weekly that on October 6 after traveling back from Florida, Montalvo "
        '"walked into the station and turned himself in", and told the police, "everything he did".'
    )
    found = find_quotes("doc", text, paragraphs(text))
    assert found and {q.speaker for q in found} == {"Whitmore"}
    both = "Ana Ruiz said that the road is closed, and Tom Hale said that it will reopen soon."
    assert [q.speaker for q in find_quotes("doc", both, paragraphs(both))] == ["Ana Ruiz", "Tom Hale"]


def test_a_fronted_report_before_a_cue_the_parse_made_a_conjunct() -> None:
    text = (
        "The past year was “very important” for the UN-backed Khmer Rouge tribunal, a court spokesman "
        "said last week, in which the court took crucial steps toward a trial of jailed regime leaders."
    )
    found = find_quotes("doc", text, paragraphs(text))
    assert [q.text for q in found] == [
        "The past year was “very important” for the UN-backed Khmer Rouge tribunal"
    ]


def test_a_second_speaker_after_but_ends_the_first_report() -> None:
    text = (
        "District Governor Lo Yuy said in his order the residents have until Tuesday to leave the "
        "neighborhood, but the impoverished residents said they were ready to face armed confrontation."
    )
    found = [(q.speaker or "", q.text) for q in find_quotes("doc", text, paragraphs(text))]
    assert [who for who, said in found if said == "they were ready to face armed confrontation"] == [
        "residents"
    ]
    assert all("ready" not in said for who, said in found if "Lo Yuy" in who)
