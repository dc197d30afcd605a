"""Reading a channel's secrets: inline values or `*_file` variants, read at send time so rotation needs no reload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tocsin.notify.integration import NotifyError


def secret_value(inline: Any, file: str | None = None, *, what: str = "secret") -> str | None:
    """The inline secret (a pydantic SecretStr or plain str) or the stripped content of `file`.

    A missing or unreadable file is a permanent failure naming the setting, never the secret.
    """
    if inline is not None:
        raw = inline.get_secret_value() if hasattr(inline, "get_secret_value") else str(inline)
        if raw:
            return str(raw)
    if file:
        try:
            return Path(file).read_text().strip()
        except OSError as exc:
            raise NotifyError(f"cannot read {what} file {file!r}: {exc.strerror}", retry=False) from None
    return None
