"""`hostwiz top NAME [--window 1h|24h|7d] [--once] [--every S]`: the stack's machine and database
metrics as bar charts in the terminal (hostwiz.charts: the same scale as the detail screen's),
redrawn in place (one batched CloudWatch call each time) until ctrl+c, which exits 0 whenever it
comes; each bar and latest value coloured by its threshold level, with a legend. `--json` prints
one refresh."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time

from hostwiz.cli import BAD_INPUT, OK
from hostwiz.cli.args import stack_name, helps
from hostwiz.cli.common import CliError, identity, session_for
from hostwiz.charts import cells, every, human

COLOURS = {"ok": "\033[32m", "warning": "\033[33m", "critical": "\033[31;1m", "no-data": "\033[2m",
           "no-limit": "\033[36m"}
DIM, RESET = "\033[2m", "\033[0m"
HOME, CLEAR_EOL, CLEAR_BELOW = "\033[H", "\033[K", "\033[J"  # redraw in place: no blank flash


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("top", parents=[common], **helps(
        "a stack's metrics as sparklines, refreshed",
        "The instance's and database's CloudWatch metrics as sparklines with their latest values, "
        "redrawn every few seconds until ctrl+c.",
        "hostwiz top blog", "hostwiz top blog --window 24h --once"))
    p.add_argument("name", type=stack_name, help="the stack")
    p.add_argument("--window", default="1h", choices=["1h", "24h", "7d"], help="how far back (default 1h)")
    p.add_argument("--every", type=float, default=5.0, help="seconds between refreshes (default 5)")
    p.add_argument("--once", action="store_true", help="draw once and exit")
    p.add_argument("--json", action="store_true", help="one refresh as JSON")


def level_of(metric, value: float | None) -> str:
    if value is None:
        return "no-data"
    return metric.level(value) if metric.warn is not None or metric.critical is not None else "no-limit"


def render(name: str, snap, width: int, colour: bool) -> str:
    """One frame: a line per metric (label, bars on a scale from 0, latest value, the window's worst
    point when the terminal is wide enough), each bar and value coloured by its threshold level, and
    what the colours mean; without colour (a pipe) the level is written out."""
    width = max(40, width)
    lines = [f"hostwiz top {name} — last {snap.window}, a point per {every(snap.period)}, "
             f"{snap.end:%H:%M} UTC"[:width]]
    label_w, value_w = 20, 13
    worst_w = 16 if width >= 72 else 0
    level_w = 0 if colour else len(" (critical)")  # piped: the level is written after the value
    spark_w = max(4, width - label_w - value_w - worst_w - level_w - 2 - (1 if worst_w else 0))
    for s in snap.series.values():
        m = s.metric
        low = m.low_is_bad
        bars = ""
        for bar, value in cells(s.values, spark_w, m.unit, worst=min if low else max):
            bars += (COLOURS[level_of(m, value)] + bar + RESET) if colour else bar
        level = level_of(m, s.latest)
        latest = human(s.latest, m.unit).rjust(value_w)
        line = f"{m.label[:label_w]:<{label_w}} {bars} " + (f"{COLOURS[level]}{latest}{RESET}" if colour else latest)
        if worst_w:
            worst = (f"{'min' if low else 'max'} {human(min(s.values) if low else max(s.values), m.unit)}"
                     if s.values else "")
            line += " " + (f"{DIM}{worst:>{worst_w}}{RESET}" if colour else f"{worst:>{worst_w}}")
        if not colour and level in ("warning", "critical"):
            line += f" ({level})"
        lines.append(line)
    if colour:
        key = "  ".join(f"{COLOURS[lv]}■{RESET} {word}" for lv, word in
                        (("ok", "ok"), ("warning", "warning"), ("critical", "critical"), ("no-limit", "no limit")))
        lines.append(f"{DIM}bars{RESET} {key}  {DIM}· scale from 0 (% up to 100){RESET}")
    return "\n".join(lines)


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Until ctrl+c (or `stop`): ctrl+c at any moment, even mid-refresh, ends it with exit 0."""
    if args.every < 1:
        raise CliError("--every: at least 1 second (each refresh is one CloudWatch call)", BAD_INPUT)
    colour = sys.stdout.isatty()
    try:
        return _loop(args, stop or threading.Event(), colour)
    except KeyboardInterrupt:
        if colour and not args.once and not args.json:
            print(flush=True)  # the shell's prompt on a line of its own, after the "^C"
        return OK


def _loop(args: argparse.Namespace, stop: threading.Event, colour: bool) -> int:
    import shutil

    session = session_for(args)
    from hostwiz.services import watch

    identity(session)
    w = watch.watcher(session, args.name)
    if not w.metrics:
        raise CliError(f"stack {args.name} has no instance or database to watch yet")
    while True:
        snap = w.refresh(args.window)
        if args.json:
            print(json.dumps({"kind": "metrics", "window": snap.window, "period": snap.period, "calls": snap.calls,
                              "series": [s.as_dict() for s in snap.series.values()]}, default=str))
            return OK
        # one column spare: a line filling the last column leaves the cursor waiting to wrap, where
        # the clear-to-end-of-line after it would erase that column's character
        width = shutil.get_terminal_size((100, 24)).columns - 1
        text = render(args.name, snap, width, colour)
        if args.once:
            print(text)
            return OK
        if colour:
            print(HOME + (CLEAR_EOL + "\n").join(text.split("\n") + ["(ctrl+c to quit)"]) + CLEAR_EOL + CLEAR_BELOW,
                  end="", flush=True)
        else:
            print(text + "\n(ctrl+c to quit)", flush=True)
        if stop.wait(args.every):
            return OK
        time.sleep(0)
