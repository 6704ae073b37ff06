"""What every command shares: its session (closed when the command ends, sandbox included) and
the terminal prompts."""

from __future__ import annotations

import argparse
import sys

from hostwiz.errors import UserError
from hostwiz.services.session import Options, Session, identity, open_session

__all__ = ["CliError", "identity", "session_for", "close_sessions", "is_interactive", "confirm_typed"]

CliError = UserError  # an expected failure: message on stderr, exit status `code`, no traceback

_opened: list[Session] = []


def session_for(args: argparse.Namespace, region: str | None = None) -> Session:
    """The command's session (from the global options); `close_sessions` ends it with the command."""
    session = open_session(Options.of(args), region)
    _opened.append(session)
    return session


def close_sessions() -> None:
    while _opened:
        _opened.pop().close()


def is_interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def confirm_typed(prompt: str, expected: str) -> bool:
    if not is_interactive():
        return False
    try:
        answer = input(f"{prompt} ")
    except EOFError:
        return False
    return answer.strip() == expected
