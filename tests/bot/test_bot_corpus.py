"""/corpus add and /corpus remove through discord.py's real code paths: real files, a real index,
hostile uploads, the audit log and /sources."""

from __future__ import annotations

from pathlib import Path

import pytest
import simcord
from conftest import reply_of, text_of
from docfiles import docx_bytes, pdf_bytes, zip_bomb_docx

from bot import Settings
from bot.app import Citebot

PDF_PAGES = [
    [
        "The lighthouse keeper told the council that the northern lamp needed a new lens before",
        "the winter storms, and that the old one had cracked in the October storm and could",
        "not be mended.",
    ],
    [
        '"The zeppelin mooring mast will be finished by May," said Maria Lopez, the harbour engineer,',
        "on Tuesday.",
    ],
]


@pytest.fixture
def settings(own_corpus: Path, tmp_path: Path) -> Settings:
    return Settings(
        corpus_dir=own_corpus,
        index_dir=tmp_path / "index",
        state_path=tmp_path / "state.sqlite3",
        cooldown_uses=1000,
        max_upload_mb=5,
    )


def corpus_files(corpus: Path) -> dict[str, bytes]:
    return {
        p.relative_to(corpus).as_posix(): p.read_bytes() for p in sorted(corpus.rglob("*")) if p.is_file()
    }


async def test_admin_adds_a_pdf_and_a_docx_and_they_are_answered_from(
    env: simcord.Env,
    bot: Citebot,
    own_corpus: Path,
    channel: simcord.ChannelHandle,
    admin: simcord.MemberActor,
    alice: simcord.MemberActor,
) -> None:
    result = await admin.slash(
        channel,
        "corpus add",
        file=("Harbour report.pdf", pdf_bytes(PDF_PAGES)),
        file2=("memo.docx", docx_bytes("Lens memo", [("para", "The new lens arrives from Oslo in March.")])),
    )
    reply = reply_of(result)
    assert reply.ephemeral
    embed = reply.embeds[0]
    assert embed.title == "Documents added"
    description = embed.description or ""
    assert "`uploads/Harbour_report.pdf`" in description and "`uploads/memo.docx`" in description
    assert "Added 2" in description and "4 documents now indexed" in description
    assert (own_corpus / "uploads" / "Harbour_report.pdf").read_bytes().startswith(b"%PDF-")
    # Answered from at once, verbatim, with the page.
    found = reply_of(await alice.slash(channel, "search", query="zeppelin mooring mast"))
    assert "p. 2, ¶" in text_of(found)
    passage = reply_of(
        await alice.slash(channel, "source", document="uploads/Harbour_report.pdf", paragraph=2)
    )
    assert passage.embeds[0].footer.text == "uploads/Harbour_report.pdf · p. 2"
    lens = reply_of(await alice.slash(channel, "search", query="lens Oslo"))
    assert "Lens memo" in text_of(lens)
    # The audit log says who added what, and /sources shows it.
    entries = bot.state.audit()
    assert {(e.action, e.doc, e.user_name) for e in entries} == {
        ("add", "uploads/Harbour_report.pdf", "admin"),
        ("add", "uploads/memo.docx", "admin"),
    }
    listing = text_of(reply_of(await alice.slash(channel, "sources")))
    assert "added by admin on 20" in listing


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("report.pdf", b"MZ\x90\x00\x03" + bytes(5000), "binary data that is not PDF or DOCX"),
        ("notes.docx", zip_bomb_docx(1024), "bomb-like DOCX"),
        (
            "../../x",
            b"Title\n\nA plain text that tries to climb out of the corpus folder.\n",
            "looks like a path",
        ),
        ("scan.pdf", pdf_bytes([[], []]), "no text layer on any page"),
    ],
    ids=["renamed-executable", "zip-bomb", "path-name", "scanned-pdf"],
)
async def test_hostile_uploads_are_refused_and_change_nothing(
    env: simcord.Env,
    own_corpus: Path,
    channel: simcord.ChannelHandle,
    admin: simcord.MemberActor,
    bot: Citebot,
    name: str,
    data: bytes,
    reason: str,
) -> None:
    before = corpus_files(own_corpus)
    engine = bot.service.engine
    reply = reply_of(await admin.slash(channel, "corpus add", file=(name, data)))
    assert reply.ephemeral
    assert reply.embeds[0].title == "Nothing added"
    assert reason in (reply.embeds[0].description or "")
    assert corpus_files(own_corpus) == before
    assert bot.service.engine is engine  # no reindex for nothing
    assert bot.state.audit() == []
    assert not (own_corpus.parent / "x").exists() and not (own_corpus.parent.parent / "x").exists()


async def test_a_100_mb_file_is_refused(
    env: simcord.Env, own_corpus: Path, channel: simcord.ChannelHandle, admin: simcord.MemberActor
) -> None:
    before = corpus_files(own_corpus)
    big = b"%PDF-1.4\n" + bytes(100 * 1024 * 1024)
    reply = reply_of(await admin.slash(channel, "corpus add", file=("big.pdf", big)))
    description = reply.embeds[0].description or ""
    assert "too large (104,857,609 bytes; the limit is 5,242,880)" in description
    assert corpus_files(own_corpus) == before


async def test_one_good_file_among_bad_ones_is_added(
    env: simcord.Env, own_corpus: Path, channel: simcord.ChannelHandle, admin: simcord.MemberActor
) -> None:
    reply = reply_of(
        await admin.slash(
            channel,
            "corpus add",
            file=("good.md", b"# Ferry times\n\nThe ferry leaves at nine.\n"),
            file2=("evil.pdf", b"MZ" + bytes(100)),
        )
    )
    description = reply.embeds[0].description or ""
    assert reply.embeds[0].title == "Documents added"
    assert "`uploads/good.md`" in description and "`evil.pdf`" in description
    assert sorted(p.name for p in (own_corpus / "uploads").iterdir()) == ["good.md"]
    again = reply_of(
        await admin.slash(
            channel, "corpus add", file=("copy.md", b"# Ferry times\n\nThe ferry leaves at nine.\n")
        )
    )
    assert "already in the corpus as uploads/good.md" in (again.embeds[0].description or "")


async def test_members_may_not_change_the_corpus(
    env: simcord.Env,
    bot: Citebot,
    guild: simcord.GuildHandle,
    own_corpus: Path,
    channel: simcord.ChannelHandle,
    alice: simcord.MemberActor,
) -> None:
    # A server admin may make the commands visible to everyone; the bot must still refuse.
    for command in await bot.tree.fetch_commands():
        if command.name in ("corpus", "gaps"):
            guild.set_command_permissions(command.id, {alice: True})
    before = corpus_files(own_corpus)
    result = await alice.slash(channel, "corpus add", file=("a.txt", b"Title\n\nText.\n"))
    assert reply_of(result).ephemeral and "Only server admins" in reply_of(result).content
    removal = await alice.slash(channel, "corpus remove", document="000_6299cbfab8416832.txt")
    assert "Only server admins" in reply_of(removal).content
    gaps = await alice.slash(channel, "gaps")
    assert reply_of(gaps).ephemeral and "Only server admins" in reply_of(gaps).content
    assert corpus_files(own_corpus) == before


async def test_remove_asks_first_and_only_the_admin_confirms(
    env: simcord.Env,
    bot: Citebot,
    own_corpus: Path,
    channel: simcord.ChannelHandle,
    admin: simcord.MemberActor,
    alice: simcord.MemberActor,
) -> None:
    doc = "000_6299cbfab8416832.txt"
    asked = reply_of(await admin.slash(channel, "corpus remove", document=doc))
    assert asked.ephemeral and asked.content.startswith("Remove **")
    assert (own_corpus / doc).exists()
    cancelled = reply_of(await admin.click(asked.message, label="Cancel"))
    assert cancelled.content == "Nothing was removed." and (own_corpus / doc).exists()

    asked = reply_of(await admin.slash(channel, "corpus remove", document=doc))
    done = reply_of(await admin.click(asked.message, label="Remove"))
    assert done.embeds[0].title == "Document removed"
    assert "removed 1" in (done.embeds[0].description or "")
    assert not (own_corpus / doc).exists()
    assert [p.name.endswith(doc) for p in (own_corpus / ".removed").iterdir()] == [True]
    assert doc not in {d.doc for d in bot.service.documents}
    assert [(e.action, e.doc) for e in bot.state.audit()] == [("remove", doc)]
    unknown = await admin.slash(channel, "corpus remove", document="no such document")
    assert reply_of(unknown).ephemeral and "No document matches" in reply_of(unknown).content


async def test_the_sample_corpus_is_not_changed_from_discord(
    env: simcord.Env, bot: Citebot, channel: simcord.ChannelHandle, admin: simcord.MemberActor
) -> None:
    bot.settings.corpus_dir = None  # as when CITEBOT_CORPUS_DIR is not set
    reply = reply_of(await admin.slash(channel, "corpus add", file=("a.txt", b"Title\n\nText.\n")))
    # Discord shows the markdown-escaped name as written: CITEBOT_CORPUS_DIR.
    assert reply.ephemeral and "CITEBOT_CORPUS_DIR" in reply.content.replace("\\_", "_")
