"""Edit on the detail screen: the wizard on the live values, the change plan as its last step,
applied after a confirmation with progress -- against moto."""

from __future__ import annotations

import asyncio

from pilot_helpers import SIZE, settle, shown

from hostwiz import spec as specmod
from hostwiz.ledger import Ledger
from hostwiz.services import stacks as operations
from hostwiz.screens.changes import ChangeScreen
from hostwiz.screens.detail import DetailScreen
from hostwiz.screens.progress import OK
from hostwiz.screens.wizard.change import ChangeStep
from hostwiz.screens.wizard.database import DatabaseStep
from hostwiz.screens.wizard.domain import DomainStep
from hostwiz.screens.wizard.instance import InstanceStep
from hostwiz.screens.wizard.runtime import RuntimeStep


def make_stack(session, spec_data: dict, name: str, *, domain: bool = False) -> specmod.StackSpec:
    data = {**spec_data, "name": name, "domain": {"name": f"{name}.example.com", "www": False}}
    data["instance"] = {**data["instance"], "ssh_cidr": "127.0.0.1/32"}
    data.pop("database")
    if not domain:
        data.pop("domain")
        data["runtime"] = {**data["runtime"], "tls": False}
    spec = specmod.validate(data)
    assert operations.up(session, spec, "127.0.0.1/32").ok
    return spec


def instance(session, name: str) -> dict:
    iid = Ledger(session.state_dir, name).get("outputs")["instance_id"]
    return session.aws.client("ec2").describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]


async def edit(pilot, name: str) -> None:
    """Open the stack's screen and press Edit: the wizard's first step, prefilled."""
    await settle(pilot)
    pilot.app.push_screen(DetailScreen(name))
    await settle(pilot)
    assert "m Edit" in shown(pilot.app)  # in the footer
    await pilot.press("m")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DomainStep)


async def next_step(pilot, kind: type) -> None:
    await pilot.press("ctrl+n")
    await settle(pilot)
    assert isinstance(pilot.app.screen, kind), (pilot.app.screen, shown(pilot.app))


def test_edit_resizes_the_instance_after_a_plan_and_keeps_its_address(make_app, session, spec_data):
    make_stack(session, spec_data, "resized")
    before = instance(session, "resized")
    address = Ledger(session.state_dir, "resized").get("outputs")["public_ip"]

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await edit(pilot, "resized")
            step = app.screen
            # prefilled with what runs, and the name cannot change
            assert step.query_one("#name").value == "resized" and step.query_one("#name").disabled
            assert "Edit resized" in shown(app)
            await next_step(pilot, InstanceStep)
            assert app.screen.query_one("#type").value == "t3.micro"
            assert app.screen.query_one("#ssh-cidr").value == "127.0.0.1/32"
            app.screen.query_one("#type").value = "t3.small"
            await settle(pilot)
            await next_step(pilot, RuntimeStep)
            await next_step(pilot, DatabaseStep)
            await next_step(pilot, ChangeStep)
            change = app.screen
            assert change.plan is not None and [c.key for c in change.plan.changes] == ["instance.type"]
            text = shown(app)
            assert "What changes" in text and "What will be created" not in text
            assert "t3.micro → t3.small" in text and "needs a stop" in text
            assert f"${change.plan.cost_before:.2f}/month" in text and f"${change.plan.cost_after:.2f}/month" in text
            assert instance(session, "resized")["InstanceType"] == "t3.micro"  # nothing changed yet
            await pilot.press("ctrl+n")  # Apply: asks first
            await settle(pilot)
            assert "Apply 1 change(s) to resized?" in shown(app), (change.plan.problems, change.problems())
            await pilot.click("#answer-yes")
            await settle(pilot)
            run = app.screen
            assert isinstance(run, ChangeScreen) and run.phase == OK, shown(app)
            assert "runs with the new values" in shown(app)

    asyncio.run(scenario())
    after = instance(session, "resized")
    assert (after["InstanceId"], after["InstanceType"], after["State"]["Name"]) == (
        before["InstanceId"], "t3.small", "running")
    addr = session.aws.client("ec2").describe_addresses(PublicIps=[address])["Addresses"][0]
    assert addr["InstanceId"] == after["InstanceId"]
    assert Ledger(session.state_dir, "resized").get("spec")["instance"]["type"] == "t3.small"


def test_edit_refuses_a_replacement_until_asked_and_declining_changes_nothing(make_app, session, spec_data):
    make_stack(session, spec_data, "replaced")
    before = instance(session, "replaced")

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await edit(pilot, "replaced")
            await next_step(pilot, InstanceStep)
            app.screen.query_one("#os").value = "amazon-linux-2023"
            await settle(pilot)
            await next_step(pilot, RuntimeStep)
            await next_step(pilot, DatabaseStep)
            await next_step(pilot, ChangeStep)
            step = app.screen
            assert "instance.os" in step.plan_problems and "tick Replace" in step.plan_problems["instance.os"]
            assert step.query_one("#next").disabled
            text = shown(app)
            assert "REPLACES" in text and "loses:" in text
            step.query_one("#replace").value = True  # the operator asks for it
            await settle(pilot)
            assert step.plan.replace and not step.plan_problems and not step.query_one("#next").disabled
            await pilot.press("ctrl+n")
            await settle(pilot)
            await pilot.click("#answer-no")
            await settle(pilot)
            assert isinstance(app.screen, ChangeStep)

    asyncio.run(scenario())
    assert instance(session, "replaced")["State"]["Name"] == "running"
    assert instance(session, "replaced")["InstanceId"] == before["InstanceId"]


def test_edit_with_no_change_plans_nothing_and_keeps_added_ssh_sources(make_app, session, spec_data):
    from hostwiz.services import operate

    make_stack(session, spec_data, "kept")
    operate.allow(session, "kept", "198.51.100.7/32")  # two SSH sources now: the field keeps both

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await edit(pilot, "kept")
            await next_step(pilot, InstanceStep)
            assert app.screen.query_one("#ssh-cidr").value == ""
            assert "198.51.100.7/32" in shown(app)
            await next_step(pilot, RuntimeStep)
            await next_step(pilot, DatabaseStep)
            await next_step(pilot, ChangeStep)
            assert app.screen.plan.empty and app.screen.plan.ok, app.screen.plan.as_dict()
            assert "nothing to change" in shown(app)
            assert app.screen.query_one("#next").disabled

    asyncio.run(scenario())
    assert sorted(r["cidr"] for r in operate.rules(session, "kept").rules) == ["127.0.0.1/32", "198.51.100.7/32"]


def test_edit_prefills_the_domain_and_keeps_tls_while_the_zones_load(make_app, session, spec_data):
    make_stack(session, spec_data, "named", domain=True)

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await edit(pilot, "named")
            step = app.screen
            assert step.query_one("#domain").value == "named.example.com"
            assert step.query_one("#zone").value == "example.com"
            await next_step(pilot, InstanceStep)
            await next_step(pilot, RuntimeStep)
            assert app.screen.query_one("#tls").value is True  # not dropped while the zones were loading

    asyncio.run(scenario())


def test_the_wizard_on_live_values_gives_back_the_same_spec_with_what_it_does_not_ask():
    """Edit lays the wizard's fields over the running spec: untouched, the spec is the one that runs
    (the app, alarms and the database's names included), so an unchanged Edit plans nothing."""
    from hostwiz.screens.wizard.state import WizardState

    running = specmod.validate({
        "name": "keepall", "region": "eu-west-1",
        "domain": {"name": "keepall.example.com", "hosted_zone": "example.com", "www": True},
        "instance": {"type": "t3.small", "volume_gb": 30, "ssh_cidr": "198.51.100.7/32"},
        "runtime": {"kind": "python", "app_port": 8000, "tls": True},
        "database": {"engine": "mysql", "instance_class": "db.t3.small", "storage_gb": 40, "db_name": "shop",
                     "username": "owner"},
        "app": {"image": "nginx:1.27", "health": "/up"}, "monitoring": {"alarms": True}})
    state = WizardState.from_live("keepall", running.to_toml_dict(), ["198.51.100.7/32"])
    assert state.spec() == running
    state.instance["type"] = "t3.medium"
    edited = state.spec()
    assert edited.instance.type == "t3.medium" and edited.app == running.app and edited.database == running.database
    two = WizardState.from_live("keepall", running.to_toml_dict(), ["198.51.100.7/32", "203.0.113.9/32"])
    assert two.instance["ssh_cidr"] == "" and two.problems() == {}  # empty keeps both rules
    assert two.spec().instance.ssh_cidr is None


def test_a_stack_changed_since_the_plan_is_not_touched_and_the_screen_says_so(make_app, session, spec_data):
    from hostwiz.screens.progress import FAILED

    make_stack(session, spec_data, "raced")

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await edit(pilot, "raced")
            await next_step(pilot, InstanceStep)
            app.screen.query_one("#type").value = "t3.small"
            await settle(pilot)
            await next_step(pilot, RuntimeStep)
            await next_step(pilot, DatabaseStep)
            await next_step(pilot, ChangeStep)
            # meanwhile someone resizes it by hand: the plan (t3.micro -> t3.small) no longer holds
            iid = instance(session, "raced")["InstanceId"]
            session.aws.client("ec2").modify_instance_attribute(InstanceId=iid, InstanceType={"Value": "t3.medium"})
            await pilot.press("ctrl+n")
            await settle(pilot)
            await pilot.click("#answer-yes")
            await settle(pilot)
            run = app.screen
            assert isinstance(run, ChangeScreen) and run.phase == FAILED
            assert "changed since the plan was made" in shown(app) and "Edit it again" in shown(app)
            assert run.query_one("#open").display

    asyncio.run(scenario())
    assert instance(session, "raced")["InstanceType"] == "t3.medium"  # left as found
