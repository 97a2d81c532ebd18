"""Tests that keep the architecture and the docs honest."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bot.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


def test_index_is_discord_free() -> None:
    """`index` is the engine: it must not pull in the front ends or their libraries."""
    code = (
        "import sys, index, index.engine, index.answering, index.corpus, index.quotes; "
        "print(sorted({m.split('.')[0] for m in sys.modules}))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(eval(run.stdout))  # a list literal printed just above
    assert not loaded & {"bot", "discord", "jinja2", "pydantic", "pydantic_settings", "rich"}


def _cli_commands() -> list[str]:
    parser = build_parser()
    commands: list[str] = []
    for action in parser._subparsers._group_actions:  # type: ignore[union-attr]
        for name, sub in action.choices.items():
            nested = [a for a in sub._actions if a.__class__.__name__ == "_SubParsersAction"]
            if nested:
                commands.extend(f"{name} {child}" for child in nested[0].choices)
            else:
                commands.append(name)
    return commands


def test_every_cli_command_is_in_the_readme_and_has_help() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    commands = _cli_commands()
    assert {"ask", "search", "quotes", "chat", "run", "index build"} <= set(commands)
    for command in commands:
        assert f"citebot {command}" in readme, command
        run = subprocess.run(
            [sys.executable, "-m", "bot.cli", *command.split(), "--help"], capture_output=True, text=True
        )
        assert run.returncode == 0 and "usage:" in run.stdout


def test_every_env_example_key_is_documented() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    keys = re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text("utf-8"), re.M)
    assert "DISCORD_TOKEN" in keys and "CITEBOT_CORPUS_DIR" in keys
    for key in keys:
        assert f"`{key}`" in readme, key


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert "pytest" in readme and re.search(r"^pytest\b", ci, re.M)
