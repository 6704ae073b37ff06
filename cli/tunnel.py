"""`hostwiz tunnel NAME [--local-port N] [-- COMMAND...]`: a local port forwarded to the stack's
private database through the verified SSH transport (`fly proxy`).

Prints the connection string with the password masked; the real password is in a 0600 file
(`.pgpass` for PostgreSQL, an option file for MySQL) named by the printed environment, which
`psql`/`mysql` read. With a COMMAND (e.g. `-- psql -c 'select 1'`) it runs with that environment
and the tunnel closes when it ends; without one the tunnel stays open until Ctrl-C. Either way
the password file is removed on exit.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading

from hostwiz.cli import BAD_INPUT, FAILED, OK
from hostwiz.cli.args import stack_name, helps
from hostwiz.cli.common import CliError, identity, session_for


_options: argparse.ArgumentParser | None = None


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    global _options
    p = sub.add_parser("tunnel", parents=[common], usage="hostwiz tunnel NAME [--local-port N] [-- COMMAND...]", **helps(
        "forward a local port to a stack's database",
        "Forward a local port through the stack's verified SSH connection to its private database; with a "
        "command, run it with DATABASE_URL pointing at the tunnel, then close.",
        "hostwiz tunnel blog", "hostwiz tunnel blog -- psql", "hostwiz tunnel blog --local-port 5433"))
    p.add_argument("name", type=stack_name, help="the stack")
    p.add_argument("--local-port", type=int, default=0, help="local port (default: a free one)")
    p.add_argument("run_command", nargs=argparse.REMAINDER, metavar="-- COMMAND",
                   help="run this with the tunnel's environment, then close")
    # options written after NAME arrive in `run_command` (argparse's REMAINDER): parsed again here
    _options = argparse.ArgumentParser(prog="hostwiz tunnel NAME", parents=[common], add_help=False)
    _options.add_argument("--local-port", type=int, default=argparse.SUPPRESS)


def split_rest(args: argparse.Namespace) -> list[str]:
    """Options after NAME go into `args`; what follows `--` is the command."""
    rest = list(args.run_command or [])
    if "--" in rest:
        cut = rest.index("--")
    elif rest and not rest[0].startswith("-"):  # argparse drops a "--" written right after NAME
        return rest
    else:
        cut = len(rest)
    if rest[:cut] and _options is not None:
        _options.parse_args(rest[:cut], namespace=args)
    return rest[cut + 1:]


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    from hostwiz.cli.ssh import _confirm
    from hostwiz.ssh import ConnectFailed
    from hostwiz.ssh.tunnel import TunnelError

    command = split_rest(args)
    if not 0 <= args.local_port <= 65535:
        raise CliError("--local-port: use 1-65535 (or leave it out for a free port)", BAD_INPUT)
    session = session_for(args)
    from hostwiz.services import operate

    identity(session)
    say = lambda m: print(f"hostwiz: {m}", file=sys.stderr, flush=True)  # noqa: E731
    try:
        t = operate.open_tunnel(session, args.name, local_port=args.local_port, confirm=_confirm, progress=say,
                                on_event=lambda e: say(e.message) if e.kind == "failed" else None)
    except (ConnectFailed, TunnelError) as err:
        raise CliError(str(err), FAILED) from None
    with t:
        env_text = " ".join(f"{k}={v}" for k, v in t.env.items())
        print(f"Tunnel open: 127.0.0.1:{t.local_port} -> {t.remote} (through SSH to {args.name})")
        print(f"  connection string  {t.connection_string}")
        print(f"  password file      {t.files.path} (0600, removed when the tunnel closes)")
        print(f"  connect with       {env_text} {' '.join(t.command)}", flush=True)
        if command:
            return subprocess.call(command, env={**os.environ, **t.env})
        print("Press Ctrl-C to close the tunnel.", flush=True)
        try:
            (stop or threading.Event()).wait()
        except KeyboardInterrupt:
            pass
        print("\nTunnel closed.")
    return OK
