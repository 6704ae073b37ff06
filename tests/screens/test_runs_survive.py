"""A run survives navigation (issue 15, finding 1): leaving the progress screen by Esc or the palette's
"Home" does not cancel it; home shows it live and opening the stack returns to its progress; it ends
`ready`, not `failed (cancelled)`. Quitting mid-run asks, and then stops it. The timer starts at
confirmation and stops at the end (finding 5)."""

from __future__ import annotations

import asyncio
import threading

from pilot_helpers import SIZE, settle, shown
from test_snapshots import frozen  # noqa: F401 (a fixture)

from hostwiz import events as ev
from hostwiz import spec as specmod
from hostwiz.ledger import Ledger
from hostwiz.screens import runs
from hostwiz.screens.dialogs import Confirm
from hostwiz.screens.progress import OK, ProgressScreen, eta_seconds
from hostwiz.screens.widgets import steps as stepw


def make_spec(spec_data: dict, name: str) -> specmod.StackSpec:
    data = {**spec_data, "name": name, "domain": {"name": f"{name}.example.com", "www": False}}
    data["instance"] = {**data["instance"], "ssh_cidr": "127.0.0.1/32"}
    data.pop("database", None)
    return specmod.validate(data)


def hold(session, call: str = "RunInstances") -> threading.Event:
    """AWS's `call` waits until the returned event is set (the run is mid-way meanwhile)."""
    release = threading.Event()
    session.aws.hooks.append((f"before-call.ec2.{call}", lambda **_: release.wait(30) and None))
    return release


async def until(pilot, condition, tries: int = 400) -> None:
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition never held")


def leave_then_come_back(leave: str):
    def test(make_app, session, spec_data):
        release = hold(session)
        name = f"away-{leave.replace(' ', '')}"

        async def scenario():
            app = make_app()
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot)
                progress = ProgressScreen(make_spec(spec_data, name))
                app.push_screen(progress)
                await until(pilot, lambda: Ledger(session.state_dir, name).get("status") == "creating")
                if leave == "palette":
                    app.go_home()  # what the command palette's "Home" runs
                else:
                    await pilot.press(leave)
                await pilot.pause()
                assert app.screen is app.home
                assert not progress.cancel_event.is_set() and progress.phase == "running"
                await settle_home(pilot)
                assert name in shown(app) and "live" in shown(app)  # home shows it running
                table = app.home.query_one("#stacks")
                table.move_cursor(row=table.get_row_index(name))
                await pilot.press("enter")
                await pilot.pause()
                assert app.screen is progress  # its live progress, not a detail screen
                release.set()
                await until(pilot, lambda: progress.phase == OK)
                return str(progress.query_one("#outcome").render())

        try:
            outcome = asyncio.run(scenario())
        finally:
            release.set()
            session.aws.hooks.pop()
        assert f"{name} is ready" in outcome
        assert Ledger(session.state_dir, name).get("status") == "ready"

    return test


async def settle_home(pilot) -> None:
    """Home's listing is a worker of its own; the run's worker is still busy, so wait for home's only."""
    await pilot.pause()
    for worker in [w for w in pilot.app.workers if w.group == "home"]:
        await worker.wait()
    await pilot.pause()


test_escape_leaves_the_run_going = leave_then_come_back("escape")
test_the_palettes_home_leaves_the_run_going = leave_then_come_back("palette")


def test_a_run_that_ends_in_the_background_says_so_and_home_lists_it_ready(make_app, session, spec_data):
    release = hold(session)

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            progress = ProgressScreen(make_spec(spec_data, "behind"))
            app.push_screen(progress)
            await until(pilot, lambda: Ledger(session.state_dir, "behind").get("status") == "creating")
            await pilot.press("escape")
            await pilot.pause()
            release.set()
            await until(pilot, lambda: progress.phase == OK)
            await until(pilot, lambda: not runs.tracked(app))  # its screen is let go
            await settle_home(pilot)
            await until(pilot, lambda: any(s.name == "behind" and s.status == "ready" for s in app.home.stacks))
            return [n.message for n in app._notifications]

    try:
        notes = asyncio.run(scenario())
    finally:
        release.set()
        session.aws.hooks.pop()
    assert any("behind is ready" in n for n in notes), notes
    assert Ledger(session.state_dir, "behind").get("status") == "ready"


def test_quitting_with_a_run_in_the_background_asks_then_stops_it(make_app, session, spec_data):
    release = hold(session)

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            progress = ProgressScreen(make_spec(spec_data, "quitter"))
            app.push_screen(progress)
            await until(pilot, lambda: Ledger(session.state_dir, "quitter").get("status") == "creating")
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            assert "quitter is in progress" in shown(app) and "stops it" in shown(app)
            await pilot.click("#answer-yes")
            stopped = progress.cancel_event.is_set()  # the app's end stops the run where it is
            release.set()
            return stopped

    try:
        assert asyncio.run(scenario())
    finally:
        release.set()
        session.aws.hooks.pop()


def test_the_timer_starts_at_confirmation_and_stops_at_the_end(monkeypatch, make_app, session, spec_data):
    now = [1000.0]
    monkeypatch.setattr(stepw, "clock", lambda: now[0])

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            progress = ProgressScreen(make_spec(spec_data, "timed"))
            app.push_screen(progress)
            await until(pilot, lambda: progress.phase == OK)
            now[0] += 95  # long after "ready"
            progress.tick()
            return str(progress.query_one("#counts").render()), progress.elapsed_secs()

    counts, elapsed = asyncio.run(scenario())
    assert elapsed == 0 and "0:00" in counts  # the clock stood still while it ran; it did not go on after
    assert "1:35" not in counts


def test_the_eta_is_the_plans_critical_path_minus_done_work():
    deps = {"a": (), "b": ("a",), "c": ("a",), "d": ("b", "c")}
    est = {"a": 10, "b": 100, "c": 20, "d": 5}
    assert eta_seconds(deps, est, {}, {}) == 115
    assert eta_seconds(deps, est, {"a": ev.DONE, "b": ev.STARTED, "c": ev.STARTED}, {"b": 30, "c": 30}) == 75
    assert eta_seconds(deps, est, {"a": ev.DONE, "b": ev.STARTED}, {"b": 500}) == 25  # overran: c and d left
    assert eta_seconds(deps, est, {s: ev.DONE for s in deps}, {}) == 0
    # it never goes up as time passes
    seen = [eta_seconds(deps, est, {"a": ev.DONE, "b": ev.STARTED}, {"b": t}) for t in range(0, 200, 10)]
    assert seen == sorted(seen, reverse=True)


def test_on_aws_the_eta_comes_from_the_plan_and_the_bar_stays_below_100_until_done(
        monkeypatch, make_app, spec_data, frozen):  # noqa: F811
    """Mid-run (scripted: every step done but the database wait), the bar is not full and the ETA is
    the plan's: the database's typical 7 minutes and the steps after it, not a rate guess."""
    from test_snapshots import scripted_up

    from hostwiz.services import stacks as operations

    monkeypatch.setattr(operations, "up", scripted_up(False))
    spec = specmod.validate({**spec_data, "name": "eta"})

    async def scenario():
        app = make_app()
        app.sandbox = False  # as on AWS: the plan's times are AWS's
        async with app.run_test(size=SIZE) as pilot:
            await settle_home(pilot)
            progress = ProgressScreen(spec)
            app.push_screen(progress)
            await pilot.pause(0.3)
            progress.tick()
            bar = progress.query_one("#bar")
            return str(progress.query_one("#counts").render()), bar.percentage

    counts, percentage = asyncio.run(scenario())
    assert "left" in counts and percentage < 1.0, counts
    minutes = int(counts.split("about ")[1].split(":")[0])
    assert 7 <= minutes <= 8, counts  # database-available (420 s) and the steps after it
