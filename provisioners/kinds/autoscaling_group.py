"""Auto Scaling groups: force-deleted (AWS terminates their instances)."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import stamp


@register
class AutoscalingGroup(Kind):
    name = "autoscaling-group"
    label = "Auto Scaling group"
    retry_codes = Kind.retry_codes + ("ScalingActivityInProgress", "ResourceInUse")

    def list(self, aws: Aws) -> Iterable[Resource]:
        for page in aws.client("autoscaling").get_paginator("describe_auto_scaling_groups").paginate():
            for g in page["AutoScalingGroups"]:
                if g.get("Status") == "Delete in progress":
                    continue
                tags = tag_dict(g.get("Tags", []))
                lt = g.get("LaunchTemplate") or (g.get("MixedInstancesPolicy") or {}).get(
                    "LaunchTemplate", {}).get("LaunchTemplateSpecification") or {}
                yield Resource(self.name, g["AutoScalingGroupName"], aws.region, g["AutoScalingGroupName"], tags, {
                    "subnets": [s for s in (g.get("VPCZoneIdentifier") or "").split(",") if s],
                    "instances": [i["InstanceId"] for i in g.get("Instances", [])],
                    "size": g.get("DesiredCapacity", 0), "created": stamp(g.get("CreatedTime")),
                    "target_groups": g.get("TargetGroupARNs", []),
                    "owns": [x for x in (lt.get("LaunchTemplateId"),) if x],
                })

    def delete(self, aws: Aws, res: Resource) -> None:
        aws.client("autoscaling").delete_auto_scaling_group(AutoScalingGroupName=res.id, ForceDelete=True)

    def exists(self, aws: Aws, res: Resource) -> bool:
        groups = aws.client("autoscaling").describe_auto_scaling_groups(
            AutoScalingGroupNames=[res.id])["AutoScalingGroups"]
        return bool(groups)
