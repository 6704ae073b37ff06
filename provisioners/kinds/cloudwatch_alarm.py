"""CloudWatch metric alarms (the stack's optional recover and warning alarms, `provisioners.alarms`).

CloudWatch cannot filter alarms by tag: `find_stack` reads the alarms by the exact names hostwiz
gives a stack's alarms (`alarm_name(stack, key)` for each of `KEYS`; a prefix `hostwiz-<stack>-`
would also match stack `<stack>-x`'s) and keeps those whose tags say they are the stack's;
ownership (`hostwiz:id`) is checked by the callers. `list` (cleanup) reads the tags of every alarm
in the region.
"""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import STACK_TAG, Kind, Resource, register
from .common import stamp

PREFIX = "hostwiz-"
# The alarms a stack can have (`provisioners.alarms`: RECOVER, CPU_CREDITS, DB_STORAGE).
KEYS = ("instance-recover", "cpu-credits-low", "db-storage-low")


def alarm_name(stack: str, key: str) -> str:
    return f"{PREFIX}{stack}-{key}"


@register
class CloudWatchAlarm(Kind):
    name = "cloudwatch-alarm"
    label = "CloudWatch alarm"
    depends_on = ()  # nothing waits for an alarm; an alarm on a deleted instance only goes INSUFFICIENT_DATA
    gone_codes = ("ResourceNotFound", "ResourceNotFoundException")

    def list(self, aws: Aws, prefix: str | None = None, names: list[str] | None = None) -> Iterable[Resource]:
        """Every metric alarm in the region, or those named `prefix`..., or exactly `names` (at most 100)."""
        cw = aws.client("cloudwatch")
        kw: dict = {"AlarmTypes": ["MetricAlarm"]}
        if names is not None:
            if not names:
                return
            kw["AlarmNames"] = list(dict.fromkeys(names))
        elif prefix:
            kw["AlarmNamePrefix"] = prefix
        for page in cw.get_paginator("describe_alarms").paginate(**kw):
            for a in page.get("MetricAlarms", []):
                tags = self.unless_gone(cw.list_tags_for_resource, ResourceARN=a["AlarmArn"]) or {}
                dims = {d["Name"]: d["Value"] for d in a.get("Dimensions", [])}
                parent = dims.get("InstanceId") or dims.get("DBInstanceIdentifier")
                yield Resource(self.name, a["AlarmName"], aws.region, a["AlarmName"], tag_dict(tags.get("Tags")), {
                    "arn": a["AlarmArn"], "state": a.get("StateValue"), "reason": a.get("StateReason", ""),
                    "updated": stamp(a.get("StateUpdatedTimestamp")), "metric": a.get("MetricName"),
                    "namespace": a.get("Namespace"), "dimensions": dims, "actions": list(a.get("AlarmActions", [])),
                    "parents": [parent] if parent else []})

    def find_stack(self, aws: Aws, stack: str) -> list[Resource]:
        """The stack's alarms by the names hostwiz gives them: one DescribeAlarms, whatever else the region holds."""
        return [r for r in self.list(aws, names=[alarm_name(stack, k) for k in KEYS]) if r.tags.get(STACK_TAG) == stack]

    def find_named(self, aws: Aws, stack: str, names: Iterable[str], *, ledger: bool) -> list[Resource]:
        """The names hostwiz gives plus those the ledger records (`teardown.stack_names`), read in one call."""
        wanted = [alarm_name(stack, k) for k in KEYS] + [n for n in names if n.startswith(alarm_name(stack, ""))]
        return [r for r in self.list(aws, names=wanted) if r.tags.get(STACK_TAG) == stack]

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("cloudwatch").delete_alarms, AlarmNames=[res.id])

    def exists(self, aws: Aws, res: Resource) -> bool:
        found = aws.client("cloudwatch").describe_alarms(AlarmNames=[res.id], AlarmTypes=["MetricAlarm"])
        return any(a["AlarmName"] == res.id for a in found.get("MetricAlarms", []))
