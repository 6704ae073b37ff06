"""Internet gateways: detached from their VPC, then deleted."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import name_of


@register
class InternetGateway(Kind):
    name = "internet-gateway"
    label = "internet gateway"
    # AWS refuses to detach a gateway while the VPC still has public addresses mapped.
    depends_on = ("nat-gateway", "elastic-ip", "ec2-instance", "load-balancer")
    gone_codes = ("InvalidInternetGatewayID.NotFound", "Gateway.NotAttached")

    def list(self, aws: Aws) -> Iterable[Resource]:
        ec2 = aws.client("ec2")
        default_vpcs = {v["VpcId"] for v in ec2.describe_vpcs(
            Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]}
        for page in ec2.get_paginator("describe_internet_gateways").paginate():
            for g in page["InternetGateways"]:
                vpcs = [a["VpcId"] for a in g.get("Attachments", [])]
                if set(vpcs) & default_vpcs:
                    continue
                tags = tag_dict(g.get("Tags"))
                yield Resource(self.name, g["InternetGatewayId"], aws.region, name_of(tags, g["InternetGatewayId"]),
                               tags, {"vpc_id": vpcs[0] if vpcs else None, "vpcs": vpcs})

    def delete(self, aws: Aws, res: Resource) -> None:
        ec2 = aws.client("ec2")
        for vpc in res.data.get("vpcs", []):
            self.unless_gone(ec2.detach_internet_gateway, InternetGatewayId=res.id, VpcId=vpc)
        self.unless_gone(ec2.delete_internet_gateway, InternetGatewayId=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.listed("InternetGateways", aws.client("ec2").describe_internet_gateways, InternetGatewayIds=[res.id])
