"""Engine results turned into Discord embeds, each part within Discord's limits.

The templates write the markdown; this module picks what goes into which part of an embed, gives
each part its budget (title 256, description 4096, footer 2048, author 256, 6000 in all) and checks
the total, so that no reply can be refused by Discord for its size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import discord
import jinja2

from bot.render import (
    EMBED_AUTHOR_LIMIT,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FOOTER_LIMIT,
    EMBED_TITLE_LIMIT,
    EMBED_TOTAL_LIMIT,
    MESSAGE_LIMIT,
    clip,
    clip_escaped,
    render,
    render_fitting,
    safe_url,
)
from bot.state import AuditEntry
from index.errors import UnknownDocument
from index.models import Answer, BuildReport, Document, DocumentInfo, Hit, page_at

ALLOWED_MENTIONS = discord.AllowedMentions.none()

SEARCH_PAGE_SIZE = 5
SOURCES_PAGE_SIZE = 10
MAX_ANSWERS = 3
MAX_RELATED = 3

COLOUR_ANSWER = discord.Colour.green()
COLOUR_NO_ANSWER = discord.Colour.light_grey()
COLOUR_INFO = discord.Colour.blurple()
COLOUR_ERROR = discord.Colour.red()

SEARCH_AUTHOR_PREFIX = "Search: "


def make_embed(
    *,
    title: str | None = None,
    description: str = "",
    colour: discord.Colour = COLOUR_INFO,
    footer: str | None = None,
    author: str | None = None,
    url: str | None = None,
) -> discord.Embed:
    """An embed whose every part is cut to its limit (``title`` and ``description`` already escaped)."""
    embed = discord.Embed(
        title=clip(title, EMBED_TITLE_LIMIT) if title else None,
        description=clip(description, EMBED_DESCRIPTION_LIMIT) if description else None,
        colour=colour,
        url=safe_url(url),
    )
    if author:
        # Author and footer text are shown as plain text: no markdown, no mentions; no escaping needed.
        embed.set_author(name=clip(author, EMBED_AUTHOR_LIMIT))
    if footer:
        embed.set_footer(text=clip(footer, EMBED_FOOTER_LIMIT))
    if len(embed) > EMBED_TOTAL_LIMIT:  # cannot happen with the limits above, kept as a guard
        embed.description = clip(
            embed.description or "", EMBED_DESCRIPTION_LIMIT - (len(embed) - EMBED_TOTAL_LIMIT)
        )
    return embed


def plain(text: str) -> str:
    """A one-message reply (errors, notices), within the 2000-character message limit."""
    return clip(text, MESSAGE_LIMIT)


# ---------------------------------------------------------------------------------------------
# Documents: how users and custom ids name them


def document_key(doc: str) -> str:
    """A short, stable name for a document, for custom ids and long autocomplete values."""
    return "~" + hashlib.sha1(doc.encode("utf-8")).hexdigest()[:12]


def choice_value(doc: str) -> str:
    """What an autocomplete choice sends back: the document id, or its key if the id is too long."""
    return doc if len(doc) <= 100 else document_key(doc)


def resolve_document(documents: Sequence[DocumentInfo], name: str) -> DocumentInfo:
    """The document a user meant by ``name``: its id, its key, its title, or a unique part of either."""
    wanted = name.strip()
    if not wanted:
        raise UnknownDocument("Name a document (see /sources).")
    folded = wanted.casefold()
    for info in documents:
        if wanted in (info.doc, document_key(info.doc)):
            return info
    exact = [d for d in documents if d.title.strip().casefold() == folded]
    if len(exact) == 1:
        return exact[0]
    partial = [d for d in documents if folded in d.title.casefold() or folded in d.doc.casefold()]
    if len(partial) == 1:
        return partial[0]
    shown = clip_escaped(wanted, 80)
    if partial or len(exact) > 1:
        raise UnknownDocument(f"More than one document matches “{shown}”; pick one from the list.")
    raise UnknownDocument(f"No document matches “{shown}”. /sources lists them.")


def rank_documents(documents: Sequence[DocumentInfo], typed: str, limit: int) -> list[DocumentInfo]:
    """Documents for an autocomplete list: titles starting with ``typed`` first, then containing it."""
    folded = typed.strip().casefold()
    if not folded:
        return sorted(documents, key=lambda d: d.title.casefold())[:limit]
    starts = [d for d in documents if d.title.casefold().startswith(folded)]
    contains = [
        d
        for d in documents
        if d not in starts and (folded in d.title.casefold() or folded in d.doc.casefold())
    ]
    return (
        sorted(starts, key=lambda d: d.title.casefold()) + sorted(contains, key=lambda d: d.title.casefold())
    )[:limit]


# ---------------------------------------------------------------------------------------------
# Replies


def answer_embed(env: jinja2.Environment, question: str, answer: Answer) -> discord.Embed:
    answers = list(answer.answers[:MAX_ANSWERS])
    related = list(answer.related[:MAX_RELATED])
    description = render_fitting(
        env,
        "answer.md.j2",
        EMBED_DESCRIPTION_LIMIT,
        budget=1200,
        answer=answer,
        answers=answers,
        related=related,
    )
    return make_embed(
        title=clip_escaped(question, EMBED_TITLE_LIMIT),
        description=description,
        colour=COLOUR_ANSWER if answer.answered else COLOUR_NO_ANSWER,
    )


def support_embed(env: jinja2.Environment, claim: str, answer: Answer) -> discord.Embed:
    answers = list(answer.answers[:MAX_ANSWERS])
    related = list(answer.related[:MAX_RELATED])
    description = render_fitting(
        env,
        "support.md.j2",
        EMBED_DESCRIPTION_LIMIT,
        budget=1200,
        answer=answer,
        answers=answers,
        related=related,
        claim=claim,
    )
    return make_embed(
        title="Claim: " + clip_escaped(claim, EMBED_TITLE_LIMIT - 7),
        description=description,
        colour=COLOUR_ANSWER if answer.answered else COLOUR_NO_ANSWER,
    )


def page_count(total: int, size: int) -> int:
    return max(1, -(-total // size))


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: str
    hits: Sequence[Hit]
    page: int  # 0-based, clamped to the pages that exist
    pages: int
    document: DocumentInfo | None


def search_page(query: str, hits: Sequence[Hit], page: int, document: DocumentInfo | None) -> SearchPage:
    pages = page_count(len(hits), SEARCH_PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    return SearchPage(query, hits, page, pages, document)


def search_embed(env: jinja2.Environment, result: SearchPage) -> discord.Embed:
    first = result.page * SEARCH_PAGE_SIZE
    shown = result.hits[first : first + SEARCH_PAGE_SIZE]
    description = render_fitting(
        env, "search.md.j2", EMBED_DESCRIPTION_LIMIT, budget=700, hits=shown, offset=first
    )
    footer = f"Page {result.page + 1}/{result.pages} · {len(result.hits)} result" + (
        "" if len(result.hits) == 1 else "s"
    )
    if result.document is not None:
        footer += f" · in {result.document.title or result.document.doc}"
    return make_embed(
        description=description,
        author=SEARCH_AUTHOR_PREFIX + result.query,
        footer=footer,
        colour=COLOUR_INFO if result.hits else COLOUR_NO_ANSWER,
    )


def query_from_embed(message: discord.Message | None) -> str | None:
    """The search query a results message was made for (kept in its embed's author line)."""
    if message is None or not message.embeds:
        return None
    name = message.embeds[0].author.name
    if not name or not name.startswith(SEARCH_AUTHOR_PREFIX):
        return None
    return name[len(SEARCH_AUTHOR_PREFIX) :]


def sources_embed(
    env: jinja2.Environment,
    documents: Sequence[DocumentInfo],
    page: int,
    added: Mapping[str, AuditEntry] | None = None,
) -> tuple[discord.Embed, int, int]:
    """One page of the document list, the (clamped) page number it shows, and the number of pages;
    ``added`` tells who added a document from Discord, and when."""
    ordered = sorted(documents, key=lambda d: (d.title.casefold(), d.doc))
    pages = page_count(len(ordered), SOURCES_PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    first = page * SOURCES_PAGE_SIZE
    description = render_fitting(
        env,
        "sources.md.j2",
        EMBED_DESCRIPTION_LIMIT,
        budget=150,
        minimum=20,
        documents=ordered[first : first + SOURCES_PAGE_SIZE],
        offset=first,
        added=added or {},
    )
    embed = make_embed(
        title=f"Sources ({len(ordered)} document{'s' if len(ordered) != 1 else ''})",
        description=description,
        footer=f"Page {page + 1}/{pages} · /source <document> [paragraph] shows a passage",
    )
    return embed, page, pages


def _paragraph(document: Document, number: int) -> dict[str, object] | None:
    if 1 <= number <= len(document.paragraphs):
        span = document.paragraphs[number - 1]
        return {"number": number, "text": document.text[span.start : span.end]}
    return None


def source_embed(env: jinja2.Environment, document: Document, paragraph: int | None) -> discord.Embed:
    total = len(document.paragraphs)
    if total == 0:
        raise UnknownDocument("That document has no text.")
    number = paragraph or 1
    if not 1 <= number <= total:
        raise UnknownDocument(f"That document has paragraphs 1 to {total}; there is no paragraph {number}.")
    description = render_fitting(
        env,
        "source.md.j2",
        EMBED_DESCRIPTION_LIMIT,
        budget=2400,
        before=_paragraph(document, number - 1),
        focus=_paragraph(document, number),
        after=_paragraph(document, number + 1),
        total=total,
    )
    return make_embed(
        title=clip_escaped(document.title.strip() or document.doc, EMBED_TITLE_LIMIT),
        url=document.url,
        description=description,
        footer=clip(document.doc, 200) + _page_note(document, number),
    )


def _page_note(document: Document, paragraph: int) -> str:
    page = page_at(document.pages, document.paragraphs[paragraph - 1].start)
    return f" · p. {page}" if page is not None else ""


def reindex_embed(
    env: jinja2.Environment, report: BuildReport, documents: int, seconds: float
) -> discord.Embed:
    description = render_fitting(
        env,
        "reindex.md.j2",
        EMBED_DESCRIPTION_LIMIT,
        budget=1200,
        minimum=60,
        report=report,
        documents=documents,
        seconds=seconds,
    )
    return make_embed(
        title="Index rebuilt",
        description=description,
        colour=discord.Colour.gold() if report.skipped else COLOUR_ANSWER,
    )


def error_text(env: jinja2.Environment, message: str | None) -> str:
    """The reply to a user mistake (``message``, already safe) or, when None, the apology for a bug."""
    return plain(render(env, "error.md.j2", message=message or "", bug=message is None))
