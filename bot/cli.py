"""``citebot``: the terminal front end over the same engine the Discord bot uses.

Start-up time matters here (``citebot ask`` should answer in well under half a second), so this
module imports neither discord.py nor pydantic: the corpus and index directories come from the
environment or ``.env`` directly (the same ``CITEBOT_*`` keys the bot's Settings read), and heavy
modules are imported only by the commands that need them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

if TYPE_CHECKING:
    from index import Index
    from index.models import Answer
    from index.opensearch.config import OpenSearchConfig
    from index.opensearch.reader import OpenSearchIndex

_T = TypeVar("_T")
# Direction overrides in an echoed name would make the error read backwards (bot.render has the
# same set; not imported here, to keep errors quick).
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_CORPUS_KEY = "CITEBOT_CORPUS_DIR"
_INDEX_KEY = "CITEBOT_INDEX_DIR"
_BACKEND_KEY = "CITEBOT_BACKEND"
_BUDGET_KEY = "CITEBOT_FILE_BUDGET_S"


@dataclass(frozen=True, slots=True)
class Paths:
    corpus: Path
    index: Path
    is_sample: bool


def _env_value(key: str, env_file: Path = Path(".env")) -> str | None:
    """A setting from the environment, else from ``.env`` in the working directory."""
    value = os.environ.get(key)
    if value:
        return value
    if env_file.is_file():
        from dotenv import dotenv_values

        from bot.envfile import EnvFileError, env_file_encoding
        from index.errors import CitebotError

        try:
            encoding = env_file_encoding(env_file)
        except EnvFileError as err:
            raise CitebotError(str(err)) from None
        found = dotenv_values(env_file, encoding=encoding).get(key)
        return found or None
    return None


def resolve_paths(corpus: str | None, index: str | None) -> Paths:
    from index import default_index_dir, sample_corpus_dir

    corpus_value = corpus or _env_value(_CORPUS_KEY)
    corpus_dir = Path(corpus_value).expanduser() if corpus_value else sample_corpus_dir()
    index_value = index or _env_value(_INDEX_KEY)
    index_dir = Path(index_value).expanduser() if index_value else default_index_dir(corpus_dir)
    return Paths(corpus_dir, index_dir, is_sample=not corpus_value)


# --- output ---------------------------------------------------------------------------------------


def _render(template: str, **context: Any) -> str:
    from bot.render import create_environment

    return create_environment().get_template(template).render(**context)


@contextlib.contextmanager
def _progress(stream: TextIO) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on a terminal, nothing otherwise."""
    if not stream.isatty():
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("Indexing", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _uses_opensearch() -> bool:
    return (_env_value(_BACKEND_KEY) or "embedded").strip().lower() == "opensearch"


def _opensearch_config() -> OpenSearchConfig:
    """The OpenSearch settings, read as the bot reads them (pydantic is loaded only for this backend)."""
    from pydantic import ValidationError

    from bot.settings import Settings
    from index.errors import CitebotError

    try:
        return Settings.from_env().opensearch_config()
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]).upper()
        raise CitebotError(f"bad setting CITEBOT_{where}: {first['msg']}") from None


def _open(paths: Paths, stream: TextIO) -> Index | OpenSearchIndex:
    with _progress(stream) as progress:
        if _uses_opensearch():
            from index.opensearch.backend import ensure_index as ensure_on_cluster

            return ensure_on_cluster(_opensearch_config(), paths.corpus, progress=progress)
        from index import ensure_index

        index = ensure_index(paths.corpus, paths.index, progress=progress, **_file_budget(None))
    if index.warning:
        print(f"citebot: {index.warning}", file=sys.stderr)
    return index


class _Session:
    """The index a command reads, kept whole: a generation removed by an outside rebuild is reopened,
    and damage found while reading (a checksum that fails) means one repair build, then a retry."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self.index = _open(paths, sys.stderr)

    def run(self, query: Callable[[Index | OpenSearchIndex], _T]) -> _T:
        from index import build_index, open_index
        from index.errors import GenerationGone, IndexCorrupt

        try:
            return query(self.index)
        except GenerationGone:
            self.index = open_index(self.paths.index)
        except IndexCorrupt as err:
            if _uses_opensearch():
                raise  # the cluster's indexes are rebuilt with `citebot index build`, not behind a query
            print(f"citebot: {err} Rebuilding it now.", file=sys.stderr)
            with _progress(sys.stderr) as progress:
                self.index = build_index(
                    self.paths.corpus, self.paths.index, progress=progress, repair=True, **_file_budget(None)
                )
        return query(self.index)  # damage again right after a rebuild is an error for main()


def _corpus_label(paths: Paths) -> str:
    return "the bundled sample corpus" if paths.is_sample else str(paths.corpus)


# --- commands ---------------------------------------------------------------------------------------


def _budget(value: str) -> float:
    """``--file-budget``: seconds, 0 for no limit."""
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not seconds >= 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError("give a number of seconds, or 0 for no limit")
    return seconds


def _file_budget(flag: float | None) -> dict[str, float | None]:
    """``build_index``'s ``file_budget_s``: the ``--file-budget`` flag, else ``CITEBOT_FILE_BUDGET_S``,
    else nothing (the engine's default); 0 is no limit."""
    if flag is None:
        value = _env_value(_BUDGET_KEY)
        if value is None:
            return {}
        try:
            flag = _budget(value.strip())
        except argparse.ArgumentTypeError:
            from index.errors import CitebotError

            # The value is not echoed: a secret pasted into the wrong key must stay off the screen.
            raise CitebotError(
                f"bad setting {_BUDGET_KEY}: give a number of seconds, or 0 for no limit"
            ) from None
    return {"file_budget_s": flag or None}


def cmd_build(args: argparse.Namespace) -> int:
    paths = resolve_paths(args.corpus, args.index)
    if _uses_opensearch():
        return _build_on_cluster(args, paths)
    if args.part is not None:
        from index.errors import CitebotError

        raise CitebotError("--part needs the OpenSearch backend (CITEBOT_BACKEND=opensearch).")
    from index import build_index

    with _progress(sys.stderr) as progress:
        budget = _file_budget(args.file_budget)
        built = build_index(paths.corpus, paths.index, progress=progress, repair=args.repair, **budget)
    assert built.report is not None
    _print_build(args, paths, str(paths.index), built.report)
    return 0


def _build_on_cluster(args: argparse.Namespace, paths: Paths) -> int:
    from index.opensearch import backend

    config = _opensearch_config()
    where = f"{config.safe_url} (alias {config.prefix})"
    with _progress(sys.stderr) as progress:
        if args.part is None:
            report = backend.build_index(config, paths.corpus, progress=progress).report
            assert report is not None
            _print_build(args, paths, where, report)
            return 0
        share = backend.Share.parse(args.part)
        name, counts = backend.build_part(config, paths.corpus, share, progress=progress)
    summary = {"index": name, "part": f"{share.part}/{share.parts}", "documents": counts.documents}
    summary |= {"chunks": counts.chunks, "quotes": counts.quotes}
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"Part {share.part}/{share.parts} of {_corpus_label(paths)} is in {name}: {counts.documents} "
            f"documents, {counts.chunks} passages, {counts.quotes} quotes. When every part is in, run "
            f"`citebot index publish --parts {share.parts}`."
        )
    return 0


def _print_build(args: argparse.Namespace, paths: Paths, where: str, report: Any) -> None:
    if args.json:
        print(json.dumps({"corpus": str(paths.corpus), "index": where, **report.to_json()}))
    else:
        from index.corpus import INTERNAL_ERROR

        summary = _render(
            "cli_build.txt.j2",
            report=report,
            corpus=_corpus_label(paths),
            index=where,
            internal_error=INTERNAL_ERROR,
        )
        print(summary, end="")


def cmd_publish(args: argparse.Namespace) -> int:
    from index.errors import CitebotError

    if not _uses_opensearch():
        raise CitebotError("publish is the last step of an OpenSearch build (CITEBOT_BACKEND=opensearch).")
    from index.opensearch import backend

    paths = resolve_paths(args.corpus, None)
    config = _opensearch_config()
    report = backend.publish(config, paths.corpus, args.parts)
    _print_build(args, paths, f"{config.safe_url} (alias {config.prefix})", report)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from index.errors import CitebotError

    if not _uses_opensearch():
        raise CitebotError("status reports on an OpenSearch cluster (CITEBOT_BACKEND=opensearch).")
    from index.opensearch import backend

    config = _opensearch_config()
    status = backend.status(config)
    if args.json:
        print(json.dumps({"url": config.safe_url, **status.to_json()}))
        return 0
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(status.records.items())) or "no records"
    print(f"cluster {status.cluster} at {config.safe_url}: {status.health}, {status.nodes} node(s)")
    print(f"alias {status.alias} -> {status.index or 'nothing (run citebot index build)'}")
    print(f"  {counts}")
    if status.others:
        print(f"other indexes with this prefix: {', '.join(status.others)}")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    paths = resolve_paths(args.corpus, args.index)
    session = _Session(paths)
    questions = _questions(args.question)
    for question in questions:
        answer = _ask_one(session, question)
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            print(_render("cli_answer.txt.j2", answer=answer, corpus=_corpus_label(paths)), flush=True)
    return 0


def _questions(argument: Sequence[str]) -> Iterator[str]:
    if list(argument) == ["-"]:
        for line in sys.stdin:
            if line.strip():
                yield line.strip()
    else:
        yield " ".join(argument)


def _ask_one(session: _Session, question: str) -> Answer:
    """The answer, or "no answer" with the reason for a question that can't be run (too long...);
    a damaged index is not such a reason: it is rebuilt, or the command fails."""
    from index.errors import BadQuery, UnknownDocument
    from index.models import Answer

    try:
        return session.run(lambda index: index.ask(_clean_input(question)))
    except (BadQuery, UnknownDocument) as err:
        return Answer(question=question, answered=False, reason=str(err))


def _clean_input(text: str) -> str:
    from bot.render import strip_invisible

    return strip_invisible(text)


def cmd_search(args: argparse.Namespace) -> int:
    paths = resolve_paths(args.corpus, args.index)
    session = _Session(paths)
    query = " ".join(args.query)
    hits = session.run(lambda index: index.search(_clean_input(query), k=args.limit, doc=args.doc))
    if args.json:
        print(json.dumps({"query": query, "hits": [h.to_json() for h in hits]}, ensure_ascii=False))
    else:
        print(_render("cli_search.txt.j2", query=query, hits=hits, corpus=_corpus_label(paths)), end="")
    return 0


def cmd_quotes(args: argparse.Namespace) -> int:
    from index.corpus import scan_file
    from index.errors import CitebotError
    from index.quotes import find_quotes

    status = 0
    for name, path in _quote_files(args.files):
        try:
            documents = scan_file(path)
        except CitebotError as err:
            print(f"citebot: {name}: {err}", file=sys.stderr)
            status = 1
            continue
        quotes = [q for d in documents for q in find_quotes(d.doc, d.text, d.paragraphs)]
        if args.json:
            print(json.dumps({"file": name, "quotes": [_quote_json(q) for q in quotes]}, ensure_ascii=False))
        else:
            print(_render("cli_quotes.txt.j2", file=name, quotes=quotes), end="")
    return status


def _quote_files(names: Sequence[str]) -> Iterator[tuple[str, Path]]:
    """The files named, a folder standing for the supported files in it (read recursively)."""
    from index.corpus import SUPPORTED_SUFFIXES, walk_corpus

    for name in names:
        path = Path(name)
        if not path.is_dir():
            yield name, path
            continue
        for entry in walk_corpus(path):
            if entry.problem is None and entry.path.suffix.lower() in SUPPORTED_SUFFIXES:
                yield str(path / entry.rel), entry.path


def _quote_json(q: Any) -> dict[str, Any]:
    return {
        "text": q.text,
        "speaker": q.speaker,
        "speaker_as_written": q.speaker_as_written,
        "cue": q.cue,
        "kind": q.kind,
        "relay": q.relay,
        "start": q.start,
        "end": q.end,
        "speaker_start": q.speaker_start,
        "speaker_end": q.speaker_end,
        "sentence_start": q.sentence_start,
        "sentence_end": q.sentence_end,
    }


def cmd_chat(args: argparse.Namespace) -> int:
    paths = resolve_paths(args.corpus, args.index)
    session = _Session(paths)
    documents = len(session.index)
    print(f"Answering from {_corpus_label(paths)} ({documents} documents). Ask away; Ctrl-D or 'quit' ends.")
    while True:
        try:
            question = input("? ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question.lower() in ("quit", "exit", ":q"):
            return 0
        if question:
            answer = _ask_one(session, question)
            print(_render("cli_answer.txt.j2", answer=answer, corpus=_corpus_label(paths)))


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import main as run_bot

    return run_bot([])


# --- parser -----------------------------------------------------------------------------------------


def _add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--corpus", metavar="DIR", help=f"documents to answer from (default: ${_CORPUS_KEY} or the sample)"
    )
    parser.add_argument(
        "--index", metavar="DIR", help=f"where the index lives (default: ${_INDEX_KEY} or a cache dir)"
    )


MAX_LIMIT = 1000


def _passage_count(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 1 <= count <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_LIMIT}, not {count}")
    return count


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("citebot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="citebot", description="Answers questions with verbatim, cited quotes."
    )
    parser.add_argument("--version", action="version", version=f"citebot {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    index_cmd = commands.add_parser("index", help="manage the index")
    index_sub = index_cmd.add_subparsers(dest="index_command", required=True, metavar="ACTION")
    build = index_sub.add_parser("build", help="build or update the index of the corpus")
    _add_paths(build)
    build.add_argument("--json", action="store_true", help="print the build report as JSON")
    build.add_argument(
        "--part", metavar="I/N", help="OpenSearch only: index share I of N of the files (then publish)"
    )
    build.add_argument(
        "--repair",
        action="store_true",
        help="rebuild from scratch, trusting nothing in the old index, and fix the index folder's layout",
    )
    build.add_argument(
        "--file-budget",
        type=_budget,
        metavar="SECONDS",
        help="time a document may take to have its quotes attributed before it is indexed without "
        f"them and reported (default: ${_BUDGET_KEY}, else 30; 0: no limit)",
    )
    build.set_defaults(func=cmd_build)
    publish = index_sub.add_parser("publish", help="OpenSearch only: serve a build made with --part I/N")
    publish.add_argument(
        "--corpus", metavar="DIR", help=f"the corpus the parts read (default: ${_CORPUS_KEY})"
    )
    publish.add_argument(
        "--parts", type=int, required=True, metavar="N", help="how many parts it was built in"
    )
    publish.add_argument("--json", action="store_true", help="print the build report as JSON")
    publish.set_defaults(func=cmd_publish)
    status = index_sub.add_parser("status", help="OpenSearch only: cluster, alias, index, counts, health")
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    status.set_defaults(func=cmd_status)

    ask = commands.add_parser(
        "ask", help="answer a question with verbatim quotes ('-' reads questions from stdin)"
    )
    _add_paths(ask)
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("question", nargs="+", help="the question, or - to read one per line from stdin")
    ask.set_defaults(func=cmd_ask)

    search = commands.add_parser("search", help="ranked passages for a query")
    _add_paths(search)
    search.add_argument("--json", action="store_true", help="print the hits as JSON")
    search.add_argument("--doc", help="only this document (its path, file name or title)")
    search.add_argument(
        "-k",
        "--limit",
        type=_passage_count,
        default=5,
        help=f"how many passages, 1 to {MAX_LIMIT} (default 5)",
    )
    search.add_argument("query", nargs="+")
    search.set_defaults(func=cmd_search)

    quotes = commands.add_parser(
        "quotes", help="the attributed quotes in files (no index needed), or one speaker's (--speaker)"
    )
    quotes.add_argument("--json", action="store_true", help="one JSON object per file")
    quotes.add_argument("files", nargs="*", metavar="FILE")
    quotes.set_defaults(func=cmd_quotes)
    from bot.cli_people import add_commands as add_people_commands

    add_people_commands(commands, quotes, _add_paths)  # speakers, gaps, quotes --speaker

    chat = commands.add_parser("chat", help="ask questions interactively")
    _add_paths(chat)
    chat.set_defaults(func=cmd_chat)

    run = commands.add_parser("run", help="start the Discord bot (needs DISCORD_TOKEN)")
    run.set_defaults(func=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from index.errors import CitebotError

    try:
        status: int = args.func(args)
    except CitebotError as err:
        print(f"citebot: {_BIDI_CONTROLS.sub('', str(err))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `citebot ask ... | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0
    return status


if __name__ == "__main__":
    raise SystemExit(main())
