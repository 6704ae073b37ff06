"""VPC subnets."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import interfaces_in, name_of


@register
class Subnet(Kind):
    name = "subnet"
    label = "subnet"
    depends_on = ("ec2-instance", "nat-gateway", "network-interface", "load-balancer", "vpc-endpoint",
                  "lambda-function", "autoscaling-group", "rds-instance", "rds-cluster", "db-subnet-group")
    gone_codes = ("InvalidSubnetID.NotFound",)

    def list(self, aws: Aws) -> Iterable[Resource]:
        for page in aws.client("ec2").get_paginator("describe_subnets").paginate():
            for s in page["Subnets"]:
                if s.get("DefaultForAz"):
                    continue  # the default VPC's subnets
                tags = tag_dict(s.get("Tags"))
                yield Resource(self.name, s["SubnetId"], aws.region, name_of(tags, s["SubnetId"]), tags,
                               {"vpc_id": s["VpcId"], "cidr": s.get("CidrBlock"), "az": s.get("AvailabilityZone")})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("ec2").delete_subnet, SubnetId=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.listed("Subnets", aws.client("ec2").describe_subnets, SubnetIds=[res.id])

    def blockers(self, aws: Aws, res: Resource) -> list[str]:
        return interfaces_in(aws, "subnet-id", res.id)
