"""`hostwiz snapshot NAME [--list]`: snapshot the stack's root volume and database (tagged to the
stack), or list its snapshots (`--list`, or `--all` for every stack's, torn-down ones included),
each with its size and monthly cost."""

from __future__ import annotations

import argparse
import json

from hostwiz.cli import OK
from hostwiz.cli.args import stack_name, helps
from hostwiz.cli.common import identity, session_for


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("snapshot", parents=[common], **helps(
        "snapshot a stack's disk and database, or list snapshots",
        "Take a snapshot of the instance's disk and of the database now, tagged with the stack's identity, "
        "or list them (--all: torn-down stacks' final snapshots too).",
        "hostwiz snapshot blog", "hostwiz snapshot blog --list", "hostwiz snapshot --list --all"))
    p.add_argument("name", nargs="?", type=stack_name, help="the stack")
    p.add_argument("--list", action="store_true", help="list the stack's snapshots instead of taking new ones")
    p.add_argument("--all", action="store_true", help="list every stack's snapshots (torn-down stacks too)")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def show(snaps, as_json: bool, title: str) -> None:
    from hostwiz.services.operate import snapshot_monthly

    if as_json:
        print(json.dumps({"kind": "snapshots", **snaps.as_dict()}, default=str))
        return
    print(title)
    if not snaps.items:
        print("  (none)")
    total = 0.0
    for s in snaps.items:
        monthly = snapshot_monthly(snaps.region, s)
        total += monthly
        print(f"  {s.kind:<9} {s.id:<40} {s.stack:<16} {s.size_gb:>5} GB  ${monthly:6.2f}/month  "
              f"{s.state:<10} {s.created[:19]}{'  (final)' if s.final else ''}")
    if snaps.items:
        print(f"  {'':<9} {'':<40} {'':<16} {'':>8}  ${total:6.2f}/month in all (at full size: an upper bound)")


def run(args: argparse.Namespace) -> int:
    from hostwiz.cli.common import CliError
    from hostwiz.errors import BAD_INPUT

    session = session_for(args)
    from hostwiz.services import operate

    identity(session)
    if args.all or args.list:
        if not args.name and not args.all:
            raise CliError("name: give a stack, or --all", BAD_INPUT)
        snaps = operate.snapshots(session, None if args.all else args.name)
        show(snaps, args.json, f"Snapshots of {'hostwiz stacks' if args.all else args.name} in {snaps.region}:")
        return OK
    if not args.name:
        raise CliError("name: which stack to snapshot?", BAD_INPUT)
    snaps = operate.snapshot(session, args.name)
    show(snaps, args.json, f"Snapshots taken of {args.name} (they stay after 'hostwiz down'; delete them with "
                           "'hostwiz cleanup' when no longer wanted):")
    return OK
