"""Reading a ``.env`` file whatever editor wrote it: UTF-8 (with or without a BOM) or UTF-16.

Windows editors save UTF-16 with a byte-order mark; python-dotenv and pydantic-settings read only
the encoding they are told. This module finds it from the BOM (stdlib only: the terminal tool
imports it at start-up).
"""

from __future__ import annotations

import codecs
from pathlib import Path

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class EnvFileError(ValueError):
    """The ``.env`` file cannot be read as text; the message says which file and why."""


def env_file_encoding(path: Path) -> str:
    """The encoding to read ``path`` with: from its byte-order mark, else UTF-8 (checked)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise EnvFileError(f"cannot read {path}: {err.strerror}") from None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise EnvFileError(
            f"{path} is not UTF-8 or UTF-16 text (undecodable byte at offset {err.start}); save it as UTF-8"
        ) from None
    return "utf-8"
