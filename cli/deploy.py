"""`hostwiz deploy NAME [PATH | --git URL [--ref R] | --image IMG]`: ship the operator's app.

A directory (default: the current one) is packed honouring .gitignore and .hostwizignore; only new
or changed files travel (a byte progress bar on stderr), unchanged ones are hard-linked from the
serving release. The build's output streams to stderr; the new release starts beside the serving
one, and nginx switches only once it answers its health path. On any failure the serving release
is untouched: the build's or app's last lines are shown and the exit status is 1 (2: bad input).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, Callable

from hostwiz.cli import OK
from hostwiz.cli.args import stack_name, helps
from hostwiz.cli.common import session_for


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "deploy", parents=[common], **helps(
            "ship your app to a stack: upload, build, health-gated switch",
            "Deploy a directory (default: the current one), a git repository or a container image to the "
            "stack's instance as a new release; traffic switches only once it answers its health path.",
            "hostwiz deploy blog", "hostwiz deploy blog ./site",
            "hostwiz deploy blog --git https://github.com/me/app --ref v2", "hostwiz deploy blog --image nginx:1.27"))
    p.add_argument("name", type=stack_name, help="the stack")
    p.add_argument("path", nargs="?", help="the app's directory (default: the current directory)")
    p.add_argument("--git", metavar="URL", help="clone this repository with your git credentials and ship it")
    p.add_argument("--ref", metavar="REF", help="with --git: branch, tag or commit (default: the remote's HEAD)")
    p.add_argument("--image", metavar="IMAGE", help="a container image pulled on the instance (ECR via its role)")
    p.add_argument("--start", metavar="CMD", help="start command (default: [app].start, a Procfile web: line, "
                                                  "or the runtime's default)")
    p.add_argument("--health", metavar="PATH", help="health path checked before the switch (default /health)")
    p.add_argument("--json", action="store_true", help="the result as one JSON object on stdout")


class ByteBar:
    """A progress bar in bytes on stderr (redrawn in place on a terminal, a few lines otherwise)."""

    def __init__(self, stream: Any = None, width: int = 30):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.width, self.shown, self.started, self.drawn = width, -1, time.monotonic(), False

    @staticmethod
    def human(n: float) -> str:
        for unit in ("B", "KB", "MB", "GB"):
            if n < 1024 or unit == "GB":
                return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
            n /= 1024
        return f"{n:.1f} GB"

    def __call__(self, sent: int, total: int) -> None:
        pct = int(100 * sent / total) if total else 100
        step = pct if self.tty else pct // 25 * 25
        if step == self.shown:
            return
        self.shown = step
        fill = self.width * pct // 100
        rate = sent / max(time.monotonic() - self.started, 1e-6)
        text = (f"upload [{'#' * fill}{'.' * (self.width - fill)}] {pct:3d}%  "
                f"{self.human(sent)} / {self.human(total)}  {self.human(rate)}/s")
        if self.tty:
            self.stream.write("\r" + text)
            self.drawn = True
            if sent >= total:
                self.stream.write("\n")
                self.drawn = False
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def line(self, text: str) -> None:
        """A line of other output, below the bar when it is being drawn."""
        if self.drawn:
            self.stream.write("\n")
            self.drawn = False
        self.stream.write(text + "\n")
        self.stream.flush()


def reporters(bar: ByteBar) -> tuple[Callable[[str, str], None], Callable[[str], None]]:
    def on_event(stage: str, detail: str) -> None:
        bar.line(f"hostwiz: {stage}: {detail}" if detail else f"hostwiz: {stage}")

    def on_output(line: str) -> None:
        bar.line(f"  | {line}")

    return on_event, on_output


def failure(err: Any, what: str) -> None:
    """A failed deploy, rollback or restart on stderr: where, why, the log's tail, what still serves."""
    print(f"hostwiz: {what} failed at {err.stage}: {err.detail}", file=sys.stderr)
    if err.log_tail.strip():
        print("--- last lines of the " + ("build log" if err.stage == "build" else "app's log") + " ---",
              file=sys.stderr)
        print(err.log_tail.rstrip(), file=sys.stderr)
        print("---", file=sys.stderr)
    if err.stage not in ("usage", "busy"):
        print("hostwiz: the release that was serving still serves.", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from hostwiz.cli.ssh import _confirm
    from hostwiz.services import deploy as uc

    choice = uc.SourceChoice(path=args.path if args.path or args.git or args.image else ".",
                             git=args.git, ref=args.ref, image=args.image)
    choice.check()  # bad input before a session, an AWS call or a connection
    session = session_for(args)
    bar = ByteBar()
    on_event, on_output = reporters(bar)
    try:
        done = uc.deploy(session, args.name, choice, start=args.start, health=args.health, on_progress=bar,
                         on_event=on_event, on_output=on_output, confirm=_confirm)
    except uc.DeployFailed as err:
        failure(err, "deploy")
        if args.json:
            print(json.dumps({"ok": False, "stage": err.stage, "error": err.detail, "release_id": err.release_id}))
        return err.code
    if args.json:
        print(json.dumps({"ok": True, **done.as_dict()}, default=str))
    else:
        print(f"Release {done.release_id} of {args.name} is serving" + (f" at {done.url}" if done.url else "") +
              f" ({done.runtime}" + (f", started with: {done.start}" if done.start else "") + ").")
        print(f"  sent {done.files_sent} new or changed files ({ByteBar.human(done.bytes_sent)}), "
              f"{done.files_linked} unchanged, in {done.seconds:.1f}s"
              + (f"; previous release {done.previous_id} stopped (hostwiz rollback {args.name} returns to it)"
                 if done.previous_id else ""))
    return OK
