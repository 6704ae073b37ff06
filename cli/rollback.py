"""`hostwiz rollback NAME [ID]`: switch back to an earlier release without rebuilding (default: the
one that served before), through the same health-gated switch as a deploy."""

from __future__ import annotations

import argparse
import json

from hostwiz.cli import OK
from hostwiz.cli.args import stack_name
from hostwiz.cli.common import session_for


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("rollback", parents=[common], help="switch a stack back to an earlier release",
                       description="Start an earlier release again beside the serving one and switch to it once "
                                   "healthy, without rebuilding. Example: 'hostwiz rollback blog' (the previous "
                                   "release), 'hostwiz rollback blog 20261201T120000123Z-ab12' (see 'hostwiz releases').")
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
