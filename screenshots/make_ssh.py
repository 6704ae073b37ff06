"""Regenerate screenshots/ssh.svg: python screenshots/make_ssh.py [--out DIR]

The real app on the sandbox (moto on 127.0.0.1 and the sandbox's pretend SSH server): a stack
is made in-process, its SSH screen opened from home with `s`, a command typed into the terminal,
then the disk quick action. Nothing real is touched; no secret is on screen.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent


async def until(pilot, check, timeout: float = 30) -> None:
    for _ in range(int(timeout / 0.1)):
        if check():
            return
        await pilot.pause(0.1)
    raise TimeoutError("the screen did not get there")


async def shoot(out: Path) -> None:
    from hostwiz import spec as specmod
    from hostwiz.cli import context
    from hostwiz.provisioners import operations
    from hostwiz.screens.app import HostwizApp
    from hostwiz.screens.ssh import SshScreen
    from hostwiz.screens.terminal import Terminal

    args = argparse.Namespace(sandbox=True, region=None, state_dir=None, profile=None, endpoint_url=None)
    session = context.make_session(args)
    operations.up(session, specmod.validate({"name": "blog", "runtime": {"kind": "static"}}), "127.0.0.1/32")
    app = HostwizApp(args, session)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.screen.query("DataTable").first().row_count > 0)
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SshScreen))
        term = app.screen.query_one(Terminal)
        await until(pilot, lambda: any(line.endswith("$") for line in term.lines))
        await pilot.press(*["space" if c == " " else c for c in "systemctl status nginx"], "enter")
        await pilot.pause(0.5)
        await pilot.press("ctrl+right_square_bracket", "d")
        await until(pilot, lambda: app.screen.query_one("#ssh-output").lines)
        await pilot.pause(0.3)
        app.save_screenshot(str(out / "ssh.svg"))
        print("wrote", out / "ssh.svg")
    context._sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=HERE)
    os.environ.setdefault("HOSTWIZ_SANDBOX_PACE", "0")
    asyncio.run(shoot(parser.parse_args().out))


if __name__ == "__main__":
    main()
