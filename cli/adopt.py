"""`hostwiz adopt NAME [--id ID] [--yes] [--json]`: take over a stack made from another state dir or
machine. Shows exactly what will be taken over first; writes a ledger only after --yes or a typed
confirmation. Nothing in AWS changes."""

from __future__ import annotations

import argparse
import json

from hostwiz.cli import BAD_INPUT, OK
from hostwiz.cli.args import stack_name, helps
from hostwiz.cli.common import CliError, confirm_typed, identity, is_interactive, session_for


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("adopt", parents=[common], **helps(
        "take over a stack found only by its tags (plan first)",
        "Take over a stack whose local state is gone but whose resources carry its identity tags: the plan "
        "lists what is ours by identity, then asks before writing the local state.",
        "hostwiz adopt blog", "hostwiz adopt blog --id 3f2a9c --json"))
    p.add_argument("name", type=stack_name, help="the stack")
    p.add_argument("--id", dest="stack_id", metavar="ID", help="which stack, when several of that name exist")
    p.add_argument("--yes", "-y", action="store_true", help="adopt without the typed confirmation")
    p.add_argument("--json", action="store_true", help="the plan and the result as JSON")


def run(args: argparse.Namespace) -> int:
    from hostwiz.services import stacks

    session = session_for(args)
    identity(session)
    plan = stacks.plan_adopt(session, args.name, args.stack_id)
    if args.json:
        print(json.dumps({"kind": "plan", "name": plan.name, "stack_id": plan.stack_id, "problem": plan.problem,
                          "resources": [r.as_dict() for r in plan.resources],
                          "skipped": [{"kind": r.kind, "id": r.id, "why": why} for r, why in plan.skipped]},
                         default=str))
    else:
        print("\n".join(plan.lines()))
    if not plan.ok:
        raise CliError(plan.problem or f"nothing to adopt for {args.name}", BAD_INPUT)
    if not args.yes:
        if not is_interactive():
            raise CliError("not adopting without confirmation: add --yes, or run in a terminal", BAD_INPUT)
        if not confirm_typed(f"Type the stack name ({args.name}) to take all of this over:", args.name):
            print("Nothing was adopted.")
            return OK
    stacks.adopt(session, args.name, plan)
    print(json.dumps({"kind": "adopted", "name": args.name}) if args.json else
          f"Stack {args.name} adopted: its ledger is on this machine now.")
    return OK
