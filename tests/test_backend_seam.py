"""The search-backend seam without a cluster: the embedded path never loads the OpenSearch client,
the OpenSearch settings keep the password out of sight, and misuse gets a one-line error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import Settings
from index.errors import CitebotError
from index.opensearch.build import Share
from index.opensearch.config import OpenSearchConfig
from index.paths import sample_corpus_dir


def test_the_embedded_backend_never_imports_opensearch(tmp_path: Path) -> None:
    argv = ["ask", "--corpus", str(sample_corpus_dir()), "--index", str(tmp_path / "ix"), "Kalin"]
    code = f"import sys; from bot.cli import main; main({argv!r}); print('opensearchpy' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip().splitlines()[-1] == "False"


def test_opensearch_settings_keep_the_password_secret() -> None:
    settings = Settings(backend="opensearch", opensearch_user="bot", opensearch_password="s3cret-pass")
    config = settings.opensearch_config()
    assert config.password == "s3cret-pass" and config.verify_tls  # TLS checked unless turned off
    assert "s3cret-pass" not in repr(settings) and "s3cret-pass" not in repr(config)


def test_safe_url_drops_credentials_written_into_the_url() -> None:
    config = OpenSearchConfig(url="https://bot:s3cret@search.example:9200/")
    assert config.safe_url == "https://search.example:9200/"


@pytest.mark.parametrize("text", ["3", "0/2", "3/2", "a/b", "1/0"])
def test_a_bad_part_is_a_clear_error(text: str) -> None:
    with pytest.raises(CitebotError, match=r"I/N|between 1 and N"):
        Share.parse(text)


@pytest.mark.parametrize(
    "argv",
    [["index", "build", "--part", "1/2"], ["index", "status"], ["index", "publish", "--parts", "2"]],
)
def test_cluster_commands_on_the_embedded_backend_say_what_to_set(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CITEBOT_BACKEND", "embedded")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "CITEBOT_BACKEND=opensearch" in err and err.count("\n") == 1
