"""The index on disk, file by file, against the corpus: the bench's corpus written as JSONL, built
in this process, and each file of the generation listed with its size.

    python -m bench.disk kjv 20000 /tmp/disk
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from bench.run import fresh_corpus_dir


def main(argv: list[str]) -> int:
    corpus, passages, work = argv[0], int(argv[1]), Path(argv[2])
    if fresh_corpus_dir(corpus, passages, work) is None:
        return 1
    from index import build_index

    generation = build_index(work / "corpus", work / "index").generation
    files = [path for path in generation.rglob("*") if path.is_file()]
    sizes = {path.relative_to(generation).as_posix(): path.stat().st_size for path in files}
    corpus_bytes = sum(p.stat().st_size for p in (work / "corpus").rglob("*") if p.is_file())
    for name, size in sorted(sizes.items(), key=lambda item: -item[1]):
        print(f"{size:>12,}  {name}")
    total = sum(sizes.values())
    print(f"corpus {corpus_bytes:,} bytes, index {total:,} bytes: {total / corpus_bytes:.3f}x")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
