"""Snapshots of the stack's screens at 120x36 and 80x24 (issue 15): detail, teardown, cleanup, SSH and
logs (the ready stack's detail screen is not shot: its watch panel's metrics and their styles move
with the clock; a failed stack's detail is). Update with --snapshot-update after a deliberate change, and look at the SVGs first.

Deterministic: moto's random IDs are seeded before each stack is made, the key file's folder (a tmp
path) is shown as ~/.local/state/hostwiz, the clocks are fixed; SSH and logs are shot on a stack that
failed before its address, so nothing is dialled."""

from __future__ import annotations

import pytest
from pilot_helpers import settle
from test_failed_stack import failed_before_its_address
from test_snapshots import frozen, steady  # noqa: F401 (a fixture)

from hostwiz import spec as specmod
from hostwiz.ledger import Ledger
from hostwiz.services import stacks as operations

SIZES = {"120x36": (120, 36), "80x24": (80, 24)}
# moto is shared by the module: each size has its own stack names and seed, so nothing collides
TAG = {"120x36": ("w", 15), "80x24": ("n", 24)}
SHOWN_STATE = "~/.local/state/hostwiz"


@pytest.fixture
def shared_moto():
    """A fresh moto per test here (not per module): what a stack's plan and IDs are cannot depend on
    which tests ran before in the same process."""
    from moto import mock_aws

    with mock_aws():
        yield


def seeded(session, seed: int) -> None:
    """moto's IDs and addresses from a fixed seed, drawn in a fixed order (one step at a time)."""
    from moto.moto_api._internal import mock_random

    session.max_workers = 1
    # moto makes a region's default VPC (random IDs) the first time the region is used in the module:
    # done before the seed, so the draws after it are the same whichever test runs first
    session.aws.client("ec2").describe_vpcs()
    session.aws.client("ec2").describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["x"]}])
    mock_random.seed(seed)


def pin_paths(session, name: str) -> None:
    """The ledger's paths under the test's tmp state dir, shown as a fixed folder."""
    ledger = Ledger(session.state_dir, name)
    out = {k: v.replace(str(session.state_dir), SHOWN_STATE) if isinstance(v, str) else v
           for k, v in (ledger.get("outputs") or {}).items()}
    ledger.update(outputs=out)


def spec_of(spec_data: dict, name: str, database: bool = True, domain: bool = True) -> specmod.StackSpec:
    data = {**spec_data, "name": name, "domain": {"name": f"{name}.example.com", "www": False}}
    if not domain:  # the zone's ID is drawn before the seed: a DNS record's ID would not be stable
        data.pop("domain")
        data["runtime"] = {**data["runtime"], "tls": False}
    data["instance"] = {**data["instance"], "ssh_cidr": "203.0.113.7/32"}
    if not database:
        data.pop("database", None)
    return specmod.validate(data)


@pytest.fixture
def ready_stack(request, session, spec_data, size):
    tag, seed = TAG[size]
    which = "t" if "teardown" in request.function.__name__ else "d"  # one stack per test and size
    name = f"snap{which}{tag}"
    seeded(session, seed + (10 if which == "t" else 0))
    assert operations.up(session, spec_of(spec_data, name, domain=which == "d"), "203.0.113.7/32").ok
    pin_paths(session, name)
    return name


@pytest.fixture
def failed_stack(request, session, spec_data, size):
    tag, seed = TAG[size]
    which = {"test_ssh_on_a_failed_stack": "s", "test_logs": "l"}.get(request.function.__name__, "d")
    seeded(session, seed + {"d": 1, "s": 3, "l": 5}[which])
    failed_before_its_address(session, spec_of(spec_data, f"fail{which}{tag}", database=False))
    return f"fail{which}{tag}"


def shot(make_app, push):
    async def before(pilot):
        await settle(pilot)
        push(pilot.app)
        await settle(pilot)
        screen = pilot.app.screen
        await steady(pilot)

        def listed() -> bool:
            return not screen.query("#resources") or bool(screen.query_one("#resources").row_count)

        calm = 0
        for _ in range(600):  # the resources listed, and still listed five checks later (a worker that
            await pilot.app.workers.wait_for_complete()  # answers late, under load, redraws the table)
            await pilot.pause(0.05)
            calm = calm + 1 if listed() else 0
            if calm >= 5:
                break
        assert listed(), "resources never listed"

    return make_app(), before


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_detail_failed(snap_compare, make_app, frozen, failed_stack, size):  # noqa: F811
    from hostwiz.screens.detail import DetailScreen

    app, before = shot(make_app, lambda app: app.push_screen(DetailScreen(failed_stack)))
    assert snap_compare(app, terminal_size=SIZES[size], run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_teardown_plan(snap_compare, make_app, frozen, ready_stack, size):  # noqa: F811
    from hostwiz.screens.teardown import TeardownScreen

    app, before = shot(make_app, lambda app: app.push_screen(TeardownScreen(ready_stack)))
    assert snap_compare(app, terminal_size=SIZES[size], run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_ssh_on_a_failed_stack(snap_compare, make_app, frozen, failed_stack, size):  # noqa: F811
    from hostwiz.screens.ssh import SshScreen

    app, before = shot(make_app, lambda app: app.push_screen(SshScreen(failed_stack)))
    assert snap_compare(app, terminal_size=SIZES[size], run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_logs(snap_compare, make_app, frozen, failed_stack, size):  # noqa: F811
    from hostwiz.screens.logs import LogsScreen

    app, before = shot(make_app, lambda app: app.push_screen(LogsScreen(failed_stack, sources=())))
    assert snap_compare(app, terminal_size=SIZES[size], run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_cleanup(snap_compare, make_app, frozen, session, size):  # noqa: F811
    from hostwiz.screens.cleanup import CleanupScreen

    tag, seed = TAG[size]
    prefix = f"snapleft{tag}"
    seeded(session, seed + 2)
    ec2 = session.aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": f"{prefix}-vpc"}]}])["Vpc"]["VpcId"]
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24", TagSpecifications=[
        {"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": f"{prefix}-a"}]}])
    ec2.create_security_group(GroupName=f"{prefix}-web", Description="web", VpcId=vpc)

    async def before(pilot):
        await settle(pilot)
        pilot.app.push_screen(CleanupScreen())
        await settle(pilot)
        pilot.app.screen.query_one("#prefix").value = prefix
        await pilot.press("f5")
        await settle(pilot)
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZES[size], run_before=before)
