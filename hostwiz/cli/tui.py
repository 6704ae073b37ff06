"""`hostwiz` with no command: the TUI."""

from __future__ import annotations

import argparse

from hostwiz.cli.context import CliError


def run(args: argparse.Namespace) -> int:
    try:
        from hostwiz.screens.app import run_app
    except ImportError:
        raise CliError("the TUI is not available yet in this build; use 'hostwiz up/status/down'") from None
    return run_app(args)
