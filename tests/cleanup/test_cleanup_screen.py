"""The cleanup screen on moto: find by prefix, unselect one item, typed confirmation, progress, report."""

from __future__ import annotations

import asyncio
from hwtest import screen_host


from .estate import inventory


def Harness(session):
    from hostwiz.screens.cleanup import CleanupScreen

    return screen_host(session, CleanupScreen, sandbox=True)


def small_estate(aws) -> dict:
    ec2 = aws.client("ec2")
    tag = lambda kind, name: [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]  # noqa: E731
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16", TagSpecifications=tag("vpc", "workshop-vpc"))["Vpc"]["VpcId"]
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24", TagSpecifications=tag("subnet", "workshop-a"))
    a = ec2.create_security_group(GroupName="workshop-a", Description="a", VpcId=vpc)["GroupId"]
    b = ec2.create_security_group(GroupName="workshop-b", Description="b", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=a, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "UserIdGroupPairs": [{"GroupId": b}]}])
    aws.client("s3").create_bucket(Bucket="workshop-uploads")
    aws.client("sqs").create_queue(QueueName="workshop-jobs")
    return {"vpc": vpc}


def test_screen_finds_selects_confirms_and_reports(session):
    ids = small_estate(session.aws)
    bucket = asyncio.run(drive(session, ids))
    after = inventory(session.aws)
    assert bucket in after
    assert not any(ids["vpc"] in k for k in after)


async def drive(session, ids) -> str:
    from hostwiz.screens.cleanup import CleanupScreen, ConfirmCleanup

    app = Harness(session)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, CleanupScreen)
        screen.query_one("#prefix").value = "workshop"
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.plan is not None and len(screen.selected) == 6
        assert "123456789012" in str(screen.query_one("#status").render())
        # unselect the bucket: it must survive
        bucket = next(k for k in screen.selected if k.endswith("/s3-bucket/workshop-uploads"))
        tree = screen.query_one("#tree")
        tree.move_cursor(screen.nodes[bucket])
        tree.focus()
        await pilot.press("enter")
        assert bucket not in screen.selected
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmCleanup)
        app.screen.query_one("#account").value = "wrong"
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmCleanup)  # a wrong account deletes nothing
        app.screen.query_one("#account").value = "123456789012"
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.running
        report = str(screen.query_one("#detail").render())
        assert "Deleted" in report
        assert screen.status[f"us-east-1/vpc/{ids['vpc']}"].startswith("✔")
    return bucket


def test_screen_refuses_bad_or_missing_filters_before_any_search():
    async def go() -> list[str]:
        app = Harness(session=None)
        said = []
        async with app.run_test(size=(140, 40)) as pilot:
            screen = app.screen
            for prefix, tag in (("", ""), ("ws", "novalue")):
                screen.query_one("#prefix").value, screen.query_one("#tag").value = prefix, tag
                await pilot.press("f5")
                await pilot.pause()
                said.append(str(screen.query_one("#status").render()))
                assert screen.plan is None and not app.workers
        return said

    said = asyncio.run(go())
    assert "never takes everything" in said[0]
    assert "tag: 'novalue' is not KEY=VALUE" in said[1]


def test_a_live_stack_is_shown_never_taken_and_never_selected(session):
    """Issue 15, finding 3: cleanup offered the live stacks' resources, pre-selected. Since the merge
    with issue 12's protections a live stack's resources are not in the plan at all: the tree lists
    them under "never taken", each saying which stack it belongs to and to use `hostwiz down`."""
    from hostwiz import spec as specmod
    from hostwiz.screens.cleanup import CleanupScreen
    from hostwiz.services import stacks as operations

    small_estate(session.aws)
    spec = specmod.validate({"name": "workshop-live", "runtime": {"kind": "static"},
                             "instance": {"ssh_cidr": "127.0.0.1/32"}})
    assert operations.up(session, spec, "127.0.0.1/32").ok

    async def drive_it():
        app = Harness(session)
        async with app.run_test(size=(140, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, CleanupScreen)
            screen.query_one("#prefix").value = "workshop"
            await pilot.press("f5")
            await app.workers.wait_for_complete()
            await pilot.pause()
            offered = [r for r in screen.plan.resources if r.tags.get("hostwiz:stack") == "workshop-live"]
            never = [node for node in screen.query_one("#tree").root.children if "never taken" in str(node.label)]
            leaves = [str(leaf.label) for node in never for leaf in node.children]
            return offered, set(screen.selected), str(screen.query_one("#status").render()), \
                screen.plan.excluded, leaves

    offered, selected, status, excluded, leaves = asyncio.run(drive_it())
    assert not offered, "a live stack's resources are never offered"
    live = [e for e in excluded if "belongs to stack workshop-live" in e.why]
    assert live, "the live stack's resources are shown as never taken"
    assert not {e.key for e in live} & selected
    assert len(selected) == 6  # the leftovers still are
    assert sum("belongs to stack workshop-live" in x and "hostwiz down workshop-live" in x for x in leaves) == len(live)
    assert f"{len(excluded)} more are never taken" in status
