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
    p.add_argument("--no-probe", action="store_true", help="do not probe the site (DNS, HTTP, TLS)")


def run(args: argparse.Namespace) -> int:
    session = session_for(args)
    from hostwiz.services import stacks as uc
    from hostwiz.services import watch

    identity(session)
    if not args.name:
        stacks = uc.list_stacks(session)
        mtd = {s.name: (watch.cost_so_far(session, s.name) if s.source == "ledger" else None) for s in stacks}
        if args.json:
            print(json.dumps([{**s.as_dict(), "month_to_date": round(mtd[s.name].month_to_date, 2)
                               if mtd[s.name] else None} for s in stacks], default=str))
        elif not stacks:
            print("No stacks. Create one with 'hostwiz' (the wizard) or 'hostwiz up SPEC.toml'.")
        else:
            print(f"{'NAME':<24} {'REGION':<14} {'STATUS':<20} {'MONTH':>8}  URL")
            for s in stacks:
                cost = f"${mtd[s.name].month_to_date:.2f}" if mtd[s.name] else "-"
                print(f"{s.name:<24} {s.region:<14} {s.status:<20} {cost:>8}  {s.outputs.get('url') or ''}")
        return OK
    uc.require_stack(session, args.name)  # unknown: the same words and exit 2 as every command
    st = uc.status(session, args.name)
    if not st.found:
        print(json.dumps({"name": args.name, "found": False}) if args.json else f"No stack named {args.name}.")
        return FAILED
    doc, region, resources = st.as_dict(), st.region, st.resources
    seen = watch.watched(session, args.name, probe=not args.no_probe) if st.status != "found by tags" else None
    if seen is not None:
        doc.update(seen.as_dict())
    if args.json:
        print(json.dumps(doc, default=str))
        return OK
    print(f"Stack {args.name} ({region}): {doc['status']}")
    for key, value in doc["outputs"].items():
        if value:
            print(f"  {key:<17} {value}")
    for line in st.dns:
        print(f"  DNS              {line}")
    if seen is not None:
        print_watched(seen)
    print(f"  {len(resources)} resources:")
    for r in resources:
        state = r.data.get("state") or r.data.get("status") or "present"
        print(f"    {r.kind:<18} {r.id:<40} {state}")
    return OK


MARK = {"ok": "ok", "warning": "WARN", "problem": "FAIL", "unknown": "?"}


def print_watched(seen) -> None:
    h = seen.health
    if h is not None:
        print(f"  Site             {MARK.get(h.status, h.status)}{'  (' + h.target + ')' if h.target else ''}")
        if h.skipped:
            print(f"    note: {h.skipped}")
        for r in (h.report.results if h.report else []):
            print(f"    {MARK.get(r.status, r.status):<4} {r.check:<10} {r.summary}")
            if r.diagnosis:
                print(f"         {r.diagnosis}")
            if r.advice:
                print(f"         -> {r.advice}")
    c = seen.cost
    if c is not None:
        print(f"  Cost so far      ${c.total:.2f} since {c.since:%Y-%m-%d %H:%M} UTC "
              f"(running {c.running_hours:.1f} h ${c.running_cost:.2f}, stopped {c.stopped_hours:.1f} h "
              f"${c.stopped_cost:.2f}); this month ${c.month_to_date:.2f}; now ${c.per_day_now:.2f}/day")
    for a in seen.alarms:
        print(f"  Alarm            {a.key:<18} {a.state}")
    for note in seen.notes:
        print(f"  note: {note}")
