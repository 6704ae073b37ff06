"""Nothing lost by a keystroke (issue 15): quitting asks when a run is in progress or the sandbox
holds stacks, and says what is lost (finding 2); the detail screen copies the SSH command and the
connection string to the clipboard (OSC 52, finding 6); checkboxes read without colour (finding 7);
teardown names the kept snapshot with its cost (finding 4)."""

from __future__ import annotations

import asyncio
import re
import threading

from pilot_helpers import SIZE, settle, shown

from hostwiz import spec as specmod
from hostwiz.ledger import Ledger
from hostwiz.screens.detail import DetailScreen
from hostwiz.screens.dialogs import Confirm
from hostwiz.screens.progress import ProgressScreen
from hostwiz.services import stacks as operations


def make_spec(spec_data: dict, name: str, *, database: bool = True) -> specmod.StackSpec:
    data = {**spec_data, "name": name, "domain": {"name": f"{name}.example.com", "www": False}}
    data["instance"] = {**data["instance"], "ssh_cidr": "127.0.0.1/32"}
    if not database:
        data.pop("database", None)
    return specmod.validate(data)


def test_quitting_with_sandbox_stacks_asks_and_names_what_is_lost(make_app, session, spec_data):
    assert operations.up(session, make_spec(spec_data, "keepme", database=False), "127.0.0.1/32").ok

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            for key in ("ctrl+q", "q"):  # one story: both ask on home
                await pilot.press(key)
                await settle(pilot)
                assert isinstance(app.screen, Confirm), key
                text = shown(app)  # as drawn: the dialog's words are all there, wrapped, none cut
                assert "keepme" in text and "gone when hostwiz quits" in text and "'hostwiz sandbox start'" in text
                await pilot.press("escape")  # stay
                await pilot.pause()
                assert app.screen is app.home and app.is_running
            await pilot.press("ctrl+q")
            await pilot.pause()
            await pilot.click("#answer-yes")
            await pilot.pause()
            assert not app.is_running

    asyncio.run(scenario())


def test_quitting_during_a_run_asks_and_says_the_run_stops(make_app, session, spec_data):
    release = threading.Event()
    session.aws.hooks.append(("before-call.ec2.RunInstances", lambda **_: release.wait(30) and None))
    try:
        async def scenario():
            app = make_app()
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot)
                app.push_screen(ProgressScreen(make_spec(spec_data, "busy", database=False),
                                               ssh_cidr="127.0.0.1/32"))
                for _ in range(200):
                    await pilot.pause(0.02)
                    if Ledger(session.state_dir, "busy").get("status") == "creating":
                        break
                await pilot.press("ctrl+q")
                await pilot.pause(0.2)
                assert isinstance(app.screen, Confirm)
                assert "in progress" in shown(app) and "busy" in shown(app)
                await pilot.press("escape")
                await pilot.pause()
                assert isinstance(app.screen, ProgressScreen) and app.is_running
                release.set()
                await settle(pilot)

        asyncio.run(scenario())
    finally:
        release.set()
        session.aws.hooks.pop()


def test_detail_copies_the_ssh_command_and_connection_string(make_app, session, spec_data):
    assert operations.up(session, make_spec(spec_data, "copyme"), "127.0.0.1/32").ok

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(DetailScreen("copyme"))
            await settle(pilot)
            await pilot.press("y")
            await pilot.pause()
            ssh = app.clipboard
            await pilot.press("c")
            await pilot.pause()
            return ssh, app.clipboard

    ssh, conn = asyncio.run(scenario())
    assert ssh.startswith("ssh -i ") and "@" in ssh
    assert conn.startswith("postgresql://") and "copyme-db" in conn and "••" not in conn


def test_checkboxes_read_without_colour(make_app):
    """On the screen (the SVG's text, no colours): the wizard's TLS box shows X only when on."""
    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            from textual.widgets import Checkbox

            from hostwiz.screens.wizard.runtime import RuntimeStep
            from hostwiz.screens.wizard.state import WizardState

            state = WizardState()
            state.name = "plain"
            app.push_screen(RuntimeStep(state))
            await settle(pilot)
            box = app.screen.query_one(Checkbox)
            box.value = False
            await pilot.pause()
            off = shown(app)
            box.value = True
            await pilot.pause()
            return off, shown(app)

    off, on = (re.sub(r"\s+", "", text) for text in asyncio.run(scenario()))
    assert re.search(r"X▌?Getacertificate", on), on
    assert "Getacertificate" in off and not re.search(r"X▌?Getacertificate", off), off


def test_teardown_names_the_kept_snapshot_and_its_cost(make_app, session, spec_data):
    from hostwiz.screens.teardown import TeardownScreen

    assert operations.up(session, make_spec(spec_data, "snapkeep"), "127.0.0.1/32").ok

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(TeardownScreen("snapkeep"))
            await settle(pilot)
            screen = app.screen
            assert screen.query_one("#snapshot").value  # the default: keep a final snapshot
            screen.query_one("#confirm").focus()
            await pilot.press(*"snapkeep", "enter")
            await settle(pilot)
            return screen.phase, str(screen.query_one("#outcome").render())

    phase, outcome = asyncio.run(scenario())
    snaps = session.aws.client("rds").describe_db_snapshots(DBInstanceIdentifier="snapkeep-db")["DBSnapshots"]
    (snap,) = [s for s in snaps if s["DBSnapshotIdentifier"].startswith("snapkeep-db-final-")]
    assert phase == "done", outcome
    assert snap["DBSnapshotIdentifier"] in outcome and "/month" in outcome
    assert "nothing of it is left" not in outcome
