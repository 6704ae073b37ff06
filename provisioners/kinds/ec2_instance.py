"""EC2 instances."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterable

from ..aws import Aws, error_code, tag_dict
from ..registry import Kind, Resource, register
from ..waiting import VISIBILITY_TIMEOUT, poll

LIVE_STATES = ("pending", "running", "stopping", "stopped", "shutting-down")


def _protected(aws: Aws, instance_id: str) -> bool:
    try:
        attr = aws.client("ec2").describe_instance_attribute(InstanceId=instance_id, Attribute="disableApiTermination")
    except Exception:
        return False
    return bool((attr.get("DisableApiTermination") or {}).get("Value"))


@register
class Ec2Instance(Kind):
    name = "ec2-instance"
    label = "EC2 instance"
    depends_on = ("autoscaling-group",)
    gone_codes = ("InvalidInstanceID.NotFound",)

    def create(self, aws: Aws, *, params: dict[str, Any], client_token: str) -> dict[str, Any]:
        """RunInstances with a persisted ClientToken: a retried call returns the same instance."""
        ec2 = aws.client("ec2")
        resp = ec2.run_instances(MinCount=1, MaxCount=1, ClientToken=client_token, **params)
        return resp["Instances"][0]

    def list(self, aws: Aws, filters: list[dict] | None = None) -> Iterable[Resource]:
        filters = list(filters or []) + [{"Name": "instance-state-name", "Values": list(LIVE_STATES)}]
        for page in aws.client("ec2").get_paginator("describe_instances").paginate(Filters=filters):
            for r in page["Reservations"]:
                for i in r["Instances"]:
                    tags = tag_dict(i.get("Tags"))
                    yield Resource(self.name, i["InstanceId"], aws.region, tags.get("Name", ""), tags, {
                        "state": i["State"]["Name"], "type": i.get("InstanceType"),
                        "public_ip": i.get("PublicIpAddress"), "private_ip": i.get("PrivateIpAddress"),
                        "vpc_id": i.get("VpcId"), "subnet_id": i.get("SubnetId"),
                        "launch_time": str(i.get("LaunchTime", "")),
                        "client_token": i.get("ClientToken"), "created": str(i.get("LaunchTime", "")),
                        "security_groups": [g["GroupId"] for g in i.get("SecurityGroups", [])],
                        "parents": [tags["aws:autoscaling:groupName"]] if "aws:autoscaling:groupName" in tags else [],
                        # a cleanup lists without filters and says when termination protection must go
                        **({"protection": "termination protection"} if not filters[:-1]
                           and _protected(aws, i["InstanceId"]) else {}),
                    })

    def find_stack(self, aws: Aws, stack: str) -> list[Resource]:
        return list(self.list(aws, [{"Name": "tag:hostwiz:stack", "Values": [stack]}]))

    def by_token(self, aws: Aws, client_token: str, stack: str, *, live: bool = True) -> list[dict]:
        """The instances of `stack` RunInstances made with `client_token` (live ones only, unless
        `live=False`). By the stack's tag (set atomically at launch), matched on the token."""
        filters = [{"Name": "tag:hostwiz:stack", "Values": [stack]}]
        if live:
            filters.append({"Name": "instance-state-name", "Values": list(LIVE_STATES)})
        out = []
        for page in aws.client("ec2").get_paginator("describe_instances").paginate(Filters=filters):
            out += [i for r in page["Reservations"] for i in r["Instances"] if i.get("ClientToken") == client_token]
        return out

    def describe(self, aws: Aws, instance_id: str) -> dict[str, Any] | None:
        resp = self.unless_gone(aws.client("ec2").describe_instances, InstanceIds=[instance_id])
        for r in (resp or {}).get("Reservations", []):
            for i in r["Instances"]:
                return i
        return None

    def wait_state(self, aws: Aws, instance_id: str, want: str, *, timeout: float, delay: float,
                   cancel: threading.Event | None = None, progress: Callable[[str], None] | None = None,
                   appear_timeout: float = VISIBILITY_TIMEOUT, max_delay: float | None = None,
                   first: float = 0.0, at_once: bool = True) -> dict:
        """Poll until the instance is `want`. Right after RunInstances, EC2 may answer
        InvalidInstanceID.NotFound for a while (eventual consistency): that is "not visible yet" for
        `appear_timeout` seconds, not "terminated". The delay backs off to 15 s unless `max_delay`
        says otherwise; `first` delays the first check (`waiting.fixed`)."""
        started = time.monotonic()
        seen = [False]

        def check() -> dict | None:
            inst = self.describe(aws, instance_id)
            if inst is None and not seen[0] and time.monotonic() - started < appear_timeout:
                if progress:
                    progress(f"{instance_id} is not visible in the EC2 API yet (normal right after launch)")
                return None
            seen[0] = seen[0] or inst is not None
            state = inst["State"]["Name"] if inst else "terminated"
            if state == want:
                return inst or {"InstanceId": instance_id, "State": {"Name": state}}
            if want == "running" and state in ("terminated", "shutting-down", "stopped"):
                raise RuntimeError(f"instance {instance_id} went to {state} instead of running")
            return None

        return poll(check, what=f"{instance_id} to be {want}", timeout=timeout, delay=delay,
                    cancel=cancel, progress=progress, max_delay=max(delay, 15.0) if max_delay is None else max_delay,
                    first=first, at_once=at_once)

    def delete(self, aws: Aws, res: Resource) -> None:
        ec2 = aws.client("ec2")
        try:
            self.unless_gone(ec2.terminate_instances, InstanceIds=[res.id])
        except Exception as err:
            if error_code(err) != "OperationNotPermitted":
                raise
            # termination protection (the plan says it will be lifted): lift it, then terminate
            ec2.modify_instance_attribute(InstanceId=res.id, DisableApiTermination={"Value": False})
            self.unless_gone(ec2.terminate_instances, InstanceIds=[res.id])

    def exists(self, aws: Aws, res: Resource) -> bool:
        inst = self.describe(aws, res.id)
        return bool(inst) and inst["State"]["Name"] != "terminated"
