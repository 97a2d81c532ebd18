"""The bench's pipeline build alone, for a size where the whole pipeline takes too long: the bench's
corpus written as JSONL, built by the bench's own build code in a fresh process (peak RSS of the
build and its parsing workers sampled every 20 ms); prints the index's files with their sizes (as
``bench.disk`` does), then one JSON line: the seconds, the BM25 part, the peak RSS, the CPU
seconds of the build and its workers together, and the index's size against the corpus. On a
machine others share, the CPU seconds move much less than the wall time does.

    python -m bench.build_only zipf 1000000 /tmp/build-only
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
from pathlib import Path

from bench.disk import corpus_size, file_sizes, listing
from bench.run import _BUILD, dir_mb, fresh_corpus_dir, fresh_process


def main(argv: list[str]) -> int:
    corpus, passages, work = argv[0], int(argv[1]), Path(argv[2])
    if fresh_corpus_dir(corpus, passages, work) is None:
        return 1
    before = _children_cpu_s()
    build = fresh_process(_BUILD, str(work / "corpus"), str(work / "index"), sample_rss=True)
    build["cpu_s"] = _children_cpu_s() - before  # the build, and its workers it waited for
    build.update(
        corpus=corpus, passages=passages, index_mb=dir_mb(work / "index"), corpus_mb=dir_mb(work / "corpus")
    )
    build["index_over_corpus"] = build["index_mb"] / build["corpus_mb"]
    print(
        "\n".join(listing(file_sizes((work / "index" / "current").resolve()), corpus_size(work / "corpus")))
    )
    print(json.dumps(build))
    shutil.rmtree(work, ignore_errors=True)
    return 0


def _children_cpu_s() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
