"""Logging: a file in the state dir, with every known secret redacted."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from hostwiz.secrets import RedactFilter


def configure(state_dir: Path, level: str | None = None) -> Path:
    level = (level or os.environ.get("HOSTWIZ_LOG_LEVEL") or "INFO").upper()
    from hostwiz.ledger import UnsafePath, private_dir

    log_dir = private_dir(Path(state_dir) / "logs")
    path = log_dir / "hostwiz.log"
    # 0600 from the first byte whatever the umask, and never through a planted symlink
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    except OSError as err:
        if path.is_symlink():
            raise UnsafePath(f"{path} is a symlink; remove it") from None
        raise err
    os.fchmod(fd, 0o600)
    os.close(fd)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    handler.addFilter(RedactFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_hostwiz", False)]:
        root.removeHandler(old)
        old.close()
    handler._hostwiz = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    return path


def unconfigure() -> None:
    """Close hostwiz's log file (a session's end: its state dir may be removed next)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_hostwiz", False)]:
        root.removeHandler(old)
        old.close()
