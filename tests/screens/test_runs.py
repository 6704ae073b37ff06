"""Progress, failure, detail and teardown screens against moto."""

from __future__ import annotations

import asyncio

from pilot_helpers import SIZE, live_instances, settle, shown, tagged

from hostwiz import events as ev
from hostwiz import spec as specmod
from hostwiz.ledger import Ledger
from hostwiz.services import stacks as operations
from hostwiz.screens.detail import MASK, DetailScreen
from hostwiz.screens.messages import EngineEvent
from hostwiz.screens.progress import DONE, FAILED, OK, ProgressScreen
from hostwiz.screens.teardown import TeardownScreen


def make_spec(spec_data: dict, name: str, *, database: bool = True) -> specmod.StackSpec:
    data = {**spec_data, "name": name, "domain": {"name": f"{name}.example.com", "www": False}}
    data["instance"] = {**data["instance"], "ssh_cidr": "127.0.0.1/32"}
    if not database:
        data.pop("database")
    return specmod.validate(data)


def fail_address_association(session, times: int = 1_000) -> None:
    """AssociateAddress answers with an AWS error (a real botocore ClientError), `times` times."""
    from botocore.awsrequest import AWSResponse

    calls = []

    def refuse(**_):
        calls.append(1)
        if len(calls) > times:
            return None
        return AWSResponse("https://ec2", 400, {}, None), {
            "Error": {"Code": "InvalidInstanceID", "Message": "The instance is not in a valid state for this operation."}}

    session.aws.hooks.append(("before-call.ec2.AssociateAddress", refuse))


def screen_text(screen, ident: str) -> str:
    return str(screen.query_one(ident).render())


async def run_to_failure(pilot, spec):
    """Open the progress screen for `spec` (AWS set up to fail) and wait for the failure."""
    await settle(pilot)
    pilot.app.push_screen(ProgressScreen(spec))
    await settle(pilot)
    assert pilot.app.screen.phase == FAILED
    return pilot.app.screen


def test_failure_says_what_happened_then_roll_back_leaves_nothing(make_app, session, spec_data):
    fail_address_association(session)
    spec = make_spec(spec_data, "failing", database=False)

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            screen = await run_to_failure(pilot, spec)
            text = screen_text(screen, "#outcome")
            assert "InvalidInstanceID" in text and "Roll back" in text
            assert tagged(session, "failing")  # kept until the operator chooses
            await pilot.press("b")
            await settle(pilot)
            assert screen.phase == DONE
            assert "nothing of failing is left" in screen_text(screen, "#outcome")

    asyncio.run(scenario())
    assert tagged(session, "failing") == [] and live_instances(session, "failing") == []
    assert not Ledger(session.state_dir, "failing").exists


def test_retry_after_a_failure_resumes_to_a_ready_stack(make_app, session, spec_data):
    fail_address_association(session, times=1)
    spec = make_spec(spec_data, "again", database=False)

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            screen = await run_to_failure(pilot, spec)
            first = live_instances(session, "again")
            await pilot.press("r")
            await settle(pilot)
            assert screen.phase == OK, screen_text(screen, "#outcome")
            assert [i["InstanceId"] for i in live_instances(session, "again")] == [i["InstanceId"] for i in first]

    asyncio.run(scenario())
    assert Ledger(session.state_dir, "again").get("status") == "ready"


def test_cancel_asks_and_keep_leaves_what_was_made(make_app, session, spec_data):
    spec = make_spec(spec_data, "halted", database=False)

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = ProgressScreen(spec)
            screen.run_up = lambda: None  # the run is started by hand below, after the cancel
            app.push_screen(screen)
            await pilot.pause()
            await pilot.press("x")
            await pilot.pause()
            await pilot.press("tab", "tab", "enter")  # "Stop and keep"
            await pilot.pause()
            assert screen.cancel_event.is_set() and screen.cancel_choice == "keep"
            ProgressScreen.run_up(screen)  # up() sees the cancel at once and keeps what exists
            await settle(pilot)
            assert screen.phase == FAILED
            assert "Cancelled" in screen_text(screen, "#outcome")

    asyncio.run(scenario())
    assert Ledger(session.state_dir, "halted").get("status") == "failed"


def test_progress_floods_collapse():
    e = lambda kind, step, msg="": EngineEvent(ev.Event(kind, step, message=msg))  # noqa: E731
    assert e(ev.PROGRESS, "db", "creating").can_replace(e(ev.PROGRESS, "db", "still creating"))
    assert e(ev.PROGRESS, "db").can_replace(e(ev.DONE, "db"))
    assert not e(ev.PROGRESS, "db").can_replace(e(ev.PROGRESS, "instance"))
    assert not e(ev.DONE, "db").can_replace(e(ev.PROGRESS, "db"))


def test_detail_hides_the_password_until_revealed(make_app, session, spec_data):
    spec = make_spec(spec_data, "shown")
    assert operations.up(session, spec, "127.0.0.1/32").ok
    from hostwiz import secrets

    password = secrets.fetch(secrets.db_password_account("shown")).reveal()

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(DetailScreen("shown"))
            await settle(pilot)
            screen = app.screen
            facts = shown(app)
            assert MASK in facts and password not in facts
            assert "https://shown.example.com/" in facts
            ids = {row[3] for row in (screen.query_one("#resources").get_row_at(i)
                                      for i in range(screen.query_one("#resources").row_count))}
            assert "shown-db" in ids and any(i.startswith("i-") for i in ids)
            await pilot.press("p")
            await pilot.pause()
            assert password in shown(app)

    asyncio.run(scenario())


def test_detail_shows_the_password_while_the_resource_listing_is_slow_or_fails(make_app, session, spec_data):
    """The keyring lookup is shown as soon as it is done: the detail screen used to say "not in this
    machine's keyring" until listing the resources finished, and for good when that listing failed."""
    import threading

    from botocore.awsrequest import AWSResponse

    from hostwiz import secrets

    spec = make_spec(spec_data, "slowlist")
    assert operations.up(session, spec, "127.0.0.1/32").ok
    password = secrets.fetch(secrets.db_password_account("slowlist")).reveal()
    release = threading.Event()

    def slow_then_refuse(**_):
        release.wait(10)
        return AWSResponse("https://aws", 403, {}, None), {"Error": {"Code": "AccessDenied", "Message": "not allowed"}}

    session.aws.hooks.append(("before-call", slow_then_refuse))

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            app.push_screen(DetailScreen("slowlist"))
            for _ in range(100):  # the listing is blocked; only the keyring lookup can finish
                await pilot.pause(0.02)
                if MASK in shown(app):
                    break
            assert MASK in shown(app) and "not in this machine's keyring" not in shown(app)
            await pilot.press("p")
            await pilot.pause()
            assert password in shown(app)
            release.set()
            await settle(pilot)
            assert not app.screen.query_one("#detail-loading").display  # the listing has ended
            assert password in shown(app)

    try:
        asyncio.run(scenario())
    finally:
        release.set()
        session.aws.hooks.pop()


def test_teardown_from_the_screen_leaves_nothing(make_app, session, spec_data):
    spec = make_spec(spec_data, "gone")
    assert operations.up(session, spec, "127.0.0.1/32").ok
    assert tagged(session, "gone")

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            names = [s.name for s in app.home.stacks]
            assert "gone" in names and "failing" not in names  # a rolled-back stack is no ghost
            table = app.home.query_one("#stacks")
            table.move_cursor(row=table.get_row_index("gone"))
            await pilot.press("t")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, TeardownScreen)
            assert screen.query_one("#plan").row_count == len(operations.plan_down(session, "gone").resources), \
                shown(app)
            assert screen.query_one("#snapshot").value and "final database snapshot" in shown(app)
            await pilot.click("#snapshot")  # no final snapshot: then nothing at all is left
            assert screen.plan.final_snapshot is False
            screen.query_one("#confirm").focus()
            await pilot.press(*"gon", "enter")  # not the name: refused
            await pilot.pause()
            assert screen.query_one("#delete").disabled and screen.phase != "running"
            await pilot.press("e", "enter")
            await settle(pilot)
            assert screen.phase == DONE, screen_text(screen, "#outcome")
            assert "gone is gone" in screen_text(screen, "#outcome")

    asyncio.run(scenario())
    assert tagged(session, "gone") == [] and live_instances(session, "gone") == []
    assert operations.plan_down(session, "gone").empty
    assert not Ledger(session.state_dir, "gone").exists


def test_home_offers_to_adopt_a_stack_found_only_by_tags(make_app, session, spec_data, tmp_path):
    from dataclasses import replace

    elsewhere = replace(session, state_dir=tmp_path / "other-machine")
    elsewhere.state_dir.mkdir()
    assert operations.up(elsewhere, make_spec(spec_data, "stray", database=False), "127.0.0.1/32").ok

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            stray = next(s for s in app.home.stacks if s.name == "stray")
            assert stray.source == "tags" and "press a to adopt" in shown(app)
            table = app.home.query_one("#stacks")
            table.move_cursor(row=table.get_row_index("stray"))
            await pilot.press("a")
            await pilot.pause()
            await pilot.press("tab", "enter")  # "Adopt"
            await settle(pilot)
            assert next(s for s in app.home.stacks if s.name == "stray").source == "ledger"

    asyncio.run(scenario())
    assert Ledger(session.state_dir, "stray").get("status") == "adopted"


def test_home_shows_the_ledgers_stacks_on_its_first_frame_before_aws_answers(tmp_path, monkeypatch):
    """The ledger is local: its stacks are listed at once, marked as being checked, while the session
    (AWS) is still being made."""
    import threading

    from hostwiz.ledger import Ledger
    from hostwiz.screens.app import HostwizApp
    from hostwiz.services import session as sessionmod

    state = tmp_path / "state"
    Ledger(state, "shop").update(name="shop", region="eu-west-1", status="ready",
                                 outputs={"public_ip": "198.51.100.4"})
    release = threading.Event()

    def slow_open(options, region=None):
        release.wait(10)  # AWS has not answered yet
        raise RuntimeError("no credentials in this test")

    monkeypatch.setattr(sessionmod, "open_session", slow_open)

    async def scenario():
        app = HostwizApp(sessionmod.Options(state_dir=str(state)))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            text = shown(app)
            release.set()
            while not app.session_error:  # the failure lands on home in plain words
                await pilot.pause(0.01)
            await pilot.pause()
            assert "no credentials in this test" in shown(app)
            return text

    text = asyncio.run(scenario())
    assert "shop" in text and "198.51.100.4" in text and "checking AWS" in text
