"""Regenerate screenshots/*.svg from the sandbox: python screenshots/make.py [--size 120x36] [--out DIR]

Drives the real app (`hostwiz --sandbox`: moto server on 127.0.0.1, simulated waits) by keys:
home, each wizard step (the App step with examples/hello-app), progress mid-run, the stack
detail, its Deploy, Releases and Settings screens (the sandbox runs the release script for
real), its SSH screen (the sandbox's
pretend SSH server), its logs, a cleanup search, teardown, and a failure (an injected AWS
error). Nothing real is touched. Secrets stay hidden: the detail screen is shot
with the password masked.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE_APP = HERE.parent / "examples" / "hello-app"  # deployed by `up` from the wizard's App step


def fail_association(**_):
    from botocore.awsrequest import AWSResponse

    return AWSResponse("https://ec2", 400, {}, None), {"Error": {
        "Code": "InsufficientAddressCapacity", "Message": "no Elastic IP capacity right now; try again later"}}


async def workers_done(app) -> None:
    """Wait for the app's workers, as `App.workers.wait_for_complete` does, except that a worker
    cancelled meanwhile has settled too: an exclusive worker started again (a field that changed
    twice, a refresh) or a screen left cancels the one before, as Textual means it to, and
    wait_for_complete raises WorkerCancelled for it, which ended the tour ("a worker was cancelled
    in its wait", at 80x24 after Open stack). A worker that failed still ends the tour (WorkerFailed)."""
    from textual.worker import WorkerCancelled, WorkerState

    for worker in list(app.workers):
        if worker.state is WorkerState.PENDING:  # not started: wait() refuses it; nothing to wait for yet
            continue
        try:
            await worker.wait()
        except WorkerCancelled:
            pass


async def settle(pilot, workers: bool = True) -> None:
    await pilot.pause()
    if workers:
        await workers_done(pilot.app)
    await pilot.pause(0.2)


async def keys(pilot, *names: str) -> None:
    """Press keys one by one, letting each land (a Select opens its list between two keys)."""
    for name in names:
        await pilot.press(name)
        await pilot.pause(0.15)


async def until(pilot, check, timeout: float = 60) -> None:
    for _ in range(int(timeout / 0.2)):
        if check():
            return
        await pilot.pause(0.2)
    raise TimeoutError("the screen did not get there")


async def shoot(app, out: Path, name: str) -> None:
    from textual.widgets import Input

    for box in app.screen.query(Input):
        box.cursor_blink = False
    app.save_screenshot(str(out / f"{name}.svg"))
    print("wrote", out / f"{name}.svg")


async def ssh_logs_cleanup(app, pilot, out: Path) -> None:
    """From home with the stack selected: its SSH screen (a command and the disk quick action),
    its logs, and a cleanup search by the stack's name; back to home after each."""
    from hostwiz.screens.cleanup import CleanupScreen
    from hostwiz.screens.logs import LogsScreen
    from hostwiz.screens.ssh import SshScreen
    from hostwiz.screens.terminal import Terminal

    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, SshScreen))
    term = app.screen.query_one(Terminal)
    await until(pilot, lambda: any(line.rstrip().endswith("$") for line in term.lines))
    await pilot.press(*["space" if c == " " else c for c in "uname -a"], "enter")
    await pilot.pause(0.5)
    await pilot.press("ctrl+right_square_bracket", "d")
    await until(pilot, lambda: app.screen.query_one("#ssh-output").lines)
    await pilot.pause(0.3)
    await shoot(app, out, "ssh")
    await pilot.press("escape")
    await settle(pilot, workers=False)
    await pilot.press("l")
    await until(pilot, lambda: isinstance(app.screen, LogsScreen))
    await pilot.pause(3.0)
    await shoot(app, out, "logs")
    await pilot.press("escape")
    await settle(pilot, workers=False)
    await pilot.press("c")
    await until(pilot, lambda: isinstance(app.screen, CleanupScreen))
    await pilot.click("#prefix")
    await pilot.press(*"blog", "f5")
    await settle(pilot)
    await pilot.pause(1.0)
    await shoot(app, out, "cleanup")
    await pilot.press("escape")
    await settle(pilot)


async def deploy_releases_settings(app, pilot, out: Path) -> None:
    """From the stack's detail: Deploy (the example app again: a delta of nothing changed), its
    Releases (the one `up` deployed and this one), Settings (a secret, masked); back to the detail."""
    from hostwiz.screens.deploy import DeployScreen
    from hostwiz.screens.releases import ReleasesScreen
    from hostwiz.screens.settings import SettingsScreen

    await pilot.press("d")
    await until(pilot, lambda: isinstance(app.screen, DeployScreen))
    await settle(pilot)
    await pilot.press("ctrl+d")
    await until(pilot, lambda: app.screen.finished, timeout=120)
    await settle(pilot)
    await shoot(app, out, "deploy")
    await pilot.press("escape")
    await settle(pilot)
    await pilot.press("v")
    await until(pilot, lambda: isinstance(app.screen, ReleasesScreen))
    await settle(pilot)
    await shoot(app, out, "releases")
    await pilot.press("escape")
    await settle(pilot)
    await pilot.press("e")
    await until(pilot, lambda: isinstance(app.screen, SettingsScreen))
    await settle(pilot)
    await pilot.click("#key")
    await pilot.press(*"LOG_LEVEL", "tab", *"info")
    await pilot.click("#secret")
    await pilot.click("#set")
    await until(pilot, lambda: "✔" in str(app.screen.query_one("#settings-status").render()), timeout=120)
    await pilot.click("#key")
    await pilot.press(*"API_TOKEN", "tab", *"tok-not-shown")
    await pilot.click("#secret")
    await pilot.click("#set")
    await until(pilot, lambda: app.screen.query_one("#settings").row_count == 2, timeout=120)
    await settle(pilot)
    await shoot(app, out, "settings")
    await pilot.press("escape")
    await settle(pilot)


async def stop_and_start(app, pilot, out: Path) -> None:
    """From home: open the stack, stop it (x, confirm), home shows it stopped; then start it again."""
    from hostwiz.ledger import Ledger

    def status() -> str:
        return Ledger(app.session.state_dir, "blog").get("status")

    for want in ("stopped", "ready"):
        await pilot.press("o")
        await settle(pilot, workers=False)
        await pilot.press("x")
        await settle(pilot, workers=False)
        if want == "stopped":
            await shoot(app, out, "stop-confirm")
        await pilot.click("#answer-yes")
        await until(pilot, lambda: status() == want, timeout=120)
        await pilot.pause(0.5)
        await pilot.press("escape")
        await pilot.press("r")
        await settle(pilot, workers=False)
        await pilot.pause(1.0)
        if want == "stopped":
            await shoot(app, out, "home-stopped")


async def edit_stack(app, pilot, out: Path) -> None:
    """From home: open the stack, Edit (m), a bigger type, the change plan, apply it, back home."""
    from hostwiz.screens.progress import OK

    await pilot.press("o")
    await settle(pilot, workers=False)
    await pilot.press("m")
    await until(pilot, lambda: type(app.screen).__name__ == "DomainStep")
    await settle(pilot)
    await pilot.press("ctrl+n")
    await settle(pilot)
    app.screen.query_one("#type").value = "t3.small"
    await settle(pilot)
    for _ in range(3):
        await pilot.press("ctrl+n")
        await settle(pilot)
    await until(pilot, lambda: getattr(app.screen, "plan", None) is not None)
    await shoot(app, out, "edit-plan")
    await pilot.press("ctrl+n")
    await settle(pilot, workers=False)
    await pilot.click("#answer-yes")
    await until(pilot, lambda: getattr(app.screen, "phase", "") == OK, timeout=120)
    await pilot.pause(0.3)
    await shoot(app, out, "edit-applied")
    await pilot.press("escape")
    await settle(pilot, workers=False)


async def tour(size: tuple[int, int], out: Path) -> None:
    from hostwiz.screens.app import HostwizApp
    from hostwiz.screens.progress import FAILED, OK

    from hostwiz.services.session import Options

    app = HostwizApp(Options(sandbox=True))
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.session is not None)
        await settle(pilot)
        await shoot(app, out, "home-empty")
        await pilot.press("n")
        await settle(pilot)
        await keys(pilot, *"blog", "tab", "enter", "down", "enter", "tab", "tab", "space")
        await settle(pilot)
        await shoot(app, out, "wizard-1-domain")
        await pilot.press("ctrl+n")
        await settle(pilot)
        await shoot(app, out, "wizard-2-instance")
        await pilot.press("ctrl+n")
        await settle(pilot)
        await keys(pilot, "tab", "tab", "space")
        await settle(pilot)
        await shoot(app, out, "wizard-3-runtime")
        await pilot.press("ctrl+n")
        await settle(pilot)
        await keys(pilot, "enter", "down", "enter")
        await settle(pilot)
        await shoot(app, out, "wizard-4-database")
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press(*str(EXAMPLE_APP))
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        await shoot(app, out, "wizard-5-app")
        await pilot.press("ctrl+n")
        await settle(pilot)
        await shoot(app, out, "wizard-6-review")
        await pilot.press("ctrl+n")
        await pilot.pause(4.0)
        await shoot(app, out, "progress")
        await until(pilot, lambda: getattr(app.screen, "phase", "") == OK, timeout=120)
        await pilot.pause(0.3)
        await shoot(app, out, "progress-done")
        await pilot.press("o")
        await settle(pilot)
        await shoot(app, out, "detail")
        await deploy_releases_settings(app, pilot, out)
        await pilot.press("escape")
        await settle(pilot)
        await shoot(app, out, "home")
        await ssh_logs_cleanup(app, pilot, out)
        await stop_and_start(app, pilot, out)
        await edit_stack(app, pilot, out)
        await pilot.press("t")
        await settle(pilot)
        await shoot(app, out, "teardown-plan")
        await pilot.press(*"blog", "enter")
        await until(pilot, lambda: app.screen.phase == "done", timeout=120)
        await pilot.pause(0.3)
        await shoot(app, out, "teardown-done")
        # a failure: AWS refuses the Elastic IP association of a second stack
        app.session.aws.hooks.append(("before-call.ec2.AssociateAddress", fail_association))
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"shop", "enter")
        await settle(pilot)
        for _ in range(5):
            await pilot.press("ctrl+n")
            await settle(pilot)
        await until(pilot, lambda: getattr(app.screen, "phase", "") == FAILED, timeout=120)
        await pilot.pause(0.3)
        await shoot(app, out, "failure")
        await pilot.press("b")
        await until(pilot, lambda: app.screen.phase == "done", timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="120x36")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    os.environ.setdefault("HOSTWIZ_SANDBOX_PACE", "0.5")
    os.environ["TZ"] = "UTC"
    width, height = (int(x) for x in args.size.split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(tour((width, height), args.out))


if __name__ == "__main__":
    main()
