"""NAT gateways. Deletion is confirmed only once AWS reports them `deleted`, so their
Elastic IPs and subnets (which depend on this kind) are not touched before."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import name_of, stamp

GONE_STATES = ("deleted", "failed")


@register
class NatGateway(Kind):
    name = "nat-gateway"
    label = "NAT gateway"
    gone_codes = ("NatGatewayNotFound", "InvalidNatGatewayID.NotFound")

    def list(self, aws: Aws) -> Iterable[Resource]:
        for page in aws.client("ec2").get_paginator("describe_nat_gateways").paginate():
            for n in page["NatGateways"]:
                if n.get("State") in GONE_STATES:
                    continue
                tags = tag_dict(n.get("Tags"))
                yield Resource(self.name, n["NatGatewayId"], aws.region, name_of(tags, n["NatGatewayId"]), tags, {
                    "vpc_id": n.get("VpcId"), "subnet_id": n.get("SubnetId"), "created": stamp(n.get("CreateTime")),
                    "owns": [a["AllocationId"] for a in n.get("NatGatewayAddresses", []) if a.get("AllocationId")],
                })

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("ec2").delete_nat_gateway, NatGatewayId=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        resp = self.unless_gone(aws.client("ec2").describe_nat_gateways, NatGatewayIds=[res.id])
        return any(n.get("State") not in GONE_STATES for n in (resp or {}).get("NatGateways", []))
