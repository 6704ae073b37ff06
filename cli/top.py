"""`hostwiz top NAME [--window 1h|24h|7d] [--once] [--every S]`: the stack's machine and database
metrics as sparklines in the terminal, refreshed (one batched CloudWatch call each time) until
Ctrl-C; the latest value is coloured by its threshold level. `--json` prints one refresh."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time

from hostwiz.cli import BAD_INPUT, OK
from hostwiz.cli.args import stack_name, helps
from hostwiz.cli.common import CliError, identity, session_for

BLOCKS = "▁▂▃▄▅▆▇█"
COLOURS = {"ok": "\033[32m", "warning": "\033[33m", "critical": "\033[31;1m", "no-data": "\033[2m"}
RESET = "\033[0m"


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


def sparkline(values: list[float], width: int) -> str:
    """The last `width` values as block characters, scaled between their own min and max."""
    if not values:
        return " " * width
    if len(values) > width:  # fold into `width` buckets, each its mean
        step = len(values) / width
        values = [sum(b) / len(b) for b in (values[int(i * step):int((i + 1) * step)] or [values[-1]]
                                             for i in range(width))]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    line = "".join(BLOCKS[min(len(BLOCKS) - 1, int((v - low) / span * (len(BLOCKS) - 1) + 0.5))] for v in values)
    return line.rjust(width)


def human(value: float | None, unit: str) -> str:
    if value is None:
        return "no data"
    if unit in ("bytes", "B/s"):
        for suffix in ("B", "KiB", "MiB", "GiB", "TiB"):
            if abs(value) < 1024 or suffix == "TiB":
                return f"{value:.1f} {suffix}{'/s' if unit == 'B/s' else ''}"
            value /= 1024
    if unit == "s":
        return f"{value * 1000:.1f} ms"
    if unit == "%":
        return f"{value:.1f} %"
    return f"{value:.0f} {unit}" if unit != "count" else f"{value:.0f}"


def render(name: str, snap, width: int, colour: bool) -> str:
    lines = [f"hostwiz top {name} — last {snap.window}, one point per {snap.period // 60} min, "
             f"{snap.end:%H:%M} UTC"]
    spark_w = max(10, width - 42)
    for s in snap.series.values():
        c, r = (COLOURS.get(s.level, ""), RESET) if colour else ("", "")
        latest = human(s.latest, s.metric.unit)
        lines.append(f"{s.metric.label:<20} {sparkline(s.values, spark_w)} {c}{latest:>14}{r}"
                     + ("" if colour or s.level in ("ok", "no-data") else f" ({s.level})"))
    return "\n".join(lines)


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    import shutil

    if args.every < 1:
        raise CliError("--every: at least 1 second (each refresh is one CloudWatch call)", BAD_INPUT)
    session = session_for(args)
    from hostwiz.services import watch

    identity(session)
    w = watch.watcher(session, args.name)
    if not w.metrics:
        raise CliError(f"stack {args.name} has no instance or database to watch yet")
    colour = sys.stdout.isatty()
    stop = stop or threading.Event()
    while True:
        snap = w.refresh(args.window)
        if args.json:
            print(json.dumps({"kind": "metrics", "window": snap.window, "period": snap.period, "calls": snap.calls,
                              "series": [s.as_dict() for s in snap.series.values()]}, default=str))
            return OK
        width = shutil.get_terminal_size((100, 24)).columns
        text = render(args.name, snap, width, colour)
        if args.once:
            print(text)
            return OK
        print(("\033[H\033[2J" if colour else "") + text + "\n(Ctrl-C to quit)", flush=True)
        try:
            if stop.wait(args.every):
                return OK
        except KeyboardInterrupt:
            return OK
        time.sleep(0)
