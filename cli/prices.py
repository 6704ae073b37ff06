"""`hostwiz prices [--refresh] [--all-regions] [--json]`: the price table behind cost estimates.

Without --refresh it says which table is in force (bundled, or refreshed in the state dir),
its date and source. --refresh asks the AWS Price List API for the EC2 and RDS hourly
prices of the region (or every region of the table) and saves them in the state dir.
"""

from __future__ import annotations

import argparse

from hostwiz.cli.args import helps
import json

from hostwiz import costs
from hostwiz.cli import BAD_INPUT, FAILED, OK
from hostwiz.cli.common import CliError, identity, session_for


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("prices", parents=[common], **helps(
        "the price table behind cost estimates (and its refresh)",
        "Show the dated price table that every cost estimate uses (instances, databases, storage, NAT, load "
        "balancers), or refresh it from the AWS Price List API with --refresh.",
        "hostwiz prices", "hostwiz prices --refresh --region eu-west-1"))
    p.add_argument("--refresh", action="store_true", help="refresh EC2 and RDS prices from the AWS Price List API")
    p.add_argument("--all-regions", action="store_true", help="with --refresh: every region of the table")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _summary(state_dir) -> dict:
    t = costs.table(state_dir)
    return {"as_of": t["as_of"], "source": t["source"], "regions": sorted(t["regions"]),
            "hours_per_month": t["hours_per_month"], "file": costs.table_file(state_dir)}


def run(args: argparse.Namespace) -> int:
    if args.refresh and getattr(args, "sandbox", False):
        raise CliError("the sandbox has no Price List API; run --refresh with real credentials", BAD_INPUT)
    session = session_for(args)
    if args.refresh:
        from hostwiz.services import lookups

        identity(session)
        regions = sorted(costs.table(session.state_dir)["regions"]) if args.all_regions else [session.aws.region]
        lookups.refresh_prices(session, regions)
    info = _summary(session.state_dir)
    if args.json:
        print(json.dumps(info))
    else:
        print(f"Prices of {info['as_of']} ({info['file']}), {info['hours_per_month']} h/month\n"
              f"  source:  {info['source']}\n  regions: {', '.join(info['regions'])}")
    return OK
