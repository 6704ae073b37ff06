"""Footers at any width (attack review of 'whole keys only'): on every screen, through a resize storm
(80 -> 200 -> 60 -> 120) and at 80x24 and 60x20, each key shown ends inside the footer, the keys left
out are only the ones that did not fit (never one that would have fitted: nothing lost when widened),
Quit and Keys stay, ctrl+p's key shows from 100 columns only; a left-out key still works when pressed."""

from __future__ import annotations

import asyncio

import pytest
from pilot_helpers import settle, until
from test_failed_stack import failed_before_its_address
from test_newcomer import make_spec
from test_newcomer_screens import open_detail

from hostwiz.ledger import Ledger

STORM = [(80, 24), (200, 50), (60, 20), (120, 36)]
STEADY = [(60, 20), (200, 50)]  # 80x24 is looked at first, 120x36 after the storm


def footer_problems(app) -> list[str]:
    """What is wrong with the active screen's footer at the app's width ([] when nothing is)."""
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    width = app.size.width
    footer = app.screen.query_one(Footer)
    keys = list(footer.query_children(FooterKey))
    palette = [k for k in keys if "-command-palette" in k.classes and k.display]
    own = [k for k in keys if "-command-palette" not in k.classes]
    out: list[str] = []
    if width < 100 and palette:
        out.append(f"ctrl+p's key shown at {width} columns")
    if width >= 100 and not palette:
        out.append(f"ctrl+p's key missing at {width} columns")
    if footer.scroll_x:
        out.append(f"footer scrolled by {footer.scroll_x}")
    room = footer.region.right - sum(k.outer_size.width for k in palette)
    shown = [k for k in own if k.display]
    hidden = [k for k in own if not k.display]
    if own[len(shown):] != hidden:
        out.append(f"a key shown after a left-out one: {[k.description for k in own]}")
    for k in shown:
        whole = k.render().cell_len
        if k.region.right > room or k.region.width < whole:
            out.append(f"{k.description!r} cut ({k.region}, room {room}, needs {whole})")
    if hidden:
        need = sum(k.render().cell_len for k in shown) + hidden[0].render().cell_len
        if need <= room - footer.region.x:
            out.append(f"{hidden[0].description!r} left out though it fits ({need} <= {room})")
    descriptions = [k.description for k in shown]
    if descriptions[:2] != ["Quit", "Keys"]:
        out.append(f"Quit and Keys are not first: {descriptions}")
    return out


async def settled_footer(pilot) -> list[str]:
    """The footer's problems once its recompose has run (a few refreshes), or the last ones seen."""
    problems: list[str] = []
    for _ in range(20):
        await pilot.pause()
        problems = footer_problems(pilot.app)
        if not problems:
            return []
    return problems


async def storm_and_sizes(pilot) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for w, h in STORM:  # a person dragging the window: no settling between sizes
        await pilot.resize_terminal(w, h)
    found["after storm at 120"] = await settled_footer(pilot)
    for w, h in STEADY:
        await pilot.resize_terminal(w, h)
        found[f"{w}x{h}"] = await settled_footer(pilot)
    return {k: v for k, v in found.items() if v}


@pytest.fixture
def failed(session, spec_data):
    """A stack that failed before its address (nothing is dialled), one name per test."""
    import os

    name = "ff" + os.urandom(3).hex()
    failed_before_its_address(session, make_spec(spec_data, name, database=False))
    return name


def screens(name: str, spec_data: dict | None = None):
    """Every screen with a footer, made for stack `name` (the wizard's on a fresh state)."""
    from hostwiz.screens.cleanup import CleanupScreen
    from hostwiz.screens.deploy import DeployScreen
    from hostwiz.screens.detail import DetailScreen
    from hostwiz.screens.logs import LogsScreen
    from hostwiz.screens.progress import ProgressScreen
    from hostwiz.screens.releases import ReleasesScreen
    from hostwiz.screens.settings import SettingsScreen
    from hostwiz.screens.ssh import SshScreen
    from hostwiz.screens.teardown import TeardownScreen
    from hostwiz.screens.wizard.database import DatabaseStep
    from hostwiz.screens.wizard.domain import DomainStep
    from hostwiz.screens.wizard.instance import InstanceStep
    from hostwiz.screens.wizard.runtime import RuntimeStep
    from hostwiz.screens.wizard.state import WizardState
    from hostwiz.services.logs import StackLogs

    def no_stream(command: str):
        raise ConnectionResetError("not dialled in this test")

    return {
        "detail": lambda app: DetailScreen(name),
        "teardown": lambda app: TeardownScreen(name),
        "cleanup": lambda app: CleanupScreen(),
        "logs": lambda app: LogsScreen(name, logs=StackLogs(app.session, name, open_stream=no_stream), sources=()),
        "ssh": lambda app: SshScreen(name),
        "settings": lambda app: SettingsScreen(name),
        "deploy": lambda app: DeployScreen(name),
        "releases": lambda app: ReleasesScreen(name),
        "progress": lambda app: ProgressScreen(make_spec(spec_data, name + "p", database=False), ssh_cidr="127.0.0.1/32"),
        "wizard-domain": lambda app: DomainStep(WizardState()),
        "wizard-instance": lambda app: InstanceStep(WizardState()),
        "wizard-runtime": lambda app: RuntimeStep(WizardState()),
        "wizard-database": lambda app: DatabaseStep(WizardState()),
    }


# one screen of each kind of footer: own keys first (home, detail, cleanup), the wizard's, a run's, and
# screens whose widgets bring keys of their own (logs' inputs, the SSH terminal); the footer is one class
@pytest.mark.parametrize("which", ["home", "detail", "cleanup", "wizard-instance", "progress", "logs", "ssh"])
def test_each_screen_shows_whole_keys_through_a_resize_storm(make_app, session, spec_data, failed, which):
    async def scenario():
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            if which != "home":
                screen = screens(failed, spec_data)[which](app)
                app.push_screen(screen)
                await until(pilot, lambda: screen.is_mounted)
                await settle(pilot)
            first = await settled_footer(pilot)
            return {"80x24 at start": first, **await storm_and_sizes(pilot)}

    problems = {k: v for k, v in asyncio.run(scenario()).items() if v}
    assert not problems, problems


def test_change_screen_footer_keeps_quit_first_and_gives_ctrl_p_its_place(make_app, session, spec_data, monkeypatch):
    """The Edit flow's change screen had Textual's own footer: ctrl+p's key at 80 columns and Quit last."""
    from hostwiz.changes import ChangePlan
    from hostwiz.screens.changes import ChangeScreen

    monkeypatch.setattr(ChangeScreen, "run_change", lambda self: None)  # the footer is what is looked at
    spec = make_spec(spec_data, "chfoot", database=False)

    async def scenario():
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(ChangeScreen(spec, ChangePlan("chfoot")))
            await pilot.pause()
            return await settled_footer(pilot), await storm_and_sizes(pilot)

    first, later = asyncio.run(scenario())
    assert not first and not later, (first, later)


def test_a_key_the_footer_leaves_out_still_works_and_ctrl_p_still_opens_the_palette(make_app, session, spec_data):
    from textual.command import CommandPalette
    from textual.widgets._footer import FooterKey

    from hostwiz.screens.detail import DetailScreen
    from hostwiz.screens.teardown import TeardownScreen
    from hostwiz.services import stacks as operations

    assert operations.up(session, make_spec(spec_data, "hidkey", database=False), "127.0.0.1/32").ok

    async def scenario():
        app = make_app()
        async with app.run_test(size=(60, 20)) as pilot:
            await open_detail(app, pilot, "hidkey")
            assert not await settled_footer(pilot)
            left_out = {k.key for k in app.screen.query(FooterKey) if not k.display}
            await pilot.press("ctrl+p")
            await until(pilot, lambda: isinstance(app.screen, CommandPalette))
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, DetailScreen))
            await pilot.press("t")
            await until(pilot, lambda: isinstance(app.screen, TeardownScreen))
            return left_out

    left_out = asyncio.run(scenario())
    assert "t" in left_out, left_out  # Teardown does not fit at 60 columns, and t opened it


def test_stop_then_start_keeps_the_footer_whole_at_80_columns(make_app, session, spec_data):
    from textual.widgets._footer import FooterKey

    from hostwiz.services import operate
    from hostwiz.services import stacks as operations

    assert operations.up(session, make_spec(spec_data, "stopfoot", database=False), "127.0.0.1/32").ok

    async def scenario():
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await open_detail(app, pilot, "stopfoot")
            before = await settled_footer(pilot), [k.description for k in app.screen.query(FooterKey) if k.display]
            operate.stop(app.session, "stopfoot")
            assert Ledger(session.state_dir, "stopfoot").get("status") == "stopped"
            app.screen.refresh_bindings()
            await until(pilot, lambda: "Start" in [k.description for k in app.screen.query(FooterKey) if k.display])
            after = await settled_footer(pilot), [k.description for k in app.screen.query(FooterKey) if k.display]
            return before, after

    (p1, shown1), (p2, shown2) = asyncio.run(scenario())
    assert not p1 and "Stop" in shown1, (p1, shown1)
    assert not p2 and "Start" in shown2 and "Stop" not in shown2, (p2, shown2)


def test_the_keys_panel_open_and_closed_leaves_the_footer_whole(make_app, session, failed):
    """F1's panel docks beside the screen: the footer at its width, then back, stays whole."""

    async def scenario():
        app = make_app()
        found = {}
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            found["before"] = await settled_footer(pilot)
            await pilot.press("f1")
            found["panel open"] = await settled_footer(pilot)
            await pilot.resize_terminal(130, 30)
            found["panel open, 130"] = await settled_footer(pilot)
            await pilot.press("f1")
            found["panel closed, 130"] = await settled_footer(pilot)
        return {k: v for k, v in found.items() if v}

    problems = asyncio.run(scenario())
    assert not problems, problems
