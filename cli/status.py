"""`hostwiz status [NAME] [--json]`: stacks, their resources and live state."""

from __future__ import annotations

import argparse
import json

from hostwiz.cli import FAILED, OK
from hostwiz.cli.args import helps, stack_name
from hostwiz.cli.common import identity, session_for


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("status", parents=[common], **helps(
        "stacks, their resources and live state",
        "Without NAME: every stack, from the ledger and from AWS tags. With NAME: its outputs (URL, SSH, "
        "database), whether its DNS names point at it yet, and each resource's live state.",
        "hostwiz status", "hostwiz status blog --json", "hostwiz --sandbox status"))
    p.add_argument("name", nargs="?", type=stack_name, help="one stack (default: all)")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    session = session_for(args)
    from hostwiz.services import stacks as uc

    identity(session)
    if not args.name:
        stacks = uc.list_stacks(session)
        if args.json:
            print(json.dumps([s.as_dict() for s in stacks], default=str))
        elif not stacks:
            print("No stacks. Create one with 'hostwiz' (the wizard) or 'hostwiz up SPEC.toml'.")
        else:
            print(f"{'NAME':<24} {'REGION':<14} {'STATUS':<20} URL")
            for s in stacks:
                print(f"{s.name:<24} {s.region:<14} {s.status:<20} {s.outputs.get('url') or ''}")
        return OK
    uc.require_stack(session, args.name)  # unknown: the same words and exit 2 as every command
    st = uc.status(session, args.name)
    if not st.found:
        print(json.dumps({"name": args.name, "found": False}) if args.json else f"No stack named {args.name}.")
        return FAILED
    doc, region, resources = st.as_dict(), st.region, st.resources
    if args.json:
        print(json.dumps(doc, default=str))
        return OK
    print(f"Stack {args.name} ({region}): {doc['status']}")
    for key, value in doc["outputs"].items():
        if value:
            print(f"  {key:<17} {value}")
    for line in st.dns:
        print(f"  DNS              {line}")
    print(f"  {len(resources)} resources:")
    for r in resources:
        state = r.data.get("state") or r.data.get("status") or "present"
        print(f"    {r.kind:<18} {r.id:<40} {state}")
    return OK
