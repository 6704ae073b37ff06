"""`hostwiz cleanup`: find leftovers, show the plan (a dry run by default), delete with --yes.

    hostwiz cleanup [--name-prefix P] [--tag K=V] [--vpc ID] [--older-than 7d] [--region R]...
                    [--plan-out FILE] [--plan FILE] [--yes] [--json]

With `--plan FILE --yes` it deletes exactly the reviewed plan: anything gone or changed since
is skipped and reported, anything new is left alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hostwiz import events as ev
from hostwiz.cli import BAD_INPUT, FAILED, OK
from hostwiz.cli.args import helps
from hostwiz.cli.common import CliError, identity, session_for


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("cleanup", parents=[common], conflict_handler="resolve", **helps(
        "find and delete leftovers (a dry-run plan unless --yes)",
        "Find leftovers that match the filters (VPCs, NAT gateways, load balancers, databases, buckets, "
        "functions... and what they bring in), show the plan with monthly costs and what blocks what, and "
        "delete only with --yes. Live stacks' resources are never taken unless named explicitly.",
        "hostwiz cleanup --name-prefix workshop- --older-than 7d",
        "hostwiz cleanup --tag team=labs --plan-out plan.json     # review it, then:",
        "hostwiz cleanup --plan plan.json --yes"))
    p.add_argument("--name-prefix", metavar="P",
                   help="the Name tag or resource name is P, or P followed by - _ . / or : "
                        "(P=hostwiz-blog takes hostwiz-blog-db, never hostwiz-blogx-db; "
                        "a P ending in a separator, like workshop-, takes whatever follows it)")
    p.add_argument("--tag", action="append", default=[], metavar="K=V", help="has tag K=V (repeatable)")
    p.add_argument("--vpc", metavar="ID", help="in this VPC (the VPC and everything inside it)")
    p.add_argument("--older-than", metavar="AGE", help="created more than AGE ago: 30m, 12h, 7d, 2w")
    p.add_argument("--region", dest="regions", action="append", metavar="R",
                   help="region to look in (repeatable; default: the profile's)")
    p.add_argument("--include-stack", dest="include_stacks", action="append", default=[], metavar="NAME",
                   help="also take this live hostwiz stack's resources (default: never; use 'hostwiz down NAME')")
    p.add_argument("--include-global", action="store_true",
                   help="also look at account-wide kinds: IAM roles, policies, instance profiles, Route53 records")
    p.add_argument("--include-cloudformation", action="store_true",
                   help="also take CloudFormation-owned resources, by deleting their CloudFormation stack")
    p.add_argument("--plan-out", metavar="FILE", help="write the plan as a frozen plan to review and pass to --plan")
    p.add_argument("--plan", metavar="FILE", help="delete exactly this frozen plan (with --yes)")
    p.add_argument("--yes", "-y", action="store_true", help="delete (without it: a dry run)")
    p.add_argument("--json", action="store_true", help="plan, events and result as JSON lines")


def filters_from(args: argparse.Namespace, regions: list[str]) -> Any:
    from hostwiz.services import cleanup

    f = cleanup.parse_filters(args.name_prefix, args.tag, args.vpc, args.older_than, regions, args.include_stacks,
                              args.include_global, args.include_cloudformation)
    if f.empty and not args.plan:
        raise CliError("say what to clean up: --name-prefix, --tag or --vpc (hostwiz never takes everything)",
                       BAD_INPUT)
    return f


def run(args: argparse.Namespace) -> int:
    regions = getattr(args, "regions", None) or []
    filters = filters_from(args, regions)  # bad input stops here, before any AWS call
    frozen = None
    if args.plan:
        from hostwiz.services import cleanup

        frozen = cleanup.read_frozen(Path(args.plan))
        regions = regions or frozen["regions"]
    if regions:
        args.region = regions[0]
    session = session_for(args)
    filters.regions = filters.regions or [session.aws.region]
    who = identity(session)
    out = Output(args.json)
    out.line(f"AWS account {who['account']}" + (" (SANDBOX)" if session.sandbox else ""))

    from hostwiz.services import cleanup

    if frozen is not None:
        plan = cleanup.plan_frozen(session, frozen, who["account"], out.discovery)
    else:
        plan = cleanup.plan(session, filters, who["account"], out.discovery)
    out.plan(plan)
    if args.plan_out:
        try:
            plan.write(Path(args.plan_out))
        except OSError as err:  # a symlink in its place (refused), a folder that cannot be written...
            raise CliError(f"--plan-out: cannot write {args.plan_out}: {err}", BAD_INPUT) from None
        out.line(f"Frozen plan written to {args.plan_out}; delete exactly it with "
                 f"'hostwiz cleanup --plan {args.plan_out} --yes'.")
    if not args.yes or plan.empty:
        out.line("Nothing to delete." if plan.empty else
                 "Dry run: nothing was deleted. Add --yes to delete (or review with --plan-out FILE first).")
        return OK
    outcome = cleanup.execute(session, plan, out.event)
    out.result(outcome, plan)
    return OK if outcome.ok else FAILED


class Output:
    """Human lines, or JSON lines with --json."""

    def __init__(self, as_json: bool):
        self.as_json = as_json

    def emit(self, record: dict[str, Any]) -> None:
        print(json.dumps(record, default=str), flush=True)

    def line(self, text: str) -> None:
        if self.as_json:
            self.emit({"kind": "message", "message": text})
        else:
            print(text, flush=True)

    def discovery(self, e: ev.Event) -> None:
        if self.as_json:
            self.emit({"event": e.kind, **e.as_dict()})
        elif e.kind == ev.FAILED:
            print(f"  could not list {e.step.removeprefix('discover:')}: {e.message}", file=sys.stderr)
        elif e.kind == ev.DONE and sys.stderr.isatty():
            print(f"\r  looked at {e.data['done']}/{e.data['total']} kinds and regions", end="", file=sys.stderr)

    def plan(self, plan: Any) -> None:
        from hostwiz.deletion_text import cleanup_lines

        if self.as_json:
            self.emit({"kind": "plan", **plan.as_dict()})
        else:
            print("\n".join(cleanup_lines(plan)))

    def event(self, e: ev.Event) -> None:
        if self.as_json:
            self.emit({"event": e.kind, **e.as_dict()})
        elif e.kind not in (ev.QUEUED, ev.STARTED):
            print(e.line(), flush=True)

    def result(self, outcome: Any, plan: Any) -> None:
        left = [{"key": x.resource.key, "name": x.resource.name, "error": x.error, "blockers": x.blockers}
                for x in outcome.left]
        if self.as_json:
            self.emit({"kind": "result", "ok": outcome.ok, "deleted": [r.key for r in outcome.deleted], "left": left,
                       "skipped": [s.as_dict() for s in plan.skipped]})
            return
        print(f"\nDeleted {len(outcome.deleted)} of {len(plan.resources)} resource(s) in {outcome.passes} pass(es).")
        if left:
            print(f"{len(left)} resource(s) are left:", file=sys.stderr)
            for x in left:
                blockers = f"; blocked by {', '.join(x['blockers'])}" if x["blockers"] else ""
                print(f"  {x['key']} {x['name']}: {x['error']}{blockers}", file=sys.stderr)
            print("Resolve the blockers (or add them to the selection) and run the cleanup again.", file=sys.stderr)
