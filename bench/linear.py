"""Does the work grow linearly with a document's size? Timing ratios, run by hand (never in CI).

    python -m bench.linear [--sizes 0.25,1,4] [--json OUT]

Each case runs on inputs of the given sizes (MB) and reports seconds per MB; for linear work the
per-MB cost stays flat, so the ratio of the largest size's cost per MB to the smallest's should
stay near 1 (2 or more means superlinear). Cases:

* sentences: ``split_sentences`` on news prose, on one 4 MB line, on dotted-letter runs and on a
  line full of short quotes (the inputs that made the splitter quadratic);
* reading: ``load_file`` on .txt, on HTML nested thousands deep and on JSONL;
* asking: build an index of one document of that size (prose without speech cues, so that quote
  attribution, owned elsewhere, does not dominate) and time fact and search questions on it.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from index import build_index
from index.corpus import SourceFile, load_file
from index.sentences import split_sentences

MB = 1_000_000
NAMES = ["Vladimir Putin", "Recep Tayyip Erdogan", "Angela Merkel", "Emmanuel Macron", "Joe Biden"]
PLACES = ["Ankara", "Moscow", "Berlin", "Paris", "Washington"]
THINGS = ["the pipeline", "the missile deal", "the budget", "the grain corridor", "the summit"]
MONTHS = ["January", "March", "May", "July", "October", "December"]


SYLLABLES = ["ka", "lo", "mi", "ren", "tas", "vor", "ul", "pek", "sin", "dra", "mo", "zet"]


def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(size)]


def sentence(rng: random.Random, vocabulary: list[str]) -> str:
    """One news-like sentence without a speech verb or a quotation mark."""
    return (
        f"{rng.choice(NAMES)} met {rng.choice(vocabulary)} officials in {rng.choice(PLACES)} on "
        f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(1990, 2024)} to discuss the "
        f"{rng.choice(vocabulary)} {rng.choice(vocabulary)}. "
    )


def prose(size: int, seed: int = 1) -> str:
    """Paragraphs of such sentences, ``size`` characters or a little more."""
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng)
    parts: list[str] = []
    total = 0
    while total < size:
        part = sentence(rng, vocabulary) + ("\n\n" if rng.random() < 0.15 else "")
        parts.append(part)
        total += len(part)
    return "".join(parts)


def questions_for(text: str) -> dict[str, str]:
    """Questions about the sentence in the middle of ``text`` (so each size asks about its own text)."""
    middle = text.rfind(". ", 0, len(text) // 2) + 2
    words = text[middle : text.find(". ", middle)].split()
    name = words[1]  # the surname
    place, thing = words[words.index("in") + 1], " ".join(words[-2:])
    return {
        "fact": f"When did {name} meet officials in {place} to discuss the {thing}?",
        "search": f"{thing} {place}",
        "person": f"What did {name} say about the {thing}?",
    }


def _sentence_inputs(size: int) -> dict[str, str]:
    return {
        "prose": prose(size),
        "one line": prose(size).replace("\n", " "),
        "dotted letters": "a." * (size // 2),
        "short quotes": '"Yes." "No." ' * (size // 12),
    }


def _time(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def bench_sentences(sizes: list[int]) -> list[dict[str, object]]:
    rows = []
    for size in sizes:
        for case, text in _sentence_inputs(size).items():
            seconds = _time(functools.partial(split_sentences, text))
            rows.append({"case": f"sentences: {case}", "mb": size / MB, "s": seconds})
    return rows


def _reading_inputs(size: int) -> dict[str, tuple[str, bytes]]:
    body = prose(size)
    depth = max(1, size // 2000)
    html = (
        "<html><body>" + "<div>" * depth + "<p>" + body.replace("\n\n", "</p><p>") + "</p>" + "</div>" * depth
    )
    lines = [json.dumps({"text": p}) for p in body.split("\n\n") if p.strip()]
    return {
        "txt": ("doc.txt", ("Title\n\n" + body).encode()),
        "html, deep": ("doc.html", html.encode()),
        "jsonl": ("doc.jsonl", "\n".join(lines).encode()),
    }


def bench_reading(sizes: list[int], workdir: Path) -> list[dict[str, object]]:
    rows = []
    for size in sizes:
        for case, (name, data) in _reading_inputs(size).items():
            path = workdir / name
            path.write_bytes(data)
            source = SourceFile(name, path, "", len(data))
            seconds = _time(functools.partial(load_file, source))
            rows.append({"case": f"reading: {case}", "mb": size / MB, "s": seconds})
    return rows


def bench_asking(sizes: list[int], workdir: Path) -> list[dict[str, object]]:
    rows = []
    for size in sizes:
        corpus = workdir / f"corpus-{size}"
        corpus.mkdir()
        text = prose(size)
        (corpus / "one.txt").write_text("One long document\n\n" + text, "utf-8")
        (corpus / "other.txt").write_text("Another\n\nSomething else entirely happened.\n", "utf-8")
        index_dir = workdir / f"index-{size}"
        started = time.perf_counter()
        index = build_index(corpus, index_dir)
        rows.append({"case": "build: one document", "mb": size / MB, "s": time.perf_counter() - started})
        for kind, question in questions_for(text).items():
            index.ask(question)  # the first ask pays for lazy loads and checksums
            seconds = min(_time(functools.partial(index.ask, question)) for _ in range(3))
            rows.append({"case": f"ask: {kind}", "mb": size / MB, "s": seconds})
        index.close()
    return rows


def ratios(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Per case: seconds per MB at the largest size over seconds per MB at the smallest."""
    out = []
    for case in dict.fromkeys(str(r["case"]) for r in rows):
        mine = [r for r in rows if r["case"] == case]
        small, large = min(mine, key=lambda r: float(r["mb"])), max(mine, key=lambda r: float(r["mb"]))  # type: ignore[arg-type]
        per_mb = [float(r["s"]) / float(r["mb"]) for r in (small, large)]  # type: ignore[arg-type]
        out.append(
            {
                "case": case,
                "small_mb": small["mb"],
                "large_mb": large["mb"],
                "small_s": round(float(small["s"]), 4),  # type: ignore[arg-type]
                "large_s": round(float(large["s"]), 4),  # type: ignore[arg-type]
                "ratio": round(per_mb[1] / per_mb[0], 2) if per_mb[0] > 0 else None,
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.linear", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="0.25,1,4", help="document sizes in MB, comma-separated")
    parser.add_argument("--skip-asking", action="store_true", help="only sentences and reading")
    parser.add_argument("--json", metavar="OUT", help="also write the rows and ratios as JSON")
    args = parser.parse_args(argv)
    sizes = [int(float(s) * MB) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        rows = bench_sentences(sizes) + bench_reading(sizes, workdir)
        if not args.skip_asking:
            rows += bench_asking(sizes, workdir)
    table = ratios(rows)
    print("| case | small MB | s | large MB | s | per-MB ratio |")
    print("|---|---|---|---|---|---|")
    for r in table:
        cells = [r["case"], r["small_mb"], r["small_s"], r["large_mb"], r["large_s"], r["ratio"]]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "ratios": table}, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
