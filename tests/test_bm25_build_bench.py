"""The token-build comparison runs (a tiny size; its numbers are measured by hand, never asserted)."""

from __future__ import annotations

import pytest

from bench.token_build import main


def test_the_token_build_comparison_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["zipf:300"]) == 0
    printed = capsys.readouterr().out
    assert "zipf 300 passages, 24,000 tokens" in printed
    assert "citebot:" in printed and "peak RSS growth" in printed
    assert "tantivy:" in printed  # measured, or skipped where the bench's extra is not installed
