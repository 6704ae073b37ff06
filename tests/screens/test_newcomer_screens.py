"""The newcomer's hour, leftovers of the attack review (issue 15): what each screen shows a person, at
80x24 as well as 120x36, checked on the drawn text (the app's own screenshot), not on widget state."""

from __future__ import annotations

import asyncio
import re

from pilot_helpers import SIZE, settle, shown, until

from hostwiz.ledger import Ledger

NARROW = (80, 24)


async def open_detail(app, pilot, name: str, ready=None):
    """The detail screen of `name` over home, once `ready(screen)` (by default: its resources listed)."""
    from hostwiz.screens.detail import DetailScreen

    await settle(pilot)
    app.push_screen(DetailScreen(name))
    screen = app.screen
    ready = ready or (lambda s: s.query_one("#resources").row_count > 0)
    await until(pilot, lambda: screen.is_mounted and ready(screen))
    return screen


def no_stream(command: str):
    raise ConnectionResetError("not dialled in this test")


def test_log_sources_read_on_and_off_without_colour(session):
    """Finding 7: each source's box says X when followed and is blank when not (colour aside)."""
    from hostwiz.screens.logs import LogsScreen
    from hostwiz.services.logs import StackLogs
    from hwtest import screen_host

    Ledger(session.state_dir, "logsy").update(name="logsy", region="us-east-1", status="ready",
                                              spec={"name": "logsy", "runtime": {"kind": "nodejs"}},
                                              outputs={"public_ip": "203.0.113.10", "ssh_user": "ubuntu"})
    screen = LogsScreen("logsy", logs=StackLogs(session, "logsy", open_stream=no_stream), sources=("bootstrap",))
    app = screen_host(session, screen)

    async def scenario():
        async with app.run_test(size=NARROW) as pilot:
            await pilot.pause()
            first = shown(app)
            screen.query_one("#log-sources").deselect("bootstrap")
            screen.query_one("#log-sources").select("nginx-error")
            await pilot.pause()
            return first, shown(app)

    before, after = asyncio.run(scenario())
    assert re.search(r"▐ X ▌ bootstrap", before) and re.search(r"▐ ▌ nginx-error", before), before
    assert re.search(r"▐ ▌ bootstrap", after) and re.search(r"▐ X ▌ nginx-error", after), after


def typed_at_once(app, keys: list[str]) -> None:
    """A fast typist: the keys reach the app together, as a terminal delivers them (Pilot's press
    waits for each key to be handled; a person does not)."""
    from textual import events

    for key in keys:
        app._driver.send_message(events.Key(key, "\r" if key == "enter" else key))


def test_keys_typed_while_the_wizard_changes_step_reach_the_next_field(make_app):
    """Finding 10: Enter in the storage field, then 'web1' at once: the App step's directory field gets
    every key, and the storage field keeps its value (before, the keys went to the old field or nowhere)."""
    from hostwiz.screens.wizard.app import AppStep
    from hostwiz.screens.wizard.database import DatabaseStep
    from hostwiz.screens.wizard.state import WizardState

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            state = WizardState()
            state.name, state.engine = "quick", "postgres"
            app.push_screen(DatabaseStep(state))
            step = app.screen
            await until(pilot, lambda: step._live and not step.busy and not step.query_one("#next").disabled)
            step.query_one("#storage").focus()
            await pilot.pause()
            typed_at_once(app, ["enter", *"web1"])
            await until(pilot, lambda: isinstance(app.screen, AppStep) and app.screen._live)
            await settle(pilot)
            return step.query_one("#storage").value, app.screen.query_one("#app-source").value, app.focused.id

    storage, source, focused = asyncio.run(scenario())
    assert (storage, source, focused) == ("20", "web1", "app-source")



def test_keys_typed_with_n_on_home_reach_the_wizard_name(make_app):
    """'n' and a name at once from home: the wizard's first field gets every key (before: 'n' was
    handled after the keys, which went to home's table and were lost)."""
    from hostwiz.screens.wizard.domain import DomainStep

    async def scenario():
        app = make_app()
        async with app.run_test(size=NARROW) as pilot:
            await settle(pilot)
            typed_at_once(app, ["n", *"web1"])
            await until(pilot, lambda: isinstance(app.screen, DomainStep) and app.screen._live)
            await settle(pilot)
            return app.screen.query_one("#name").value, [type(s).__name__ for s in app.screen_stack]

    name, stack = asyncio.run(scenario())
    assert (name, stack[-2:]) == ("web1", ["HomeScreen", "DomainStep"]), (name, stack)

def leftovers(session, prefix: str) -> str:
    """A VPC, its subnet and a security group named with `prefix` (not a stack's: cleanup offers them)."""
    ec2 = session.aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": f"{prefix}-vpc"}]}])["Vpc"]["VpcId"]
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.1.0/24", TagSpecifications=[
        {"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": f"{prefix}-a"}]}])
    return ec2.create_security_group(GroupName=f"{prefix}-web", Description="web", VpcId=vpc)["GroupId"]


def test_cleanup_moves_between_filters_and_tree_by_keys_both_ways(session):
    """Finding 3: from the filters to the tree and back in one key each way, Tab/Shift+Tab included,
    and the key is in the footer at 80 columns (before: 6 Tabs, no key)."""
    from hostwiz.screens.cleanup import CleanupScreen
    from hwtest import screen_host

    leftovers(session, "hopper")
    app = screen_host(session, CleanupScreen, sandbox=True)

    async def scenario():
        async with app.run_test(size=NARROW) as pilot:
            await pilot.pause()
            screen, seen = app.screen, []
            await pilot.press(*"hopper", "enter")  # Enter in a filter finds, and the tree takes the keys
            await until(pilot, lambda: screen.plan is not None and app.focused.id == "tree")
            seen.append(("found", app.focused.id, "f6 Tree/filters" in shown(app)))
            for key in ("f6", "f6", "shift+tab", "tab"):
                await pilot.press(key)
                seen.append((key, app.focused.id))
            return seen

    assert asyncio.run(scenario()) == [("found", "tree", True), ("f6", "prefix"), ("f6", "tree"),
                                       ("shift+tab", "regions"), ("tab", "tree")]


def test_cleanup_counts_only_what_remains_after_deleting(session):
    """Finding 3: after deleting 2 of 3 leftovers, the tree's header and the summary count the one
    left (before: "2 of 3 selected", the deleted ones counted as if still there)."""
    from hostwiz.screens.cleanup import CleanupScreen, ConfirmCleanup
    from hwtest import screen_host

    leftovers(session, "ledge")
    app = screen_host(session, CleanupScreen, sandbox=True)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            screen = await cleanup_plan(app, pilot, "ledge")
            vpc = next(k for k in screen.nodes if "/vpc/" in k)
            screen.query_one("#tree").move_cursor(screen.nodes[vpc])
            await pilot.press("x", "d")  # the VPC stays; its subnet and security group go
            await until(pilot, lambda: isinstance(app.screen, ConfirmCleanup))
            await pilot.press(*"123456789012", "enter")
            await until(pilot, lambda: screen.status and not screen.running and not app.workers)
            await settle(pilot)
            return screen.query_one("#tree").border_title, shown(app)

    title, text = asyncio.run(scenario())
    assert title.startswith("0 of 1 selected"), title
    assert "Selected: 0 of 1" in text and "ledge-vpc" in text and "ledge-web" not in text
    assert "Deleted 2 resource(s)" in text, text


def test_detail_at_80_columns_shows_its_own_keys_and_the_whole_connection_string(make_app, session, spec_data):
    """Finding 6: at 80x24 the footer keeps Deploy, Teardown and Stop (before: cut, reachable only in F1),
    F1 lists the screen's keys before the generic ones, and the connection string is wrapped at its '@'
    with the address whole (before: cut mid-word with '…'); the password stays masked."""
    from hostwiz.services import stacks as operations
    from test_newcomer import make_spec

    assert operations.up(session, make_spec(spec_data, "narrowdb"), "127.0.0.1/32").ok
    endpoint = Ledger(session.state_dir, "narrowdb").get("outputs")["db_endpoint"]

    async def scenario():
        app = make_app()
        async with app.run_test(size=NARROW) as pilot:
            screen = await open_detail(app, pilot, "narrowdb")
            facts, footer = shown(app), shown(app).rsplit("\n", 1)[-1]
            await pilot.press("f1")
            await settle(pilot)
            return screen, facts, footer, shown(app)

    screen, facts, footer, keys = asyncio.run(scenario())
    assert all(k in footer for k in ("esc Back", "s SSH", "l Logs", "d Deploy", "t Teardown", "x Stop")), footer
    assert re.search(r"postgresql://hostwiz:••••••••@ p shows it \n\s+" + re.escape(f"{endpoint}:5432/app"), facts), facts
    assert "…" not in facts.split("Monthly cost")[0]
    assert screen.password is not None and screen.password.reveal() not in facts
    assert keys.index("Copy DB URL") < keys.index("Scroll Up") and keys.index("x Stop") < keys.index("Scroll Up")


def test_home_table_fits_80_columns(make_app, session, spec_data):
    """Finding 6: at 80 columns every column of home's table is on screen, "known from" included
    (before: cut at "known fro", the rest past the right edge); at 120 all six are there as before."""
    from textual.widgets import DataTable

    from hostwiz.services import stacks as operations
    from test_newcomer import make_spec

    assert operations.up(session, make_spec(spec_data, "homew", database=False), "127.0.0.1/32").ok

    async def scenario(size):
        app = make_app()
        async with app.run_test(size=size) as pilot:
            table = app.home.query_one("#stacks", DataTable)
            await until(pilot, lambda: table.row_count > 0 and not app.workers)
            await settle(pilot)
            return [str(c.label) for c in table.columns.values()], table.max_scroll_x, shown(app)

    narrow_cols, narrow_scroll, narrow = asyncio.run(scenario(NARROW))
    wide_cols, _, wide = asyncio.run(scenario(SIZE))
    assert narrow_scroll == 0, narrow
    assert narrow_cols == ["stack", "status", "address", "month", "from"]  # one region: in the header above
    assert re.search(r"homew ready https://homew\.example\.com/ \$0\.00 ledger", narrow), narrow
    assert wide_cols == ["stack", "status", "region", "address", "this month", "known from"]
    assert "known from" in wide


def test_edit_says_it_is_reading_in_the_title_and_nothing_stays_after(make_app, session, spec_data, monkeypatch):
    """Finding 6: pressing m (Edit) said "Reading what NAME runs…" in a toast that stayed over the
    wizard after the answer came; now the detail's title says so while the read lasts, and no toast."""
    import threading

    from hostwiz.screens.detail import DetailScreen
    from hostwiz.screens.wizard.domain import DomainStep
    from hostwiz.services import operate
    from hostwiz.services import stacks as operations
    from test_newcomer import make_spec

    assert operations.up(session, make_spec(spec_data, "readme", database=False), "127.0.0.1/32").ok
    answer, real = threading.Event(), operate.live_values
    monkeypatch.setattr(operate, "live_values", lambda *a, **k: answer.wait(30) and real(*a, **k))

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(DetailScreen("readme"))
            await settle(pilot)
            await pilot.press("m")
            await pilot.pause()
            during = shown(app)
            answer.set()
            await until(pilot, lambda: isinstance(app.screen, DomainStep) and app.screen._live)
            return during, shown(app), [n.message for n in app._notifications]

    during, after, toasts = asyncio.run(scenario())
    assert not [t for t in toasts if "what readme runs" in t], toasts  # no toast outlives the answer
    assert "Stack readme reading what it runs…" in during, during  # the screen's own state, while it lasts
    assert "reading what" not in after, after


def failed_at(session, spec, call: str) -> None:
    """`up` (keeping what it made) fails once at the EC2 API call `call`."""
    from botocore.awsrequest import AWSResponse

    from hostwiz.services import stacks as operations

    def refuse(**_):
        return AWSResponse("https://ec2", 400, {}, None), {
            "Error": {"Code": "InternalError", "Message": "An internal error has occurred."}}

    session.aws.hooks.append((f"before-call.ec2.{call}", refuse))
    try:
        assert not operations.up(session, spec, "127.0.0.1/32", keep_on_failure=True).ok
    finally:
        session.aws.hooks.pop()


async def cleanup_plan(app, pilot, prefix: str):
    """The Cleanup screen once its plan for the name prefix `prefix` is ready."""
    await pilot.pause()
    screen = app.screen
    await pilot.press(*prefix, "enter")
    await until(pilot, lambda: screen.plan is not None)
    return screen


async def detail_text(app, pilot, name: str) -> str:
    """The detail screen's text once its resources, its cost so far and every worker are done."""
    from hostwiz.screens.widgets.watch import WatchPanel

    screen = await open_detail(app, pilot, name, lambda s: s.query_one("#resources").row_count > 0
                               and "ost so far" in shown(app) and not app.workers)
    assert isinstance(screen.query_one(WatchPanel), WatchPanel)
    return shown(app)


def test_a_failed_stack_shows_its_elastic_ip_and_what_it_has_cost(make_app, session, spec_data):
    """Finding 7: failed after its Elastic IP was allocated, the stack's detail shows the address
    (before: "Public IP —") and its cost counted from when its instance was made (before: "the ledger
    has no start time for this stack (made before hostwiz kept one)")."""
    from test_newcomer import make_spec

    failed_at(session, make_spec(spec_data, "halfway", database=False), "AssociateAddress")
    ledger = Ledger(session.state_dir, "halfway")
    address = ledger.entry("eip").data["public_ip"]
    assert ledger.get("status") == "failed" and not (ledger.get("outputs") or {}).get("public_ip")

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            return await detail_text(app, pilot, "halfway")

    text = asyncio.run(scenario())
    assert f"Public IP {address}" in text, text
    assert "made before hostwiz" not in text and re.search(r"Cost so far \$\d+\.\d\d since", text), text


def test_a_stack_that_never_reached_its_instance_says_nothing_is_billed_yet(make_app, session, spec_data):
    """Finding 7: a create that failed before its instance or database says so (before: "made before
    hostwiz kept one", of a stack this hostwiz made a minute ago)."""
    from test_failed_stack import failed_before_its_address
    from test_newcomer import make_spec

    failed_before_its_address(session, make_spec(spec_data, "early", database=False))

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            return await detail_text(app, pilot, "early")

    text = asyncio.run(scenario())
    assert "made before hostwiz" not in text, text
    assert "nothing billed yet: the create stopped before early's instance or database" in text, text


def own_keys_first(screen) -> bool:
    """Every key of the screen's own BINDINGS comes before the first generic one in F1's order."""
    mine = {b.action if hasattr(b, "action") else b[1] for b in type(screen).BINDINGS}
    order = [b.binding.action in mine and b.node is screen for b in screen.active_bindings.values()]
    return True in order and order == sorted(order, reverse=True)


def test_f1_lists_each_screens_own_keys_before_the_generic_ones(make_app, session):
    """Finding 6, beyond the detail screen: home, logs and cleanup list their own keys first in F1
    (before: the focused table's or tree's scrolling keys came first)."""
    from hostwiz.screens.cleanup import CleanupScreen
    from hostwiz.screens.logs import LogsScreen
    from hostwiz.services.logs import StackLogs

    Ledger(session.state_dir, "keysy").update(name="keysy", region="us-east-1", status="ready",
                                              spec={"name": "keysy", "runtime": {"kind": "nodejs"}},
                                              outputs={"public_ip": "203.0.113.11", "ssh_user": "ubuntu"})

    async def scenario():
        app = make_app()
        found = {}
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            found["home"] = own_keys_first(app.screen)
            for name, screen in (("logs", LogsScreen("keysy", logs=StackLogs(session, "keysy", open_stream=no_stream),
                                                     sources=("bootstrap",))), ("cleanup", CleanupScreen())):
                app.push_screen(screen)
                await until(pilot, lambda: screen.is_mounted)
                await pilot.pause()
                found[name] = own_keys_first(screen)
                app.pop_screen()
                await pilot.pause()
        return found

    assert asyncio.run(scenario()) == {"home": True, "logs": True, "cleanup": True}


def test_detail_footer_says_start_once_x_has_stopped_the_stack(make_app, session, spec_data):
    """After x (Stop) is confirmed and the stack is stopped, the footer says 'x Start' (before: it
    kept saying 'x Stop' until the screen was left, while x already offered to start it)."""
    from hostwiz.services import stacks as operations
    from test_newcomer import make_spec

    assert operations.up(session, make_spec(spec_data, "powerx", database=False), "127.0.0.1/32").ok

    async def scenario():
        app = make_app()
        async with app.run_test(size=NARROW) as pilot:
            await open_detail(app, pilot, "powerx")
            before = shown(app).rsplit("\n", 1)[-1]
            await pilot.press("x")
            await settle(pilot)
            await pilot.press("tab", "enter")  # the dialog's Stop
            await until(pilot, lambda: Ledger(session.state_dir, "powerx").get("status") == "stopped")
            await settle(pilot)
            return before, shown(app)

    before, after = asyncio.run(scenario())
    assert "x Stop" in before, before
    assert "x Start" in after and "x Stop" not in after, after
    assert re.search(r"Monthly cost\s+\$\d+\.\d\d/mo while stopped \(\$\d+\.\d\d/mo running\)", after), after


def test_cleanup_shows_names_with_brackets_as_written(session):
    """Anyone may name a VPC or a security group 'x-[/]y' or 'x-[/bold]y': the Cleanup screen shows
    the names as written (before: Rich read them as markup and the app ended with a MarkupError)."""
    from hostwiz.screens.cleanup import CleanupScreen
    from hwtest import screen_host

    ec2 = session.aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "brack-[/]vpc"}]}])["Vpc"]["VpcId"]
    ec2.create_security_group(GroupName="brack-[/bold]web", Description="web", VpcId=vpc, TagSpecifications=[
        {"ResourceType": "security-group", "Tags": [{"Key": "Name", "Value": "brack-[/bold]web"}]}])
    app = screen_host(session, CleanupScreen, sandbox=True)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            screen = await cleanup_plan(app, pilot, "brack")
            await settle(pilot)
            sg = next(k for k in screen.nodes if "/security-group/" in k)
            screen.query_one("#tree").move_cursor(screen.nodes[sg])
            await settle(pilot)
            return shown(app)

    text = asyncio.run(scenario())
    assert "(brack-[/]vpc)" in text and "brack-[/bold]web" in text, text


def test_a_tag_value_no_stack_could_have_is_not_listed_and_home_starts(make_app, session):
    """Anyone may tag a resource hostwiz:stack=ev[/]il: home starts and lists the stacks found by
    their tags that hostwiz could have made, never that one (before: the app ended at start with a
    MarkupError, and adopting it ended it again in a toast)."""
    from textual.widgets import DataTable

    ec2 = session.aws.client("ec2")
    for i, value in enumerate(("ev[/]il", "Bad Name", "tagonly")):
        ec2.create_security_group(GroupName=f"tagged-{i}", Description="d", TagSpecifications=[
            {"ResourceType": "security-group", "Tags": [{"Key": "hostwiz:stack", "Value": value}]}])

    async def scenario():
        app = make_app()
        async with app.run_test(size=NARROW) as pilot:
            table = app.home.query_one("#stacks", DataTable)
            await until(pilot, lambda: table.row_count > 0 and not app.workers)
            await settle(pilot)
            return [k.value for k in table.rows], shown(app)

    keys, text = asyncio.run(scenario())
    assert "tagonly" in keys and "ev[/]il" not in keys and "Bad Name" not in keys, keys


def test_a_stack_still_being_made_offers_no_stop_and_its_site_line_says_why_it_is_not_probed(make_app, session):
    """A failed create that got as far as its Elastic IP: the detail screen offered 'x Stop', which
    then failed with "name: stack half is failed", and the site line said "no address yet" beside
    the address. Now x is neither shown nor bound, and the site line says the stack is failed."""
    from hostwiz.screens.dialogs import Confirm

    ledger = Ledger(session.state_dir, "half")
    ledger.update(name="half", region="us-east-1", status="failed", since="2026-12-01T12:00:00+00:00",
                  spec={"name": "half"})
    ledger.created("eip", "elastic-ip", "eipalloc-0123", public_ip="198.51.100.7")

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await open_detail(app, pilot, "half", lambda screen: "probed" in shown(app))
            text = shown(app)
            await pilot.press("x")
            await settle(pilot)
            return text, isinstance(app.screen, Confirm)

    text, confirm = asyncio.run(scenario())
    footer = text.rsplit("\n", 1)[-1]
    assert "u Resume" in footer and "x Stop" not in footer and "x Start" not in footer, footer
    assert "d Deploy" not in footer, footer  # nothing to deploy to until the create is resumed
    assert not confirm
    assert "half is failed: its site is probed once it is ready" in text, text
    assert "no address yet" not in text


def test_footers_show_whole_keys_only_and_take_them_back_when_widened(make_app, session, spec_data):
    """Finding 6 ("no cut words"): at 80 columns the footer ends with the last key that fits whole
    (before: home ended "c Cleanu", detail "r Refr"), ctrl+p gives its place below 100 columns, and
    widening the terminal brings every key back."""
    from textual.widgets._footer import FooterKey

    from hostwiz.services import stacks as operations
    from test_newcomer import make_spec

    assert operations.up(session, make_spec(spec_data, "footw", database=False), "127.0.0.1/32").ok

    def keys(app) -> tuple[list[str], list[str]]:
        """(descriptions shown, descriptions left out); each shown key ends inside the screen."""
        found = list(app.screen.query(FooterKey))
        assert found, "no footer keys"
        width = app.size.width
        for k in found:
            assert not k.display or k.region.right <= width, (k.description, k.region, width)
        return [k.description for k in found if k.display], [k.description for k in found if not k.display]

    async def scenario():
        app = make_app()
        async with app.run_test(size=NARROW) as pilot:
            await until(pilot, lambda: app.home.stacks and not app.workers)
            await settle(pilot)
            home_narrow = keys(app)
            await pilot.resize_terminal(140, 36)
            await settle(pilot)
            home_wide = keys(app)
            await pilot.resize_terminal(*NARROW)
            await open_detail(app, pilot, "footw")
            await settle(pilot)
            return home_narrow, home_wide, keys(app)

    (home_shown, home_left), (wide_shown, wide_left), (detail_shown, detail_left) = asyncio.run(scenario())
    assert home_shown[:2] == ["Quit", "Keys"] and "palette" not in home_shown
    assert home_left, "at 80 columns some of home's keys are left to F1"
    assert not wide_left and set(home_left) <= set(wide_shown) and "palette" in wide_shown
    assert detail_shown[:3] == ["Quit", "Keys", "Back"] and "Stop" in detail_shown and detail_left
