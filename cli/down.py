"""`hostwiz down NAME [--yes] [--skip-final-snapshot]`: a plan, a confirmation, then teardown."""

from __future__ import annotations

import argparse
import json
import sys

from hostwiz import events as ev
from hostwiz.cli import BAD_INPUT, FAILED, OK
from hostwiz.cli.args import helps, stack_name
from hostwiz.cli.common import CliError, confirm_typed, identity, is_interactive, session_for


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("down", parents=[common], **helps(
        "tear down one stack (plan first, then confirm)",
        "Delete everything the stack made (found by the ledger and by its tags, never by name alone): a "
        "plan first, then deletion on a typed confirmation or --yes. The database gets a final snapshot "
        "unless --skip-final-snapshot; the snapshot is kept (and billed) until you delete it.",
        "hostwiz down blog", "hostwiz down blog --yes --skip-final-snapshot", "hostwiz --sandbox down blog --yes"))
    p.add_argument("name", type=stack_name, help="the stack")
    p.add_argument("--yes", "-y", action="store_true", help="delete without the typed confirmation")
    p.add_argument("--skip-final-snapshot", action="store_true", help="do not snapshot the database first")
    p.add_argument("--json", action="store_true", help="events as JSON lines")


def run(args: argparse.Namespace) -> int:
    from hostwiz.ledger import Ledger

    session = session_for(args)
    ledger = Ledger(session.state_dir, args.name)
    if ledger.get("region") and not args.region:
        session = session.for_region(ledger.get("region"))
    from hostwiz.deletion_text import plan_lines
    from hostwiz.services import stacks as operations

    who = identity(session)
    operations.require_stack(session, args.name)  # unknown: the same words and exit 2 as every command
    plan = operations.plan_down(session, args.name, final_snapshot=not args.skip_final_snapshot, region=args.region)
    skipped = [{"kind": r.kind, "id": r.id, "why": why} for r, why in plan.skipped]
    if plan.empty and plan.skipped and not ledger.exists:
        if args.json:
            print(json.dumps({"kind": "plan", "resources": [], "skipped": skipped}))
        raise CliError(f"stack {args.name} has no ledger on this machine, and tags can be copied: nothing proves "
                       f"that what carries its name was made by you, so nothing was deleted. If it is yours: "
                       f"'hostwiz adopt {args.name}' (it shows what it takes over), then 'hostwiz down {args.name}'.",
                       BAD_INPUT)
    if plan.empty:
        ledger.remove() if ledger.exists else None  # plan_down refused a ledger of another account or region
        msg = f"Stack {args.name} has nothing left in {session.aws.region}; nothing to delete."
        print(json.dumps({"kind": "plan", "resources": [], "skipped": skipped}) if args.json else msg)
        if not args.json:
            for x in skipped:
                print(f"  left alone: {x['kind']} {x['id']} ({x['why']})")
        return OK
    if args.json:
        print(json.dumps({"kind": "plan", "account": who["account"], "stack_id": plan.stack_id,
                          "identity_source": plan.identity_source, "skipped": skipped,
                          "resources": [r.as_dict() for r in plan.resources]}, default=str))
    else:
        print(f"AWS account {who['account']} in {session.aws.region}" + (" (SANDBOX)" if session.sandbox else ""))
        print("\n".join(plan_lines(plan)))
    if not args.yes:
        if not is_interactive():
            raise CliError("not deleting anything without confirmation: add --yes, or run in a terminal", BAD_INPUT)
        if not confirm_typed(f"Type the stack name ({args.name}) to delete all of this:", args.name):
            print("Nothing was deleted.")
            return OK

    def on_event(e: ev.Event) -> None:
        if args.json:
            print(json.dumps({"event": e.kind, **e.as_dict()}, default=str), flush=True)
        elif e.kind not in (ev.QUEUED, ev.STARTED):
            print(e.line(), flush=True)

    outcome = operations.down(session, plan, on_event)
    if outcome.ok:
        from hostwiz.deletion_text import gone_summary

        kept = operations.kept_snapshots(session, plan)
        print(json.dumps({"kind": "done", "deleted": len(outcome.deleted), "kept": [k.as_dict() for k in kept]})
              if args.json else "\nStack " + gone_summary(args.name, len(outcome.deleted), kept,
                                                "hostwiz --sandbox" if session.sandbox else "hostwiz"))
        return OK
    print(f"\n{len(outcome.left)} resource(s) could not be deleted:", file=sys.stderr)
    for left in outcome.left:
        blockers = f" (blocked by {', '.join(left.blockers)})" if left.blockers else ""
        print(f"  {left.resource.kind} {left.resource.id}: {left.error}{blockers}", file=sys.stderr)
    print(f"Run 'hostwiz down {args.name}' again once the blockers are resolved.", file=sys.stderr)
    return FAILED
