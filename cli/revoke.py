"""`hostwiz revoke NAME CIDR`: stop admitting SSH from CIDR (see `allow.py`)."""

from __future__ import annotations

import argparse

from hostwiz.cli import OK, allow
from hostwiz.cli.common import identity, session_for


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    allow.add_parser(sub, common, "revoke")


def run(args: argparse.Namespace) -> int:
    session = session_for(args)
    from hostwiz.services import operate

    identity(session)
    rules = operate.revoke(session, args.name, args.cidr)
    allow.show(rules, args.json, f"Revoked SSH from {args.cidr}.", f"No change: SSH from {args.cidr} was not allowed.")
    return OK
