"""`hostwiz stop NAME` / (`start.py`) `hostwiz start NAME`: the instance and the database together,
with the monthly cost while stopped beside the running cost."""

from __future__ import annotations

import argparse
import json

from hostwiz import events as ev
from hostwiz.cli import OK
from hostwiz.cli.args import stack_name, helps
from hostwiz.cli.common import identity, session_for


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, command: str = "stop") -> None:
    what = "stop a stack's instance and database (disks and the address still cost)" if command == "stop" else \
        "start a stopped stack's database and instance"
    p = sub.add_parser(command, parents=[common], **helps(what, what[0].upper() + what[1:] + ".",
                                                          f"hostwiz {command} blog", f"hostwiz {command} blog --json"))
    p.add_argument("name", type=stack_name, help="the stack")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def printer(as_json: bool) -> ev.Callback:
    def on_event(e: ev.Event) -> None:
        if as_json:
            print(json.dumps({"event": e.kind, **e.as_dict()}, default=str), flush=True)
        elif e.kind != ev.QUEUED:
            print(e.line(), flush=True)
    return on_event


def run(args: argparse.Namespace, command: str = "stop") -> int:
    session = session_for(args)
    from hostwiz.services import operate

    identity(session)
    fn = operate.stop if command == "stop" else operate.start
    result = fn(session, args.name, printer(args.json))
    if args.json:
        print(json.dumps({"kind": command, **result.as_dict()}))
        return OK
    print(f"Stack {args.name} is {result.state}.")
    print(f"  cost while running  ${result.running_monthly:8.2f}/month")
    print(f"  cost while stopped  ${result.stopped_monthly:8.2f}/month (disks and the public address)")
    for note in result.notes:
        print(f"  note: {note}")
    return OK
