"""`hostwiz env NAME set K=V... [--secret] | unset K... | list [--json]`: the app's settings.

Stored as SSM parameters under /hostwiz/NAME/env/ (SecureString with --secret), never in the
ledger, logs or output: `list` masks secret values. Setting or unsetting restarts the serving
release through the same health-gated switch as a deploy (it keeps serving if the restart fails).
"""

from __future__ import annotations

import argparse
import json

from hostwiz.cli import OK
from hostwiz.cli.args import stack_name, helps
from hostwiz.cli.common import session_for


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("env", parents=[common], **helps(
        "the app's settings: set, unset, list (secrets masked)",
        "The app's settings live in SSM Parameter Store under the stack; set and unset restart the app.",
        "hostwiz env blog set LOG_LEVEL=info", "hostwiz env blog set API_TOKEN=... --secret",
        "hostwiz env blog unset LOG_LEVEL", "hostwiz env blog list"))
    p.add_argument("name", type=stack_name, help="the stack")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    s = actions.add_parser("set", parents=[common], help="set KEY=VALUE settings and restart the app")
    s.add_argument("pairs", nargs="+", metavar="KEY=VALUE")
    s.add_argument("--secret", action="store_true", help="store as SecureString; shown masked everywhere")
    u = actions.add_parser("unset", parents=[common], help="remove settings and restart the app")
    u.add_argument("keys", nargs="+", metavar="KEY")
    ls = actions.add_parser("list", parents=[common], help="the settings, secret values masked")
    ls.add_argument("--json", action="store_true", help="machine-readable output (still masked)")


def run(args: argparse.Namespace) -> int:
    from hostwiz.cli.deploy import ByteBar, failure, reporters
    from hostwiz.services import deploy as uc

    if args.action == "set":
        values = uc.parse_assignments(args.pairs)  # bad input before a session
    session = session_for(args)
    if args.action == "list":
        found = uc.env_list(session, args.name)
        if getattr(args, "json", False):
            print(json.dumps([{"key": s.key, "value": s.value, "secret": s.secret} for s in found]))
        elif not found:
            print(f"No settings on {args.name}: 'hostwiz env {args.name} set KEY=VALUE' adds one.")
        else:
            width = max(len(s.key) for s in found)
            for s in found:
                print(f"{s.key:<{width}}  {s.value}" + ("  (secret)" if s.secret else ""))
        return OK
    on_event, _ = reporters(ByteBar())
    try:
        if args.action == "set":
            change = uc.env_set(session, args.name, values, secret=args.secret, on_event=on_event)
            what = f"set {', '.join(change.changed)}" + (" (secret)" if args.secret else "")
        else:
            change = uc.env_unset(session, args.name, args.keys, on_event=on_event)
            what = f"removed {', '.join(change.changed) or 'nothing'}" + \
                (f"; not set: {', '.join(change.missing)}" if change.missing else "")
    except uc.DeployFailed as err:
        print("hostwiz: the settings are stored, but restarting the app with them failed.")
        failure(err, "restart")
        return err.code
    print(f"{args.name}: {what}; " + (f"release {change.restarted} restarted with them."
                                      if change.restarted else "they apply from the first deploy."))
    return OK
