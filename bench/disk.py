"""The index on disk, file by file, against the corpus: the bench's corpus written as JSONL, built
in this process, and each file of the generation listed with its size, the scorer's (``bm25/``)
apart from the rest.

    python -m bench.disk kjv 20000 /tmp/disk
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from bench.run import fresh_corpus_dir


def file_sizes(generation: Path) -> dict[str, int]:
    """Each file of an index generation (relative path) with its size in bytes."""
    files = [path for path in generation.rglob("*") if path.is_file()]
    return {path.relative_to(generation).as_posix(): path.stat().st_size for path in files}


def listing(sizes: dict[str, int], corpus_bytes: int) -> list[str]:
    """The files, largest first, then the totals: the scorer's files, the rest, the whole."""
    lines = [f"{size:>12,}  {name}" for name, size in sorted(sizes.items(), key=lambda item: -item[1])]
    scorer = sum(size for name, size in sizes.items() if name.startswith("bm25/"))
    total = sum(sizes.values())
    lines.append(f"scorer (bm25/) {scorer:,} bytes, the rest {total - scorer:,} bytes")
    lines.append(f"corpus {corpus_bytes:,} bytes, index {total:,} bytes: {total / corpus_bytes:.3f}x")
    return lines


def corpus_size(corpus: Path) -> int:
    return sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file())


def main(argv: list[str]) -> int:
    corpus, passages, work = argv[0], int(argv[1]), Path(argv[2])
    if fresh_corpus_dir(corpus, passages, work) is None:
        return 1
    from index import build_index

    generation = build_index(work / "corpus", work / "index").generation
    print("\n".join(listing(file_sizes(generation), corpus_size(work / "corpus"))))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
