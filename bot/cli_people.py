"""``citebot speakers``, ``citebot quotes --speaker`` and ``citebot gaps``: people and gaps in the
terminal. Installed into the parser that ``bot.cli`` builds; like it, imports nothing heavy until a
command runs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.speakers import QuoteListing, Speaker

_STATE_KEY = "CITEBOT_STATE_PATH"


def add_commands(commands: Any, quotes: argparse.ArgumentParser, add_paths: Any) -> None:
    """Add ``speakers`` and ``gaps`` to ``commands``, and ``--speaker`` to the ``quotes`` command."""
    speakers = commands.add_parser("speakers", help="the people quoted in the corpus, most quoted first")
    add_paths(speakers)
    speakers.add_argument("--json", action="store_true", help="print the speakers as JSON")
    speakers.add_argument("name", nargs="?", help="only speakers matching this name")
    speakers.set_defaults(func=cmd_speakers)

    gaps = commands.add_parser("gaps", help="unanswered questions and answers marked wrong (from Discord)")
    add_paths(gaps)
    gaps.add_argument(
        "--state", metavar="FILE", help=f"the bot's SQLite file (default: ${_STATE_KEY} or beside the index)"
    )
    gaps.add_argument("--json", action="store_true", help="export as JSON")
    gaps.add_argument("-n", "--limit", type=int, default=10, help="how many of each (default 10)")
    gaps.set_defaults(func=cmd_gaps)

    add_paths(quotes)
    quotes.add_argument("--speaker", metavar="NAME", help="everything this person said in the indexed corpus")
    quotes.add_argument("--topic", help="with --speaker: only quotes about this")
    files_command = quotes.get_default("func")

    def quotes_command(args: argparse.Namespace) -> int:
        if args.speaker:
            return cmd_speaker_quotes(args)
        if not args.files:
            quotes.error("give FILE... or --speaker NAME")
        return int(files_command(args))

    quotes.set_defaults(func=quotes_command)


def _index(args: argparse.Namespace) -> QuoteListing:
    """The index, on either backend: both list quotes by speaker from their per-quote tables."""
    from bot.cli import _open, resolve_paths

    return _open(resolve_paths(args.corpus, args.index), sys.stderr)


def _speaker_json(speaker: Speaker) -> dict[str, Any]:
    return {
        "name": speaker.name,
        "key": speaker.key,
        "forms": list(speaker.forms),
        "quotes": speaker.count,
        "documents": list(speaker.documents),
    }


def cmd_speakers(args: argparse.Namespace) -> int:
    from bot.cli import _render
    from index.speakers import index_speakers, match_speakers

    index = _index(args)
    found = index_speakers(index)
    if args.name:
        found = match_speakers(found, args.name, limit=len(found))
    if args.json:
        print(json.dumps([_speaker_json(s) for s in found], ensure_ascii=False))
    else:
        print(_render("cli_speakers.txt.j2", speakers=found, name=args.name), end="")
    return 0


def cmd_speaker_quotes(args: argparse.Namespace) -> int:
    from bot.cli import _render
    from index.speakers import find_speaker, index_speakers, speaker_quotes

    index = _index(args)
    speaker = find_speaker(index_speakers(index), args.speaker)
    hits = speaker_quotes(index, speaker, args.topic)
    if args.json:
        print(
            json.dumps(
                {
                    "speaker": _speaker_json(speaker),
                    "topic": args.topic,
                    "quotes": [h.to_json() for h in hits],
                },
                ensure_ascii=False,
            )
        )
    else:
        print(_render("cli_speaker_quotes.txt.j2", speaker=speaker, topic=args.topic, hits=hits), end="")
    return 0


def state_path(args: argparse.Namespace) -> Path:
    """The bot's SQLite file: ``--state``, else ``CITEBOT_STATE_PATH``, else beside the index."""
    from bot.cli import _env_value, resolve_paths
    from bot.state import STATE_FILE

    chosen = args.state or _env_value(_STATE_KEY)
    if chosen:
        return Path(chosen).expanduser()
    return resolve_paths(args.corpus, args.index).index / STATE_FILE


def cmd_gaps(args: argparse.Namespace) -> int:
    from bot.cli import _render
    from bot.state import WRONG_REASONS, State
    from index.errors import CitebotError

    path = state_path(args)
    if not path.is_file():
        raise CitebotError(f"No feedback recorded yet ({path} does not exist; the Discord bot writes it).")
    state = State(path)
    try:
        gaps = state.gaps(max(1, args.limit))
    finally:
        state.close()
    if args.json:
        print(json.dumps(gaps.to_json(), ensure_ascii=False))
    else:
        print(_render("cli_gaps.txt.j2", gaps=gaps, reasons=WRONG_REASONS), end="")
    return 0
