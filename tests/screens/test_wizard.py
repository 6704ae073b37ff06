"""The wizard driven by keystrokes on moto: a created stack; bad values; Back and Esc."""

from __future__ import annotations

import asyncio

from hostwiz.ledger import all_stacks
from hostwiz.screens.progress import OK, ProgressScreen
from hostwiz.screens.wizard.app import AppStep
from hostwiz.screens.wizard.database import DatabaseStep
from hostwiz.screens.wizard.domain import DomainStep
from hostwiz.screens.wizard.instance import InstanceStep
from hostwiz.screens.wizard.review import ReviewStep
from hostwiz.screens.wizard.runtime import RuntimeStep

from pilot_helpers import SIZE, live_instances, open_wizard, settle, shown, tagged, until


def run(coro):
    return asyncio.run(coro)


def error_text(screen, ident: str) -> str:
    box = screen.query_one(f"#{ident}")
    return str(box.render()) if box.display else ""


def test_keystrokes_make_a_stack_with_domain_tls_and_database(make_app, session):
    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await open_wizard(pilot)
            assert isinstance(app.screen, DomainStep)
            await pilot.press(*"blog", "tab", "enter", "down", "enter")  # name; zone: example.com
            await pilot.pause()
            assert app.screen.query_one("#domain").value == "blog.example.com"
            await pilot.press("tab", "tab", "space", "ctrl+n")  # www on, Next
            await settle(pilot)
            assert isinstance(app.screen, InstanceStep)
            await pilot.press("ctrl+n")
            await settle(pilot)
            assert isinstance(app.screen, RuntimeStep)
            await pilot.press("tab", "delete", "delete", "delete", "delete", *"8080", "tab", "space", "ctrl+n")
            await settle(pilot)
            assert isinstance(app.screen, DatabaseStep)
            await pilot.press("enter", "down", "enter", "ctrl+n")  # PostgreSQL
            await settle(pilot)
            assert isinstance(app.screen, AppStep)
            await pilot.press("ctrl+n")  # no app now
            await settle(pilot)
            assert isinstance(app.screen, ReviewStep)
            await pilot.press("ctrl+n")  # Create
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ProgressScreen)
            assert screen.phase == OK, screen.query_one("#outcome").render()
            return screen.spec

    spec = run(scenario())
    assert (spec.domain.name, spec.domain.www, spec.runtime.app_port, spec.runtime.tls) == \
        ("blog.example.com", True, 8080, True)
    [inst] = live_instances(session, "blog")
    assert inst["InstanceType"] == "t3.micro"
    rds = session.aws.client("rds").describe_db_instances(DBInstanceIdentifier="blog-db")["DBInstances"][0]
    assert rds["Engine"] == "postgres"
    zone = session.aws.client("route53").list_hosted_zones()["HostedZones"][0]["Id"]
    records = session.aws.client("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    names = {r["Name"].rstrip(".") for r in records if r["Type"] == "A"}
    assert {"blog.example.com", "www.blog.example.com"} <= names
    assert [ledger.get("status") for ledger in all_stacks(session.state_dir)] == ["ready"]


def test_bad_values_show_field_errors_and_nothing_is_created(make_app, session):
    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await open_wizard(pilot)
            step = app.screen
            await pilot.press(*"Bad_Name")
            await pilot.pause()
            assert "lowercase letters" in error_text(step, "err-name")
            assert step.query_one("#next").disabled
            await pilot.press("ctrl+n", "enter")
            await settle(pilot)
            assert app.screen is step  # Next refused
            for _ in "Bad_Name":
                await pilot.press("backspace")
            await pilot.press(*"shop", "enter")
            await settle(pilot)
            step = app.screen
            assert isinstance(step, InstanceStep)
            step.query_one("#type").value = "t3.nosuch"
            step.query_one("#ssh-cidr").value = "0.0.0.0/0"
            await pilot.pause()
            assert "not offered in us-east-1" in error_text(step, "err-instance-type")
            world = error_text(step, "err-instance-ssh-cidr")
            # in the wizard's words: the checkbox below, not the spec file's key
            assert "whole internet" in world and "tick “Allow SSH from the internet or a whole network”" in world
            assert "allow_world_ssh" not in world
            step.query_one("#ssh-cidr").value = "10.0.0.0/8"
            await pilot.pause()
            assert "whole private range" in error_text(step, "err-instance-ssh-cidr")
            step.query_one("#allow-world").value = True
            await pilot.pause()
            assert error_text(step, "err-instance-ssh-cidr") == ""
            step.query_one("#allow-world").value = False
            step.query_one("#volume").value = "3"
            await pilot.pause()
            assert "from 8 to 16384" in error_text(step, "err-instance-volume-gb")
            assert step.query_one("#next").disabled
            await pilot.press("ctrl+n")
            await settle(pilot)
            assert app.screen is step
            step.query_one("#ssh-cidr").value = "10.0.0.1/8"
            await pilot.pause()
            assert "host bits set" in error_text(step, "err-instance-ssh-cidr")
            await pilot.press("escape")  # discard asks first
            await pilot.pause()
            await pilot.press("tab", "enter")  # the second answer: Discard
            await settle(pilot)
            assert app.screen is app.home

    run(scenario())
    assert tagged(session, "shop") == [] and live_instances(session, "shop") == []
    assert session.aws.client("ec2").describe_key_pairs(
        Filters=[{"Name": "key-name", "Values": ["hostwiz-shop"]}])["KeyPairs"] == []
    assert list(all_stacks(session.state_dir)) == []


def test_back_keeps_answers_and_escape_asks_before_discarding(make_app):
    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await open_wizard(pilot)
            await pilot.press(*"keep", "enter")
            await settle(pilot)
            app.screen.query_one("#volume").value = "42"
            await pilot.press("ctrl+n")
            await settle(pilot)
            await pilot.press("ctrl+b")
            await settle(pilot)
            assert app.screen.query_one("#volume").value == "42"
            await pilot.press("ctrl+b")
            await settle(pilot)
            assert app.screen.query_one("#name").value == "keep"
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("enter")  # the focused answer is "Keep editing"
            await pilot.pause()
            assert isinstance(app.screen, DomainStep)
            assert app.screen.query_one("#name").value == "keep"

    run(scenario())


def test_a_failed_lookup_says_so_and_retry_fills_the_list(make_app, session):
    from botocore.awsrequest import AWSResponse

    calls = []

    def refuse_once(**_):
        calls.append(1)
        if len(calls) == 1:
            return AWSResponse("https://ec2", 403, {}, None), {
                "Error": {"Code": "UnauthorizedOperation", "Message": "You are not authorized to perform this operation."}}
        return None

    session.aws.hooks.append(("before-call.ec2.DescribeInstanceTypeOfferings", refuse_once))

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await open_wizard(pilot)
            await pilot.press(*"look", "enter")
            await settle(pilot)
            step = app.screen
            assert isinstance(step, InstanceStep)
            assert "UnauthorizedOperation" in shown(app)
            # not a dead end: Next stays open (the review's preflight checks the type before anything is made)
            assert step.query_one("#types-retry").display and not step.query_one("#next").disabled
            await pilot.click("#types-retry")
            await settle(pilot)
            assert not step.query_one("#types-retry").display
            assert step.query_one("#types").row_count > 0 and not step.query_one("#next").disabled
            await until(pilot, lambda: "$7.59/mo" in shown(app))  # t3.micro's price (drawn a frame after the rows)

    run(scenario())


def test_palette_offers_the_screen_actions(make_app):
    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            titles = {c.title for c in app.get_system_commands(app.screen)}
            assert {"New stack", "Refresh stacks", "Tear down stack", "Cleanup"} <= titles
            await pilot.press("n")
            await settle(pilot)
            titles = {c.title for c in app.get_system_commands(app.screen)}
            assert {"Wizard: next step", "Wizard: discard"} <= titles

    run(scenario())


def test_a_foreign_dns_record_is_reported_on_the_review_screen_and_nothing_is_created(make_app, session):
    """The TUI's create path runs the same preflight as `hostwiz up`: someone else's record under the
    stack's name stops it on the review screen, before any create call."""
    r53 = session.aws.client("route53")
    zone = next(z["Id"] for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == "example.com.")
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": "shop.example.com", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "198.51.100.99"}]}}]})
    creates: list[str] = []
    session.aws.hooks.append(("before-call", lambda model, **_: creates.append(model.name)
                              if model.name.startswith(("Create", "Run", "Allocate", "Import")) else None))

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await open_wizard(pilot)
            await pilot.press(*"shop", "tab", "enter", "down", "enter", "ctrl+n")  # zone example.com
            await settle(pilot)
            for _ in range(4):  # instance, runtime, database, app: the defaults
                await pilot.press("ctrl+n")
                await settle(pilot)
            assert isinstance(app.screen, ReviewStep)
            screen = app.screen
            assert "domain.name" in screen.preflight_problems
            assert "shop.example.com already has an A record" in error_text(screen, "err-step")
            assert screen.query_one("#next").disabled
            await pilot.press("ctrl+n")  # Create is refused while AWS says no
            await settle(pilot)
            assert isinstance(app.screen, ReviewStep)

    run(scenario())
    assert creates == []
    assert tagged(session, "shop") == []


def test_the_app_step_shows_the_detected_runtime_and_puts_the_app_in_the_spec(make_app, tmp_path):
    from hostwiz.screens.wizard import WizardState
    from hostwiz.screens.wizard.review import ReviewStep as Review

    good = tmp_path / "good"
    good.mkdir()
    (good / "app.py").write_text("print('hi')\n")
    (good / "requirements.txt").write_text("\n")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "package.json").write_text("{}\n")  # node, but nothing says how to start it

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            state = WizardState(name="blog", instance={"type": "t3.micro", "os": "ubuntu-24.04", "volume_gb": "20",
                                                       "ssh_cidr": "203.0.113.7/32", "allow_world_ssh": False})
            app.push_screen(AppStep(state))
            await settle(pilot)
            step = app.screen
            step.query_one("#app-source").value = str(bad)
            await settle(pilot)
            assert "no start command for this nodejs app" in error_text(step, "err-app-source")
            assert step.query_one("#next").disabled
            step.query_one("#app-source").value = str(good)
            await settle(pilot)
            assert "python" in str(step.query_one("#app-detected").render())
            assert "python app.py" in str(step.query_one("#app-detected").render())
            assert not step.query_one("#next").disabled
            await pilot.press("ctrl+n")
            await settle(pilot)
            assert isinstance(app.screen, Review)
            assert state.spec().app.source == str(good) and state.spec().app.health == "/health"

    run(scenario())


def test_on_the_free_plan_the_wizard_says_why_the_list_is_short_and_what_the_database_keeps(
        make_app, session, monkeypatch):
    """Issue 13: the instance step offers only what launches on AWS's free plan and says why; a type
    outside it gets the reason, not "not offered"; the review says the database keeps 1 day of backups."""
    monkeypatch.setenv("HOSTWIZ_ACCOUNT_PLAN", "FREE")

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await open_wizard(pilot)
            await pilot.press(*"freeplan", "ctrl+n")  # a name no other test of this process used
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, InstanceStep)
            await until(pilot, lambda: "types" not in screen.busy and screen.offered)
            hint = str(screen.query_one("#err-instance-type-hint").render())
            assert "free plan" in hint and "types launch here" in hint
            assert "t3.medium" not in screen.offered and "t3.micro" in screen.offered
            screen.query_one("#type").value = "t3.medium"
            await settle(pilot)
            error = error_text(screen, "err-instance-type")
            assert "cannot launch on this account" in error and "free plan" in error
            screen.query_one("#type").value = "t3.micro"
            await settle(pilot)
            for step in (RuntimeStep, DatabaseStep):
                await pilot.press("ctrl+n")
                await settle(pilot)
                assert isinstance(app.screen, step)
            await pilot.press("enter", "down", "enter", "ctrl+n")  # PostgreSQL
            await settle(pilot)
            await pilot.press("ctrl+n")  # no app
            await settle(pilot)
            assert isinstance(app.screen, ReviewStep)
            await until(pilot, lambda: "preflight" not in app.screen.busy)
            return str(app.screen.query_one("#preflight").render()), app.screen.preflight_problems

    box, problems = run(scenario())
    assert "1 day of automated backups" in box, problems
