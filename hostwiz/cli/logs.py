"""`hostwiz logs`: arrives with its own issue."""

from __future__ import annotations

import argparse

from hostwiz.cli.context import CliError


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("logs", parents=[common], help="(not yet available)")
    p.add_argument("rest", nargs=argparse.REMAINDER)


def run(args: argparse.Namespace) -> int:
    raise CliError("'hostwiz logs' is not available yet in this build", 1)
