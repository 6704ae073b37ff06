"""`hostwiz start NAME`: start a stopped stack (database first, then the instance; the Elastic IP stays)."""

from __future__ import annotations

import argparse

from hostwiz.cli import stop


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    stop.add_parser(sub, common, "start")


def run(args: argparse.Namespace) -> int:
    return stop.run(args, "start")
