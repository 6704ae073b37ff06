"""`hostwiz ssh NAME [-- COMMAND...]`: a shell on the stack's instance, or one command.

The connection verifies the host key (pinned, from the console output, or confirmed here)
and tries direct, then a bastion, then EC2 Instance Connect; it says on stderr which path
worked and why the others did not. With a command, the exit status is the command's.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from hostwiz.cli import BAD_INPUT, FAILED
from hostwiz.cli.args import helps, stack_name
from hostwiz.cli.common import CliError, is_interactive, session_for


_options: argparse.ArgumentParser | None = None


def _add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bastion", default=argparse.SUPPRESS,
                   help="jump host: another stack's name, an instance ID, or [user@]host[:port]")
    p.add_argument("--user", default=argparse.SUPPRESS, help="login user (default: the OS's, ubuntu or ec2-user)")
    p.add_argument("--port", type=int, default=argparse.SUPPRESS, help="SSH port (default 22)")


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    global _options
    p = sub.add_parser("ssh", parents=[common], usage="hostwiz ssh NAME [options] [-- COMMAND...]", **helps(
        "interactive shell on a stack's instance, or one command",
        "Open a shell on the stack's instance, or run COMMAND there (after --; the exit status is the "
        "command's). The host key is verified (pinned, or from the console output); direct, then a bastion, "
        "then EC2 Instance Connect are tried, and stderr says which worked.",
        "hostwiz ssh blog", "hostwiz ssh blog -- sudo systemctl status nginx", "hostwiz ssh blog --bastion jump"))
    p.add_argument("name", type=stack_name, help="the stack")
    _add_options(p)
    p.add_argument("rest", nargs=argparse.REMAINDER, metavar="-- COMMAND", help="run this instead of a shell")
    # options written after NAME arrive in `rest` (argparse's REMAINDER): parsed again by this one
    _options = argparse.ArgumentParser(prog="hostwiz ssh NAME", parents=[common], add_help=False)
    _add_options(_options)


def split_rest(args: argparse.Namespace) -> list[str]:
    """Options after NAME go into `args`; what follows `--` is the command."""
    rest = list(args.rest or [])
    if "--" in rest:
        cut = rest.index("--")
    elif rest and not rest[0].startswith("-"):  # argparse drops a "--" written right after NAME
        return rest
    else:
        cut = len(rest)
    if rest[:cut] and _options is not None:
        _options.parse_args(rest[:cut], namespace=args)
    return rest[cut + 1:]


def _confirm(label: str, key_type: str, fp: str) -> bool:
    if not is_interactive():
        return False
    print(f"hostwiz: {label} offers the {key_type} host key {fp}; it is not pinned and the console output "
          "does not list it. Compare it with 'ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub' on the instance.",
          file=sys.stderr)
    try:
        return input("Accept and pin this host key? [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def run(args: argparse.Namespace) -> int:
    from hostwiz.services.ssh import TargetError, stack_connector
    from hostwiz.ssh import ConnectFailed, Pool
    from hostwiz.ssh.interactive import interactive, stream, terminal_size

    command = split_rest(args)
    session = session_for(args)
    resolve = session.resolve_ssh
    from hostwiz.services.stacks import require_stack

    require_stack(session, args.name, tags=False)  # unknown: the same words and exit 2 as every command

    def connector_for(host, confirm, progress):
        return stack_connector(session, host, resolve=resolve, confirm=confirm, progress=progress,
                               bastion=getattr(args, "bastion", None), user=getattr(args, "user", None),
                               port=getattr(args, "port", None))

    pool = Pool(connector_for)
    try:
        conn = pool.connection(args.name, confirm=_confirm, progress=lambda m: print(f"hostwiz: {m}", file=sys.stderr))
    except TargetError as err:
        raise CliError(str(err), BAD_INPUT) from None
    except ConnectFailed as err:
        raise CliError(str(err), FAILED) from None
    print(f"hostwiz: {conn.summary()}", file=sys.stderr)
    try:
        if command:
            line = command[0] if len(command) == 1 else shlex.join(command)
            return stream(pool.exec_stream(args.name, line), sys.stdout.buffer, sys.stderr.buffer)
        cols, rows = terminal_size()
        return interactive(pool.shell(args.name, cols=cols, rows=rows))
    finally:
        pool.close()
