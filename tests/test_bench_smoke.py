"""The benchmark runs (tiny sizes; its numbers are measured by hand, never asserted here)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.run import RANK_BM25, main
from index.paths import sample_corpus_dir


def test_benchmark_runs_every_engine_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    assert (
        main(
            [
                "--passages",
                "1500",
                "--queries",
                "15",
                "--asks",
                "10",
                "--corpus",
                str(sample_corpus_dir()),
                "--json",
                str(out),
            ]
        )
        == 0
    )
    report = json.loads(out.read_text("utf-8"))
    engines = {r["engine"] for r in report["results"]}
    assert {"citebot", RANK_BM25, "citebot pipeline build", "citebot Index.search"} <= engines
    citebot = next(r for r in report["results"] if r["engine"] == "citebot")
    assert citebot["agree_at_10"] == 1.0  # same top 10 as rank-bm25, the definition of the scores
    assert report["cold_cli_ask_s"] > 0 and report["machine"]["cpus"]
