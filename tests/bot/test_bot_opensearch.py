"""The Discord bot on the OpenSearch backend, against the real cluster that ``.ci/run`` starts
(skipped only without CITEBOT_TEST_OPENSEARCH_URL): the same answers, and when the cluster cannot
serve the index, a short reply that the search service is unavailable instead of a traceback."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import simcord
from conftest import handled_errors, reply_of, text_of

from bot import Settings
from bot.app import Citebot

URL = os.environ.get("CITEBOT_TEST_OPENSEARCH_URL")
if not URL:
    pytest.skip("CITEBOT_TEST_OPENSEARCH_URL is not set: no OpenSearch cluster", allow_module_level=True)

from index.opensearch.backend import build_index  # noqa: E402 - only with a cluster to test
from index.opensearch.client import connect  # noqa: E402

QUESTION = "what did Kalin say about Patriots?"


@pytest.fixture
def settings(shared_index: tuple[Path, Path]) -> Iterator[Settings]:
    corpus, _ = shared_index
    fields: dict[str, Any] = {
        "corpus_dir": corpus,
        "backend": "opensearch",
        "opensearch_url": URL,
        "opensearch_prefix": f"bot{uuid.uuid4().hex[:10]}",
        "cooldown_uses": 1000,
    }
    settings = Settings(**fields)
    config = settings.opensearch_config()
    build_index(config, corpus)  # before the bot starts, which then only opens it
    yield settings
    connect(config).indices.delete(index=f"{config.prefix}-*", ignore_unavailable=True)


async def test_ask_on_opensearch_then_the_service_becomes_unavailable(
    env: simcord.Env,
    bot: Citebot,
    settings: Settings,
    channel: simcord.ChannelHandle,
    alice: simcord.MemberActor,
) -> None:
    answered = reply_of(await alice.slash(channel, "ask", question=QUESTION))
    assert "sale process does not affect" in text_of(answered) and "Kalin" in text_of(answered)

    config = settings.opensearch_config()
    client = connect(config)
    served = sorted(client.indices.get_alias(name=config.prefix))
    client.indices.close(index=served)  # the cluster can no longer serve the index
    try:
        failed = reply_of(await alice.slash(channel, "ask", question=QUESTION))
    finally:
        client.indices.open(index=served)
    assert (
        "search service" in failed.content
        and "unavailable" in failed.content
        and "Traceback" not in failed.content
    )
    assert failed.content.count("\n") == 0
    assert handled_errors(env) == ["SearchUnavailable"]


async def test_reindex_on_opensearch_swaps_in_a_new_build(
    env: simcord.Env,
    bot: Citebot,
    settings: Settings,
    channel: simcord.ChannelHandle,
    admin: simcord.MemberActor,
) -> None:
    config = settings.opensearch_config()
    client = connect(config)
    before = sorted(client.indices.get_alias(name=config.prefix))
    result = await admin.slash(channel, "reindex")
    embed = reply_of(result).embeds[0]
    assert embed.title == "Index rebuilt"
    after = sorted(client.indices.get_alias(name=config.prefix))
    assert after != before and not client.indices.exists(index=before)
    answered = reply_of(await admin.slash(channel, "ask", question=QUESTION))
    assert "sale process does not affect" in text_of(answered)


async def test_speakers_and_quotes_on_opensearch(
    env: simcord.Env, bot: Citebot, channel: simcord.ChannelHandle, alice: simcord.MemberActor
) -> None:
    listed = reply_of(await alice.slash(channel, "speakers"))
    assert "Kalin" in text_of(listed)
    quoted = reply_of(await alice.slash(channel, "quotes", speaker="Kalin"))
    assert "Kalin" in text_of(quoted) and quoted.embeds
    assert handled_errors(env) == []
