"""Where a build's time goes, stage by stage: py-spy's raw (collapsed) samples of a build and its
parsing workers, each sample put in the first stage whose frames it holds.

    py-spy record --subprocesses --format raw --rate 50 -o /tmp/build.spy -- python -c \\
        "import sys; from index import build_index; build_index(*sys.argv[1:])" CORPUS INDEX
    python -m bench.stages /tmp/build.spy 50

py-spy (``pip install py-spy``, a sampling profiler that reads other processes) counts a thread
whenever it is not idle, runnable or running: on a machine others share, the seconds it reports
are more than the CPU seconds, but the shares of the stages hold.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

# (process, stage, frames any of which puts a sample in it), tried in order. A frame written
# "leaf:..." counts only as the sample's innermost frame: the parse's words were read in a list
# comprehension of Token attributes (spaCy's Cython leaves no frames of its own), and the parse
# itself now runs inside another list comprehension.
STAGES: list[tuple[str, str, tuple[str, ...]]] = [
    ("worker", "model load and imports", ("load_parser (index/attribution/parse.py", "_find_and_load")),
    (
        "worker",
        "parse: reading the words off spaCy's Docs",
        ("leaf:load_parser.<locals>.parse.<locals>.<listcomp>", "_WordReader"),
    ),
    (
        "worker",
        "parse: spaCy (tok2vec, tagger, morphologizer, lemmatizer, parser)",
        ("(spacy/", "(thinc/", "NumpyBlasOps.gemm", "load_parser.<locals>.parse", "threadpool"),
    ),
    ("worker", "plan: sentence units, quotation marks, cue forms", ("_plans (index/workers.py",)),
    ("worker", "attribution rules (find_quotes)", ("find_quotes (",)),
    ("worker", "sentences and passages (parse_document)", ("parse_document (",)),
    ("worker", "terms (analyze)", ("_with_terms (",)),
    ("worker", "batch packing (batch_of)", ("batch_of (",)),
    ("worker", "pipe: pickling jobs and batches", ("_write_frame", "_read_frame", "_document (")),
    ("main", "reading the corpus files", ("load_file (", "scan_corpus", "file_stamps", "changed_since")),
    ("main", "sending jobs, receiving batches", ("_Worker.send", "_Worker.receive", "_start (index/workers")),
    ("main", "writing batches (GenerationWriter.add)", ("GenerationWriter.add",)),
    ("main", "BM25 files (write_packed)", ("write_packed",)),
    ("main", "finish: name table, span columns, quote table", ("GenerationWriter.finish",)),
    ("main", "manifest, checksums, publish, open", ("_write_manifest", "publish", "Index.__init__")),
    ("main", "imports", ("_find_and_load",)),
]


def stage_seconds(lines: list[str], rate: float) -> dict[str, dict[str, float]]:
    """Seconds per stage for each process kind ("worker", "main")."""
    out: dict[str, dict[str, float]] = {"worker": defaultdict(float), "main": defaultdict(float)}
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if not count.isdigit():
            continue  # a sample whose last frame has spaces in it (a process's command line alone)
        frames = stack.split(";")
        process = "worker" if any("serve()" in frame for frame in frames[:3]) else "main"
        stage = next(
            (name for kind, name, wanted in STAGES if kind == process and _holds(stack, frames[-1], wanted)),
            "other",
        )
        out[process][stage] += int(count) / rate
    return out


def _holds(stack: str, leaf: str, wanted: tuple[str, ...]) -> bool:
    return any(leaf.startswith(w[5:]) if w.startswith("leaf:") else w in stack for w in wanted)


def table(seconds: dict[str, dict[str, float]]) -> list[str]:
    rows = ["| process | stage | seconds | share |", "|---|---|---|---|"]
    for process, stages in seconds.items():
        total = sum(stages.values()) or 1.0
        rows.append(f"| {process} | **all** | {total:.1f} | 100% |")
        rows.extend(
            f"| {process} | {stage} | {s:.1f} | {100 * s / total:.1f}% |"
            for stage, s in sorted(stages.items(), key=lambda item: -item[1])
        )
    return rows


def main(argv: list[str]) -> int:
    lines = Path(argv[0]).read_text(encoding="utf-8").splitlines()
    print("\n".join(table(stage_seconds(lines, float(argv[1]) if len(argv) > 1 else 100.0))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
