"""Text that tries to fool a reader: direction overrides, invisible characters, huge URLs, paths."""

from __future__ import annotations

from bot.render import URL_LIMIT, escape, hide_paths, safe_url, strip_invisible
from bot.replies import make_embed
from index.analysis import analyze

RTL_OVERRIDE = "\u202e"


def test_direction_overrides_are_never_echoed() -> None:
    title = f"invoice{RTL_OVERRIDE}fdp.exe"
    assert RTL_OVERRIDE not in escape(title)
    assert "\u2066" not in escape("a\u2066b\u2069c")


def test_zero_width_characters_inside_words_still_match() -> None:
    assert analyze("Pat\u200briot mis\u00adsiles") == analyze("Patriot missiles")
    assert analyze("Ka\u200dlin") == analyze("Kalin")
    assert strip_invisible(f"Pat\u200briot{RTL_OVERRIDE}") == "Patriot"


def test_a_url_longer_than_discord_allows_is_dropped() -> None:
    long_url = "https://example.org/" + "a" * 5000
    assert safe_url(long_url) is None
    assert make_embed(title="t", description="d", url=long_url).url is None
    fitting = "https://example.org/" + "a" * (URL_LIMIT - 40)
    assert make_embed(title="t", description="d", url=fitting).url == fitting


def test_server_paths_are_hidden_but_commands_and_urls_are_not() -> None:
    text = "The index file /srv/citebot/index/gen-1/speakers.json is damaged. An admin can /reindex."
    assert hide_paths(text) == "The index file … is damaged. An admin can /reindex."
    assert hide_paths("see https://example.org/a/b") == "see https://example.org/a/b"


def test_templates_never_print_direction_overrides() -> None:
    from bot.render import create_environment

    env = create_environment()
    assert RTL_OVERRIDE not in env.from_string("{{ title }}").render(title=f"a{RTL_OVERRIDE}b")
