"""A failed or cancelled stack (issue 15, finding 1): its detail screen offers Resume (up again, which
carries on from what exists) and Teardown; SSH on it says to resume it here, not to run 'hostwiz up'
again in what would be another, empty sandbox."""

from __future__ import annotations

import asyncio

from pilot_helpers import SIZE, settle, shown

from hostwiz import spec as specmod
from hostwiz.ledger import Ledger
from hostwiz.screens.detail import DetailScreen
from hostwiz.screens.progress import OK, ProgressScreen
from hostwiz.screens.ssh import SshScreen
from hostwiz.services import stacks as operations


def make_spec(spec_data: dict, name: str) -> specmod.StackSpec:
    data = {**spec_data, "name": name, "domain": {"name": f"{name}.example.com", "www": False}}
    data["instance"] = {**data["instance"], "ssh_cidr": "127.0.0.1/32"}
    data.pop("database", None)
    return specmod.validate(data)


def failed_before_its_address(session, spec) -> None:
    """`up` fails once at AllocateAddress (an AWS error): the stack is failed with no public address."""
    from botocore.awsrequest import AWSResponse

    calls = []

    def refuse(**_):
        calls.append(1)
        if len(calls) > 1:
            return None
        return AWSResponse("https://ec2", 400, {}, None), {
            "Error": {"Code": "AddressLimitExceeded", "Message": "The maximum number of addresses has been reached."}}

    session.aws.hooks.append(("before-call.ec2.AllocateAddress", refuse))
    try:
        assert not operations.up(session, spec, "127.0.0.1/32", keep_on_failure=True).ok
    finally:
        session.aws.hooks.pop()
    ledger = Ledger(session.state_dir, spec.name)
    assert ledger.get("status") == "failed" and not (ledger.get("outputs") or {}).get("public_ip")


def test_a_failed_stack_offers_resume_which_ends_ready(make_app, session, spec_data):
    spec = make_spec(spec_data, "resumeme")
    failed_before_its_address(session, spec)

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(DetailScreen("resumeme"))
            await settle(pilot)
            text = shown(app)
            assert "u Resume" in text and "press u to resume" in text and "t to tear it down" in text, text
            await pilot.press("u")
            await settle(pilot)
            assert isinstance(app.screen, ProgressScreen)
            return app.screen.phase

    assert asyncio.run(scenario()) == OK
    assert Ledger(session.state_dir, "resumeme").get("status") == "ready"


def test_a_ready_stack_offers_no_resume(make_app, session, spec_data):
    assert operations.up(session, make_spec(spec_data, "fine"), "127.0.0.1/32").ok

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(DetailScreen("fine"))
            await settle(pilot)
            return shown(app)

    assert "Resume" not in asyncio.run(scenario())


def test_ssh_on_a_failed_sandbox_stack_says_resume_here(make_app, session, spec_data):
    failed_before_its_address(session, make_spec(spec_data, "noaddr"))

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(SshScreen("noaddr"))
            await settle(pilot)
            return str(app.screen.query_one("#ssh-status").render())

    status = asyncio.run(scenario())
    assert "Resume on its detail screen, here" in status and "another, empty sandbox" in status, status
    assert "run it again" not in status
