"""Embeds for the corpus, speaker and gaps commands, each part within Discord's limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import discord
import jinja2

from bot.render import EMBED_DESCRIPTION_LIMIT, clip, clip_escaped, plural, render_fitting
from bot.replies import COLOUR_ANSWER, COLOUR_INFO, COLOUR_NO_ANSWER, make_embed, page_count
from bot.service import ReindexResult
from bot.state import WRONG_REASONS, Gaps
from index.models import Hit
from index.speakers import Speaker

SPEAKERS_PAGE_SIZE = 10
QUOTES_PAGE_SIZE = 5


def _with_report(result: ReindexResult | None) -> dict[str, object]:
    if result is None:
        return {"report": None, "documents": 0, "seconds": 0.0}
    return {"report": result.report, "documents": result.documents, "seconds": result.seconds}


def corpus_add_embed(
    env: jinja2.Environment,
    stored: Sequence[tuple[str, str]],
    refused: Sequence[tuple[str, str]],
    result: ReindexResult | None,
    note: str = "",
) -> discord.Embed:
    description = render_fitting(
        env,
        "corpus_add.md.j2",
        EMBED_DESCRIPTION_LIMIT,
        budget=1200,
        minimum=60,
        stored=stored,
        refused=refused,
        note=note,
        **_with_report(result),
    )
    title = "Documents added" if stored else "Nothing added"
    colour = (
        COLOUR_ANSWER if stored and not refused else discord.Colour.gold() if stored else COLOUR_NO_ANSWER
    )
    return make_embed(title=title, description=description, colour=colour)


def corpus_remove_embed(
    env: jinja2.Environment, title: str, doc: str, result: ReindexResult | None, note: str = ""
) -> discord.Embed:
    description = render_fitting(
        env,
        "corpus_remove.md.j2",
        EMBED_DESCRIPTION_LIMIT,
        budget=1200,
        minimum=60,
        title=title,
        doc=doc,
        note=note,
        **_with_report(result),
    )
    return make_embed(title="Document removed", description=description, colour=COLOUR_ANSWER)


def speakers_embed(
    env: jinja2.Environment,
    speakers: Sequence[Speaker],
    titles: Mapping[str, str],
    page: int,
    *,
    filtered: bool,
) -> tuple[discord.Embed, int, int]:
    """One page of speakers, the (clamped) page shown, and the number of pages."""
    pages = page_count(len(speakers), SPEAKERS_PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    first = page * SPEAKERS_PAGE_SIZE
    shown = speakers[first : first + SPEAKERS_PAGE_SIZE]
    description = render_fitting(
        env,
        "speakers.md.j2",
        EMBED_DESCRIPTION_LIMIT,
        budget=300,
        minimum=30,
        speakers=shown,
        offset=first,
        sources={s.key: " · ".join(titles.get(d) or d for d in s.documents) for s in shown},
        filtered=filtered,
    )
    total = sum(s.count for s in speakers)
    embed = make_embed(
        title=f"People quoted ({len(speakers)})",
        description=description,
        footer=f"Page {page + 1}/{pages} · {plural(total, 'quote')} · /quotes <speaker> lists what one said",
        colour=COLOUR_INFO if speakers else COLOUR_NO_ANSWER,
    )
    return embed, page, pages


@dataclass(frozen=True, slots=True)
class QuotesPage:
    speaker: Speaker
    topic: str | None
    hits: Sequence[Hit]
    page: int
    pages: int


def quotes_page(speaker: Speaker, topic: str | None, hits: Sequence[Hit], page: int) -> QuotesPage:
    pages = page_count(len(hits), QUOTES_PAGE_SIZE)
    return QuotesPage(speaker, topic, hits, min(max(page, 0), pages - 1), pages)


def quotes_embed(env: jinja2.Environment, result: QuotesPage) -> discord.Embed:
    first = result.page * QUOTES_PAGE_SIZE
    description = render_fitting(
        env,
        "speaker_quotes.md.j2",
        EMBED_DESCRIPTION_LIMIT,
        budget=700,
        hits=result.hits[first : first + QUOTES_PAGE_SIZE],
        offset=first,
        topic=result.topic,
    )
    about = f" on “{clip(result.topic, 80)}”" if result.topic else ""
    return make_embed(
        title=clip_escaped(f"What {result.speaker.name} said", 200) + clip_escaped(about, 50),
        description=description,
        footer=(
            f"Page {result.page + 1}/{result.pages} · {plural(len(result.hits), 'quote')}"
            " · newest document first"
        ),
        colour=COLOUR_INFO if result.hits else COLOUR_NO_ANSWER,
    )


def gaps_embed(env: jinja2.Environment, gaps: Gaps) -> discord.Embed:
    description = render_fitting(
        env, "gaps.md.j2", EMBED_DESCRIPTION_LIMIT, budget=200, minimum=30, gaps=gaps, reasons=WRONG_REASONS
    )
    return make_embed(
        title="What the documents are missing",
        description=description,
        footer="Unanswered questions and Wrong votes since the bot started recording · citebot gaps --json",
    )
