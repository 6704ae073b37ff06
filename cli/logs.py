"""`hostwiz logs NAME [--source S]... [--follow] [--grep RE]`: the log pane's sources on stdout.

Lines print as `HH:MM:SS SOURCE TEXT`; source states (connecting, retrying and why) go to
stderr, so `--grep` output stays clean for pipes. Without `--follow` it prints what is there
(each source's recent lines) and stops once every source has answered and gone quiet.
"""

from __future__ import annotations

import argparse
import sys
import time

from hostwiz.cli import BAD_INPUT, FAILED, OK
from hostwiz.cli.args import helps, stack_name
from hostwiz.cli.common import CliError, session_for

QUIET = 1.5      # without --follow: stop after this long with no new line once all sources answered
GIVE_UP = 30.0   # without --follow: stop after this long whatever happens


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from hostwiz.logs.catalog import DEFAULT, INSTANCE

    names = ", ".join(n if n != "app" else "app (the app's own log; not for static sites, nor in the sandbox)"
                      for n in INSTANCE)
    p = sub.add_parser("logs", parents=[common], **helps(
        "instance logs over SSH, CloudWatch Logs and RDS logs",
        f"Print (or follow) a stack's logs, merged by time. Sources: {names}, rds[:NAME-PART] (the database's "
        "log files; not in the sandbox), cw:LOG-GROUP[:STREAM-PREFIX] (any CloudWatch Logs group). "
        f"Default: {', '.join(DEFAULT)}.",
        "hostwiz logs blog", "hostwiz logs blog -s nginx-access -f -g ' 5[0-9][0-9] '",
        "hostwiz logs blog -s cw:/aws/lambda/resize --since 2h"))
    p.add_argument("name", type=stack_name, help="the stack")
    p.add_argument("--source", "-s", action="append", default=[], metavar="S", help="a log source (repeatable)")
    p.add_argument("--follow", "-f", action="store_true", help="keep printing new lines until interrupted")
    p.add_argument("--grep", "-g", metavar="RE", help="only lines matching this regex (case-insensitive unless it has a capital)")
    p.add_argument("--since", metavar="AGO", help="CloudWatch: start this long ago (30s, 10m, 2h, 1d; default 10m)")


def run(args: argparse.Namespace) -> int:
    from hostwiz.logs import FilterError, Hub, LineFilter, format_line
    from hostwiz.logs.catalog import SourceNameError, check_name, parse_since
    from hostwiz.services.logs import StackLogs
    from hostwiz.logs.source import CONNECTING, LIVE, STOPPED

    try:
        grep = LineFilter(args.grep) if args.grep else None
    except FilterError as err:
        return _bad("--grep", err)
    try:
        names = [check_name(n) for n in dict.fromkeys(args.source)]
    except SourceNameError as err:
        return _bad("--source", err)
    try:
        since = parse_since(args.since, time.time()) if args.since else None
    except ValueError as err:
        return _bad("--since", err)
    session = session_for(args)
    logs = StackLogs(session, args.name, since=since)
    names = names or logs.defaults()
    if not logs.exists and not all(n.startswith("cw:") for n in names):
        from hostwiz.services.stacks import require_stack

        require_stack(session, args.name, tags=False)  # unknown: the same words and exit 2 as every command
    try:
        sources = [logs.build(n) for n in names]
    except SourceNameError as err:
        return _bad("--source", err)
    hub = Hub(sources).start()
    said: dict[str, str] = {}
    ever_live: set[str] = set()
    started = last_line = time.monotonic()
    try:
        while True:
            lines = hub.drain(timeout=0.2)
            if grep is not None:
                lines = grep.select(lines)
            if lines:
                sys.stdout.write("".join(format_line(ln) + "\n" for ln in lines))
                sys.stdout.flush()
                last_line = time.monotonic()
            states = hub.states()
            for name, state in states.items():
                if state.status == LIVE:
                    ever_live.add(name)
                if str(state) != said.get(name) and state.status != CONNECTING:
                    said[name] = str(state)
                    if state.status != LIVE:
                        print(f"hostwiz: {name}: {state}", file=sys.stderr)
            if args.follow:
                continue
            answered = all(name in ever_live or st.status == STOPPED or st.detail for name, st in states.items())
            now = time.monotonic()
            if (answered and now - last_line > QUIET) or now - started > GIVE_UP:
                break
    except BrokenPipeError:  # `| head` closed the pipe: that is fine
        sys.stderr.close()
    finally:
        hub.stop()
    return OK if ever_live else FAILED


def _bad(option: str, err: Exception) -> int:
    print(f"hostwiz: {option}: {err}", file=sys.stderr)
    return BAD_INPUT
