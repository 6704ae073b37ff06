"""`hostwiz rollback NAME [ID]`: switch back to an earlier release without rebuilding (default: the
one that served before), through the same health-gated switch as a deploy."""

from __future__ import annotations

import argparse
import json

from hostwiz.cli import OK
from hostwiz.cli.args import stack_name, helps
from hostwiz.cli.common import session_for


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("rollback", parents=[common], **helps(
        "switch a stack back to an earlier release",
        "Start an earlier release again beside the serving one and switch to it once healthy, without "
        "rebuilding (default: the release that served before; 'hostwiz releases' lists them).",
        "hostwiz rollback blog", "hostwiz rollback blog 20261201T120000123Z-ab12"))
    p.add_argument("name", type=stack_name, help="the stack")
    p.add_argument("id", nargs="?", help="the release (default: the one that served before)")
    p.add_argument("--json", action="store_true", help="the result as one JSON object on stdout")


def run(args: argparse.Namespace) -> int:
    from hostwiz.cli.deploy import ByteBar, failure, reporters
    from hostwiz.services import deploy as uc

    session = session_for(args)
    on_event, on_output = reporters(ByteBar())
    try:
        done = uc.rollback(session, args.name, args.id, on_event=on_event, on_output=on_output)
    except uc.DeployFailed as err:
        failure(err, "rollback")
        if args.json:
            print(json.dumps({"ok": False, "stage": err.stage, "error": err.detail}))
        return err.code
    if args.json:
        print(json.dumps({"ok": True, "release_id": done.release_id, "previous_id": done.previous_id}))
    else:
        print(f"Release {done.release_id} of {args.name} is serving again (was {done.previous_id}).")
    return OK
