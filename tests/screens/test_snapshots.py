"""Snapshots of the main screens (pytest-textual-snapshot). Run with --snapshot-update after a
deliberate change and look at the new SVGs before committing them.

Deterministic: moto's account and offerings are fixed, the step clock is fixed, and the progress
and failure screens replay a fixed list of engine events instead of a live run.
"""

from __future__ import annotations

import threading

import pytest
from pilot_helpers import SIZE, open_wizard, settle

from hostwiz import events as ev
from hostwiz import spec as specmod
from hostwiz.services import stacks as operations
from hostwiz.provisioners.engine import RunResult
from hostwiz.screens.progress import ProgressScreen
from hostwiz.screens.widgets import steps as stepw
from hostwiz.screens.wizard.review import ReviewStep
from hostwiz.screens.wizard.state import WizardState

AT = 1_790_000_000.0
STEPS = [("network", "Default VPC and subnets", "vpc-0a1b2c3d"), ("image", "Machine image (AMI)", "ami-0f00ba7"),
         ("app-sg", "App security group", "sg-0123abcd"), ("key-pair", "SSH key pair (ED25519)", "hostwiz-blog"),
         ("eip", "Elastic IP", "198.51.100.20"), ("instance", "EC2 instance", None),
         ("instance-running", "Instance running", None), ("database-available", "Database available", None)]


def scripted_up(fail: bool):
    def up(session, spec, ssh_cidr, on_event, *, keep_on_failure=False, cancel=None):
        def emit(kind, step=None, label="", message="", elapsed=None):
            on_event(ev.Event(kind, step, label, message, elapsed, at=AT))

        emit(ev.RUN_STARTED, message=f"creating stack {spec.name}")
        for step, label, _ in STEPS:
            emit(ev.QUEUED, step, label)
        for step, label, out in STEPS[:5]:
            emit(ev.STARTED, step, label)
            emit(ev.DONE, step, label, out, 1.2)
        emit(ev.STARTED, "instance", "EC2 instance")
        emit(ev.STARTED, "database-available", "Database available")
        emit(ev.PROGRESS, "database-available", "Database available", "creating (2 min so far)")
        if fail:
            emit(ev.FAILED, "instance", "EC2 instance", "InsufficientInstanceCapacity: no t3.micro capacity in "
                 "us-east-1a right now", 0.8)
            emit(ev.SKIPPED, "instance-running", "Instance running", "not started")
            return operations.UpResult(False, RunResult(False), {}, error="instance: InsufficientInstanceCapacity: "
                                       "no t3.micro capacity in us-east-1a right now")
        (cancel or threading.Event()).wait(5)  # mid-run until the screen goes away
        return operations.UpResult(False, RunResult(False, cancelled=True), {}, error="cancelled")

    return up


@pytest.fixture
def frozen(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(stepw, "clock", lambda: 1000.0)
    monkeypatch.setattr(stepw, "SPINNER", "⠿")


def blog_state() -> WizardState:
    s = WizardState(name="blog", zone="example.com", domain="blog.example.com", www=True, engine="postgres")
    s.instance["ssh_cidr"] = "203.0.113.7/32"
    s.runtime["tls"] = True
    return s


async def steady(pilot):
    """Settle, and stop cursors blinking (a blink phase is not part of what is tested)."""
    from textual.widgets import Input

    await settle(pilot)
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await pilot.pause()


async def to_wizard(pilot, keys=()):
    await open_wizard(pilot)
    for key in keys:
        await pilot.press(key)
    await steady(pilot)


def test_home(snap_compare, make_app, frozen):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle)


def test_wizard_domain(snap_compare, make_app, frozen):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=lambda p: to_wizard(p, [*"blog", "tab"]))


def test_wizard_instance(snap_compare, make_app, frozen):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=lambda p: to_wizard(p, [*"blog", "enter"]))


def test_wizard_review(snap_compare, make_app, frozen):
    async def before(pilot):
        await settle(pilot)
        pilot.app.push_screen(ReviewStep(blog_state()))
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


@pytest.mark.parametrize("fail", [False, True], ids=["mid-run", "failed"])
def test_progress(snap_compare, make_app, frozen, monkeypatch, fail):
    monkeypatch.setattr(operations, "up", scripted_up(fail))

    async def before(pilot):
        await settle(pilot)
        pilot.app.push_screen(ProgressScreen(blog_state().spec()))
        await pilot.pause(0.3)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_field_errors(snap_compare, make_app, frozen):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=lambda p: to_wizard(p, [*"Blog_1", "ctrl+n"]))


def test_spec_of_the_review_is_valid():
    assert specmod.validate(blog_state().data()).domain.www
