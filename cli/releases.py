"""`hostwiz releases NAME [--json]`: the stack's releases, newest first; `*` marks the serving one."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from hostwiz.cli import OK
from hostwiz.cli.args import stack_name, helps
from hostwiz.cli.common import session_for


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("releases", parents=[common], **helps(
        "a stack's releases (id, source, when, who, status)",
        "List the releases kept on the stack's instance (the last 5), newest first.",
        "hostwiz releases blog", "hostwiz releases blog --json"))
    p.add_argument("name", type=stack_name, help="the stack")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    from hostwiz.services import deploy as uc

    session = session_for(args)
    found = uc.releases(session, args.name)
    if args.json:
        print(json.dumps([asdict(r) for r in found]))
        return OK
    if not found:
        print(f"No releases on {args.name} yet: 'hostwiz deploy {args.name} [PATH]' makes the first.")
        return OK
    print(f"  {'ID':<26} {'STATUS':<9} {'WHEN':<21} {'WHO':<24} SOURCE")
    for r in found:
        print(f"{'*' if r.current else ' '} {r.id:<26} {r.status:<9} {r.when:<21} {r.who[:24]:<24} {r.source}")
    return OK
