"""VPCs (never the default VPC). AWS removes its main route table, default group and NACL with it."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import interfaces_in, name_of


@register
class Vpc(Kind):
    name = "vpc"
    label = "VPC"
    depends_on = ("subnet", "route-table", "internet-gateway", "security-group", "vpc-endpoint",
                  "network-interface", "nat-gateway", "load-balancer", "target-group", "ec2-instance")
    gone_codes = ("InvalidVpcID.NotFound",)

    def list(self, aws: Aws) -> Iterable[Resource]:
        for page in aws.client("ec2").get_paginator("describe_vpcs").paginate():
            for v in page["Vpcs"]:
                if v.get("IsDefault"):
                    continue  # the default VPC is never cleaned up
                tags = tag_dict(v.get("Tags"))
                yield Resource(self.name, v["VpcId"], aws.region, name_of(tags, v["VpcId"]), tags,
                               {"vpc_id": v["VpcId"], "cidr": v.get("CidrBlock")})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("ec2").delete_vpc, VpcId=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.listed("Vpcs", aws.client("ec2").describe_vpcs, VpcIds=[res.id])

    def blockers(self, aws: Aws, res: Resource) -> list[str]:
        return interfaces_in(aws, "vpc-id", res.id)
