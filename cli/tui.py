"""`hostwiz` with no command: the TUI."""

from __future__ import annotations

import argparse

from hostwiz.services.session import Options


def run(args: argparse.Namespace) -> int:
    from hostwiz.screens.app import run_app

    return run_app(Options.of(args))
