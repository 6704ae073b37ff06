"""`hostwiz allow NAME [CIDR]` / `hostwiz revoke NAME CIDR`: who may SSH to a stack; both list
the rules as they are afterwards."""

from __future__ import annotations

import argparse
import json

from hostwiz.cli import OK
from hostwiz.cli.args import stack_name, helps
from hostwiz.cli.common import identity, session_for


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, command: str = "allow") -> None:
    what = ("admit SSH to a stack from an address (default: yours, now)" if command == "allow"
            else "stop admitting SSH to a stack from an address")
    examples = (("hostwiz allow blog", "hostwiz allow blog 203.0.113.7/32") if command == "allow"
                else ("hostwiz revoke blog 203.0.113.7/32",))
    p = sub.add_parser(command, parents=[common], **helps(what, what[0].upper() + what[1:] + ".", *examples))
    p.add_argument("name", type=stack_name, help="the stack")
    p.add_argument("cidr", nargs="?" if command == "allow" else None,
                   help="an address or range, e.g. 203.0.113.7/32" + (" (default: your public address)"
                                                                       if command == "allow" else ""))
    p.add_argument("--json", action="store_true", help="machine-readable output")


def show(rules, as_json: bool, done: str, unchanged: str) -> None:
    if as_json:
        print(json.dumps({"kind": "ssh-rules", **rules.as_dict()}))
        return
    print(done if rules.changed else unchanged)
    print(f"SSH to {rules.name} is allowed from ({rules.group_id}):")
    for r in rules.rules or ([] if rules.others else [{"cidr": "nobody", "description": ""}]):
        print(f"  {r['cidr']:<40} {r['description']}")
    for other in rules.others:  # hostwiz neither adds nor removes these: say so beside them
        print(f"  {other:<40} (not hostwiz's: change it in the AWS console)")


def run(args: argparse.Namespace) -> int:
    session = session_for(args)
    from hostwiz.services import operate

    identity(session)
    rules = operate.allow(session, args.name, args.cidr)
    what = args.cidr or "your address"
    show(rules, args.json, f"Allowed SSH from {what}.", f"No change: SSH from {what} was already allowed.")
    return OK
