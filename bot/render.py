"""One jinja environment for every reply, with Discord-safe escaping and length budgets.

Nothing here imports discord: the terminal front end renders its own templates with the same
environment. Templates do formatting only; the filters below do escaping, highlighting and clipping,
and :func:`render_fitting` shrinks a template's per-passage budget until the whole reply fits a
Discord limit, so that no reply is ever rejected for its length.

Escaping follows Discord's markdown: a backslash before any punctuation shows it literally, so we
escape the characters that start formatting anywhere (``* _ ~ ` | [ ] \\ <``), the ones that only
matter at the start of a line (``> # -`` and ``1.``), and break ``@everyone``/``@here`` with a zero-width
space. ``\\<`` also stops ``<@123>``, ``<@&123>`` and ``<#123>`` from rendering as mentions. Replies are
sent with ``AllowedMentions.none()`` as well; the escaping is for what people see.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import quote, urlsplit

import jinja2

# Discord's limits (https://discord.com/developers/docs/resources/message, .../channel#embed-limits).
MESSAGE_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FOOTER_LIMIT = 2048
EMBED_AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME_LIMIT = 100
CHOICE_VALUE_LIMIT = 100

ELLIPSIS = "…"
ZERO_WIDTH_SPACE = "\u200b"

Style = Literal["discord", "plain", "rich"]

_INLINE_SPECIALS = re.compile(r"([\\*_~`|\[\]<>])")
_LINE_START_SPECIALS = re.compile(r"(?m)^(\s*)([#>\-+])")
_LINE_START_NUMBERED = re.compile(r"(?m)^(\s*\d+)\.(?=\s)")
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_LINE_BREAK = re.compile(r"\n\s*")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+")
_WHITESPACE = re.compile(r"\s+")
# Bidirectional overrides, embeddings and isolates reorder the text around them (U+202E shows
# "gpj.exe" as "exe.jpg"): never echoed.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Zero-width characters inside a typed word ("Pat\u200briot") would split it for the analyzer.
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
URL_LIMIT = 2048  # Discord's limit for an embed URL; longer links are dropped, not cut


# An absolute path of two or more parts (not "/reindex", not the "//" of a URL).
_ABSOLUTE_PATH = re.compile(r"(?<![\w:/.])/(?:[^\s/'\"`]+/)+[^\s'\"`,;)]*")


def hide_paths(text: str) -> str:
    """``text`` with absolute file paths replaced by "…": server paths never reach Discord."""
    return _ABSOLUTE_PATH.sub("…", text)


def strip_bidi(text: str) -> str:
    """``text`` without bidirectional control characters."""
    return _BIDI_CONTROLS.sub("", text)


def strip_invisible(text: str) -> str:
    """User input without bidirectional controls and zero-width characters (what they typed)."""
    return _ZERO_WIDTH.sub("", strip_bidi(text))


def escape_mentions(text: str) -> str:
    """Stop ``@everyone``/``@here`` from looking like (or being) a mass mention."""
    return _MASS_MENTION.sub(lambda m: "@" + ZERO_WIDTH_SPACE + m.group(1), text)


def escape_markdown(text: str) -> str:
    """Show ``text`` literally in Discord: no bold, links, quotes, headers, lists or user mentions."""
    text = _INLINE_SPECIALS.sub(r"\\\1", text)
    text = _LINE_START_SPECIALS.sub(r"\1\\\2", text)
    return _LINE_START_NUMBERED.sub(r"\1\\.", text)


def escape(text: str) -> str:
    """Corpus or user text made safe to show in a Discord message or embed."""
    return escape_mentions(escape_markdown(strip_bidi(text)))


def escape_rich(text: str) -> str:
    """Text made safe for rich console markup (the terminal front end)."""
    return strip_bidi(text).replace("\\", "\\\\").replace("[", "\\[")


def _escaper(style: Style) -> Callable[[str], str]:
    if style == "discord":
        return escape
    if style == "rich":
        return escape_rich
    return strip_bidi


_MARKS: dict[Style, tuple[str, str]] = {
    "discord": ("**", "**"),
    "rich": ("[bold]", "[/bold]"),
    "plain": ("", ""),
}


# ---------------------------------------------------------------------------------------------
# Cutting text at good places


def _last_boundary(pattern: re.Pattern[str], text: str, limit: int, floor: int) -> int | None:
    """End of the last ``pattern`` match that lies in ``(floor, limit]``, if any."""
    best: int | None = None
    for match in pattern.finditer(text, 0, limit + 1):
        end = match.end()
        if end > limit:
            # A separator run that crosses the limit still allows a cut where it starts.
            end = match.start() + 1 if match.start() + 1 <= limit else -1
        if floor < end <= limit:
            best = end
    return best


def cut_point(text: str, limit: int) -> int:
    """Where to cut ``text`` so that ``text[:cut]`` has at most ``limit`` characters.

    Prefers the end of a paragraph, then of a line, then of a sentence, then a space, as long as that
    keeps at least half of what would fit; only then cuts inside a word.
    """
    if len(text) <= limit:
        return len(text)
    if limit <= 0:
        return 0
    floor = limit // 2
    for pattern in (_PARAGRAPH_BREAK, _LINE_BREAK, _SENTENCE_END, _WHITESPACE):
        found = _last_boundary(pattern, text, limit, floor)
        if found is not None:
            return found
    return limit


def _fit_prefix(text: str, render: Callable[[str], str], budget: int) -> int:
    """The longest raw prefix length whose rendering has at most ``budget`` characters."""
    if len(render(text)) <= budget:
        return len(text)
    low, high = 0, len(text)  # render(text[:low]) fits, render(text[:high]) does not
    while high - low > 1:
        middle = (low + high) // 2
        if len(render(text[:middle])) <= budget:
            low = middle
        else:
            high = middle
    return low


def clip(text: str, limit: int, *, marker: str = ELLIPSIS, render: Callable[[str], str] | None = None) -> str:
    """``render(text)`` cut at a good boundary to at most ``limit`` characters, ``marker`` showing the cut."""
    draw = render or (lambda s: s)
    if len(draw(text)) <= limit:
        return draw(text)
    room = max(0, limit - len(marker))
    fits = _fit_prefix(text, draw, room)
    cut = cut_point(text, fits)
    return (draw(text[:cut].rstrip()) + marker)[:limit]


def clip_escaped(text: str, limit: int, marker: str = ELLIPSIS) -> str:
    """Escaped ``text`` in at most ``limit`` characters (the budget counts the escapes)."""
    return clip(text, limit, marker=marker, render=escape)


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, split at paragraph/line/sentence/word ends."""
    if limit <= 0:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = cut_point(rest, limit)
        piece = rest[:cut].rstrip()
        if not piece:  # only whitespace fitted: cut hard
            cut, piece = limit, rest[:limit]
        pieces.append(piece)
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


# ---------------------------------------------------------------------------------------------
# Highlighting matched terms


class SpanLike(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


class HitLike(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def matches(self) -> Sequence[SpanLike]: ...


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int


def relative_spans(hit: HitLike) -> list[_Span]:
    """The hit's matched-term spans as sorted, merged offsets into ``hit.text``."""
    size = len(hit.text)
    spans = sorted(
        (_Span(max(0, m.start - hit.start), min(size, m.end - hit.start)) for m in hit.matches),
        key=lambda s: (s.start, s.end),
    )
    merged: list[_Span] = []
    for span in spans:
        if span.end <= span.start:
            continue
        if merged and span.start <= merged[-1].end:
            last = merged.pop()
            span = _Span(last.start, max(last.end, span.end))
        merged.append(span)
    return merged


def _mark(text: str, spans: Iterable[_Span], offset: int, style: Style) -> str:
    """Escape ``text`` (which starts at ``offset`` of the hit) with the spans in it marked."""
    esc = _escaper(style)
    open_mark, close_mark = _MARKS[style]
    out: list[str] = []
    position = 0
    for span in spans:
        start, end = max(span.start - offset, 0), min(span.end - offset, len(text))
        if end <= start or start >= len(text):
            continue
        out.append(esc(text[position:start]))
        out.append(open_mark + esc(text[start:end]) + close_mark)
        position = end
    out.append(esc(text[position:]))
    return "".join(out)


def _sentence_start_before(text: str, offset: int) -> int:
    start = 0
    for match in _SENTENCE_END.finditer(text, 0, offset):
        if match.end() <= offset:
            start = match.end()
    return start


def highlight_text(
    text: str, spans: Sequence[_Span], limit: int | None = None, *, style: Style = "discord"
) -> str:
    """``text`` escaped for ``style`` with ``spans`` marked, cut to ``limit`` characters at a good place.

    When the first match would not fit, the excerpt starts at the sentence holding it (marked with an
    ellipsis) rather than showing a stretch without any of the words that were searched for.
    """
    render_all = _mark(text, spans, 0, style)
    if limit is None or len(render_all) <= limit:
        return render_all
    begin = 0
    lead = ""
    if spans:
        first = spans[0]
        head = _mark(text[: first.end], spans, 0, style)
        if len(head) + len(ELLIPSIS) > limit:
            begin = _sentence_start_before(text, first.start)
            if len(_mark(text[begin : first.end], spans, begin, style)) + 2 * len(ELLIPSIS) > limit:
                begin = first.start
            lead = ELLIPSIS if begin > 0 else ""
    body = text[begin:]

    def draw(part: str) -> str:
        return lead + _mark(part, spans, begin, style)

    return clip(body, limit, render=draw)


def highlight(hit: HitLike, limit: int | None = None, style: Style = "discord") -> str:
    """A hit's text with its matched terms marked (bold in Discord), escaped, within ``limit``."""
    return highlight_text(hit.text, relative_spans(hit), limit, style=style)


# ---------------------------------------------------------------------------------------------
# Small formatting filters


def blockquote(text: str) -> str:
    """Prefix every line with ``> `` (Discord block quote)."""
    return "\n".join("> " + line for line in text.split("\n"))


def safe_url(url: str | None) -> str | None:
    """An http(s) URL made safe to put in a markdown link, or None if it is not one."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    quoted = quote(url.strip(), safe=":/?#@!$&'*+,;=%~-._")
    return quoted if len(quoted) <= URL_LIMIT else None


def link(label: str, url: str | None) -> str:
    """A masked link ``[label](<url>)`` (no preview) whose label is already escaped; the label alone
    if the URL is missing or not http(s)."""
    target = safe_url(url)
    if target is None:
        return label
    return f"[{label}](<{target}>)"


class Citable(Protocol):
    @property
    def doc(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def paragraph(self) -> int: ...
    @property
    def page(self) -> int | None: ...


def cite(hit: Citable, title_limit: int = 120) -> str:
    """Where a passage comes from: the document's title (a link when it has a URL), the page (for a
    PDF) and the paragraph."""
    label = clip_escaped(hit.title.strip() or hit.doc, title_limit)
    page = f"p. {hit.page}, " if hit.page is not None else ""
    return f"{link(label, hit.url)} · {page}¶ {hit.paragraph}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def inline_code(text: str) -> str:
    """``text`` as inline code; backticks cannot be escaped inside code, so they are replaced."""
    return "`" + (text.replace("`", "ˋ") or " ") + "`"


def create_environment() -> jinja2.Environment:
    """The one template environment: ``bot/templates``, strict about undefined names, no HTML autoescape."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        # Whatever a template prints loses direction overrides (a title that reads backwards).
        finalize=lambda value: strip_bidi(value) if isinstance(value, str) else value,
    )
    env.filters.update(
        {
            "md": escape,
            "escape_markdown": escape_markdown,
            "escape_mentions": escape_mentions,
            "rich": escape_rich,
            "highlight": highlight,
            "clip": clip,
            "clip_md": clip_escaped,
            "blockquote": blockquote,
            "link": link,
            "code": inline_code,
            "cite": cite,
        }
    )
    env.globals.update({"plural": plural, "ELLIPSIS": ELLIPSIS})
    return env


def render(env: jinja2.Environment, template: str, **context: Any) -> str:
    """Render ``template`` with ``context``, trimmed of surrounding whitespace."""
    return env.get_template(template).render(**context).strip()


def render_fitting(
    env: jinja2.Environment,
    template: str,
    limit: int,
    *,
    budget: int,
    minimum: int = 40,
    **context: Any,
) -> str:
    """Render ``template`` so that the result has at most ``limit`` characters.

    The template receives ``budget``, the room each passage may take; it starts at ``budget`` and
    shrinks until the whole reply fits. If even ``minimum`` is too much (a template with very many
    items), the result is clipped at a line boundary and the cut marked.
    """
    current = budget
    while True:
        text = render(env, template, budget=current, **context)
        if len(text) <= limit:
            return text
        if current <= minimum:
            return clip(text, limit)
        over = len(text) - limit
        current = max(minimum, min(current - max(1, over // 4), int(current * 0.9)))
