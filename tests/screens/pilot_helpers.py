"""Helpers for the screen tests: settle the app, and look in moto for what a stack made."""

from __future__ import annotations

SIZE = (120, 36)


async def settle(pilot) -> None:
    """Let messages, then thread workers (AWS lookups, runs), then their messages finish."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def until(pilot, condition, tries: int = 200) -> None:
    """Settle until `condition()` holds (a lookup's answer arrives through a worker and a message;
    on a loaded machine one settle is not always enough)."""
    for _ in range(tries):
        if condition():
            return
        await settle(pilot)
    assert condition(), "the screen never reached the expected state"


async def open_wizard(pilot) -> None:
    """From a fresh app: wait for home, press n, wait for the wizard's first step."""
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)


def tagged(session, stack: str) -> list[str]:
    """Every live resource in moto tagged hostwiz:stack=<stack> (by the resource groups tagging API;
    terminated instances, which AWS also keeps listing for a while, do not count)."""
    tagging = session.aws.client("resourcegroupstaggingapi")
    found = tagging.get_resources(TagFilters=[{"Key": "hostwiz:stack", "Values": [stack]}])["ResourceTagMappingList"]
    live = {i["InstanceId"] for i in live_instances(session, stack)}
    return [m["ResourceARN"] for m in found
            if ":instance/" not in m["ResourceARN"] or m["ResourceARN"].rsplit("/", 1)[1] in live]


def live_instances(session, stack: str) -> list[dict]:
    ec2 = session.aws.client("ec2")
    res = ec2.describe_instances(Filters=[{"Name": "tag:hostwiz:stack", "Values": [stack]},
                                          {"Name": "instance-state-name", "Values": ["pending", "running"]}])
    return [i for r in res["Reservations"] for i in r["Instances"]]


def shown(app) -> str:
    """The text on the terminal now (from the app's own SVG screenshot)."""
    import html
    import re

    svg = app.export_screenshot()
    text = html.unescape(" ".join(re.findall(r">([^<>]*)</text>", svg))).replace("\xa0", " ")
    return re.sub(r"[ \t]+", " ", text)
