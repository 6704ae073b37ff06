"""`hostwiz alarms NAME [on|off]`: the stack's optional CloudWatch alarms -- EC2's recover action
on a failed system status check, CPU credits running out, database storage low. Without on/off:
their states. `hostwiz down` removes them with the stack."""

from __future__ import annotations

import argparse
import json

from hostwiz.cli import FAILED, OK
from hostwiz.cli.args import stack_name, helps
from hostwiz.cli.common import identity, session_for


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("alarms", parents=[common], **helps(
        "a stack's CloudWatch alarms: list, turn on or off",
        "List the stack's alarms and their states, or turn on (or off) the status-check recovery, "
        "CPU-credit and database-storage alarms.",
        "hostwiz alarms blog", "hostwiz alarms blog on", "hostwiz alarms blog off"))
    p.add_argument("name", type=stack_name, help="the stack")
    p.add_argument("action", nargs="?", choices=["on", "off"], help="create or remove the alarms")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    session = session_for(args)
    from hostwiz.services import watch

    identity(session)
    if args.action == "off":
        outcome = watch.alarms_off(session, args.name)
        skipped = getattr(outcome, "skipped", [])  # same names, not this stack's identity: left alone
        if args.json:
            print(json.dumps({"kind": "alarms-off", "ok": outcome.ok,
                              "left": [x.resource.id for x in outcome.left],
                              "skipped": [{"id": r.id, "why": why} for r, why in skipped]}))
        else:
            print("Alarms removed." if outcome.ok else
                  "Some alarms are left: " + ", ".join(f"{x.resource.id}: {x.error}" for x in outcome.left))
            for r, why in skipped:
                print(f"  left alone: {r.id} ({why})")
        return OK if outcome.ok else FAILED
    states = watch.alarms_on(session, args.name) if args.action == "on" else watch.alarm_states(session, args.name)
    if args.json:
        print(json.dumps({"kind": "alarms", "alarms": [s.__dict__ for s in states]}, default=str))
        return OK
    if not states:
        print(f"No alarms on {args.name}. 'hostwiz alarms {args.name} on' adds them.")
        return OK
    print(f"Alarms of {args.name}:")
    for s in states:
        print(f"  {s.key:<18} {s.state:<18} {s.reason[:80]}")
    return OK
