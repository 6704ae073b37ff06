"""`hostwiz status [NAME] [--json]`: stacks, their resources and live state."""

from __future__ import annotations

import argparse
import json

from hostwiz.cli import FAILED, OK
from hostwiz.cli.args import stack_name
from hostwiz.cli.context import identity, make_session


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("status", parents=[common], help="stacks, their resources and live state")
    p.add_argument("name", nargs="?", type=stack_name, help="one stack (default: all)")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    session = make_session(args)
    from hostwiz.ledger import Ledger
    from hostwiz.provisioners import operations

    identity(session)
    if not args.name:
        stacks = operations.list_stacks(session)
        if args.json:
            print(json.dumps([s.as_dict() for s in stacks], default=str))
        elif not stacks:
            print("No stacks. Create one with 'hostwiz' (the wizard) or 'hostwiz up SPEC.toml'.")
        else:
            print(f"{'NAME':<24} {'REGION':<14} {'STATUS':<20} URL")
            for s in stacks:
                print(f"{s.name:<24} {s.region:<14} {s.status:<20} {s.outputs.get('url') or ''}")
        return OK
    ledger = Ledger(session.state_dir, args.name)
    region = ledger.get("region") or session.aws.region
    resources = operations.stack_resources(session.for_region(region), args.name)
    if not ledger.exists and not resources:
        print(json.dumps({"name": args.name, "found": False}) if args.json else f"No stack named {args.name}.")
        return FAILED
    doc = {"name": args.name, "region": region, "status": ledger.get("status", "found by tags"),
           "outputs": ledger.get("outputs") or {}, "resources": [r.as_dict() for r in resources]}
    if args.json:
        print(json.dumps(doc, default=str))
        return OK
    print(f"Stack {args.name} ({region}): {doc['status']}")
    for key, value in doc["outputs"].items():
        if value:
            print(f"  {key:<17} {value}")
    print(f"  {len(resources)} resources:")
    for r in resources:
        state = r.data.get("state") or r.data.get("status") or "present"
        print(f"    {r.kind:<18} {r.id:<40} {state}")
    return OK
