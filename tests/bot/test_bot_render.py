"""Escaping, highlighting and length budgets: the pure functions every reply goes through."""

from __future__ import annotations

import re

import pytest

from bot.render import (
    ELLIPSIS,
    clip,
    clip_escaped,
    create_environment,
    cut_point,
    escape,
    escape_markdown,
    highlight,
    link,
    render_fitting,
    safe_url,
    split_text,
)
from index.models import Hit, Span


def make_hit(text: str, words: list[str], start: int = 1000) -> Hit:
    matches = tuple(
        Span(start + m.start(), start + m.end()) for word in words for m in re.finditer(re.escape(word), text)
    )
    return Hit(
        text=text,
        doc="d.txt",
        title="T",
        paragraph=1,
        start=start,
        end=start + len(text),
        score=1.0,
        matches=matches,
    )


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("**bold** and _it_", r"\*\*bold\*\* and \_it\_"),
        ("~~strike~~ `code` ||spoiler||", r"\~\~strike\~\~ \`code\` \|\|spoiler\|\|"),
        ("[click](https://evil.example)", r"\[click\](https://evil.example)"),
        (
            "> quoted\n# Header\n- item\n-# small\n1. first",
            "\\> quoted\n\\# Header\n\\- item\n\\-# small\n1\\. first",
        ),
        ("back\\slash", "back\\\\slash"),
        ("a - b # c > d", "a - b # c \\> d"),
        ("<@123> <@&456> <#789> <t:1:R>", r"\<@123\> \<@&456\> \<#789\> \<t:1:R\>"),
    ],
)
def test_escape_markdown_shows_text_literally(raw: str, shown: str) -> None:
    assert escape_markdown(raw) == shown


@pytest.mark.parametrize("mass", ["@everyone", "@here", "@EVERYONE"])
def test_escape_breaks_mass_mentions(mass: str) -> None:
    out = escape(f"hello {mass}!")
    assert mass not in out
    assert mass[1:] in out and "\u200b" in out


def test_cut_point_prefers_paragraph_then_sentence_then_word() -> None:
    text = "First paragraph here.\n\nSecond one. It goes on and on and on."
    assert text[: cut_point(text, 40)] == "First paragraph here.\n\n"
    sentences = "One sentence. Another sentence that is long."
    assert sentences[: cut_point(sentences, 26)] == "One sentence. "
    words = "alpha beta gamma delta epsilon"
    assert words[: cut_point(words, 20)] == "alpha beta gamma "
    assert cut_point("x" * 50, 10) == 10


@pytest.mark.parametrize("limit", [1, 5, 50, 100, 2000])
def test_split_text_respects_limit_and_keeps_words(limit: int) -> None:
    text = ("Sentence number one is here. " * 40 + "\n\n") * 5
    pieces = split_text(text, limit)
    assert all(0 < len(p) <= limit for p in pieces)
    if limit >= 50:
        assert " ".join(pieces).split() == text.split()


def test_clip_marks_truncation_and_fits() -> None:
    text = "word " * 100
    out = clip(text, 33)
    assert len(out) <= 33 and out.endswith(ELLIPSIS)
    assert clip("short", 33) == "short"


def test_clip_escaped_counts_the_escapes() -> None:
    text = "*" * 100
    out = clip_escaped(text, 21)
    assert len(out) <= 21
    assert out.endswith(ELLIPSIS)
    assert not out.rstrip(ELLIPSIS).endswith("\\") or out.rstrip(ELLIPSIS).endswith("\\*")


def test_highlight_bolds_matches_and_escapes_the_rest() -> None:
    hit = make_hit("The *Patriot* sale does not affect the S-400.", ["Patriot", "S-400"])
    assert highlight(hit) == r"The \***Patriot**\* sale does not affect the **S-400**."


def test_highlight_merges_adjacent_spans() -> None:
    hit = make_hit("abcdef", [])
    hit = Hit(
        **{**{f: getattr(hit, f) for f in hit.__slots__}, "matches": (Span(1000, 1003), Span(1003, 1006))}
    )
    assert highlight(hit) == "**abcdef**"


def test_highlight_plain_and_rich_styles() -> None:
    hit = make_hit("say [x] *now*", ["now"])
    assert highlight(hit, style="plain") == "say [x] *now*"
    assert highlight(hit, style="rich") == r"say \[x] *[bold]now[/bold]*"


def test_highlight_within_limit_keeps_a_match_in_view() -> None:
    text = "Filler sentence without the word. " * 200 + "Here the Patriot appears. " + "Tail text. " * 50
    hit = make_hit(text, ["Patriot"])
    out = highlight(hit, 300)
    assert len(out) <= 300
    assert "**Patriot**" in out
    assert out.startswith(ELLIPSIS) and out.endswith(ELLIPSIS)


def test_highlight_never_splits_bold_markers() -> None:
    text = "Patriot " * 400
    hit = make_hit(text, ["Patriot"])
    for limit in (50, 77, 101, 1000):
        out = highlight(hit, limit)
        assert len(out) <= limit
        assert out.count("**") % 2 == 0


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("http://x.y/p_(1)", "http://x.y/p_%281%29"),
        ("javascript:alert(1)", None),
        ("ftp://x.y/", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_link_hides_preview_and_drops_bad_urls() -> None:
    assert link("T", "https://x.y/") == "[T](<https://x.y/>)"
    assert link("T", "javascript:1") == "T"


def test_render_fitting_shrinks_the_budget_until_it_fits() -> None:
    env = create_environment()
    hits = [make_hit("Patriot " * 1000, ["Patriot"]) for _ in range(5)]
    out = render_fitting(env, "search.md.j2", 4096, budget=2000, hits=hits, offset=0)
    assert len(out) <= 4096
    assert out.count("**Patriot**") >= 5


def test_environment_is_strict_about_missing_names() -> None:
    env = create_environment()
    with pytest.raises(Exception, match="undefined"):
        env.get_template("search.md.j2").render(hits=[make_hit("x", [])])
