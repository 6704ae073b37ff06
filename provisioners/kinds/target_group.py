"""ELBv2 target groups."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws
from ..registry import Kind, Resource, register
from .load_balancer import elb_tags


@register
class TargetGroup(Kind):
    name = "target-group"
    label = "target group"
    depends_on = ("listener", "load-balancer", "autoscaling-group")
    gone_codes = ("TargetGroupNotFound",)

    def list(self, aws: Aws) -> Iterable[Resource]:
        groups = [g for page in aws.client("elbv2").get_paginator("describe_target_groups").paginate()
                  for g in page["TargetGroups"]]
        tags = elb_tags(aws, [g["TargetGroupArn"] for g in groups])
        for g in groups:
            arn = g["TargetGroupArn"]
            yield Resource(self.name, arn, aws.region, g["TargetGroupName"], tags.get(arn, {}),
                           {"vpc_id": g.get("VpcId"), "parents": g.get("LoadBalancerArns", [])})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("elbv2").delete_target_group, TargetGroupArn=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.listed("TargetGroups", aws.client("elbv2").describe_target_groups, TargetGroupArns=[res.id])
