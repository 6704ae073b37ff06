"""Logging: a file in the state dir, with every known secret redacted."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from hostwiz.secrets import RedactFilter


def configure(state_dir: Path, level: str | None = None) -> Path:
    level = (level or os.environ.get("HOSTWIZ_LOG_LEVEL") or "INFO").upper()
    log_dir = Path(state_dir) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "hostwiz.log"
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
