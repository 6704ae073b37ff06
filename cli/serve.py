"""`hostwiz serve [--port N]`: the TUI in a browser (textual-serve), on 127.0.0.1 only.

Each browser tab runs its own `hostwiz` (with the same global options: `--sandbox`, `--profile`,
`--region`...). Start a shared sandbox first (`hostwiz sandbox start`) for tabs to share one.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from hostwiz.cli import OK
from hostwiz.cli.args import helps



def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("serve", parents=[common], **helps(
        "the TUI in a browser, on 127.0.0.1",
        "Serve the hostwiz TUI to a browser on this machine (127.0.0.1 only; textual-serve) and print its URL. "
        "Each tab runs its own hostwiz with these global options; with a shared sandbox ('hostwiz sandbox "
        "start') they all see the same stacks.",
        "hostwiz --sandbox serve              # then open the printed URL",
        "hostwiz serve --port 8080 --profile work"))
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")


def app_command(args: argparse.Namespace) -> str:
    """The command each browser tab runs: this Python's hostwiz with the same global options."""
    argv = [sys.executable, "-m", "hostwiz"]
    for option in ("profile", "region", "endpoint_url", "state_dir"):
        value = getattr(args, option, None)
        if value:
            argv += ["--" + option.replace("_", "-"), str(value)]
    if getattr(args, "sandbox", False):
        argv.append("--sandbox")
    return shlex.join(argv)


def run(args: argparse.Namespace) -> int:
    from textual_serve.server import Server

    host = "127.0.0.1"
    server = Server(app_command(args), host=host, port=args.port, title="hostwiz")
    print(f"hostwiz in a browser: http://{host}:{args.port}/  (Ctrl+C stops it)", flush=True)
    server.serve()
    return OK
