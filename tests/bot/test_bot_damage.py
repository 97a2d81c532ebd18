"""A damaged index and a failing /reindex, seen from Discord: a reason, never a server path."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
import simcord
from conftest import handled_errors, reply_of, text_of

from bot import Settings
from bot.app import Citebot

KALIN_QUESTION = "what did Kalin say about Patriots?"


@pytest.fixture
def settings(own_corpus: Path, tmp_path: Path) -> Settings:
    return Settings(corpus_dir=own_corpus, index_dir=tmp_path / "index", cooldown_uses=1000)


def no_server_path(text: str, *places: Path) -> None:
    for place in places:
        assert str(place) not in text and str(place.resolve()) not in text
    assert "/tmp/" not in text and "/home/" not in text and "/root/" not in text


async def test_a_damaged_index_is_repaired_and_no_path_is_shown(
    env: simcord.Env,
    bot: Citebot,
    tmp_path: Path,
    own_corpus: Path,
    channel: simcord.ChannelHandle,
    alice: simcord.MemberActor,
) -> None:
    generation = (tmp_path / "index" / "current").resolve()
    speakers = generation / "speakers.json"
    speakers.write_bytes(speakers.read_bytes()[:-5])  # damage a lazily read file
    first = reply_of(await alice.slash(channel, "ask", question=KALIN_QUESTION))
    assert "rebuilding" in first.content
    no_server_path(first.content, tmp_path, own_corpus)
    repair = bot.service._repair_task
    assert repair is not None
    await asyncio.wait_for(asyncio.shield(repair), timeout=60)
    again = reply_of(await alice.slash(channel, "ask", question=KALIN_QUESTION))
    assert "sale process does not affect" in text_of(again)
    assert handled_errors(env) == ["IndexNotReady"]


async def test_a_failed_reindex_says_why_without_paths(
    env: simcord.Env,
    tmp_path: Path,
    own_corpus: Path,
    channel: simcord.ChannelHandle,
    admin: simcord.MemberActor,
) -> None:
    shutil.rmtree(own_corpus)
    result = reply_of(await admin.slash(channel, "reindex"))
    assert "does not exist" in result.content and "something went wrong" not in result.content
    no_server_path(result.content, tmp_path, own_corpus)
    answer = reply_of(await admin.slash(channel, "ask", question=KALIN_QUESTION))
    assert "sale process does not affect" in text_of(answer)  # the old index still serves
    assert handled_errors(env) == ["CorpusError"]
