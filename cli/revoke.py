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
    done, unchanged = f"Revoked SSH from {args.cidr}.", f"No change: SSH from {args.cidr} was not allowed."
    if _source(args.cidr) in {_source(r["cidr"]) for r in rules.rules}:  # another rule (a range such as 22-2222)
        still = (f"SSH from {args.cidr} is still allowed by a rule hostwiz did not make (see below); "
                 "remove that rule in the AWS console if SSH from there must stop.")
        done, unchanged = f"Revoked hostwiz's SSH rule for {args.cidr}, but {still[0].lower()}{still[1:]}", still
    allow.show(rules, args.json, done, unchanged)
    return OK


def _source(cidr: str) -> str:
    import ipaddress

    try:
        return str(ipaddress.ip_network(cidr.strip(), strict=False))
    except ValueError:
        return cidr
