"""`hostwiz sandbox start|status|stop`: a sandbox that outlives one command.

`start` runs the sandbox (local AWS and the SSH hosts of its instances) as a background process of
yours; every `hostwiz --sandbox ...` command and the TUI then use it, one after another, as on AWS.
`stop` ends it, and the stacks in it go with it.
"""

from __future__ import annotations

import argparse
import json
import re

from hostwiz.cli import BAD_INPUT, FAILED, OK
from hostwiz.cli.args import helps
from hostwiz.cli.common import CliError
from hostwiz.services.session import Options

EXAMPLES = ["hostwiz sandbox start                       # a sandbox for the next 8 hours",
            "hostwiz --sandbox up examples/blog.toml --yes",
            "hostwiz --sandbox status", "hostwiz --sandbox ssh blog -- uname -a",
            "hostwiz --sandbox down blog --yes", "hostwiz sandbox stop                        # its stacks go with it"]


def lifetime(text: str) -> float:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if not m or float(m[1]) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration; write it like 90m, 8h or 2d")
    return float(m[1]) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m[2]]


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("sandbox", parents=[common], **helps(
        "start, show or stop a sandbox shared by every --sandbox command",
        "A sandbox that outlives one command: 'start' runs the local AWS and the SSH hosts of its instances "
        "in the background; every 'hostwiz --sandbox' command and the TUI use it while it runs. 'status' "
        "exits 1 when none runs. 'stop' ends it, with its stacks.", *EXAMPLES))
    p.add_argument("action", choices=["start", "status", "stop"], help="what to do")
    p.add_argument("--lifetime", type=lifetime, default=8 * 3600.0, metavar="DURATION",
                   help="start: stop by itself after this long (90m, 8h, 2d; default 8h)")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    from hostwiz.services import sandboxd

    options = Options.of(args)
    options.sandbox = True
    out = (lambda obj, text: print(json.dumps(obj))) if args.json else (lambda obj, text: print(text))
    if args.action == "start":
        info = sandboxd.start(options, args.lifetime)
        what = "already running" if info.already else "started"
        out({"kind": "started", "already": info.already, **info.as_dict()},
            f"Sandbox {what} (pid {info.pid}), local AWS at {info.endpoint}, state in {info.home}.\n"
            f"It stops by itself in {info.remaining} (at {info.expires}), or with 'hostwiz sandbox stop'.\n"
            "Every 'hostwiz --sandbox ...' command and 'hostwiz --sandbox' (the TUI) use it now.")
        return OK
    if args.action == "status":
        info = sandboxd.status(options)
        if not info.running:
            out(info.as_dict(), f"No sandbox is running (state dir {info.home}). Start one with 'hostwiz sandbox start'.")
            return FAILED
        out(info.as_dict(), f"Sandbox running (pid {info.pid}), local AWS at {info.endpoint}, state in {info.home}.\n"
            f"  started {info.started}; stops by itself in {info.remaining}\n"
            f"  stacks: {', '.join(info.stacks) or 'none'}; instances answering SSH: {info.ssh_hosts}")
        return OK
    if args.action == "stop":
        info = sandboxd.stop(options)
        if info is None:
            out({"kind": "stopped", "running": False}, "No sandbox was running.")
            return OK
        gone = f"; its stacks are gone with it: {', '.join(info.stacks)}" if info.stacks else ""
        out({"kind": "stopped", "stacks": info.stacks}, f"Sandbox stopped{gone}.")
        return OK
    raise CliError(f"unknown action {args.action!r}", BAD_INPUT)
