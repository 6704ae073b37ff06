"""The command line: `up`, `status`, `down`, `adopt`, `ssh`, `logs`, `cleanup`,
`deploy`, `releases`, `rollback`, `env`, and the day-two commands `stop`, `start`, `allow`, `revoke`,
`snapshot`, `restore`, `tunnel`, `top`, `alarms`.

Each command is one module here with `add_parser(sub, common)` and `run(args) -> int`.
Exit status: 0 success, 1 the operation failed, 2 bad input.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from hostwiz.cli.args import region_name
from hostwiz.errors import BAD_INPUT, FAILED, OK  # noqa: F401 (the commands' exit statuses)

COMMANDS = ["up", "status", "down", "adopt", "ssh", "logs", "cleanup", "prices", "deploy", "releases", "rollback",
            "env", "stop", "start", "allow", "revoke", "snapshot", "restore", "tunnel", "top", "alarms", "sandbox",
            "serve"]


def common_options(suppress: bool) -> argparse.ArgumentParser:
    """The global options; on sub-commands they default to SUPPRESS so either position works."""
    p = argparse.ArgumentParser(add_help=False)
    d = (lambda v: argparse.SUPPRESS) if suppress else (lambda v: v)
    g = p.add_argument_group("global options")
    g.add_argument("--profile", default=d(None), help="AWS profile (default: the standard credential chain)")
    g.add_argument("--region", default=d(None), type=region_name,
                   help="AWS region (default: the spec's, or the profile's)")
    g.add_argument("--endpoint-url", default=d(None), help="AWS endpoint (also AWS_ENDPOINT_URL)")
    g.add_argument("--sandbox", action="store_true", default=d(False),
                   help="use the embedded local AWS and SSH sandbox; nothing real is touched")
    g.add_argument("--state-dir", default=d(None), help="where the ledger and keys live (also HOSTWIZ_STATE_DIR)")
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hostwiz", parents=[common_options(False)],
        description="From an AWS account and an app to a running server, and back. Without a command: the TUI.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"hostwiz.cli.{name}")
        module.add_parser(sub, common_options(True))
    return parser


def main(argv: list[str] | None = None) -> int:
    """A command line with a command (`hostwiz` alone, the TUI, starts from hostwiz.main)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_usage(sys.stderr)
        print("hostwiz: name a command (or run `hostwiz` alone for the TUI)", file=sys.stderr)
        return BAD_INPUT
    return run(args)


def run(args: argparse.Namespace) -> int:
    """Run the parsed command; plain words for expected failures, the traceback in the log file."""
    module = importlib.import_module(f"hostwiz.cli.{args.command}")
    from hostwiz.cli.common import close_sessions
    from hostwiz.errors import UserError
    from hostwiz.ledger import LockHeld

    try:
        return module.run(args)
    except UserError as err:
        print(f"hostwiz: {err}", file=sys.stderr)
        return err.code
    except LockHeld as err:  # another hostwiz is changing this stack: say who, change nothing
        print(f"hostwiz: {err}", file=sys.stderr)
        return FAILED
    except KeyboardInterrupt:
        print("hostwiz: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # an unexpected failure: plain words here, the traceback in the log file
        import logging

        from hostwiz.errors import describe_error

        logging.getLogger("hostwiz").exception("hostwiz %s failed", args.command)
        print(f"hostwiz: {args.command} failed: {describe_error(err)} (details in the log: "
              "<state dir>/logs/hostwiz.log)", file=sys.stderr)
        return FAILED
    finally:
        close_sessions()
