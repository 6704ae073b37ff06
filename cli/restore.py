"""`hostwiz restore NAME SNAPSHOT [--yes] [--json]`: replace the stack's database by one restored
from SNAPSHOT (same identifier and endpoint), after showing the plan."""

from __future__ import annotations

import argparse
import json

from hostwiz.cli import BAD_INPUT, FAILED, OK
from hostwiz.cli.args import stack_name, helps
from hostwiz.cli.common import CliError, identity, is_interactive, session_for


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("restore", parents=[common], **helps(
        "restore a stack's database from a snapshot (plan first)",
        "Make the stack's database again from one of its snapshots (or a torn-down stack's final one); "
        "the plan says what the current data becomes before anything changes.",
        "hostwiz snapshot blog --list", "hostwiz restore blog blog-snap-20261201120000"))
    p.add_argument("name", type=stack_name, help="the stack")
    p.add_argument("snapshot", help="a snapshot ID ('hostwiz snapshot NAME --list')")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask before restoring")
    p.add_argument("--json", action="store_true", help="the plan (and the outcome) as JSON")


def run(args: argparse.Namespace) -> int:
    from hostwiz.cli.stop import printer

    session = session_for(args)
    from hostwiz.services import operate

    identity(session)
    plan = operate.plan_restore(session, args.name, args.snapshot)
    if args.json:
        print(json.dumps(plan.as_dict(), default=str))
    else:
        print(f"Restore {args.name} from {plan.snapshot.id} ({plan.snapshot.kind}, {plan.snapshot.size_gb} GB, "
              f"taken {plan.snapshot.created[:19]}):")
        for i, step in enumerate(plan.steps, 1):
            print(f"  {i}. {step}")
        print(f"  lost: {plan.loses}")
    if not plan.ok:
        if not args.json:
            for f, m in plan.problems:
                print(f"  {f}: {m}")
        return BAD_INPUT
    if not args.yes:
        if not is_interactive() or args.json:
            raise CliError("not restoring without confirmation: add --yes", BAD_INPUT)
        if input("Restore? [y/N] ").strip().lower() not in ("y", "yes"):
            print("Nothing was changed.")
            return OK
    try:
        operate.restore(session, plan, printer(args.json))
    except Exception as err:  # noqa: BLE001 - say what failed; the ledger keeps the intent
        from hostwiz.errors import UserError, describe_error

        if isinstance(err, UserError):
            raise
        raise CliError(f"restore failed: {describe_error(err)}; run the same command again to resume", FAILED) from None
    if not args.json:
        print(f"Database of {args.name} restored from {plan.snapshot.id}.")
    return OK
